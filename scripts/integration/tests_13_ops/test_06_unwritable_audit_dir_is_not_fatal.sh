#!/usr/bin/env bash
# An audit_dir that cannot be written (here a regular file) does not stop agentd: messages
# flow, the failure is logged once (not once per flush), and stats.audit counts the lost
# lines and names the error.
source "$(dirname "$0")/../test_functions.sh"
echo "not a directory" >"$TEST_TMP/audit"
AGENTD_AUDIT_DIR="$TEST_TMP/audit" start_agentd
py <<'PY'
import time
from wire import *
a = Conn(); a.hello("uw-a")
b = Conn(); b.hello("uw-b")
for i in range(3):
    a.send("uw-b", {"i": i})
    time.sleep(0.6)   # spread over several flushes
got = fetch_until(b, 3)
b.call("ack", message_ids=[m["message_id"] for m in got])
time.sleep(1.5)
s = a.call("stats")["audit"]
assert s["enabled"] is True and s["written_total"] == 0, s
assert s["write_errors_total"] >= 6, s
assert s["failing"].startswith("Not a directory: "), s
print("# unwritable audit_dir: messages flowed; stats.audit %r" % s)
PY
warnings="$(grep -c 'audit log cannot be written' "$AGENTD_LOG" || true)"
assert_equal 1 "$warnings" "warnings about the unwritable audit dir"
stop_agentd

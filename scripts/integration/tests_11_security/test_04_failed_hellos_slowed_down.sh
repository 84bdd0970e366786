#!/usr/bin/env bash
# Failed hellos from one address are answered later and later (100 ms, doubling): the 5th in
# a row waits >= 1 s, while a right token on another connection is answered at once (the
# event loop is not blocked by the waiting replies).
source "$(dirname "$0")/../test_functions.sh"
python3 "$(dirname "$0")/tokens.py" "$TEST_TMP/tokens.json" "worker-*=w-secret:worker"
AGENTD_AUTH_MODE=token AGENTD_AUTH_TOKENS_FILE="$TEST_TMP/tokens.json" start_agentd
py <<'PY'
import time
from wire import *
bad = Conn()
times = []
for n in range(5):
    start = time.monotonic()
    expect_error(bad.request("hello", agent_id="worker-1", token="guess-%d" % n, timeout=10), "unauthenticated")
    times.append(time.monotonic() - start)
print("# wrong-token reply times (s): " + " ".join("%.3f" % t for t in times))
assert times[4] >= 1.0, times
assert times[0] < 1.0, times
# Another wrong guess goes out, and while its reply waits, a right token is answered fast.
bad.send_line({"op": "hello", "id": "late", "agent_id": "worker-1", "token": "guess-6"})
good = Conn()
start = time.monotonic()
good.hello("worker-2", token="w-secret")
fast = time.monotonic() - start
print("# right token on another connection while a failure waits: %.3f s" % fast)
assert fast < 0.5, fast
r = bad.recv_reply(timeout=10)
expect_error(r, "unauthenticated")
assert good.call("stats")["server"]["auth_failures_total"] == 6
PY

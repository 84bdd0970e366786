#!/usr/bin/env bash
# A nack delay lives in agentd's memory: after a restart the nacked message can be
# delivered at once, not after the (long) delay; and it is not lost.
source "$(dirname "$0")/../test_functions.sh"
require_redis
start_agentd
py >"$TEST_TMP/mid" <<'PY'
from wire import *
s, r = Conn(), Conn()
s.hello("nd-sender")
r.hello("nd-receiver")
mid = s.send("nd-receiver", {"x": 1})["message_id"]
assert len(r.fetch()) == 1
assert r.call("nack", message_ids=[mid], delay_ms=600000)["requeued"] == 1
assert r.fetch(wait_ms=300) == []
print(mid)
PY
stop_agentd
start_agentd
py "$(cat "$TEST_TMP/mid")" <<'PY'
import sys, time
from wire import *
mid = sys.argv[1]
r = Conn()
r.hello("nd-receiver")
t0 = time.monotonic()
got = fetch_until(r, 1, deadline_s=10.0)
assert [m["message_id"] for m in got] == [mid], "nacked message not delivered after restart: %r" % got
assert got[0]["delivery"]["attempt"] == 2, got[0]
r.call("ack", message_ids=[mid])
print("# nack delay_ms=600000, restart: delivered after %.2f s with attempt 2" % (time.monotonic() - t0))
PY

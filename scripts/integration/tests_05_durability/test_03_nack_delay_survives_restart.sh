#!/usr/bin/env bash
# A nack delay is kept in Redis (the inbox's retry set, by Redis' clock): after agentd
# restarts, the nacked message is still not delivered before its delay, then comes with
# attempt 2; nothing is lost.
source "$(dirname "$0")/../test_functions.sh"
require_redis
start_agentd
py >"$TEST_TMP/mid" <<'PY'
import time
from wire import *
s, r = Conn(), Conn()
s.hello("nd-sender")
r.hello("nd-receiver")
mid = s.send("nd-receiver", {"x": 1})["message_id"]
assert len(r.fetch()) == 1
assert r.call("nack", message_ids=[mid], delay_ms=4000)["requeued"] == 1
print(mid, time.time())
PY
stop_agentd
start_agentd
read -r mid nacked_at <"$TEST_TMP/mid"
py "$mid" "$nacked_at" <<'PY'
import sys, time
from wire import *
mid, nacked_at = sys.argv[1], float(sys.argv[2])
r = Conn()
r.hello("nd-receiver")
early = r.fetch(wait_ms=int(max(0, nacked_at + 3.0 - time.time()) * 1000))
assert early == [], "delivered before its nack delay ran out: %r" % early
got = fetch_until(r, 1, deadline_s=10.0)
waited = time.time() - nacked_at
assert [m["message_id"] for m in got] == [mid], "nacked message not delivered after restart: %r" % got
assert got[0]["delivery"]["attempt"] == 2, got[0]
assert waited >= 3.9, "delivered %.2f s after a 4 s nack delay" % waited
r.call("ack", message_ids=[mid])
print("# nack delay_ms=4000, restart in between: delivered %.2f s after the nack, attempt 2" % waited)
PY

#!/usr/bin/env bash
# A pushed message not acked within ack_timeout_ms (500 ms) is pushed again with
# attempt 2, and the prefetch slot it held is freed.
source "$(dirname "$0")/../test_functions.sh"
AGENTD_ACK_TIMEOUT_MS=500 start_agentd
py <<'PY'
import time
from wire import *
s, r = Conn(), Conn()
s.hello("repush-sender")
r.hello("repush-receiver")
r.call("subscribe", prefetch=1)
mid = s.send("repush-receiver", {"x": 1})["message_id"]
e1 = r.expect_event(timeout=3)
t0 = time.monotonic()
assert e1["message"]["message_id"] == mid and e1["message"]["delivery"]["attempt"] == 1, e1
e2 = r.expect_event(timeout=5)
waited = time.monotonic() - t0
assert e2["message"]["message_id"] == mid and e2["message"]["delivery"]["attempt"] == 2, e2
assert waited >= 0.45, waited
r.call("ack", message_ids=[mid])
r.expect_nothing(1.0)
print("# pushed, not acked: pushed again after %.2f s with attempt 2" % waited)
PY

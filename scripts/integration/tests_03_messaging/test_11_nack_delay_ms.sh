#!/usr/bin/env bash
# nack with delay_ms: the message is not delivered again before the delay is over.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
import time
from wire import *
s, r = Conn(), Conn()
s.hello("later-sender")
r.hello("later-receiver")
mid = s.send("later-receiver", {"x": 1})["message_id"]
assert len(r.fetch()) == 1
t0 = time.monotonic()
assert r.call("nack", message_ids=[mid], delay_ms=1500)["requeued"] == 1
early = r.fetch(wait_ms=800)
assert early == [], "delivered %.2f s after a 1500 ms nack delay: %r" % (time.monotonic() - t0, early)
got = fetch_until(r, 1, deadline_s=6.0)
waited = time.monotonic() - t0
assert len(got) == 1 and got[0]["message_id"] == mid, got
assert got[0]["delivery"]["attempt"] == 2, got[0]
assert waited >= 1.45, "redelivered after %.2f s, delay was 1.5 s" % waited
r.call("ack", message_ids=[mid])
print("# nack delay_ms=1500: redelivered after %.2f s with attempt 2" % waited)
PY

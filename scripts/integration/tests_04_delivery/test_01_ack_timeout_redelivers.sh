#!/usr/bin/env bash
# A fetched message not acked within ack_timeout_ms (500 ms here) is delivered again,
# with attempt 2.
source "$(dirname "$0")/../test_functions.sh"
AGENTD_ACK_TIMEOUT_MS=500 start_agentd
py <<'PY'
import time
from wire import *
s, r = Conn(), Conn()
s.hello("slow-sender")
r.hello("slow-worker")
mid = s.send("slow-worker", {"job": 1})["message_id"]
first = r.fetch()
t0 = time.monotonic()
assert len(first) == 1 and first[0]["delivery"]["attempt"] == 1, first
assert r.fetch(wait_ms=200) == [], "redelivered before the ack timeout"
again = fetch_until(r, 1, deadline_s=6.0)
waited = time.monotonic() - t0
assert len(again) == 1 and again[0]["message_id"] == mid, again
assert again[0]["delivery"]["attempt"] == 2, again[0]["delivery"]
assert waited >= 0.45, "redelivered after %.2f s, ack timeout is 0.5 s" % waited
r.call("ack", message_ids=[mid])
assert r.fetch(wait_ms=1000) == [], "acked message came back"
print("# unacked message redelivered after %.2f s with attempt 2" % waited)
PY

#!/usr/bin/env bash
# A message sent with delay_ms cannot be fetched before the delay and can be after it.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
import time
from wire import *
s, r = Conn(), Conn()
s.hello("delay-sender")
r.hello("delay-receiver")
t0 = time.monotonic()
mid = s.send("delay-receiver", {"when": "later"}, delay_ms=1500)["message_id"]
early = r.fetch(wait_ms=700)
assert early == [], "delayed message delivered after %.2f s: %r" % (time.monotonic() - t0, early)
got = fetch_until(r, 1, deadline_s=6.0)
waited = time.monotonic() - t0
assert len(got) == 1 and got[0]["message_id"] == mid and got[0]["delivery"]["attempt"] == 1, got
assert waited >= 1.45, "delivered after %.2f s, delay was 1.5 s" % waited
r.call("ack", message_ids=[mid])
print("# delay_ms=1500: delivered after %.2f s" % waited)
PY

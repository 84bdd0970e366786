#!/usr/bin/env bash
# ttl_ms is checked at every delivery: a message delivered once, then nacked after its
# ttl has passed, is dropped (counted in expired_total) instead of delivered again.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
import time
from wire import *
s, r = Conn(), Conn()
s.hello("ttl2-sender")
r.hello("ttl2-receiver")
before = s.call("stats")["queues"]["expired_total"]
mid = s.send("ttl2-receiver", {"x": 1}, ttl_ms=500)["message_id"]
got = r.fetch()
assert [m["message_id"] for m in got] == [mid], got
time.sleep(1.0)
r.call("nack", message_ids=[mid])
again = r.fetch(wait_ms=1000)
assert again == [], "expired message delivered again: %r" % again
after = s.call("stats")["queues"]["expired_total"]
assert after == before + 1, (before, after)
print("# ttl passed while in flight: not redelivered; expired_total %d -> %d" % (before, after))
PY

#!/usr/bin/env bash
# A message not delivered within ttl_ms is never delivered and counts in expired_total.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
import time
from wire import *
s, r = Conn(), Conn()
s.hello("ttl-sender")
r.hello("ttl-receiver")
before = s.call("stats")["queues"]["expired_total"]
s.send("ttl-receiver", {"short": True}, ttl_ms=300)
s.send("ttl-receiver", {"long": True}, ttl_ms=60000)
time.sleep(1.0)
got = r.fetch(limit=10)
assert [m["content"] for m in got] == [{"long": True}], "expired message delivered: %r" % got
r.call("ack", message_ids=[got[0]["message_id"]])
after = s.call("stats")["queues"]["expired_total"]
assert after == before + 1, "expired_total %r -> %r, want +1" % (before, after)
assert r.fetch(limit=10) == []
print("# ttl_ms=300 after 1 s: not delivered; expired_total %d -> %d" % (before, after))
PY

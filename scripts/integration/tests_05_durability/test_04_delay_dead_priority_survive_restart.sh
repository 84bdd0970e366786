#!/usr/bin/env bash
# Across a kill -9 and restart: a delayed message keeps its delay, a dead letter stays a
# dead letter, and priority order is kept.
source "$(dirname "$0")/../test_functions.sh"
require_redis
AGENTD_MAX_DELIVERIES=1 start_agentd
py >"$TEST_TMP/state.json" <<'PY'
import json, time
from wire import *
s, r = Conn(), Conn()
s.hello("keep-sender")
r.hello("keep-receiver")
dead = s.send("keep-receiver", {"kind": "dead"})["message_id"]
got = r.fetch()
assert [m["message_id"] for m in got] == [dead], got
r.call("nack", message_ids=[dead])  # its only allowed attempt ends: dead letter
end = time.monotonic() + 3
while time.monotonic() < end and not r.call("dead_letters")["messages"]:
    time.sleep(0.1)
assert [m["message_id"] for m in r.call("dead_letters")["messages"]] == [dead]
delayed = s.send("keep-receiver", {"kind": "delayed"}, delay_ms=4000, priority="critical")["message_id"]
low = s.send("keep-receiver", {"kind": "low"}, priority="low")["message_id"]
high = s.send("keep-receiver", {"kind": "high"}, priority="high")["message_id"]
print(json.dumps({"dead": dead, "delayed": delayed, "low": low, "high": high, "sent_at": time.time()}))
PY
kill9_agentd
AGENTD_MAX_DELIVERIES=1 start_agentd
py "$TEST_TMP/state.json" <<'PY'
import json, sys, time
from wire import *
st = json.load(open(sys.argv[1]))
r = Conn()
r.hello("keep-receiver")
dl = r.call("dead_letters")["messages"]
assert [m["message_id"] for m in dl] == [st["dead"]], "dead letters after restart: %r" % dl
got = r.fetch(limit=10)
assert [m["message_id"] for m in got] == [st["high"], st["low"]], "order after restart: %r" % got
r.call("ack", message_ids=[st["high"], st["low"]])
early = time.time() - st["sent_at"]
got = fetch_until(r, 1, deadline_s=10.0)
at = time.time() - st["sent_at"]
assert [m["message_id"] for m in got] == [st["delayed"]], got
assert at >= 3.9, "delayed message delivered %.2f s after send (delay 4 s)" % at
r.call("ack", message_ids=[st["delayed"]])
print("# after restart: dead letter kept, high before low, 4 s delay kept (delivered at %.2f s)" % at)
PY

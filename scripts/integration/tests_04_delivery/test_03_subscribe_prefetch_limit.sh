#!/usr/bin/env bash
# subscribe: the reply comes before any event; never more than prefetch unacked pushed
# messages at once; each ack lets one more through.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
s, r = Conn(), Conn()
s.hello("push-sender")
r.hello("push-receiver")
ids = [s.send("push-receiver", {"n": i})["message_id"] for i in range(6)]
r.send_line({"op": "subscribe", "id": "sub", "prefetch": 2})
first = r.recv()
assert first.get("id") == "sub" and first.get("ok") is True and first.get("subscribed") is True, \
    "first frame after subscribe must be its reply: %r" % first
ev = r.collect_events(quiet=1.0)
assert len(ev) == 2, "prefetch 2 but %d events pushed" % len(ev)
for e in ev:
    assert e["event"] == "message" and "ok" not in e, e
    assert e["message"]["delivery"]["attempt"] == 1, e
got = [e["message"]["message_id"] for e in ev]
assert got == ids[:2], (got, ids)
r.call("ack", message_ids=[got[0]])
more = r.collect_events(quiet=1.0)
assert len(more) == 1 and more[0]["message"]["message_id"] == ids[2], more
pushed = got + [more[0]["message"]["message_id"]]
r.call("ack", message_ids=pushed[1:])
rest = r.collect_events(quiet=1.0)
assert [e["message"]["message_id"] for e in rest] == ids[3:5], rest
r.call("ack", message_ids=[e["message"]["message_id"] for e in rest])
last = r.collect_events(quiet=1.0)
assert [e["message"]["message_id"] for e in last] == ids[5:], last
r.call("ack", message_ids=ids[5:])
# New sends are pushed too.
s.send("push-receiver", {"n": 99})
e = r.expect_event(timeout=3)
assert e["message"]["content"] == {"n": 99}, e
print("# prefetch=2: 2 pushed, +1 after one ack, all 7 delivered in order")
PY

#!/usr/bin/env bash
# The same sender repeating a message_id gets duplicate:true and the message is stored
# once; another sender using that id gets bad_request.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
s, t, r = Conn(), Conn(), Conn()
s.hello("dup-sender")
t.hello("other-sender")
r.hello("dup-receiver")
first = s.send("dup-receiver", {"n": 1}, message_id="order-123")
assert first["message_id"] == "order-123" and not first.get("duplicate"), first
again = s.send("dup-receiver", {"n": 1}, message_id="order-123")
assert again["message_id"] == "order-123" and again.get("duplicate") is True, again
expect_error(t.request("send", message={"to_agent": "dup-receiver", "message_type": "status_update",
                                        "content": {"n": 2}, "message_id": "order-123"}), "bad_request", "message_id")
got = fetch_until(r, 2, deadline_s=1.0, limit=10)
assert len(got) == 1 and got[0]["message_id"] == "order-123" and got[0]["content"] == {"n": 1}, got
# Still a duplicate once delivered and even once acked (within the dedup window).
assert s.send("dup-receiver", {"n": 1}, message_id="order-123").get("duplicate") is True
r.call("ack", message_ids=["order-123"])
assert s.send("dup-receiver", {"n": 1}, message_id="order-123").get("duplicate") is True
assert r.fetch(limit=10) == []
print("# same sender: stored once, duplicate:true; other sender: bad_request")
PY

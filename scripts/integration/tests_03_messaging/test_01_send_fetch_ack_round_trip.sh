#!/usr/bin/env bash
# send -> fetch -> ack: the message comes back exactly as sent (big integers, nested
# objects, unicode), with from_agent, timestamp and delivery filled in by the server.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
s, r = Conn(), Conn()
s.hello("sender-1")
r.hello("receiver-1")
content = {
    "max_int": 9223372036854775807, "min_int": -9223372036854775808, "zero": 0,
    "float": 1.5, "neg_float": -0.25, "bool": True, "nothing": None,
    "text": "h\u00e9llo \u2713 \U0001F680 \"quoted\" back\\slash\nnewline",
    "nested": {"a": [1, 2, {"b": [[], {}]}], "deep": {"deeper": {"deepest": "yes"}}},
    "empty_obj": {}, "empty_list": [], "control": "nul\u0000 bell\u0007 tab\t", "escaped_slash": "a/b",
    "keys with spaces": 1, "": "empty key",
}
reply = s.send("receiver-1", content, message_type="task_request", priority="high",
               correlation_id="corr-42", reply_to="sender-1")
mid = reply["message_id"]
assert isinstance(mid, str) and 1 <= len(mid) <= 128, reply
assert not reply.get("duplicate"), reply
msgs = r.fetch(limit=10)
assert len(msgs) == 1, msgs
m = msgs[0]
assert m["message_id"] == mid, m
assert m["content"] == content, "content changed:\n sent %r\n got  %r" % (content, m["content"])
assert m["content"]["max_int"] == 2**63 - 1 and m["content"]["min_int"] == -2**63, m["content"]
assert m["from_agent"] == "sender-1", m
assert m["to_agent"] == "receiver-1", m
assert m["message_type"] == "task_request", m
assert m["priority"] == "high", m
assert m["correlation_id"] == "corr-42" and m["reply_to"] == "sender-1", m
assert TIMESTAMP_RE.match(m["timestamp"]), "timestamp format: %r" % m["timestamp"]
d = m["delivery"]
assert d["attempt"] == 1, d
assert TIMESTAMP_RE.match(d["delivered_at"]), "delivered_at format: %r" % d["delivered_at"]
assert r.call("ack", message_ids=[mid])["acked"] == 1
assert r.fetch(limit=10) == [], "acked message came back"
# Default priority is medium; server generates distinct ids.
ids = {s.send("receiver-1", {"n": i})["message_id"] for i in range(5)}
assert len(ids) == 5, ids
got = r.fetch(limit=10)
assert [m["priority"] for m in got] == ["medium"] * 5, got
assert [m["content"]["n"] for m in got] == list(range(5)), got
r.call("ack", message_ids=[m["message_id"] for m in got])
print("# round trip ok: content identical incl. 2^63-1, timestamp %s" % m["timestamp"])
PY

#!/usr/bin/env bash
# nack puts a message back at once; its next delivery is attempt 2, same id and content.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
s, r = Conn(), Conn()
s.hello("nack-sender")
r.hello("nack-receiver")
mid = s.send("nack-receiver", {"try": "again"})["message_id"]
first = r.fetch()
assert len(first) == 1 and first[0]["delivery"]["attempt"] == 1, first
assert r.call("nack", message_ids=[mid, "unknown-id"])["requeued"] == 1
second = r.fetch(wait_ms=2000)
assert len(second) == 1, second
m = second[0]
assert m["message_id"] == mid and m["content"] == {"try": "again"}, m
assert m["delivery"]["attempt"] == 2, m["delivery"]
r.call("ack", message_ids=[mid])
assert r.fetch() == []
print("# nack -> redelivered, attempt 2")
PY

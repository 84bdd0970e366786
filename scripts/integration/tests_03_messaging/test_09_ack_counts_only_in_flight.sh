#!/usr/bin/env bash
# ack counts only ids in flight for this agent: unknown, repeated, already acked,
# not yet delivered, and another agent's ids count 0 and are not an error.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
s, r, x = Conn(), Conn(), Conn()
s.hello("acks-sender")
r.hello("acks-receiver")
x.hello("acks-intruder")
ids = [s.send("acks-receiver", {"n": i})["message_id"] for i in range(3)]
got = r.fetch(limit=2)
assert [m["message_id"] for m in got] == ids[:2], got
assert x.call("ack", message_ids=ids)["acked"] == 0, "another agent acked our messages"
n = r.call("ack", message_ids=[ids[0], ids[0], "no-such-id", ids[2]])["acked"]
assert n == 1, "acked %r, want 1 (only ids[0] was in flight)" % n
assert r.call("ack", message_ids=[ids[0], ids[1]])["acked"] == 1
assert r.call("ack", message_ids=[ids[1]])["acked"] == 0
rest = r.fetch(limit=10)
assert [m["message_id"] for m in rest] == [ids[2]], rest
r.call("ack", message_ids=[ids[2]])
print("# ack counted only in-flight ids")
PY

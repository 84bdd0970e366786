#!/usr/bin/env bash
# In-flight messages of two connections of one agent are independent: closing one
# releases only its own deliveries.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
s, a, b = Conn(), Conn(), Conn()
s.hello("indep-sender")
a.hello("indep")
b.hello("indep")
m1 = s.send("indep", {"n": 1})["message_id"]
m2 = s.send("indep", {"n": 2})["message_id"]
assert [m["message_id"] for m in a.fetch(limit=1)] == [m1]
assert [m["message_id"] for m in b.fetch(limit=1)] == [m2]
a.close()
got = fetch_until(b, 1, deadline_s=3.0)
assert [m["message_id"] for m in got] == [m1] and got[0]["delivery"]["attempt"] == 2, got
assert b.fetch(wait_ms=1000) == [], "b's own in-flight message was released too"
assert b.call("ack", message_ids=[m1, m2])["acked"] == 2
print("# closing one connection released only its own in-flight message")
PY

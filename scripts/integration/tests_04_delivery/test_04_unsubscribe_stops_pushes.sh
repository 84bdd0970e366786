#!/usr/bin/env bash
# After unsubscribe no more events are pushed; messages wait for fetch.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
s, r = Conn(), Conn()
s.hello("unsub-sender")
r.hello("unsub-receiver")
assert r.call("subscribe")["subscribed"] is True
s.send("unsub-receiver", {"n": 1})
e = r.expect_event(timeout=3)
r.call("ack", message_ids=[e["message"]["message_id"]])
assert r.call("unsubscribe")["subscribed"] is False
s.send("unsub-receiver", {"n": 2})
r.expect_nothing(1.0)
got = r.fetch()
assert [m["content"] for m in got] == [{"n": 2}], got
r.call("ack", message_ids=[got[0]["message_id"]])
print("# unsubscribe stopped pushes; message waited for fetch")
PY

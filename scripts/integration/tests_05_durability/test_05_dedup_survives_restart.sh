#!/usr/bin/env bash
# Retrying a send with the same message_id is safe across an agentd crash: after a
# kill -9 and restart the retry is a duplicate and the message is stored once.
source "$(dirname "$0")/../test_functions.sh"
require_redis
start_agentd
py <<'PY'
from wire import *
s = Conn()
s.hello("retry-sender")
s.send("retry-receiver", {"v": 1}, message_id="retry-1")
PY
kill9_agentd
start_agentd
py <<'PY'
from wire import *
s, r, t = Conn(), Conn(), Conn()
s.hello("retry-sender")
r.hello("retry-receiver")
t.hello("retry-thief")
again = s.send("retry-receiver", {"v": 1}, message_id="retry-1")
assert again["message_id"] == "retry-1" and again.get("duplicate") is True, again
expect_error(t.request("send", message={"to_agent": "retry-receiver", "message_type": "status_update",
                                        "content": {}, "message_id": "retry-1"}), "bad_request", "message_id")
got = fetch_until(r, 2, deadline_s=1.5)
assert [m["message_id"] for m in got] == ["retry-1"], got
r.call("ack", message_ids=["retry-1"])
print("# retry after crash: duplicate:true, stored once")
PY

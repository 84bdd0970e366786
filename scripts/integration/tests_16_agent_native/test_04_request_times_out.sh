#!/usr/bin/env bash
# A request nobody answers replies {message_id, reply: null, timed_out: true} after timeout_ms
# (not before), and holds back the replies to later requests on its connection: a ping sent
# right behind it is answered after it, in order.
source "$(dirname "$0")/../test_functions.sh"
require_redis
start_agentd
py <<'PY'
import time
from wire import *
a, b = Conn(), Conn()
a.hello("to-asker")
b.hello("to-silent")
t0 = time.monotonic()
a.send_line({"op": "request", "id": 1, "timeout_ms": 800,
             "message": {"to_agent": "to-silent", "message_type": "task_request", "content": {}}})
a.send_line({"op": "ping", "id": 2})
first = a.recv_reply(5)
took = time.monotonic() - t0
second = a.recv_reply(5)
assert first["id"] == 1 and first["ok"] is True, first
assert first["reply"] is None and first["timed_out"] is True and isinstance(first["message_id"], str), first
assert second == {"id": 2, "ok": True, "pong": True}, second
assert 0.75 <= took < 3.0, "timed out after %.2f s, timeout_ms is 800" % took
# The request was delivered like any send.
got = b.fetch()
assert [m["message_id"] for m in got] == [first["message_id"]] and got[0]["reply_to"] == "to-asker", got
expect_error(a.request("request", message={"to_agent": "x", "message_type": "heartbeat", "content": {}},
                       timeout_ms=300001), "bad_request", "timeout_ms")
print("# unanswered request timed out after %.2f s (timeout_ms 800); the ping behind it came next" % took)
PY

#!/usr/bin/env bash
# A reply that arrives after its request timed out stays in the requester's inbox and is
# delivered normally (fetch, attempt 1, needs an ack); a second request on the same id
# meanwhile would take it, but none waits. A delayed reply (delay_ms) still answers a request
# that waits long enough (the correlation id survives the delayed set).
source "$(dirname "$0")/../test_functions.sh"
require_redis
start_agentd
py <<'PY'
from wire import *
a, b = Conn(), Conn()
a.hello("late-asker")
b.hello("late-helper")
r = a.request("request", timeout_ms=300,
              message={"to_agent": "late-helper", "message_type": "task_request", "content": {"q": 1}})
assert r["timed_out"] is True, r
m = b.fetch()[0]
b.send("late-asker", {"a": 1}, message_type="task_response", correlation_id=m["correlation_id"])
got = a.fetch(wait_ms=2000)
assert len(got) == 1 and got[0]["correlation_id"] == m["correlation_id"], got
assert got[0]["content"] == {"a": 1} and got[0]["delivery"]["attempt"] == 1, got
a.call("ack", message_ids=[got[0]["message_id"]])
assert a.fetch(wait_ms=300) == []
import threading
def answer():
    m = b.fetch(wait_ms=3000)[0]
    b.send("late-asker", {"a": 2}, message_type="task_response", correlation_id=m["correlation_id"], delay_ms=300)
t = threading.Thread(target=answer)
t.start()
r = a.request("request", timeout_ms=5000, timeout=10,
              message={"to_agent": "late-helper", "message_type": "task_request", "content": {"q": 2}})
t.join(5)
assert r.get("timed_out") is None and r["reply"]["content"] == {"a": 2}, r
assert r["reply"]["delay_ms"] == 300, r
print("# a reply after the timeout was fetched normally; a delayed reply answered its request")
PY

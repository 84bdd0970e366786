#!/usr/bin/env bash
# A waiting fetch returns when a message becomes deliverable during the wait: a delayed
# message coming due, or a message nacked on another connection of the agent.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
import time
from wire import *
s, a, b = Conn(), Conn(), Conn()
s.hello("due-sender")
a.hello("due")
b.hello("due")
t0 = time.monotonic()
mid = s.send("due", {"x": 1}, delay_ms=500)["message_id"]
got = a.call("fetch", wait_ms=5000, timeout=10)["messages"]
took = time.monotonic() - t0
assert [m["message_id"] for m in got] == [mid], got
assert 0.45 <= took < 2.0, "delayed message returned after %.2f s" % took
b.send_line({"op": "fetch", "id": "w", "wait_ms": 5000})
time.sleep(0.3)
t1 = time.monotonic()
a.call("nack", message_ids=[mid])
r = b.recv(timeout=8)
took2 = time.monotonic() - t1
assert r["id"] == "w" and [m["message_id"] for m in r["messages"]] == [mid], r
assert took2 < 1.5, "nacked message reached the waiting fetch after %.2f s" % took2
b.call("ack", message_ids=[mid])
print("# waiting fetch woke %.2f s after a 500 ms delayed send, %.2f s after a nack" % (took, took2))
PY

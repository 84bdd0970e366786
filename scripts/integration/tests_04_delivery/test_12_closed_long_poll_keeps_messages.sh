#!/usr/bin/env bash
# A connection that closes while its fetch is waiting must not swallow the next message:
# it goes to another connection of the agent at once.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
import time
from wire import *
s, a, b = Conn(), Conn(), Conn()
s.hello("lp-sender")
a.hello("lp")
b.hello("lp")
a.send_line({"op": "fetch", "id": 1, "wait_ms": 10000})
time.sleep(0.3)
a.close()
time.sleep(0.3)
mid = s.send("lp", {"x": 1})["message_id"]
t0 = time.monotonic()
got = fetch_until(b, 1, deadline_s=5.0)
took = time.monotonic() - t0
assert [m["message_id"] for m in got] == [mid], "message lost to a closed long poll: %r" % got
b.call("ack", message_ids=[mid])
print("# message after a closed long poll reached the other connection in %.2f s (attempt %d)"
      % (took, got[0]["delivery"]["attempt"]))
assert took < 3.0
PY

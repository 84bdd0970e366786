#!/usr/bin/env bash
# fetch with wait_ms returns as soon as a message arrives from another connection, and
# returns an empty list after wait_ms when none does.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
import time
from wire import *
s, r = Conn(), Conn()
s.hello("waker")
r.hello("sleeper")
t0 = time.monotonic()
r.request("fetch", wait_ms=400)
empty_wait = time.monotonic() - t0
t0 = time.monotonic()
r.send_line({"op": "fetch", "id": "long", "wait_ms": 10000, "limit": 5})
time.sleep(0.3)
s.send("sleeper", {"wake": "up"})
reply = r.recv(timeout=8)
woke = time.monotonic() - t0
assert reply.get("id") == "long" and reply.get("ok") is True, reply
assert len(reply["messages"]) == 1 and reply["messages"][0]["content"] == {"wake": "up"}, reply
assert empty_wait >= 0.35, "empty fetch returned after %.2f s, before wait_ms=400" % empty_wait
assert woke < 2.0, "fetch took %.2f s to wake after a send 0.3 s in" % woke
print("# empty wait %.2f s (wait_ms=400); woke %.2f s after start (send at 0.3 s)" % (empty_wait, woke))
PY

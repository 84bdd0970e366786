#!/usr/bin/env bash
# 50 clients that vanish abruptly (RST, half-written frames, mid-subscribe) leave agentd
# healthy, and stats.server.connections goes back to what it was.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
import socket, struct, time
from wire import *
w = Conn()
w.hello("watcher")
base = w.call("stats")["server"]["connections"]
for i in range(50):
    c = Conn()
    if i % 3 == 0:
        c.send_raw(b'{"op":"hello","agent_id":"ghost-%d"}\n{"op":"subscribe"}\n{"op":"fetch","wait_ms":5000}\n' % i)
    elif i % 3 == 1:
        c.send_raw(b'{"op":"ping","pad":"' + b"x" * 5000)
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = RST
    c.close()
end = time.monotonic() + 5
n = None
while time.monotonic() < end:
    n = w.call("stats")["server"]["connections"]
    if n == base:
        break
    time.sleep(0.1)
assert n == base, "connections %d, was %d before 50 abrupt disconnects" % (n, base)
assert w.call("health")["status"] == "ok"
print("# 50 abrupt disconnects: connections back to %d" % n)
PY
kill -0 "$AGENTD_PID" || fail "agentd died"

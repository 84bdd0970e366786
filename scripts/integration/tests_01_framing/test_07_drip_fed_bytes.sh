#!/usr/bin/env bash
# Frames split across many TCP segments (one byte at a time) are reassembled, and two
# frames in one segment are both answered.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
import time
from wire import *
c = Conn()
data = b'{"op":"hello","id":1,"agent_id":"dripper"}\r\n{"op":"ping","id":2}\n'
for i in range(len(data)):
    c.send_raw(data[i:i + 1])
    time.sleep(0.002)
r1, r2 = c.recv(), c.recv()
assert r1["id"] == 1 and r1["ok"] is True and r1["agent_id"] == "dripper", r1
assert r2["id"] == 2 and r2["pong"] is True, r2
c.send_raw(b'{"op":"ping","id":3}\n{"op":"ping","id":4}\n{"op":"pi')
c.send_raw(b'ng","id":5}\n')
assert [c.recv()["id"] for _ in range(3)] == [3, 4, 5]
print("# %d one-byte writes reassembled; batched and split frames answered" % len(data))
PY

#!/usr/bin/env bash
# A client that writes its requests and then shuts down its sending side (like
# `printf ... | nc`) still gets every reply before agentd closes the connection.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
import socket
from wire import *
c = Conn()
c.send_raw(b'{"op":"ping","id":1}\n{"op":"hello","id":2,"agent_id":"one-shot"}\n{"op":"stats","id":3}\n')
c.sock.shutdown(socket.SHUT_WR)
frames = c.expect_eof(timeout=5)
assert [f.get("id") for f in frames] == [1, 2, 3], frames
assert all(f["ok"] for f in frames), frames
print("# 3 requests then SHUT_WR: 3 replies, then EOF")
PY

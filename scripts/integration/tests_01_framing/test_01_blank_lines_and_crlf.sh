#!/usr/bin/env bash
# Blank lines (and lines of only white space) get no reply; a \r before \n is tolerated.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
c = Conn()
c.send_raw(b'\n\n   \n\t \r\n{"op":"ping","id":1}\r\n\r\n{"op":"ping","id":2}\n')
r1 = c.recv()
assert r1.get("id") == 1 and r1.get("ok") is True and r1.get("pong") is True, r1
r2 = c.recv()
assert r2.get("id") == 2 and r2.get("ok") is True and r2.get("pong") is True, r2
c.expect_nothing(0.5)  # the blank lines produced no replies
# The connection still works, CRLF request after hello too.
c.send_raw(b'{"op":"hello","id":"h","agent_id":"crlf-agent"}\r\n')
r = c.recv()
assert r.get("id") == "h" and r.get("ok") is True and r.get("agent_id") == "crlf-agent", r
print("# blank lines ignored, CRLF accepted")
PY

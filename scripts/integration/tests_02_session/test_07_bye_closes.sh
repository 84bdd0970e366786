#!/usr/bin/env bash
# bye is answered with ok and then the server closes the connection.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
c = Conn()
c.hello("leaver")
c.send_line({"op": "bye", "id": 9})
r = c.recv()
assert r.get("ok") is True and r.get("id") == 9, r
c.expect_eof(timeout=5)
print("# bye -> ok, then EOF")
PY

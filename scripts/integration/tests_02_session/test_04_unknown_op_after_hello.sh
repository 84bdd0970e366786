#!/usr/bin/env bash
# After hello an op that does not exist is unknown_op, and the connection keeps working.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
c = Conn()
c.hello("curious")
for op in ["frobnicate", "PING", "send_message", ""]:
    r = c.request(op)
    expect_error(r, "unknown_op")
assert c.request("ping")["ok"] is True
print("# unknown ops after hello -> unknown_op")
PY

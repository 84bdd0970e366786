#!/usr/bin/env bash
# The agent id "agentd" is reserved for the server: hello as it is forbidden.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
c = Conn()
r = c.request("hello", agent_id="agentd")
expect_error(r, "forbidden")
# Still not authenticated after the refused hello.
expect_error(c.request("stats"), "unauthenticated")
c.hello("agentd-fan")  # similar names are fine
print("# hello as agentd -> forbidden")
PY

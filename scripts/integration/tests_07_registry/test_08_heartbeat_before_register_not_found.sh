#!/usr/bin/env bash
# heartbeat and deregister from an agent that never registered are not_found; the session
# keeps working.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
c = Conn()
c.hello("never-registered")
r = c.request("heartbeat", status="active")
expect_error(r, "not_found")
expect_error(c.request("deregister"), "not_found")
assert c.call("ping")["pong"] is True
assert all(a["agent_id"] != "never-registered" for a in c.call("agents")["agents"]), "heartbeat registered the agent"
print("# heartbeat before register: %s" % r["error"]["message"])
PY

#!/usr/bin/env bash
# After a kill -9 and restart, agents keep their last_heartbeat: one that comes back (any
# frame) stays active, one that does not is marked offline after heartbeat_timeout_ms.
source "$(dirname "$0")/../test_functions.sh"
require_redis
export AGENTD_HEARTBEAT_INTERVAL_MS=300 AGENTD_HEARTBEAT_TIMEOUT_MS=900
start_agentd
py <<'PY'
from coord import *
agent("ro-back", "worker")
agent("ro-gone", "worker")
PY
kill9_agentd
start_agentd
py <<'PY'
import time
from wire import *
from coord import *
back = Conn()
back.hello("ro-back")
q = agent("ro-observer", "monitor")
t0 = time.monotonic()
gone = wait_for("ro-gone offline", lambda: (agent_info(q, "ro-gone") or {}).get("status") == "offline",
                timeout=5, keep=[back, q])
took = time.monotonic() - t0
b = agent_info(q, "ro-back")
assert b["status"] == "active", "the agent that came back went offline: %r" % b
st = q.call("stats")["registry"]
assert st["offline_agents"] == 1 and st["total_agents"] == 3, st
print("# ro-gone offline %.2f s after the restart; ro-back active; registry %r" % (took, st))
PY

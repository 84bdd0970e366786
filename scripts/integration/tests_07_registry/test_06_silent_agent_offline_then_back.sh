#!/usr/bin/env bash
# An agent silent for heartbeat_timeout_ms (900 ms here) is marked offline by the sweeper
# (stats offline_agents goes up, available drops it); its next frame, of any kind, makes it
# active again.
source "$(dirname "$0")/../test_functions.sh"
AGENTD_HEARTBEAT_INTERVAL_MS=300 AGENTD_HEARTBEAT_TIMEOUT_MS=900 start_agentd
py <<'PY'
import time
from wire import *
from coord import *
q = agent("sl-observer", "monitor")
w = agent("sl-worker", "worker", ["k"])
r0 = q.call("stats")["registry"]
assert r0["offline_agents"] == 0 and r0["active_agents"] == 2, r0
t0 = time.monotonic()
info = wait_for("sl-worker offline", lambda: (agent_info(q, "sl-worker") or {}).get("status") == "offline" and agent_info(q, "sl-worker"),
                timeout=5, keep=[q])
took = time.monotonic() - t0
assert took >= 0.8, "offline after %.2f s, timeout is 0.9 s" % took
r1 = q.call("stats")["registry"]
assert r1["offline_agents"] == 1 and r1["active_agents"] == 1 and r1["total_agents"] == 2, r1
assert "sl-worker" not in [a["agent_id"] for a in q.call("agents", available=True)["agents"]]
assert "sl-worker" in [a["agent_id"] for a in q.call("agents")["agents"]], "offline agents are listed without available"
w.call("ping")
back = agent_info(q, "sl-worker")
assert back["status"] == "active", "a ping did not bring the agent back: %r" % back
r2 = q.call("stats")["registry"]
assert r2["offline_agents"] == 0 and r2["active_agents"] == 2, r2
print("# offline after %.2f s (timeout 0.9 s); offline_agents 0 -> %d -> %d after a ping"
      % (took, r1["offline_agents"], r2["offline_agents"]))
PY

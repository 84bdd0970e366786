#!/usr/bin/env bash
# The registry is one for the whole system: an agent registered through daemon A is listed,
# with its role, capabilities, max_concurrent_tasks and metadata, by `agents` on daemon B;
# a heartbeat from the same agent's connection on B updates what A shows (status,
# current_tasks, last_heartbeat); registering again through B updates it for A; stats.registry
# is the same from both; deregister through B removes it for A.
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/daemons.sh"
require_redis
export AGENTD_DAEMON_LEASE_MS=1000
start_daemon A p01-a
start_daemon B p01-b
py <<'PY'
import time
from wire import *
from coord import agent_info
from daemons import *
mon_a = agent_on("A", "p01-mon-a", "monitor")
mon_b = agent_on("B", "p01-mon-b", "monitor")
w_a = agent_on("A", "p01-worker", "worker", ["gpu", "x"], max_tasks=3, metadata={"zone": "a"})
seen = wait_for("p01-worker listed on B", lambda: agent_info(mon_b, "p01-worker"), timeout=3)
assert seen["role"] == "worker" and sorted(seen["capabilities"]) == ["gpu", "x"], seen
assert seen["max_concurrent_tasks"] == 3 and seen["metadata"] == {"zone": "a"}, seen
assert seen["status"] == "active" and seen["current_tasks"] == 0, seen
assert "p01-worker" in [a["agent_id"] for a in mon_b.call("agents", capabilities=["gpu"], available=True)["agents"]]
assert "p01-worker" in [a["agent_id"] for a in mon_b.call("agents", role="worker")["agents"]]

time.sleep(0.05)
w_b = connect("B", "p01-worker")
w_b.call("heartbeat", status="busy", current_tasks=2)
a1 = agent_info(mon_a, "p01-worker")
print("# registered on A, heartbeat on B: A shows status=%s current_tasks=%d last_heartbeat %s -> %s"
      % (a1["status"], a1["current_tasks"], seen["last_heartbeat"], a1["last_heartbeat"]))
assert a1["status"] == "busy" and a1["current_tasks"] == 2, "heartbeat on B not seen on A: %r" % a1
assert a1["last_heartbeat"] > seen["last_heartbeat"], "last_heartbeat did not move: %r -> %r" % (seen, a1)
assert a1["role"] == "worker" and a1["max_concurrent_tasks"] == 3, "heartbeat lost the registration: %r" % a1

w_b.call("register", role="worker", capabilities=["cpu"], max_concurrent_tasks=1)
a2 = agent_info(mon_a, "p01-worker")
assert a2["capabilities"] == ["cpu"] and a2["max_concurrent_tasks"] == 1, "re-register on B not seen on A: %r" % a2
ra, rb = stats(mon_a)["registry"], stats(mon_b)["registry"]
assert ra == rb, "stats.registry differs: A %r, B %r" % (ra, rb)
assert ra["total_agents"] == 3, ra
w_b.call("deregister")
assert agent_info(mon_a, "p01-worker") is None, "deregistered on B, still listed on A"
assert stats(mon_a)["registry"]["total_agents"] == 2, stats(mon_a)["registry"]
print("# re-register on B -> A sees caps %s; deregister on B -> gone on A; stats.registry equal: %r" % (a2["capabilities"], ra))
PY
stop_daemon A
stop_daemon B

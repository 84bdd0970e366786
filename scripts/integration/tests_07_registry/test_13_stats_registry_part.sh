#!/usr/bin/env bash
# stats.registry: total_agents, active_agents (not offline), offline_agents and
# average_load (mean current_tasks/max_concurrent_tasks over agents not offline) move with
# register, heartbeat, offline and deregister.
source "$(dirname "$0")/../test_functions.sh"
AGENTD_HEARTBEAT_INTERVAL_MS=300 AGENTD_HEARTBEAT_TIMEOUT_MS=900 start_agentd
py <<'PY'
from wire import *
from coord import *
q = Conn()
q.hello("sr-reader")
def reg():
    return q.call("stats")["registry"]
r0 = reg()
assert r0 == {"total_agents": 0, "active_agents": 0, "offline_agents": 0, "average_load": 0} \
    or (r0["total_agents"], r0["active_agents"], r0["offline_agents"], r0["average_load"]) == (0, 0, 0, 0), r0
a = agent("sr-a", "worker", max_tasks=4)
b = agent("sr-b", "worker", max_tasks=2)
a.call("heartbeat", current_tasks=1)   # 0.25
b.call("heartbeat", current_tasks=1)   # 0.5
r1 = reg()
assert (r1["total_agents"], r1["active_agents"], r1["offline_agents"]) == (2, 2, 0), r1
assert abs(r1["average_load"] - 0.375) < 1e-9, r1
# b falls silent: offline, and no longer in the average
wait_for("sr-b offline", lambda: reg()["offline_agents"] == 1, timeout=5, keep=[a, q])
r2 = reg()
assert (r2["total_agents"], r2["active_agents"], r2["offline_agents"]) == (2, 1, 1), r2
assert abs(r2["average_load"] - 0.25) < 1e-9, r2
a.call("deregister")
r3 = reg()
assert (r3["total_agents"], r3["active_agents"], r3["offline_agents"]) == (1, 0, 1), r3
assert r3["average_load"] == 0, r3
print("# registry %r -> %r -> %r -> %r" % (r0, r1, r2, r3))
PY

#!/usr/bin/env bash
# deregister removes the agent from the registry (agents, stats); messaging still works;
# deregistering again is not_found; registering again works.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
from coord import *
q = agent("dr-observer", "monitor")
w = agent("dr-worker", "worker", ["k"])
assert agent_info(q, "dr-worker") is not None
n0 = q.call("stats")["registry"]["total_agents"]
r = w.call("deregister")
assert set(r) <= {"id", "ok"}, r
assert agent_info(q, "dr-worker") is None, "still listed after deregister"
n1 = q.call("stats")["registry"]["total_agents"]
assert n1 == n0 - 1, (n0, n1)
expect_error(w.request("deregister"), "not_found")
w.send("dr-observer", {"still": "talking"})
again = w.call("register", role="worker", capabilities=[])["agent"]
assert again["agent_id"] == "dr-worker" and agent_info(q, "dr-worker") is not None
print("# total_agents %d -> %d; second deregister not_found; re-register ok" % (n0, n1))
PY

#!/usr/bin/env bash
# The registry is kept in Redis: after agentd stops and starts again on the same Redis and
# key prefix, agents are listed with the same role, capabilities, max, metadata,
# registered_at, status, current_tasks and last_heartbeat; a heartbeat works without
# registering again.
source "$(dirname "$0")/../test_functions.sh"
require_redis
start_agentd
py >"$TEST_TMP/before.json" <<'PY'
import json
from wire import *
from coord import *
w = agent("rs-worker", "worker", ["gpu", "py"], max_tasks=3, metadata={"zone": "eu-1"})
b = agent("rs-boss", "supervisor")
w.call("heartbeat", status="busy", current_tasks=2)
b.call("heartbeat")
r = Conn()
r.hello("rs-reader")   # reads from a third agent, so each agent's last frame was a heartbeat
print(json.dumps({a["agent_id"]: a for a in r.call("agents")["agents"]}))
PY
stop_agentd
start_agentd
py "$TEST_TMP/before.json" <<'PY'
import json, sys
from wire import *
before = json.load(open(sys.argv[1]))
q = Conn()
q.hello("rs-reader")   # not registered: must not need a role to read agents
after = {a["agent_id"]: a for a in q.call("agents")["agents"]}
assert set(after) == {"rs-worker", "rs-boss"}, after
for aid, a in before.items():
    b = after[aid]
    for f in ["role", "capabilities", "max_concurrent_tasks", "status", "metadata", "registered_at", "last_heartbeat"]:
        assert a[f] == b[f], "%s.%s changed over the restart: %r -> %r" % (aid, f, a[f], b[f])
    # current_tasks is kept in Redis with the rest (the heartbeat's figure, 2, for rs-worker)
    assert b["current_tasks"] == a["current_tasks"], (a, b)
assert after["rs-worker"]["status"] == "busy", after["rs-worker"]
w = Conn()
w.hello("rs-worker")
w.call("heartbeat", status="active")   # no register needed after the restart
w.call("heartbeat", current_tasks=2)
assert [a for a in q.call("agents")["agents"] if a["agent_id"] == "rs-worker"][0]["current_tasks"] == 2
st = q.call("stats")["registry"]
assert st["total_agents"] == 2, st
print("# 2 agents back after restart, registered_at %s kept, status busy kept" % after["rs-worker"]["registered_at"])
PY

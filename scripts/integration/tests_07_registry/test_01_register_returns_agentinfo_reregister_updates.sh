#!/usr/bin/env bash
# register returns the full AgentInfo; registering again updates role, capabilities,
# max_concurrent_tasks and metadata but keeps registered_at.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
import time
from wire import *
c = Conn()
c.hello("reg-worker")
a = c.call("register", role="worker", capabilities=["python", "gpu"], max_concurrent_tasks=2,
           metadata={"host": "box-1", "n": 9223372036854775807})["agent"]
fields = ["agent_id", "role", "capabilities", "max_concurrent_tasks", "current_tasks", "status",
          "last_heartbeat", "registered_at", "metadata"]
for f in fields:
    assert f in a, "AgentInfo lacks %s: %r" % (f, a)
assert a["agent_id"] == "reg-worker" and a["role"] == "worker", a
assert a["capabilities"] == ["python", "gpu"] and a["max_concurrent_tasks"] == 2, a
assert a["current_tasks"] == 0 and a["status"] == "active", a
assert a["metadata"] == {"host": "box-1", "n": 9223372036854775807}, a
assert TIMESTAMP_RE.match(a["last_heartbeat"]) and TIMESTAMP_RE.match(a["registered_at"]), a
d = c.call("register", role="worker", capabilities=[])["agent"]
assert d["max_concurrent_tasks"] == 1, "default max_concurrent_tasks: %r" % d
time.sleep(0.02)
b = c.call("register", role="coordinator", capabilities=["plan"], max_concurrent_tasks=5,
           metadata={"host": "box-2"})["agent"]
assert b["role"] == "coordinator" and b["capabilities"] == ["plan"], b
assert b["max_concurrent_tasks"] == 5 and b["metadata"] == {"host": "box-2"}, b
assert b["registered_at"] == a["registered_at"], "registered_at changed: %r -> %r" % (a["registered_at"], b["registered_at"])
assert b["last_heartbeat"] >= a["last_heartbeat"], (a, b)
listed = [x for x in c.call("agents")["agents"] if x["agent_id"] == "reg-worker"]
assert len(listed) == 1, "re-register made a second entry: %r" % listed
strip = lambda x: {k: v for k, v in x.items() if k != "last_heartbeat"}
assert strip(listed[0]) == strip(b), (listed[0], b)
print("# registered_at kept %s; role worker->coordinator, max 2->5" % a["registered_at"])
PY

#!/usr/bin/env bash
# assign_task with a capable worker: the reply says assigned to it, and the worker receives
# a task_request from the supervisor, correlation_id = task_id, content
# {task_id, task_type, description, parameters, deadline, lease, attempt} (lease and attempt
# 1 on the first assignment); the task's history starts
# created, assigned.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
from coord import *
boss = agent("as-boss", "supervisor")
w = agent("as-worker", "worker", ["gpu", "py"])
agent("as-other", "worker", ["py"])   # lacks gpu
r = assign(boss, "transcode", ["gpu"], description="make it small",
           parameters={"file": "v.mp4", "n": 9223372036854775807}, priority="high", timeout_ms=60000)
assert r["state"] == "assigned" and r["assigned_to"] == "as-worker", r
tid = r["task_id"]
assert isinstance(tid, str) and tid, r
m = task_requests(w, 1)[0]
assert m["from_agent"] == "as-boss" and m["to_agent"] == "as-worker", m
assert m["correlation_id"] == tid, m
assert m["priority"] == "high", m
c = m["content"]
assert set(c) == {"task_id", "task_type", "description", "parameters", "deadline", "lease", "attempt"}, c
assert c["lease"] == 1 and c["attempt"] == 1, c
assert c["task_id"] == tid and c["task_type"] == "transcode" and c["description"] == "make it small", c
assert c["parameters"] == {"file": "v.mp4", "n": 9223372036854775807}, c
assert TIMESTAMP_RE.match(c["deadline"]), c
t = task(boss, tid)
for f in ["task_id", "task_type", "description", "parameters", "required_capabilities", "priority", "state",
          "assigned_to", "supervisor", "attempts", "max_retries", "deadline", "created_at", "updated_at", "history"]:
    assert f in t, "TaskInfo lacks %s: %r" % (f, t)
assert t["state"] == "assigned" and t["assigned_to"] == "as-worker" and t["supervisor"] == "as-boss", t
assert t["attempts"] == 1 and t["max_retries"] == 3 and t["deadline"] == c["deadline"], t
assert t["required_capabilities"] == ["gpu"], t
assert events(t) == [("created", "as-boss"), ("assigned", "as-worker")], t["history"]
print("# %s assigned to as-worker; task_request content keys %s; deadline %s" % (tid, sorted(c), c["deadline"]))
PY

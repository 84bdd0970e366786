#!/usr/bin/env bash
# Tasks are kept in Redis: after a kill -9 and restart on the same Redis and prefix, a
# finished task reads the same, and a pending one is assigned when a capable worker
# registers; the new worker gets its task_request.
source "$(dirname "$0")/../test_functions.sh"
require_redis
start_agentd
py >"$TEST_TMP/before.json" <<'PY'
import json
from coord import *
boss = agent("pr-boss", "supervisor")
w = agent("pr-w", "worker", ["k"])
done = assign(boss, "done", ["k"], parameters={"x": 1})["task_id"]
task_requests(w, 1)
report(w, "pr-boss", done, "completed", result={"ok": True})
wait_state(boss, done, "completed")
pend = assign(boss, "later", ["gpu"], priority="high", parameters={"y": 2})["task_id"]
print(json.dumps({"done": task(boss, done), "pending": task(boss, pend)}))
PY
kill9_agentd
start_agentd
py "$TEST_TMP/before.json" <<'PY'
import json, sys
from wire import *
from coord import *
before = json.load(open(sys.argv[1]))
boss = Conn()
boss.hello("pr-boss")
done = task(boss, before["done"]["task_id"])
assert done == before["done"], "completed task changed over the restart:\n%r\n%r" % (before["done"], done)
p = task(boss, before["pending"]["task_id"])
assert p == before["pending"], "pending task changed over the restart:\n%r\n%r" % (before["pending"], p)
st = boss.call("stats")["coordination"]
assert (st["tasks_total"], st["pending"], st["completed"]) == (2, 1, 1), st
g = agent("pr-gpu", "worker", ["gpu"])
t = wait_assigned_to(boss, p["task_id"], "pr-gpu")
m = task_requests(g, 1)[0]
assert m["content"]["task_id"] == p["task_id"] and m["content"]["parameters"] == {"y": 2}, m
assert m["from_agent"] == "pr-boss", m
print("# after kill -9: completed task intact, pending task assigned to pr-gpu (%s)" % " ".join(event_names(t)))
PY

#!/usr/bin/env bash
# A worker that deregisters while holding a task hands it back: the task goes to another
# worker at once (history: orphaned, assigned), counting as an attempt; with no other
# capable worker it goes back to pending.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
from coord import *
boss = agent("dh-boss", "supervisor")
leaver = agent("dh-leaver", "worker", ["k"], max_tasks=2)
tid = assign(boss, "job", ["k"])["task_id"]
task_requests(leaver, 1)
stayer = agent("dh-stayer", "worker", ["k"])
leaver.call("deregister")
t = wait_assigned_to(boss, tid, "dh-stayer", timeout=3)
assert t["attempts"] == 2, t
assert events(t)[-2:] == [("orphaned", "dh-leaver"), ("assigned", "dh-stayer")], t["history"]
task_requests(stayer, 1)
# with nobody else capable, the handed-back task waits pending
stayer.call("deregister")
t = wait_state(boss, tid, "pending", timeout=3)
assert t["assigned_to"] is None and event_names(t)[-1] == "orphaned", t
print("# handed back: %s" % " ".join(event_names(t)))
PY

#!/usr/bin/env bash
# current_tasks goes up by one per assignment and down when the task ends (completed,
# failed, cancelled); a worker at max_concurrent_tasks gets no more tasks until a slot frees,
# and then the pending task is assigned to it.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
from coord import *
boss = agent("ct-boss", "supervisor")
w = agent("ct-worker", "worker", ["k"], max_tasks=2)
def cur():
    return agent_info(boss, "ct-worker")["current_tasks"]
figures = [cur()]
t1 = assign(boss, "a", ["k"])["task_id"]
figures.append(cur())
t2 = assign(boss, "b", ["k"])["task_id"]
figures.append(cur())
r3 = assign(boss, "c", ["k"], max_retries=0)
assert r3["state"] == "pending", "assigned beyond max_concurrent_tasks: %r" % r3
assert cur() == 2
task_requests(w, 2)
report(w, "ct-boss", t1, "completed")
t = wait_assigned_to(boss, r3["task_id"], "ct-worker")   # the freed slot takes the pending task
figures.append(cur())
assert figures == [0, 1, 2, 2], figures
report(w, "ct-boss", t2, "failed", error={"message": "x"})  # retried: no other worker, so back to it
wait_for("t2 reassigned", lambda: task(boss, t2)["attempts"] == 2)
figures.append(cur())
boss.call("cancel_task", task_id=t2)
wait_for("cancel frees a slot", lambda: cur() == 1)
figures.append(cur())
report(w, "ct-boss", r3["task_id"], "failed", error={"message": "y"})   # max_retries 0: ends failed
wait_state(boss, r3["task_id"], "failed")
wait_for("failure frees a slot", lambda: cur() == 0)
figures.append(cur())
assert figures == [0, 1, 2, 2, 2, 1, 0], figures
print("# current_tasks over assign, assign, complete+pending, fail+retry, cancel, final failure: %r" % figures)
PY

#!/usr/bin/env bash
# stats.coordination: tasks_total, pending, in_progress (assigned + in_progress), completed,
# failed, timed_out, cancelled and completion_rate = completed / (completed + failed +
# timed_out), 0 before any task finished.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
from coord import *
boss = agent("sc-boss", "supervisor")
def co():
    return boss.call("stats")["coordination"]
c0 = co()
keys = ["tasks_total", "pending", "in_progress", "completed", "failed", "timed_out", "cancelled", "completion_rate"]
assert all(k in c0 for k in keys), c0
assert all(c0[k] == 0 for k in keys), c0
w = agent("sc-w", "worker", ["k"], max_tasks=10)
t1 = assign(boss, "a", ["k"])["task_id"]
t2 = assign(boss, "b", ["k"], max_retries=0)["task_id"]
t3 = assign(boss, "c", ["k"], max_retries=0, timeout_ms=300)["task_id"]
t4 = assign(boss, "d", ["none"])["task_id"]
t5 = assign(boss, "e", ["none"])["task_id"]
c1 = co()
assert (c1["tasks_total"], c1["pending"], c1["in_progress"]) == (5, 2, 3), c1
assert c1["completion_rate"] == 0, c1
report(w, "sc-boss", t1, "in_progress")
report(w, "sc-boss", t1, "completed")
report(w, "sc-boss", t2, "failed", error={"message": "no"})
boss.call("cancel_task", task_id=t4)
wait_state(boss, t3, "timed_out")
wait_state(boss, t2, "failed")
wait_state(boss, t1, "completed")
c2 = co()
want = {"tasks_total": 5, "pending": 1, "in_progress": 0, "completed": 1, "failed": 1, "timed_out": 1, "cancelled": 1}
assert {k: c2[k] for k in want} == want, c2
assert abs(c2["completion_rate"] - 1 / 3) < 1e-9, c2
print("# coordination %r -> %r -> %r" % (c0, c1, c2))
PY

#!/usr/bin/env bash
# Tasks are one set for the whole system: a task assigned through daemon A to a worker
# connected to daemon B reaches the worker on B; `task` and `tasks` answer the same from
# both daemons as the worker's reports (sent through B) move it to in_progress and
# completed, and the supervisor receives the reports on A; stats.coordination is the same
# from both. A task assigned through B is cancelled through A: the worker on B gets the
# cancel message and B shows it cancelled.
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/daemons.sh"
require_redis
export AGENTD_DAEMON_LEASE_MS=1000
start_daemon A p02-a
start_daemon B p02-b
py <<'PY'
from wire import *
from coord import task, task_requests, report, wait_state, messages, assign
from daemons import *
boss_a = agent_on("A", "p02-boss", "supervisor")
boss_b = connect("B", "p02-boss")
w = agent_on("B", "p02-worker", "worker", ["k"])
r = assign(boss_a, "job", ["k"], description="on A", parameters={"x": 1})
tid = r["task_id"]
assert r["assigned_to"] == "p02-worker", "assigned through A, want the worker on B: %r" % r
req = task_requests(w, 1)[0]
assert req["content"]["task_id"] == tid and req["content"]["parameters"] == {"x": 1}, req
ta, tb = task(boss_a, tid), task(boss_b, tid)
assert ta["state"] == tb["state"] == "assigned" and tb["assigned_to"] == "p02-worker", (ta, tb)
report(w, "p02-boss", tid, "in_progress", completion_percentage=50)
wait_state(boss_a, tid, "in_progress")
report(w, "p02-boss", tid, "completed", result={"answer": 42})
ta = wait_state(boss_a, tid, "completed")
tb = task(boss_b, tid)
assert tb["state"] == "completed" and tb["result"] == {"answer": 42}, tb
assert ta["history"] == tb["history"], "task history differs between daemons"
got = messages(boss_a, 2)
assert [m["content"]["status"] for m in got] == ["in_progress", "completed"], got
la = sorted((t["task_id"], t["state"]) for t in boss_a.call("tasks")["tasks"])
lb = sorted((t["task_id"], t["state"]) for t in boss_b.call("tasks")["tasks"])
assert la == lb == [(tid, "completed")], (la, lb)
ca, cb = stats(boss_a)["coordination"], stats(boss_b)["coordination"]
assert ca == cb and ca["completed"] == 1 and ca["tasks_total"] == 1, (ca, cb)
print("# assigned on A, worked on B: states equal from both daemons; history %s"
      % " ".join(h["event"] for h in ta["history"]))

tid2 = assign(boss_b, "job", ["k"])["task_id"]
task_requests(w, 1)
boss_a.call("cancel_task", task_id=tid2)
cancel = [m for m in messages(w, 1) if m["message_type"] == "coordination"]
assert cancel and cancel[0]["content"]["action"] == "cancel" and cancel[0]["content"]["task_id"] == tid2, cancel
assert task(boss_b, tid2)["state"] == "cancelled"
print("# assigned on B, cancelled on A: worker on B got the cancel; B shows cancelled")
PY
stop_daemon A
stop_daemon B

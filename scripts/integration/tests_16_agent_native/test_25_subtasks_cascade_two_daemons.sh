#!/usr/bin/env bash
# Sub-tasks across two daemons. A supervisor on A assigns a parent task (timeout 30 s) to
# worker p (on A). p — a worker — delegates two sub-tasks (parent_task_id) through daemon
# B; a child's deadline is no later than the parent's; TaskInfo shows parent_task_id and
# children. One child has a sub-task of its own (grandchild). Another worker without the
# parent cannot make sub-tasks of it (not_found: it cannot see it). When the supervisor cancels the parent,
# every open descendant is cancelled and each assignee receives {action: cancel, task_id,
# reason: parent_ended}; a child that had completed stays completed.
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/../tests_14_daemons/daemons.sh"
require_redis
start_daemon A s25-a
start_daemon B s25-b
py <<'PY'
import time
from wire import *
from daemons import *
from coord import task_requests, task, wait_state, messages
boss = agent_on("A", "s25-boss", "supervisor")
p = agent_on("A", "s25-p", "worker", ["plan"])
c = agent_on("B", "s25-c", "worker", ["sub"], max_tasks=5)
stranger = agent_on("B", "s25-x", "worker", ["none"])
parent = boss.call("assign_task", task_type="plan", required_capabilities=["plan"], timeout_ms=30000)["task_id"]
task_requests(p, 1)
pb = connect("B", "s25-p")   # the parent's assignee, through the other daemon
kids = [pb.call("assign_task", task_type="sub", required_capabilities=["sub"], parent_task_id=parent,
                timeout_ms=600000)["task_id"] for _ in range(2)]
r = stranger.request("assign_task", task_type="sub", required_capabilities=["sub"], parent_task_id=parent)
assert error_code(r) in ("forbidden", "not_found"), r   # it may not even see the parent
reqs = task_requests(c, 2)
pt = task(boss, parent)
assert pt["children"] == kids and pt["parent_task_id"] is None, pt
for k in kids:
    kt = task(pb, k)
    assert kt["parent_task_id"] == parent and kt["supervisor"] == "s25-p", kt
    assert kt["deadline"] <= pt["deadline"], (kt["deadline"], pt["deadline"])
grand = connect("B", "s25-c").call("assign_task", task_type="sub", required_capabilities=["sub"], parent_task_id=kids[0])["task_id"]
task_requests(c, 1)
# The second child completes before the parent ends.
c.send("s25-p", {"task_id": kids[1], "status": "completed", "result": {}}, message_type="task_response")
wait_state(pb, kids[1], "completed")
boss.call("cancel_task", task_id=parent)
wait_for("the open descendants cancelled",
         lambda: task(pb, kids[0])["state"] == "cancelled" and task(c, grand)["state"] == "cancelled", timeout=5)
assert task(pb, kids[1])["state"] == "completed"
notes = [m["content"] for m in messages(c, 2, timeout=5) if m["message_type"] == "coordination"]
assert sorted(n["task_id"] for n in notes) == sorted([kids[0], grand]), notes
assert all(n["action"] == "cancel" and n["reason"] == "parent_ended" for n in notes), notes
print("# parent on A, 2 sub-tasks made by its worker through B (deadlines capped), 1 grandchild; cancel of the parent cancelled child and grandchild (parent_ended), the completed child stayed completed")
PY
stop_daemon B
stop_daemon A

#!/usr/bin/env bash
# Input required. A task with timeout_ms 1500: the worker reports status input_required
# with a question; the task waits in input_required for 3 s (twice its timeout) without
# timing out, stats.coordination counts it; resume_task from the supervisor sends the
# worker {action: resume, task_id, lease, input} and gives the attempt its time back (same
# agent, same lease, attempts 1); the worker completes. resume_task on a task that is not
# input_required is bad_request; from an unrelated worker forbidden. cancel_task works on a
# waiting task.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
import time
from wire import *
from coord import agent, task_requests, task, wait_state, messages, event_names
boss = agent("r24-boss", "supervisor")
w = agent("r24-w", "worker", ["r"], max_tasks=2)
other = agent("r24-other", "worker", ["zzz"])
tid = boss.call("assign_task", task_type="approve", required_capabilities=["r"], timeout_ms=1500, max_retries=0)["task_id"]
lease = task_requests(w, 1)[0]["content"]["lease"]
w.send("r24-boss", {"task_id": tid, "status": "input_required", "lease": lease, "question": "ship it?"},
       message_type="task_response")
t = wait_state(boss, tid, "input_required")
assert t["deadline"] is None, t
q = [m for m in messages(boss, 1) if m["message_type"] == "task_response"]
assert q and q[0]["content"]["question"] == "ship it?", q
time.sleep(3.0)
t = task(boss, tid)
assert t["state"] == "input_required", t
assert boss.call("stats")["coordination"]["input_required"] == 1
r = other.request("resume_task", task_id=tid, input="no")
assert error_code(r) in ("forbidden", "not_found"), r
r = boss.call("resume_task", task_id=tid, input={"answer": "yes"})
assert r["task"]["state"] == "assigned" and r["task"]["assigned_to"] == "r24-w" and r["task"]["lease"] == lease, r
assert r["task"]["attempts"] == 1 and r["task"]["deadline"] is not None, r
resume = [m for m in messages(w, 1) if m["message_type"] == "coordination"]
assert resume and resume[0]["content"] == {"action": "resume", "task_id": tid, "lease": lease, "input": {"answer": "yes"}}, resume
w.send("r24-boss", {"task_id": tid, "status": "completed", "lease": lease, "result": {"shipped": True}}, message_type="task_response")
t = wait_state(boss, tid, "completed")
assert [a["outcome"] for a in t["attempts_log"]] == ["completed"], t["attempts_log"]
assert "input_required" in event_names(t) and "resumed" in event_names(t), event_names(t)
r = boss.request("resume_task", task_id=tid, input="again")
assert error_code(r) == "bad_request", r
tid2 = boss.call("assign_task", task_type="approve", required_capabilities=["r"])["task_id"]
lease2 = task_requests(w, 1)[0]["content"]["lease"]
w.send("r24-boss", {"task_id": tid2, "status": "input_required", "lease": lease2}, message_type="task_response")
wait_state(boss, tid2, "input_required")
assert boss.call("cancel_task", task_id=tid2)["task"]["state"] == "cancelled"
print("# input_required held 3 s past a 1.5 s timeout; resume_task sent {action: resume, lease, input} to the same worker, which completed (attempts 1); cancel works on a waiting task")
PY
stop_agentd

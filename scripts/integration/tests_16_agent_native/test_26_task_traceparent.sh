#!/usr/bin/env bash
# Trace context on tasks: assign_task with a traceparent keeps it (TaskInfo traceparent) and
# its task_request carries it as the message's traceparent, on the first attempt and on a
# retry; a sub-task made without one carries its parent's; a malformed one is bad_request.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
from coord import agent, task_requests, task
TP = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
boss = agent("tp-boss", "supervisor")
w = agent("tp-w", "worker", ["tp"], max_tasks=3)
tid = boss.call("assign_task", task_type="t", required_capabilities=["tp"], traceparent=TP, max_retries=1)["task_id"]
assert task(boss, tid)["traceparent"] == TP
req = task_requests(w, 1)[0]
assert req["traceparent"] == TP and req["content"]["task_id"] == tid, req
w.send("tp-boss", {"task_id": tid, "status": "failed", "lease": req["content"]["lease"], "error": "retry me"},
       message_type="task_response")
again = task_requests(w, 1)[0]
assert again["traceparent"] == TP and again["content"]["attempt"] == 2, again
sub = w.call("assign_task", task_type="t", required_capabilities=["tp"], parent_task_id=tid)["task_id"]
assert task(w, sub)["traceparent"] == TP
assert task_requests(w, 1)[0]["traceparent"] == TP
r = boss.request("assign_task", task_type="t", required_capabilities=["tp"], traceparent="00-xyz")
assert error_code(r) == "bad_request" and "traceparent" in r["error"]["message"], r
print("# traceparent kept by the task, carried by its task_requests (attempts 1 and 2) and by a sub-task's")
PY
stop_agentd

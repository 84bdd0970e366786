#!/usr/bin/env bash
# Budgets. assign_task with budget {tokens: 1000, cost_usd: 0.05}; the worker's reports
# carry usage amounts spent since the previous report. TaskInfo shows the budget and the
# running sums (zeros before any report). The report that takes tokens past 1000 ends the
# task failed at once (no retry, max_retries 3) with error.kind "budget_exceeded"; the
# worker gets {action: cancel, reason: budget_exceeded}, the supervisor the final
# error_report. A report sent again with its message_id (a retry) is a duplicate and its
# usage is not counted twice. Usage is summed over attempts: a transient failure's usage counts for the
# next attempt's budget. A bad budget (negative, unknown key) is bad_request.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
from coord import agent, task_requests, task, wait_state, messages
boss = agent("b23-boss", "supervisor")
w = agent("b23-w", "worker", ["b"], max_tasks=2)
tid = boss.call("assign_task", task_type="t", required_capabilities=["b"], max_retries=3,
                budget={"tokens": 1000, "cost_usd": 0.05})["task_id"]
t = task(boss, tid)
assert t["budget"] == {"tokens": 1000, "cost_usd": 0.05} and t["usage"] == {"tokens": 0, "cost_usd": 0, "turns": 0}, t
lease = task_requests(w, 1)[0]["content"]["lease"]
def progress(usage, status="in_progress"):
    return w.request("send", message={"to_agent": "b23-boss", "message_type": "task_response",
                                      "content": {"task_id": tid, "status": status, "lease": lease, "usage": usage}})
first = {"to_agent": "b23-boss", "message_type": "task_response", "message_id": "b23-r1",
         "content": {"task_id": tid, "status": "in_progress", "lease": lease, "usage": {"tokens": 400, "cost_usd": 0.01, "turns": 1}}}
assert w.request("send", message=first).get("ok") is True
# The same report again (a retry after a lost reply): a duplicate, its usage not counted twice.
again = w.request("send", message=first)
assert again.get("ok") is True and again.get("duplicate") is True, again
assert task(boss, tid)["usage"]["tokens"] == 400, task(boss, tid)["usage"]
# A transient failure: its usage stays counted, the next attempt starts from there.
w.send("b23-boss", {"task_id": tid, "status": "failed", "lease": lease, "usage": {"tokens": 300},
                    "error": {"kind": "transient", "message": "rate limited"}}, message_type="task_response")
lease = task_requests(w, 1)[0]["content"]["lease"]
t = task(boss, tid)
assert t["attempts"] == 2 and t["usage"]["tokens"] == 700 and t["usage"]["turns"] == 1, t
assert progress({"tokens": 400}).get("ok") is True   # 1100 > 1000
t = wait_state(boss, tid, "failed")
assert t["attempts"] == 2 and t["error"]["kind"] == "budget_exceeded", t
assert t["usage"]["tokens"] == 1100 and t["assigned_to"] is None, t
cancel = [m for m in messages(w, 1, timeout=5) if m["message_type"] == "coordination"]
assert cancel and cancel[0]["content"] == {"action": "cancel", "task_id": tid, "reason": "budget_exceeded"}, cancel
final = [m for m in messages(boss, 5, timeout=5) if m["message_type"] == "error_report" and m["from_agent"] == "agentd"]
assert final and final[0]["content"]["error"]["kind"] == "budget_exceeded", final
for bad in ({"tokens": -1}, {"dollars": 1}, {"turns": "3"}):
    r = boss.request("assign_task", task_type="t", required_capabilities=["b"], budget=bad)
    assert error_code(r) == "bad_request" and "budget" in r["error"]["message"], (bad, r)
print("# budget tokens 1000: 400 + 300 (failed attempt, counted) + 400 -> failed budget_exceeded on attempt 2 (of 4), worker told cancel/budget_exceeded, supervisor got the final error_report")
PY
stop_agentd

#!/usr/bin/env bash
# Failure kinds. A failed report with error.kind "permanent" ends the task failed at once,
# with retries left (max_retries 3): attempts 1, TaskInfo error keeps the kind, the
# supervisor gets the final error_report. A "transient" failure (and one without a kind)
# spends a retry: the task is assigned again under the next lease.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
from coord import agent, task_requests, task, wait_state, messages
boss = agent("k21-boss", "supervisor")
w = agent("k21-w", "worker", ["k"], max_tasks=2)
perm = boss.call("assign_task", task_type="t", required_capabilities=["k"], max_retries=3)["task_id"]
lease = task_requests(w, 1)[0]["content"]["lease"]
w.send("k21-boss", {"task_id": perm, "status": "failed", "lease": lease,
                    "error": {"kind": "permanent", "message": "unreadable input"}}, message_type="task_response")
t = wait_state(boss, perm, "failed")
assert t["attempts"] == 1 and t["error"]["kind"] == "permanent", t
assert [a["outcome"] for a in t["attempts_log"]] == ["failed"], t["attempts_log"]
assert t["attempts_log"][0]["error"]["message"] == "unreadable input", t["attempts_log"]
final = [m for m in messages(boss, 2, timeout=5) if m["message_type"] == "error_report"]
assert final and final[0]["content"]["task_id"] == perm and final[0]["content"]["state"] == "failed", final
for kind in ("transient", None):
    tid = boss.call("assign_task", task_type="t", required_capabilities=["k"], max_retries=3)["task_id"]
    lease = task_requests(w, 1)[0]["content"]["lease"]
    error = {"message": "rate limited"}
    if kind:
        error["kind"] = kind
    w.send("k21-boss", {"task_id": tid, "status": "failed", "lease": lease, "error": error}, message_type="task_response")
    again = task_requests(w, 1)[0]["content"]
    assert again["task_id"] == tid and again["lease"] == lease + 1 and again["attempt"] == 2, again
    t = task(boss, tid)
    assert t["state"] == "assigned" and [a["outcome"] for a in t["attempts_log"]] == ["failed", None], t
print("# permanent: failed at once (attempts 1, kind kept, final error_report); transient and no kind: retried under lease 2")
PY
stop_agentd

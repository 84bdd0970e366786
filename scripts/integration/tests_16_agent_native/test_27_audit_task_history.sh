#!/usr/bin/env bash
# The audit log's task history records the agent-native parts: a task assigned with a
# budget, whose worker reports usage, asks for input and is resumed, then completes, leaves
# task_history records with the lease, the input_required and resumed events (resumes 1),
# the summed usage, and the last attempt's outcome (completed).
source "$(dirname "$0")/../test_functions.sh"
export PYTHONPATH="$(dirname "$0")/../tests_13_ops:$PYTHONPATH"
AUDIT="$TEST_TMP/audit"
export AUDIT
AGENTD_AUDIT_DIR="$AUDIT" start_agentd
py <<'PY'
import os
from wire import *
from coord import agent, task_requests, wait_state
from audit import wait_records, lines
d = os.environ["AUDIT"]
boss = agent("au-boss", "supervisor")
w = agent("au-w", "worker", ["au"])
tid = boss.call("assign_task", task_type="t", required_capabilities=["au"], budget={"tokens": 9000})["task_id"]
lease = task_requests(w, 1)[0]["content"]["lease"]
def report(status, **extra):
    body = {"task_id": tid, "status": status, "lease": lease}
    body.update(extra)
    w.send("au-boss", body, message_type="task_response")
report("in_progress", usage={"tokens": 700, "turns": 1})
report("input_required", question="?")
wait_state(boss, tid, "input_required")
boss.call("resume_task", task_id=tid, input="go")
report("completed", usage={"tokens": 300}, result={"ok": True})
wait_state(boss, tid, "completed")
done = wait_records(d, "task_history", lambda r: r["task_id"] == tid and r["event"] == "completed")[-1]
assert done["lease"] == 1 and done["outcome"] == "completed", done
assert done["usage"]["tokens"] == 1000 and done["usage"]["turns"] == 1, done
assert done["resumes"] == 1, done
names = [r["event"] for r in lines(d, "task_history") if r["task_id"] == tid]
assert "input_required" in names and "resumed" in names, names
print("# task_history: %s; the completed record carries lease 1, outcome completed, usage %r, resumes 1" % (names, done["usage"]))
PY
stop_agentd

#!/usr/bin/env bash
# The assignee's task_response in_progress then completed moves the task assigned ->
# in_progress -> completed, records result and history, clears the deadline; both reports
# still reach the supervisor unchanged.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
from coord import *
boss = agent("pr-boss", "supervisor")
w = agent("pr-worker", "worker", ["k"])
tid = assign(boss, "job", ["k"])["task_id"]
task_requests(w, 1)
report(w, "pr-boss", tid, "in_progress", completion_percentage=40)
t1 = wait_state(boss, tid, "in_progress")
assert t1["assigned_to"] == "pr-worker", t1
report(w, "pr-boss", tid, "completed", result={"rows": 12, "big": 9223372036854775807})
t2 = wait_state(boss, tid, "completed")
assert t2["result"] == {"rows": 12, "big": 9223372036854775807}, t2
assert t2["deadline"] is None, t2
assert events(t2) == [("created", "pr-boss"), ("assigned", "pr-worker"), ("in_progress", "pr-worker"),
                      ("completed", "pr-worker")], t2["history"]
for h in t2["history"]:
    assert TIMESTAMP_RE.match(h["at"]), h
assert t2["updated_at"] >= t1["updated_at"], (t1, t2)
got = messages(boss, 2)
got = [m for m in got if m["message_type"] == "task_response"]
assert [m["content"]["status"] for m in got] == ["in_progress", "completed"], got
assert got[0]["content"] == {"task_id": tid, "status": "in_progress", "completion_percentage": 40}, got[0]
assert all(m["from_agent"] == "pr-worker" for m in got), got
print("# history %s; supervisor got both reports" % " ".join(event_names(t2)))
PY

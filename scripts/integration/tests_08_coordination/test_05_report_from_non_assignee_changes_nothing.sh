#!/usr/bin/env bash
# A completed/failed report (task_response or error_report) about a task from an agent that
# is not its current assignee is delivered to the supervisor as a plain message and does
# not change the task.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
import time
from wire import *
from coord import *
boss = agent("na-boss", "supervisor")
w = agent("na-worker", "worker", ["k"])
intruder = agent("na-intruder", "worker", ["other"])
stranger = Conn()
stranger.hello("na-stranger")   # not even registered
tid = assign(boss, "job", ["k"])["task_id"]
task_requests(w, 1)
before = task(boss, tid)
report(intruder, "na-boss", tid, "completed", result={"fake": True})
report(stranger, "na-boss", tid, "failed", error={"message": "fake"})
intruder.send("na-boss", {"task_id": tid, "error": "fake"}, message_type="error_report")
got = messages(boss, 3)
assert sorted(m["from_agent"] for m in got) == ["na-intruder", "na-intruder", "na-stranger"], got
time.sleep(0.3)
after = task(boss, tid)
assert after["state"] == "assigned" and after["assigned_to"] == "na-worker", after
assert after["history"] == before["history"] and after["attempts"] == 1, (before, after)
assert "result" not in after or after["result"] in (None,), after
report(w, "na-boss", tid, "completed", result={"real": True})
t = wait_state(boss, tid, "completed")
assert t["result"] == {"real": True}, t
print("# 3 reports from non-assignees delivered, task unchanged (%s); assignee's report completed it" % after["state"])
PY

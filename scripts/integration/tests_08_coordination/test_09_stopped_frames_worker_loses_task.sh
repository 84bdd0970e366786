#!/usr/bin/env bash
# A worker whose connection stays open but sends no frames is as dead as a closed one: it
# goes offline and its task is reassigned. When it speaks again it is active, holds
# nothing, and its late report of the task changes nothing.
source "$(dirname "$0")/../test_functions.sh"
AGENTD_HEARTBEAT_INTERVAL_MS=300 AGENTD_HEARTBEAT_TIMEOUT_MS=900 start_agentd
py <<'PY'
import time
from wire import *
from coord import *
boss = agent("mu-boss", "supervisor")
mute = agent("mu-mute", "worker", ["k"], max_tasks=2)
tid = assign(boss, "job", ["k"])["task_id"]
task_requests(mute, 1)
spare = agent("mu-spare", "worker", ["k"])
t = wait_assigned_to(boss, tid, "mu-spare", timeout=6, keep=[boss, spare])
report(mute, "mu-boss", tid, "completed", result={"late": True})   # a frame: back to active
me = agent_info(boss, "mu-mute")
assert me["status"] == "active" and me["current_tasks"] == 0, me
time.sleep(0.3)
t = task(boss, tid)
assert t["state"] == "assigned" and t["assigned_to"] == "mu-spare", "late report from the old assignee changed the task: %r" % t
print("# reassigned to mu-spare; mu-mute back active with current_tasks 0; late report ignored")
PY

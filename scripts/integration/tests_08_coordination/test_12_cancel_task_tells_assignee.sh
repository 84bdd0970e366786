#!/usr/bin/env bash
# cancel_task: the task ends cancelled (history event cancelled by the canceller) and its
# assignee receives a coordination message {action: "cancel", task_id} from the agent that
# cancelled. A pending task cancels without a message; unknown ids are not_found; a later
# report from the old assignee changes nothing.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
import time
from wire import *
from coord import *
boss = agent("cx-boss", "supervisor")
coord_ = agent("cx-coord", "coordinator")
w = agent("cx-worker", "worker", ["k"])
tid = assign(boss, "job", ["k"])["task_id"]
task_requests(w, 1)
r = coord_.call("cancel_task", task_id=tid)
t = r["task"]
assert t["task_id"] == tid and t["state"] == "cancelled", t
assert events(t)[-1] == ("cancelled", "cx-coord"), t["history"]
got = messages(w, 1)
assert len(got) == 1, got
m = got[0]
assert m["message_type"] == "coordination" and m["from_agent"] == "cx-coord", m
assert m["content"] == {"action": "cancel", "task_id": tid}, m
report(w, "cx-boss", tid, "completed")
time.sleep(0.3)
assert task(boss, tid)["state"] == "cancelled", task(boss, tid)
pend = assign(boss, "nobody", ["none"])["task_id"]
assert boss.call("cancel_task", task_id=pend)["task"]["state"] == "cancelled"
assert w.fetch(wait_ms=300) == [], "cancelling a pending task messaged someone"
expect_error(boss.request("cancel_task", task_id="no-such-task"), "not_found")
expect_error(boss.request("cancel_task"), "bad_request", "task_id")
print("# cancelled by cx-coord; assignee got %r" % m["content"])
PY

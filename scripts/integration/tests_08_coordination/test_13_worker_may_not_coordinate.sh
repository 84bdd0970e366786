#!/usr/bin/env bash
# assign_task, cancel_task and broadcast need a registered supervisor or coordinator:
# a worker, and a session that never registered, get forbidden and nothing happens.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
from coord import *
boss = agent("wf-boss", "supervisor")
w = agent("wf-worker", "worker", ["k"])
anon = Conn()
anon.hello("wf-anon")
tid = assign(boss, "job", ["nobody"])["task_id"]
n0 = boss.call("stats")["coordination"]["tasks_total"]
for c in (w, anon):
    expect_error(c.request("assign_task", task_type="x", required_capabilities=[]), "forbidden")
    expect_error(c.request("cancel_task", task_id=tid), "forbidden")
    expect_error(c.request("broadcast", message_type="coordination", content={"a": 1}), "forbidden")
assert boss.call("stats")["coordination"]["tasks_total"] == n0
assert task(boss, tid)["state"] == "pending"
assert boss.fetch(wait_ms=300) == [], "a forbidden broadcast delivered something"
print("# worker and unregistered session: assign_task/cancel_task/broadcast forbidden")
PY

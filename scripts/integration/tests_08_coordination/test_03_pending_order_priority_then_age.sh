#!/usr/bin/env bash
# Pending tasks go out in priority order, then oldest first: one worker with one slot takes
# them one at a time as it completes each.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
from coord import *
boss = agent("po-boss", "supervisor")
plan = [("low-1", "low"), ("med-1", "medium"), ("crit-1", "critical"), ("med-2", "medium"),
        ("high-1", "high"), ("low-2", "low"), ("crit-2", "critical")]
ids = {}
for name, prio in plan:
    r = assign(boss, name, ["po"], priority=prio)
    assert r["state"] == "pending", r
    ids[r["task_id"]] = name
w = agent("po-worker", "worker", ["po"])
order = []
for _ in plan:
    m = task_requests(w, 1)[0]
    tid = m["content"]["task_id"]
    order.append(ids[tid])
    report(w, "po-boss", tid, "completed")
    wait_state(boss, tid, "completed")
expected = ["crit-1", "crit-2", "high-1", "med-1", "med-2", "low-1", "low-2"]
assert order == expected, "assigned in order %r, expected %r" % (order, expected)
print("# assigned in order %s" % " ".join(order))
PY

#!/usr/bin/env bash
# With no capable worker the task stays pending (assigned_to null); it is assigned the
# moment a capable worker registers, which then gets the task_request. An incapable worker
# registering first changes nothing.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
import time
from wire import *
from coord import *
boss = agent("pe-boss", "supervisor")
r = assign(boss, "render", ["cuda"])
assert r["state"] == "pending" and r["assigned_to"] is None, r
tid = r["task_id"]
agent("pe-cpu", "worker", ["cpu"])
time.sleep(0.3)
assert task(boss, tid)["state"] == "pending", task(boss, tid)
t0 = time.monotonic()
w = agent("pe-gpu", "worker", ["cuda"])
t = wait_assigned_to(boss, tid, "pe-gpu", timeout=5)
took = time.monotonic() - t0
m = task_requests(w, 1)[0]
assert m["content"]["task_id"] == tid, m
assert event_names(t) == ["created", "assigned"], t["history"]
print("# pending until a cuda worker registered; assigned %.3f s after its register" % took)
PY

#!/usr/bin/env bash
# Tasks go only to role worker agents that are not offline or draining, have a free slot
# and hold every required capability: a capable supervisor, coordinator or monitor, a
# draining worker and an offline worker are passed over; the pending task is assigned the
# moment the draining worker says active again, and another the moment the offline one
# comes back (any frame).
source "$(dirname "$0")/../test_functions.sh"
AGENTD_HEARTBEAT_INTERVAL_MS=300 AGENTD_HEARTBEAT_TIMEOUT_MS=900 start_agentd
py <<'PY'
import time
from wire import *
from coord import *
boss = agent("av-boss", "supervisor", ["k"])
co = agent("av-coord", "coordinator", ["k"])
mon = agent("av-mon", "monitor", ["k"])
half = agent("av-half", "worker", ["k"])          # lacks "x"
drain = agent("av-drain", "worker", ["k", "x"])
away = agent("av-away", "worker", ["k", "x"])
drain.call("heartbeat", status="draining")
alive = [boss, co, mon, half, drain]
wait_for("av-away offline", lambda: agent_info(boss, "av-away")["status"] == "offline", timeout=5, keep=alive)
t1 = assign(boss, "one", ["k", "x"])
t2 = assign(boss, "two", ["k", "x"])
assert t1["state"] == "pending" and t2["state"] == "pending", (t1, t2)
time.sleep(0.3)
ping_all(alive)
assert task(boss, t1["task_id"])["state"] == "pending"
drain.call("heartbeat", status="active")
t = wait_assigned_to(boss, t1["task_id"], "av-drain", keep=alive)
assert task(boss, t2["task_id"])["state"] == "pending"
away.call("ping")
t = wait_assigned_to(boss, t2["task_id"], "av-away", keep=alive)
print("# passed over supervisor/coordinator/monitor/incapable/draining/offline; assigned on drain->active and on return")
PY

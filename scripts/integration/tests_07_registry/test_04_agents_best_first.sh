#!/usr/bin/env bash
# agents lists best first: lowest current_tasks/max_concurrent_tasks, then the most recent
# last_heartbeat.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
import time
from wire import *
from coord import *
q = agent("o-q", "monitor")
half = agent("o-half", "worker", ["k"], max_tasks=4)     # 2/4 = 0.5
third = agent("o-third", "worker", ["k"], max_tasks=3)   # 1/3
full = agent("o-full", "worker", ["k"], max_tasks=1)     # 1/1
old = agent("o-idle-old", "worker", ["k"], max_tasks=2)  # 0, older heartbeat
new = agent("o-idle-new", "worker", ["k"], max_tasks=2)  # 0, newer heartbeat
half.call("heartbeat", current_tasks=2)
third.call("heartbeat", current_tasks=1)
full.call("heartbeat", current_tasks=1)
old.call("heartbeat")
time.sleep(0.05)
new.call("heartbeat")
order = [a["agent_id"] for a in q.call("agents", role="worker")["agents"]]
assert order == ["o-idle-new", "o-idle-old", "o-third", "o-half", "o-full"], order
time.sleep(0.05)
old.call("ping")  # any frame is a heartbeat: old is now the fresher of the two idle ones
order2 = [a["agent_id"] for a in q.call("agents", role="worker")["agents"]]
assert order2[:2] == ["o-idle-old", "o-idle-new"], order2
print("# order %r; after a ping from o-idle-old: %r" % (order, order2[:2]))
PY

#!/usr/bin/env bash
# A worker holding a task whose connection dies (closed without bye, so it sends no more
# frames) is marked offline after heartbeat_timeout_ms (900 ms here) and the task goes to
# another capable worker (history: orphaned by the first); the first's current_tasks drops.
source "$(dirname "$0")/../test_functions.sh"
AGENTD_HEARTBEAT_INTERVAL_MS=300 AGENTD_HEARTBEAT_TIMEOUT_MS=900 start_agentd
py <<'PY'
import time
from wire import *
from coord import *
boss = agent("sw-boss", "supervisor")
doomed = agent("sw-doomed", "worker", ["k"], max_tasks=2)   # lower load ratio: picked first
tid = assign(boss, "job", ["k"])["task_id"]
assert task(boss, tid)["assigned_to"] == "sw-doomed"
task_requests(doomed, 1)
spare = agent("sw-spare", "worker", ["k"])
doomed.sock.close()   # gone: no bye, no more frames
t0 = time.monotonic()
t = wait_assigned_to(boss, tid, "sw-spare", timeout=6, keep=[boss, spare])
took = time.monotonic() - t0
assert took >= 0.7, "reassigned after %.2f s; heartbeat timeout is 0.9 s" % took
assert t["attempts"] == 2, t
assert events(t)[-2:] == [("orphaned", "sw-doomed"), ("assigned", "sw-spare")], t["history"]
m = task_requests(spare, 1)[0]
assert m["content"]["task_id"] == tid
d = agent_info(boss, "sw-doomed")
assert d["status"] == "offline" and d["current_tasks"] == 0, d
report(spare, "sw-boss", tid, "completed", result={"by": "spare"})
t = wait_state(boss, tid, "completed", keep=[spare])
print("# reassigned %.2f s after the connection died; history %s" % (took, " ".join(event_names(t))))
PY

#!/usr/bin/env bash
# An assign_task answered ok is stored before its answer: 200 assign_task requests
# pipelined, agentd killed with SIGKILL the moment the last answer arrives; after a restart
# every answered task is there (pending, since no worker was registered). And while Redis is
# down, assign_task is answered `unavailable`, never ok with a task that only lives in memory.
source "$(dirname "$0")/../test_functions.sh"
require_redis
start_private_redis
export AGENTD_REDIS_ADDR="$PRIVATE_REDIS"
start_agentd
py >"$TEST_TMP/ids.json" <<'PY'
import json, os, signal
from wire import *
boss = Conn(timeout=20)
boss.hello("k9-boss")
boss.call("register", role="supervisor", capabilities=[])
N = 200
for i in range(N):
    boss.send_line({"op": "assign_task", "id": i, "task_type": "t%d" % i, "required_capabilities": ["nobody-has-this"]})
ids = []
for _ in range(N):
    r = boss.recv_reply()
    assert r.get("ok") is True, r
    ids.append(r["task"]["task_id"] if "task" in r else r["task_id"])
os.kill(int(os.environ["AGENTD_PID"]), signal.SIGKILL)
print(json.dumps(ids))
PY
_wait_pid "$AGENTD_PID" 10
start_agentd
py "$TEST_TMP/ids.json" <<'PY'
import json, sys
from wire import *
ids = json.load(open(sys.argv[1]))
boss = Conn()
boss.hello("k9-boss")
missing = []
for tid in ids:
    r = boss.request("task", task_id=tid)
    if not r.get("ok"):
        missing.append((tid, r))
assert not missing, "%d of %d answered tasks lost by kill -9: %r" % (len(missing), len(ids), missing[:3])
print("# %d assign_task answered, agentd killed at once: all %d tasks there after restart" % (len(ids), len(ids)))
PY
kill_private_redis
py <<'PY'
from wire import *
boss = Conn(timeout=10)
boss.hello("k9-boss")
r = boss.request("assign_task", task_type="while-down", required_capabilities=["x"], timeout=10)
expect_error(r, "unavailable")
print("# Redis down: assign_task -> unavailable")
PY
stop_agentd

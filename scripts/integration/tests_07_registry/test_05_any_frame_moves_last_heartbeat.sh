#!/usr/bin/env bash
# last_heartbeat is the time of the latest frame of any kind (a ping, a fetch), on any
# of the agent's connections, not only of heartbeat ops.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
import time
from wire import *
from coord import *
q = agent("lh-observer", "monitor")
w = agent("lh-worker", "worker")
second = Conn()
second.hello("lh-worker")
t0 = agent_info(q, "lh-worker")["last_heartbeat"]
time.sleep(0.05)
w.call("ping")
t1 = agent_info(q, "lh-worker")["last_heartbeat"]
assert t1 > t0, "ping did not move last_heartbeat: %s -> %s" % (t0, t1)
time.sleep(0.05)
w.call("fetch")
t2 = agent_info(q, "lh-worker")["last_heartbeat"]
assert t2 > t1, "fetch did not move last_heartbeat: %s -> %s" % (t1, t2)
time.sleep(0.05)
second.call("ping")
t3 = agent_info(q, "lh-worker")["last_heartbeat"]
assert t3 > t2, "a ping on the agent's second connection did not move it: %s -> %s" % (t2, t3)
print("# last_heartbeat %s -> ping %s -> fetch %s -> other connection %s" % (t0, t1, t2, t3))
PY

#!/usr/bin/env bash
# With 3 daemons (each able to run the sweeper), an agent that stays connected to daemon A
# but sends nothing is marked offline once and its task reassigned once: heartbeat timeout
# 900 ms; the supervisor is on B, the spare worker on C. The task goes to the spare after
# >= 0.7 s, with attempts 2 and exactly one "orphaned" in its history; 2 s later nothing more
# has happened (still attempts 2, one task_request for the spare, its current_tasks 1); all
# three daemons list the silent agent offline and count offline_agents = 1; a ping from it
# makes it active again, seen from every daemon (within one liveness write, 90 ms here).
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/daemons.sh"
require_redis
export AGENTD_DAEMON_LEASE_MS=1000 AGENTD_HEARTBEAT_INTERVAL_MS=300 AGENTD_HEARTBEAT_TIMEOUT_MS=900
start_daemon A p04-a
start_daemon B p04-b
start_daemon C p04-c
py <<'PY'
import time
from wire import *
from coord import task, events, wait_assigned_to, task_requests, agent_info, assign
from daemons import *
boss = agent_on("B", "p04-boss", "supervisor")
doomed = agent_on("A", "p04-doomed", "worker", ["k"], max_tasks=2)
tid = assign(boss, "job", ["k"])["task_id"]
t = task(boss, tid)
assert t["assigned_to"] == "p04-doomed", "assigned through B, want the worker on A: %r" % t
task_requests(doomed, 1)
spare = agent_on("C", "p04-spare", "worker", ["k"])
alive = KeepAlive([("B", "p04-boss"), ("C", "p04-spare")])   # only the doomed one goes quiet
t0 = now()                                   # doomed's last frame was its ack just now
t = wait_assigned_to(boss, tid, "p04-spare", timeout=6, keep=[boss, spare])
took = now() - t0
# Wait 2 s more and look again: nothing may happen twice.
time.sleep(2.0)
t = task(boss, tid)
reqs = task_requests(spare, 1)
time.sleep(0.5)
more = [m for m in spare.fetch(wait_ms=500) if m["message_type"] == "task_request"]
orphaned = [e for e in events(t) if e[0] == "orphaned"]
assigned = [e for e in events(t) if e[0] == "assigned"]
print("# silent on A: reassigned to the spare on C %.2f s after its last frame; attempts %d, history %s"
      % (took, t["attempts"], " ".join(e for e, _ in events(t))))
assert took >= 0.7, "reassigned after %.2f s; heartbeat timeout is 0.9 s" % took
assert t["attempts"] == 2 and t["assigned_to"] == "p04-spare", t
assert orphaned == [("orphaned", "p04-doomed")], "orphaned events: %r" % orphaned
assert assigned == [("assigned", "p04-doomed"), ("assigned", "p04-spare")], assigned
assert [m["content"]["task_id"] for m in reqs] == [tid] and more == [], "spare got %r then %r" % (reqs, more)
infos = {}
for name in ("A", "B", "C"):
    q = connect(name, "p04-q-%s" % name)
    infos[name] = (agent_info(q, "p04-doomed"), stats(q)["registry"]["offline_agents"], agent_info(q, "p04-spare"))
    q.close()
for name, (d, off, s) in infos.items():
    assert d["status"] == "offline" and d["current_tasks"] == 0, "daemon %s: %r" % (name, d)
    assert off == 1, "daemon %s counts offline_agents=%d" % (name, off)
    assert s["current_tasks"] == 1, "daemon %s: spare %r" % (name, s)
doomed.call("ping")
# Signs of life reach Redis in batches, a tenth of the heartbeat timeout apart (90 ms here):
# A shows the agent back at once, the others once A has written it.
for name in ("A", "B", "C"):
    q = connect(name, "p04-q2-%s" % name)
    deadline = now() + 1.0
    while agent_info(q, "p04-doomed")["status"] != "active" and now() < deadline:
        time.sleep(0.02)
    assert agent_info(q, "p04-doomed")["status"] == "active", "daemon %s: a ping did not bring it back" % name
alive.stop()
assert not alive.errors, alive.errors
print("# offline once on all 3 daemons (offline_agents=1 each), task reassigned once; a ping brought it back")
PY
stop_daemon A
stop_daemon B
stop_daemon C

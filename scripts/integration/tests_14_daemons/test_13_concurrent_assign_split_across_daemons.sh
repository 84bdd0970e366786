#!/usr/bin/env bash
# 50 assign_task at once, split across two daemons (two supervisors, one on A and one on B,
# each pipelining 25), with 10 capable workers (5 connected to A, 5 to B, each
# max_concurrent_tasks 6: 60 slots for 50 tasks). Every task is assigned exactly once
# (attempts 1, one "assigned" in its history), every task_request is delivered exactly once
# to the task's assignee, no worker gets more than its 6, and each worker's current_tasks
# matches what it received.
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/daemons.sh"
require_redis
export AGENTD_DAEMON_LEASE_MS=1000
start_daemon A p03-a
start_daemon B p03-b
py <<'PY'
import collections, json, threading, time
from wire import *
from coord import task, agent_info
from daemons import *
N, PER_BOSS, SLOTS = 50, 25, 6
workers = {}
for k in range(10):
    name = "p03-w%d" % k
    workers[name] = agent_on("A" if k < 5 else "B", name, "worker", ["c3"], max_tasks=SLOTS)
bosses = [agent_on("A", "p03-boss-a", "supervisor"), agent_on("B", "p03-boss-b", "supervisor")]
for b in bosses:
    b.timeout = 20
replies, errors = {}, []
go = threading.Barrier(2)

def assign_all(b):
    try:
        go.wait(10)
        b.send_raw(b"".join(json.dumps({"op": "assign_task", "id": i, "task_type": "split",
                                        "required_capabilities": ["c3"], "parameters": {"i": i}}).encode() + b"\n"
                            for i in range(PER_BOSS)))
        for i in range(PER_BOSS):
            r = b.recv_reply(timeout=20)
            assert r.get("ok") is True and r["id"] == i, r
            replies[(b.daemon, i)] = r
    except Exception as e:
        errors.append(repr(e))

th = [threading.Thread(target=assign_all, args=(b,)) for b in bosses]
t0 = now()
for t in th:
    t.start()
for t in th:
    t.join(30)
assert not errors, errors
tids = [r["task_id"] for r in replies.values()]
assert len(tids) == N and len(set(tids)) == N, "%d replies, %d distinct task ids" % (len(tids), len(set(tids)))
took = now() - t0

# Every worker collects its task_requests until 50 in all (or 8 s), then 1 s more for repeats.
got = collections.defaultdict(list)          # worker -> [task_id]
end = now() + 8
def total():
    return sum(len(v) for v in got.values())
while now() < end and total() < N:
    for name, c in workers.items():
        ms = c.fetch(limit=50)
        if ms:
            c.call("ack", message_ids=[m["message_id"] for m in ms])
            got[name].extend(m["content"]["task_id"] for m in ms if m["message_type"] == "task_request")
    time.sleep(0.05)
time.sleep(1.0)
for name, c in workers.items():
    ms = c.fetch(limit=50)
    got[name].extend(m["content"]["task_id"] for m in ms if m["message_type"] == "task_request")
delivered = collections.Counter(t for v in got.values() for t in v)
per_worker = {n: len(v) for n, v in sorted(got.items())}
print("# 50 assign_task (25 via A, 25 via B) in %.2f s; task_requests per worker %s; delivered %d, distinct %d"
      % (took, per_worker, sum(delivered.values()), len(delivered)))
assert set(delivered) == set(tids), "tasks never delivered: %s" % sorted(set(tids) - set(delivered))[:5]
assert all(k == 1 for k in delivered.values()), "task_request delivered twice: %s" % [t for t, k in delivered.items() if k > 1][:5]
assert max(per_worker.values()) <= SLOTS, "a worker got more than its %d slots: %r" % (SLOTS, per_worker)
owner = {t: n for n, v in got.items() for t in v}
boss = bosses[0]
for tid in tids:
    t = task(boss, tid)
    assigned = [h for h in t["history"] if h["event"] == "assigned"]
    assert t["attempts"] == 1 and len(assigned) == 1, "task assigned more than once: %r" % t
    assert t["assigned_to"] == owner[tid], "task %s assigned_to %s but its request went to %s" % (tid, t["assigned_to"], owner[tid])
for name in workers:
    info = agent_info(boss, name)
    assert info["current_tasks"] == per_worker.get(name, 0), "current_tasks of %s: %r, received %d" % (name, info, per_worker.get(name, 0))
print("# every task: attempts 1, one assigned event, assignee = receiver; current_tasks match")
PY
stop_daemon A
stop_daemon B

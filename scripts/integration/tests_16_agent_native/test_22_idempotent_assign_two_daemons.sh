#!/usr/bin/env bash
# Idempotent assign across two daemons. One supervisor sends the same assign_task with
# idempotency_key "job-1" twenty times at once, ten through daemon A and ten through B: all
# twenty answers name one task_id, exactly one without "duplicate": true, the supervisor's
# tasks list holds one task and the worker receives one task_request. The same key with
# other parameters is bad_request naming idempotency_key; another supervisor's "job-1" is
# another task.
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/../tests_14_daemons/daemons.sh"
require_redis
start_daemon A i22-a
start_daemon B i22-b
py <<'PY'
import threading
from wire import *
from daemons import *
from coord import task_requests
boss_a = agent_on("A", "i22-boss", "supervisor")
boss_b = connect("B", "i22-boss")
w = agent_on("B", "i22-w", "worker", ["i"], max_tasks=5)
answers, lock = [], threading.Lock()
def assign(conn):
    c = connect(conn, "i22-boss")
    r = c.request("assign_task", task_type="t", required_capabilities=["i"], parameters={"n": 1},
                  idempotency_key="job-1")
    with lock:
        answers.append(r)
threads = [threading.Thread(target=assign, args=("A" if i % 2 else "B",)) for i in range(20)]
for t in threads:
    t.start()
for t in threads:
    t.join(20)
assert all(r.get("ok") is True for r in answers), answers
ids = {r["task_id"] for r in answers}
fresh = [r for r in answers if not r.get("duplicate")]
assert len(answers) == 20 and len(ids) == 1 and len(fresh) == 1, answers
tid = ids.pop()
tasks = boss_a.call("tasks")["tasks"]
assert [t["task_id"] for t in tasks] == [tid], tasks
reqs = task_requests(w, 1)
extra = w.call("fetch", limit=10, wait_ms=500)["messages"]
assert len(reqs) == 1 and not extra, (reqs, extra)
r = boss_b.request("assign_task", task_type="t", required_capabilities=["i"], parameters={"n": 2}, idempotency_key="job-1")
assert error_code(r) == "bad_request" and "idempotency_key" in r["error"]["message"], r
other = agent_on("A", "i22-boss2", "supervisor")
r2 = other.call("assign_task", task_type="t", required_capabilities=["i"], parameters={"n": 1}, idempotency_key="job-1")
assert r2["task_id"] != tid and not r2.get("duplicate"), r2
print("# 20 concurrent assigns with one key via A and B: one task %s, 19 duplicate answers, one task_request; other parameters: bad_request; another supervisor's key: another task" % tid)
PY
stop_daemon B
stop_daemon A

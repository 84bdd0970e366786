#!/usr/bin/env bash
# task/tasks visibility: a worker sees the tasks it holds or held before (not_found for
# others); a supervisor sees all; tasks filters by state and assigned_to, newest first,
# with limit 1-1000.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
from coord import *
boss = agent("tv-boss", "supervisor")
boss2 = agent("tv-boss2", "supervisor")
a = agent("tv-a", "worker", ["a"])
b = agent("tv-b", "worker", ["b"])
anon = Conn()
anon.hello("tv-anon")
ta = assign(boss, "for-a", ["a"])["task_id"]
tb = assign(boss, "for-b", ["b"])["task_id"]
tp = assign(boss2, "pending", ["none"])["task_id"]
task_requests(a, 1)
task_requests(b, 1)
report(a, "tv-boss", ta, "completed")
wait_state(boss, ta, "completed")
assert task(a, ta)["task_id"] == ta, "a worker sees a task it held"
for who, tid in [(a, tb), (b, ta), (a, tp), (anon, ta)]:
    expect_error(who.request("task", task_id=tid), "not_found")
ids = lambda c, **f: [t["task_id"] for t in c.call("tasks", **f)["tasks"]]
assert ids(a) == [ta], ids(a)
assert ids(b) == [tb], ids(b)
assert ids(anon) == [], ids(anon)
assert ids(boss) == [tp, tb, ta], "supervisor sees every task, newest first: %r" % ids(boss)
assert ids(boss, state="completed") == [ta]
assert ids(boss, state="assigned") == [tb]
assert ids(boss, state="pending") == [tp]
assert ids(boss, assigned_to="tv-b") == [tb]
assert ids(boss, assigned_to="tv-a", state="assigned") == []
assert ids(boss, limit=2) == [tp, tb]
for bad in [dict(limit=0), dict(limit=1001), dict(state="done"), dict(assigned_to=5)]:
    expect_error(boss.request("tasks", **bad), "bad_request")
expect_error(boss.request("task"), "bad_request", "task_id")
# a worker's old task stays visible after it moved on to another agent
c = agent("tv-c", "worker", ["b"])
b.call("deregister")
wait_assigned_to(boss, tb, "tv-c")
assert task(b, tb)["assigned_to"] == "tv-c", "a worker sees a task it held before"
print("# worker a sees %r, anon sees nothing, supervisor sees 3 newest first" % ids(a))
PY

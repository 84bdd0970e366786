#!/usr/bin/env bash
# A registered monitor may hello, register, heartbeat, ping, stats, health, agents, task,
# tasks, dead_letters (also of another agent) and bye; send, fetch, ack, nack, subscribe,
# requeue_dead, assign_task, cancel_task, broadcast and deregister are forbidden.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
from coord import *
boss = agent("mo-boss", "supervisor")
tid = assign(boss, "job", ["nobody-has-this"])["task_id"]
m = agent("mo-mon", "monitor")
ok_ops = [("heartbeat", {}), ("ping", {}), ("stats", {}), ("health", {}), ("agents", {}),
          ("task", {"task_id": tid}), ("tasks", {}), ("dead_letters", {}),
          ("dead_letters", {"agent_id": "mo-boss"}),
          ("register", {"role": "monitor", "capabilities": []})]
bad = []
for op, f in ok_ops:
    r = m.request(op, **f)
    if r.get("ok") is not True:
        bad.append("%s %r: expected ok, got %r" % (op, f, r))
forbidden_ops = [
    ("send", {"message": {"to_agent": "mo-boss", "message_type": "status_update", "content": {}}}),
    ("fetch", {}), ("ack", {"message_ids": ["x"]}), ("nack", {"message_ids": ["x"]}),
    ("subscribe", {}), ("unsubscribe", {}), ("requeue_dead", {"message_ids": ["x"]}),
    ("assign_task", {"task_type": "job", "required_capabilities": []}),
    ("cancel_task", {"task_id": tid}),
    ("broadcast", {"message_type": "coordination", "content": {}}),
    ("deregister", {}),
]
for op, f in forbidden_ops:
    r = m.request(op, **f)
    if (r.get("error") or {}).get("code") != "forbidden":
        bad.append("%s: expected forbidden, got %r" % (op, r))
assert task(boss, tid)["state"] == "pending", "a forbidden cancel changed the task"
assert m.call("tasks")["tasks"][0]["task_id"] == tid, "a monitor sees every task"
print("# monitor: %d read ops ok, %d other ops forbidden" % (len(ok_ops), len(forbidden_ops)))
assert not bad, "\n".join(bad)
r = m.call("bye")
PY

#!/usr/bin/env bash
# Leases with fencing, across two daemons. A task assigned with lease_ms=1500 to w1 (on
# daemon A) carries lease 1 and attempt 1 in its task_request. w1 goes quiet (it keeps its
# connection and pings, but reports nothing): within ~1.5 s the attempt ends as
# lease_expired and the task is assigned to w2 (on daemon B) under lease 2. w1's late
# "completed" report with lease 1, sent through daemon B, is refused: forbidden, "stale
# lease", and the supervisor receives nothing from w1. w2's in_progress reports every
# 0.5 s keep its lease running past 1.5 s; its "completed" with lease 2 completes the task,
# and the same report sent again (a retry) is answered as a duplicate, not refused.
# TaskInfo: lease 2, attempts_log [lease_expired by w1, completed by w2].
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/../tests_14_daemons/daemons.sh"
require_redis
export AGENTD_DAEMON_LEASE_MS=1000
start_daemon A l20-a
start_daemon B l20-b
py <<'PY'
import time
from wire import *
from daemons import *
from coord import task_requests, task, event_names
boss = agent_on("A", "l20-boss", "supervisor")
w1 = agent_on("A", "l20-w1", "worker", ["lease"])
tid = boss.call("assign_task", task_type="t", required_capabilities=["lease"], lease_ms=1500,
                timeout_ms=60000, max_retries=2)["task_id"]
req = task_requests(w1, 1)[0]
assert req["content"]["lease"] == 1 and req["content"]["attempt"] == 1, req["content"]
t = task(boss, tid)
assert t["lease"] == 1 and t["lease_expires_at"] is not None, t
w2 = agent_on("B", "l20-w2", "worker", ["lease"])
t0 = now()
keep = KeepAlive([("A", "l20-w1"), ("B", "l20-w2"), ("A", "l20-boss")])
t = wait_for("reassignment after the lease", lambda: (lambda x: x if x["lease"] == 2 else None)(task(boss, tid)), timeout=6)
took = now() - t0
assert t["assigned_to"] == "l20-w2" and t["attempts"] == 2, t
print("# lease_ms=1500, no report from w1: attempt ended lease_expired, reassigned to w2 (daemon B) under lease 2 after %.2f s" % took)
req2 = task_requests(w2, 1)[0]
assert req2["content"]["lease"] == 2 and req2["content"]["attempt"] == 2, req2["content"]
# The zombie reports, through the other daemon.
zombie = connect("B", "l20-w1")
r = zombie.request("send", message={"to_agent": "l20-boss", "message_type": "task_response",
                                    "content": {"task_id": tid, "status": "completed", "lease": 1, "result": {"by": "w1"}}})
assert error_code(r) == "forbidden" and "stale lease" in r["error"]["message"], r
print("# w1's late report with lease 1 through daemon B: %s (%s)" % (error_code(r), r["error"]["message"]))
# w2 renews by reporting progress past the first lease's length.
for i in range(4):
    w2.send("l20-boss", {"task_id": tid, "status": "in_progress", "lease": 2, "completion_percentage": 25 * i},
            message_type="task_response")
    time.sleep(0.5)
t = task(boss, tid)
assert t["state"] == "in_progress" and t["assigned_to"] == "l20-w2" and t["lease"] == 2, t
done = {"to_agent": "l20-boss", "message_type": "task_response", "message_id": "l20-done",
        "content": {"task_id": tid, "status": "completed", "lease": 2, "result": {"by": "w2"}}}
r = w2.call("send", message=done)
again = w2.request("send", message=done)
assert again.get("ok") is True and again.get("duplicate") is True, again
keep.stop()
t = task(boss, tid)
assert t["state"] == "completed" and t["result"] == {"by": "w2"}, t
log = [(a["attempt"], a["lease"], a["agent_id"], a["outcome"]) for a in t["attempts_log"]]
assert log == [(1, 1, "l20-w1", "lease_expired"), (2, 2, "l20-w2", "completed")], log
assert all(a["ended_at"] for a in t["attempts_log"]), t["attempts_log"]
assert "lease_expired" in event_names(t), event_names(t)
# The supervisor got w2's reports only: nothing from the zombie was stored.
got = []
end = now() + 3
while now() < end:
    ms = boss.call("fetch", limit=100, wait_ms=200)["messages"]
    if not ms:
        break
    got += ms
    boss.call("ack", message_ids=[m["message_id"] for m in ms])
senders = {m["from_agent"] for m in got if m["message_type"] == "task_response"}
assert senders == {"l20-w2"}, [(m["from_agent"], m["content"]) for m in got]
print("# w2 renewed its lease by reports for 2 s, completed under lease 2 (its retry answered duplicate); attempts_log %r" % log)
PY
stop_daemon B
stop_daemon A

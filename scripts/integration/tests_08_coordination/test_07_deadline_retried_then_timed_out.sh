#!/usr/bin/env bash
# A task whose assignee does not finish within timeout_ms is retried on the other worker,
# and after max_retries + 1 attempts ends timed_out; the supervisor gets an error_report
# from agentd with state timed_out.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
import time
from wire import *
from coord import *
boss = agent("dl-boss", "supervisor")
a = agent("dl-a", "worker", ["k"])
b = agent("dl-b", "worker", ["k"])
t0 = time.monotonic()
tid = assign(boss, "slow", ["k"], timeout_ms=600, max_retries=1)["task_id"]
first = task(boss, tid)["assigned_to"]
t = wait_for("second attempt", lambda: (lambda x: x if x["attempts"] == 2 else None)(task(boss, tid)), timeout=5)
retried_after = time.monotonic() - t0
assert t["assigned_to"] != first and t["state"] == "assigned", (first, t)
assert retried_after >= 0.55, "retried after %.2f s, timeout 0.6 s" % retried_after
t = wait_state(boss, tid, "timed_out", timeout=5)
ended_after = time.monotonic() - t0
assert ended_after >= 1.1, "timed out after %.2f s, two attempts of 0.6 s" % ended_after
names = event_names(t)
assert names == ["created", "assigned", "timed_out", "assigned", "timed_out", "timed_out"], names
assert t["attempts"] == 2 and t["deadline"] is None, t
got = [m for m in messages(boss, 1, timeout=3) if m["from_agent"] == "agentd"]
assert len(got) == 1 and got[0]["message_type"] == "error_report", got
assert got[0]["content"]["state"] == "timed_out" and got[0]["content"]["task_id"] == tid, got[0]
for w in (a, b):
    assert task_requests(w, 1), "each worker got one task_request"
print("# retried after %.2f s, timed_out after %.2f s; history %s" % (retried_after, ended_after, " ".join(names)))
PY

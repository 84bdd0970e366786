#!/usr/bin/env bash
# A task held by a worker when agentd is killed (kill -9) is still tracked after the restart:
# its assignee keeps it (current_tasks 1), its report still completes it; and another held
# task's deadline is still enforced (timed_out, error_report to the supervisor).
source "$(dirname "$0")/../test_functions.sh"
require_redis
start_agentd
py >"$TEST_TMP/ids.json" <<'PY'
import json
from coord import *
boss = agent("hd-boss", "supervisor")
w = agent("hd-w", "worker", ["k"], max_tasks=2)
keep = assign(boss, "keep", ["k"], timeout_ms=60000)["task_id"]
late = assign(boss, "late", ["k"], timeout_ms=2500, max_retries=0)["task_id"]
task_requests(w, 2)
print(json.dumps({"keep": keep, "late": late}))
PY
kill9_agentd
start_agentd
py "$TEST_TMP/ids.json" <<'PY'
import json, sys, time
from wire import *
from coord import *
ids = json.load(open(sys.argv[1]))
boss = Conn()
boss.hello("hd-boss")
w = Conn()
w.hello("hd-w")
k = task(boss, ids["keep"])
assert k["state"] == "assigned" and k["assigned_to"] == "hd-w", k
assert agent_info(boss, "hd-w")["current_tasks"] == 2, agent_info(boss, "hd-w")
report(w, "hd-boss", ids["keep"], "completed", result={"after": "restart"})
k = wait_state(boss, ids["keep"], "completed")
t0 = time.monotonic()
l = wait_state(boss, ids["late"], "timed_out", timeout=8, keep=[w])
got = [m for m in messages(boss, 2, timeout=3) if m["from_agent"] == "agentd"]
assert len(got) == 1 and got[0]["content"]["state"] == "timed_out" and got[0]["content"]["task_id"] == ids["late"], got
wait_for("slots freed", lambda: agent_info(boss, "hd-w")["current_tasks"] == 0)
print("# after kill -9: held task completed by its assignee; other timed out %.2f s after restart" % (time.monotonic() - t0))
PY

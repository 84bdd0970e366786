#!/usr/bin/env bash
# heartbeat: status and current_tasks overwrite the stored values; omitted fields keep theirs.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
from coord import *
w = agent("hb-worker", "worker", ["x"], max_tasks=4)
def me():
    return agent_info(w, "hb-worker")
r = w.call("heartbeat", status="busy", current_tasks=3)
assert set(r) <= {"id", "ok"}, "heartbeat result should be empty: %r" % r
a = me()
assert a["status"] == "busy" and a["current_tasks"] == 3, a
w.call("heartbeat")
a = me()
assert a["status"] == "busy" and a["current_tasks"] == 3, "omitted fields changed: %r" % a
w.call("heartbeat", current_tasks=1)
a = me()
assert a["status"] == "busy" and a["current_tasks"] == 1, a
w.call("heartbeat", status="idle")
a = me()
assert a["status"] == "idle" and a["current_tasks"] == 1, a
expect_error(w.request("heartbeat", status="sleeping"), "bad_request", "status")
expect_error(w.request("heartbeat", current_tasks="2"), "bad_request", "current_tasks")
expect_error(w.request("heartbeat", current_tasks=-1), "bad_request", "current_tasks")
a = me()
assert a["status"] == "idle" and a["current_tasks"] == 1, "a rejected heartbeat changed the agent: %r" % a
print("# busy/3 -> (omitted) busy/3 -> busy/1 -> idle/1; bad values rejected")
PY

#!/usr/bin/env bash
# With audit_dir set, real traffic lands in today's folder: agent_activity (registered,
# deregistered), message_audit (sent, delivered with its attempt, acked, nacked), task_history
# (created, assigned, started, completed), errors (a refused hello in token mode), and
# performance (the final snapshot written at shutdown). One JSON object per line, ts + event.
source "$(dirname "$0")/../test_functions.sh"
export PYTHONPATH="$(dirname "$0"):$PYTHONPATH"
AUDIT="$TEST_TMP/audit"
export AUDIT
python3 "$(dirname "$0")/../tests_11_security/tokens.py" "$TEST_TMP/tokens.json" \
    "au-*=secret:worker" "chief=boss-secret:supervisor"
AGENTD_AUDIT_DIR="$AUDIT" AGENTD_AUTH_MODE=token AGENTD_AUTH_TOKENS_FILE="$TEST_TMP/tokens.json" start_agentd
py <<'PY'
import os
from wire import *
from coord import task_requests, report, wait_state
from audit import *
d = os.environ["AUDIT"]

bad = Conn()
expect_error(bad.request("hello", agent_id="au-intruder", token="nope"), "unauthenticated")

boss = Conn(); boss.hello("chief", token="boss-secret"); boss.call("register", role="supervisor", capabilities=[])
w = Conn(); w.hello("au-worker", token="secret"); w.call("register", role="worker", capabilities=["k"])
a = Conn(); a.hello("au-alice", token="secret")
b = Conn(); b.hello("au-bob", token="secret")

mid = a.send("au-bob", {"n": 1}, "status_update", priority="high")["message_id"]
m = fetch_until(b, 1)[0]
assert m["message_id"] == mid
b.call("nack", message_ids=[mid])
m2 = fetch_until(b, 1)[0]
assert m2["delivery"]["attempt"] == 2, m2
b.call("ack", message_ids=[mid])

tid = boss.call("assign_task", task_type="job", required_capabilities=["k"])["task_id"]
task_requests(w, 1)
report(w, "chief", tid, "in_progress")
report(w, "chief", tid, "completed", result={"ok": True})
wait_state(boss, tid, "completed")
w.call("deregister")

sent = wait_records(d, "message_audit", lambda r: r["event"] == "sent" and r["message_id"] == mid)[0]
assert sent["from_agent"] == "au-alice" and sent["to_agent"] == "au-bob", sent
assert sent["message_type"] == "status_update" and sent["priority"] == "high", sent
delivered = wait_records(d, "message_audit", lambda r: r["event"] == "delivered" and r["message_id"] == mid, want=2)
assert [r["attempt"] for r in delivered] == [1, 2], delivered
assert all(r["from_agent"] == "au-alice" and r["to_agent"] == "au-bob" and r["mode"] == "fetch" for r in delivered), delivered
nacked = wait_records(d, "message_audit", lambda r: r["event"] == "nacked" and r["message_id"] == mid)
assert nacked[0]["attempt"] == 1, nacked
acked = wait_records(d, "message_audit", lambda r: r["event"] == "acked" and r["message_id"] == mid)
assert acked[0]["attempt"] == 2 and acked[0]["to_agent"] == "au-bob", acked
assert acked[0]["from_agent"] == "au-alice" and acked[0]["message_type"] == "status_update", acked

tasks = wait_records(d, "task_history", lambda r: r["task_id"] == tid and r["event"] == "completed")
names = [r["event"] for r in lines(d, "task_history") if r["task_id"] == tid]
assert names == ["created", "assigned", "started", "completed"], names
assert tasks[0]["agent_id"] == "au-worker" and tasks[0]["supervisor"] == "chief", tasks

wait_records(d, "agent_activity", lambda r: r["event"] == "deregistered" and r["agent_id"] == "au-worker")
reg = [r for r in lines(d, "agent_activity") if r["event"] == "registered"]
assert {r["agent_id"] for r in reg} == {"chief", "au-worker"}, reg
assert [r["role"] for r in reg if r["agent_id"] == "au-worker"] == ["worker"], reg

refused = wait_records(d, "errors", lambda r: r["event"] == "auth_failed")
assert refused[0]["agent_id"] == "au-intruder" and "token" not in refused[0], refused

s = a.call("stats")
assert s["audit"]["enabled"] is True and s["audit"]["written_total"] > 0, s["audit"]
assert s["audit"]["dropped_total"] == 0 and s["audit"]["write_errors_total"] == 0, s["audit"]
print("# audit: sent/delivered x2/nacked/acked, task created..completed, registered/deregistered, auth_failed; written_total %d"
      % s["audit"]["written_total"])
PY
stop_agentd
py <<'PY'
import os
from audit import *
d = os.environ["AUDIT"]
final = [r for r in lines(d, "performance") if r["event"] == "final"]
assert len(final) == 1, lines(d, "performance")
f = final[0]
for key in ["uptime_s", "connections", "messages_per_minute", "sent_total", "delivered_total", "acked_total",
            "in_flight", "pending", "dead_letters", "agents_total", "tasks", "audit_dropped_total"]:
    assert key in f, (key, f)
assert f["sent_total"] >= 1 and f["acked_total"] >= 1 and f["tasks"]["completed"] >= 1, f
print("# final performance snapshot on SIGTERM: sent_total %d, tasks %r" % (f["sent_total"], f["tasks"]))
PY

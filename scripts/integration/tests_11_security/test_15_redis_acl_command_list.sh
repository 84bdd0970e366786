#!/usr/bin/env bash
# The tight Redis ACL of docs/security.md: agentd's user may run only the commands it names,
# on agentd's key prefix only. A workload touching every store path (registry, sends with
# priority and delay, fetch, ack, nack, dead letters and requeue, push, tasks assigned and
# completed, stats, a restart that recovers in-flight messages) runs with no command
# refused: Redis's ACL LOG stays empty and agentd logs no NOPERM.
source "$(dirname "$0")/../test_functions.sh"
require_redis
acl="$TEST_TMP/users.acl"
commands="$(sed -n 's/^ *+/+/p' "$(dirname "$0")/../../../docs/redis-acl.txt" | tr '\n' ' ')"
channels="$(sed -n 's/^ *&/\&/p' "$(dirname "$0")/../../../docs/redis-acl.txt" | sed "s/PREFIX/${AGENTD_KEY_PREFIX}/" | tr '\n' ' ')"
[[ "$channels" == *":w:"* ]] || fail "no channel rule in docs/redis-acl.txt"
[[ "$commands" == *"+xadd"* ]] || fail "no command list in docs/redis-acl.txt"
admin_pw="admin-$RANDOM"
{
    echo "user default on >$admin_pw ~* &* +@all"
    echo "user agentd on >agentd-pw-77aa resetkeys ~${AGENTD_KEY_PREFIX}* resetchannels $channels-@all $commands"
} >"$acl"
start_private_redis "" --aclfile "$acl"
export AGENTD_REDIS_ADDR="$PRIVATE_REDIS" AGENTD_REDIS_AUTH_USERNAME=agentd AGENTD_REDIS_AUTH_PASSWORD=agentd-pw-77aa
AGENTD_MAX_DELIVERIES=2 AGENTD_ACK_TIMEOUT_MS=400 start_agentd
py <<'PY'
import time
from wire import *
boss = Conn(); boss.hello("boss"); boss.call("register", role="supervisor", capabilities=[])
w = Conn(); w.hello("w1"); w.call("register", role="worker", capabilities=["x"])
boss.call("heartbeat", status="active")
for i in range(5):
    boss.send("w1", {"i": i}, priority=["low", "medium", "high", "critical", "medium"][i])
boss.send("w1", {"late": True}, delay_ms=300)
got = fetch_until(w, 6, deadline_s=5)
assert len(got) == 6, got
w.call("ack", message_ids=[m["message_id"] for m in got[:4]])
w.call("nack", message_ids=[got[4]["message_id"]])
# got[5] is left unacked; with max_deliveries 2 it ends in the dead letters after two timeouts.
deadline = time.monotonic() + 10
dead = []
while time.monotonic() < deadline and not dead:
    for m in w.fetch(wait_ms=200):
        if m["delivery"]["attempt"] == 1 or m["message_id"] == got[4]["message_id"]:
            w.call("ack", message_ids=[m["message_id"]])
    dead = w.call("dead_letters")["messages"]
assert dead, "nothing reached the dead letters"
assert w.call("requeue_dead", message_ids=[dead[0]["message_id"]])["requeued"] == 1
w.call("subscribe", prefetch=10)
t = boss.call("assign_task", task_type="t", required_capabilities=["x"])
assert t["assigned_to"] == "w1", t
ev = w.expect_event(timeout=5)
while ev["message"]["message_type"] != "task_request":
    w.call("ack", message_ids=[ev["message"]["message_id"]])
    ev = w.expect_event(timeout=5)
w.call("ack", message_ids=[ev["message"]["message_id"]])
w.send("boss", {"task_id": t["task_id"], "status": "completed", "result": {}}, message_type="task_response")
deadline = time.monotonic() + 5
while boss.call("task", task_id=t["task_id"])["task"]["state"] != "completed":
    assert time.monotonic() < deadline, "task never completed"
    time.sleep(0.05)
boss.call("stats"); boss.call("agents"); boss.call("tasks")
h = boss.call("health")
assert h["store"] == "up", h
boss.send("w1", {"left": "in flight"})
print("# registry, priorities, delay, ack, nack, dead letters, requeue, push, task completed: all ok")
PY
kill9_agentd
AGENTD_MAX_DELIVERIES=2 start_agentd
py <<'PY'
from wire import *
w = Conn(); w.hello("w1")
got = fetch_until(w, 1, deadline_s=5)
assert got, "nothing recovered after the restart"
print("# after kill -9 and restart: %d message(s) recovered" % len(got))
PY
stop_agentd
denied="$(redis-cli -p "$PRIVATE_REDIS_PORT" --user default --pass "$admin_pw" --no-auth-warning ACL LOG 10)"
[[ -z "$denied" ]] || fail "Redis refused commands to agentd's user: $denied"
if grep -q "NOPERM" "$TEST_TMP"/agentd-*.log; then
    fail "agentd logged NOPERM: $(grep -m3 NOPERM "$TEST_TMP"/agentd-*.log)"
fi
echo "# Redis ACL LOG empty; no NOPERM in agentd's logs"

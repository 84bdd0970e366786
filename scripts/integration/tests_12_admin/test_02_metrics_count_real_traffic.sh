#!/usr/bin/env bash
# /metrics before and after real traffic: sent (by priority and message type), delivered,
# redelivered (after a nack), acked, the send-latency histogram, connections, agents by
# status and tasks by state all move by exactly what was done.
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/admin_functions.sh"
start_agentd_admin
py <<'PY'
import os
from admin import scrape, total, has
from wire import Conn

m0 = scrape()
for name in ["agentd_messages_sent_total", "agentd_messages_delivered_total", "agentd_messages_acked_total",
             "agentd_messages_redelivered_total", "agentd_messages_dead_lettered_total",
             "agentd_messages_expired_total", "agentd_connections_open", "agentd_connections_accepted_total",
             "agentd_agents", "agentd_tasks", "agentd_auth_failures_total", "agentd_send_latency_seconds_count"]:
    assert has(m0, name), "missing before any traffic: " + name

s, r = Conn(), Conn()
s.hello("m-sender")
r.hello("m-receiver")
for i in range(5):
    s.send("m-receiver", {"n": i}, priority="high")
s.send("m-receiver", {"task_id": "nope", "status": "in_progress"}, message_type="task_response")
got = r.fetch(limit=10)
assert len(got) == 6, got
r.call("ack", message_ids=[m["message_id"] for m in got[:4] + got[5:]])
r.call("nack", message_ids=[got[4]["message_id"]])
again = r.fetch(limit=10)
assert [m["delivery"]["attempt"] for m in again] == [2], again
r.call("ack", message_ids=[m["message_id"] for m in again])
boss = Conn()
boss.hello("m-boss")
boss.call("register", role="supervisor", capabilities=[])
boss.call("assign_task", task_type="t", required_capabilities=["nobody-has-this"])
m1 = scrape()

def delta(name, **labels):
    return total(m1, name, **labels) - total(m0, name, **labels)

checks = {
    ("sent high status_update", delta("agentd_messages_sent_total", priority="high", message_type="status_update")): 5,
    ("sent medium task_response", delta("agentd_messages_sent_total", priority="medium", message_type="task_response")): 1,
    ("sent all", delta("agentd_messages_sent_total")): 6,
    ("delivered", delta("agentd_messages_delivered_total")): 7,
    ("redelivered high", delta("agentd_messages_redelivered_total", priority="high")): 1,
    ("acked", delta("agentd_messages_acked_total")): 6,
    ("acked high", delta("agentd_messages_acked_total", priority="high")): 5,
    ("send latency observations", delta("agentd_send_latency_seconds_count")): 6,
    ("connections accepted", delta("agentd_connections_accepted_total")): 3,
    ("tasks pending", total(m1, "agentd_tasks", state="pending")): 1,
    ("supervisors active", total(m1, "agentd_agents", status="active")): 1,
    ("connections open", total(m1, "agentd_connections_open")): 3,
}
bad = {k: v for k, v in checks.items() if k[1] != v}
assert not bad, "metric (name, got): expected %r" % bad
if os.environ["AGENTD_TEST_BACKEND"] == "redis":
    rtt = total(m1, "agentd_redis_round_trip_seconds_count") - total(m0, "agentd_redis_round_trip_seconds_count")
    assert rtt >= 6, "redis round trips: %r" % rtt
    print("# redis round trips observed: %d" % rtt)
print("# " + ", ".join("%s +%g" % (k[0], k[1]) for k in checks))
PY

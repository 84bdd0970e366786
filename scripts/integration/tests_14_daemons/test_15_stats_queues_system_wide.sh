#!/usr/bin/env bash
# stats.queues.in_flight and messages_per_minute count every daemon, from any daemon: 5
# messages sent through A and 3 through B (8 sends), 4 fetched unacked on A and 2 on B
# (6 in flight). Within a lease renewal both daemons answer in_flight 6 and
# messages_per_minute 8; after the acks both answer in_flight 0.
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/daemons.sh"
require_redis
export AGENTD_DAEMON_LEASE_MS=600
start_daemon A x15-a
start_daemon B x15-b
py <<'PY'
from wire import *
from daemons import *
ta, tb = connect("A", "x15-tx-a"), connect("B", "x15-tx-b")
ra, rb = connect("A", "x15-ra"), connect("B", "x15-rb")
for i in range(5):
    ta.send("x15-ra" if i < 4 else "x15-rb", {"i": i})
for i in range(3):
    tb.send("x15-rb" if i < 1 else "x15-ra", {"i": i})
got_a = ra.call("fetch", limit=4)["messages"]
got_b = rb.call("fetch", limit=2)["messages"]
assert len(got_a) == 4 and len(got_b) == 2, (got_a, got_b)

def queues(conn):
    return stats(conn)["queues"]

def both(in_flight, per_minute):
    qa, qb = queues(ta), queues(tb)
    seen = [(q["in_flight"], q["messages_per_minute"]) for q in (qa, qb)]
    return seen if all(s == (in_flight, per_minute) for s in seen) else None

wait_for("in_flight 6 and messages_per_minute 8 from both daemons", lambda: both(6, 8), timeout=4)
print("# 4 unacked on A, 2 on B, 8 sends through both: A and B each answer in_flight=6, messages_per_minute=8")
ra.call("ack", message_ids=[m["message_id"] for m in got_a])
rb.call("ack", message_ids=[m["message_id"] for m in got_b])
wait_for("in_flight 0 from both daemons after the acks", lambda: both(0, 8), timeout=4)
print("# after the acks both answer in_flight=0")
PY
stop_daemon B
stop_daemon A

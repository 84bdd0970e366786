#!/usr/bin/env bash
# One agent cannot read or settle another's inbox: worker-2 fetching gets only its own
# messages, acking or nacking worker-1's message id changes nothing, and reading worker-1's
# dead letters is forbidden; worker-1 still gets its message, and a monitor may read them.
source "$(dirname "$0")/../test_functions.sh"
python3 "$(dirname "$0")/tokens.py" "$TEST_TMP/tokens.json" \
    "worker-*=w-secret:worker" "boss=b-secret:supervisor" "watch=m-secret:monitor"
AGENTD_AUTH_MODE=token AGENTD_AUTH_TOKENS_FILE="$TEST_TMP/tokens.json" AGENTD_MAX_DELIVERIES=1 \
    AGENTD_ACK_TIMEOUT_MS=300 start_agentd
py <<'PY'
import time
from wire import *
boss = Conn(); boss.hello("boss", token="b-secret")
w1 = Conn(); w1.hello("worker-1", token="w-secret")
w2 = Conn(); w2.hello("worker-2", token="w-secret")
mid = boss.send("worker-1", {"secret": 1})["message_id"]

assert w2.call("fetch", limit=10)["messages"] == [], "worker-2 read worker-1's inbox"
assert w2.call("ack", message_ids=[mid])["acked"] == 0
assert w2.call("nack", message_ids=[mid])["requeued"] == 0
print("# worker-2: fetch empty, ack/nack of worker-1's message id count 0")

got = w1.call("fetch", limit=10)["messages"]
assert [m["message_id"] for m in got] == [mid] and got[0]["delivery"]["attempt"] == 1, got
# worker-2 acking it while it is in flight for worker-1 does not settle it either.
assert w2.call("ack", message_ids=[mid])["acked"] == 0
print("# worker-1 got its message (attempt 1); worker-2's ack of it while in flight: 0")

# Not acked within 300 ms with max_deliveries = 1: it moves to worker-1's dead letters.
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    dead = w1.call("dead_letters")["messages"]
    if dead:
        break
    time.sleep(0.1)
assert [m["message_id"] for m in dead] == [mid], dead
expect_error(w2.request("dead_letters", agent_id="worker-1"), "forbidden")
expect_error(w2.request("requeue_dead", message_ids=[mid], agent_id="worker-1"), "forbidden")
assert w2.call("dead_letters")["messages"] == []
m = Conn(); m.hello("watch", token="m-secret"); m.call("register", role="monitor", capabilities=[])
assert [x["message_id"] for x in m.call("dead_letters", agent_id="worker-1")["messages"]] == [mid]
print("# worker-2: worker-1's dead letters forbidden (read and requeue); the monitor may read them")
PY

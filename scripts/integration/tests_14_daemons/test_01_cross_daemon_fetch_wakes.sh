#!/usr/bin/env bash
# A fetch waiting on daemon B wakes as soon as a message for its agent is sent through
# daemon A (a wake-up through Redis, not a poll): 8 rounds, each a fetch(wait_ms=5000) on B
# and one send on A; every fetch returns its message (attempt 1) long before its wait ends,
# the median within 150 ms. A fetch on B with nothing sent still waits its full time.
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/daemons.sh"
require_redis
export AGENTD_DAEMON_LEASE_MS=1000
start_daemon A x01-a
start_daemon B x01-b
py <<'PY'
import time
from wire import *
from daemons import *
tx = connect("A", "x01-sender")
rx = connect("B", "x01-receiver", timeout=15)
# Nothing sent: the wait is honoured (not answered early, not lost).
msgs, took = fetch_wait(rx, 800)
assert msgs == [] and 0.7 <= took < 3.0, "empty fetch(wait_ms=800) took %.2f s: %r" % (took, msgs)
lat = []
for i in range(8):
    poll = LongPoll(rx, wait_ms=5000)
    time.sleep(0.3)                      # the fetch is parked on B
    t0 = now()
    mid = tx.send("x01-receiver", {"round": i})["message_id"]
    got = poll.result(15)
    assert [m["message_id"] for m in got] == [mid], "round %d: %r" % (i, got)
    assert got[0]["content"] == {"round": i} and got[0]["delivery"]["attempt"] == 1, got[0]
    assert got[0]["from_agent"] == "x01-sender", got[0]
    lat.append(poll.answered - t0)
    rx.call("ack", message_ids=[mid])
p50, worst = percentile(lat, 50), max(lat)
print("# send on A -> waiting fetch on B answered: p50 %.1f ms, max %.1f ms over %d rounds (wait_ms 5000)"
      % (p50 * 1000, worst * 1000, len(lat)))
assert worst < 2.0, "a fetch on B took %.2f s to see a message sent on A" % worst
assert p50 < 0.150, "median wake-up %.0f ms: looks like polling, not a wake-up" % (p50 * 1000)
PY

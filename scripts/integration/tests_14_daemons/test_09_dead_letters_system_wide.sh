#!/usr/bin/env bash
# max_deliveries counts attempts system-wide (AGENTD_MAX_DELIVERIES=2): attempt 1 fetched on
# A and nacked, attempt 2 fetched on B and nacked -> the message is dead, not delivered a
# 3rd time on either daemon; dead_letters answers the same from A and from B (attempts 2),
# and so does stats.queues.dead_letters; requeue_dead through B makes it deliverable on A
# with attempt 1, and it leaves the dead letters as seen from A.
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/daemons.sh"
require_redis
export AGENTD_DAEMON_LEASE_MS=1000 AGENTD_MAX_DELIVERIES=2 AGENTD_ACK_TIMEOUT_MS=10000
start_daemon A x09-a
start_daemon B x09-b
py <<'PY'
import time
from wire import *
from daemons import *
s = connect("A", "x09-sender")
ra = connect("A", "x09-worker", timeout=10)
rb = connect("B", "x09-worker", timeout=10)
dead0 = stats(ra)["queues"]["dead_letters"]
mid = s.send("x09-worker", {"poison": True})["message_id"]
m1 = ra.fetch()
assert [m["message_id"] for m in m1] == [mid] and m1[0]["delivery"]["attempt"] == 1, m1
assert ra.call("nack", message_ids=[mid])["requeued"] == 1
m2, _ = fetch_wait(rb, 3000)
assert [m["message_id"] for m in m2] == [mid], "nacked on A, a 3 s fetch on B got %r" % m2
assert m2[0]["delivery"]["attempt"] == 2, m2[0]["delivery"]
rb.call("nack", message_ids=[mid])
poll_a = LongPoll(ra, wait_ms=1500)
m3, _ = fetch_wait(rb, 1500)
m3 += poll_a.result(10)
assert m3 == [], "delivered a 3rd time with max_deliveries=2 (attempt 1 on A, 2 on B): %r" % m3

def dead(c):
    return c.call("dead_letters")["messages"]
dla = wait_for("the dead letter as seen from A", lambda: dead(ra), timeout=5)
dlb = dead(rb)
print("# attempt 1 on A, attempt 2 on B, both nacked: dead_letters from A %s, from B %s"
      % ([(d["message_id"] == mid, d["dead"]["attempts"]) for d in dla],
         [(d["message_id"] == mid, d["dead"]["attempts"]) for d in dlb]))
for dl in (dla, dlb):
    assert len(dl) == 1 and dl[0]["message_id"] == mid and dl[0]["content"] == {"poison": True}, dl
    assert dl[0]["dead"]["attempts"] == 2, dl[0]["dead"]
assert dla == dlb, "dead_letters differ between daemons:\nA %r\nB %r" % (dla, dlb)
qa, qb = stats(ra)["queues"]["dead_letters"], stats(rb)["queues"]["dead_letters"]
assert qa == qb == dead0 + 1, "stats.queues.dead_letters: A %r, B %r, before %r" % (qa, qb, dead0)

assert rb.call("requeue_dead", message_ids=[mid])["requeued"] == 1
assert dead(ra) == [] and dead(rb) == [], "still dead after requeue_dead on B"
m4, took = fetch_wait(ra, 3000)
assert [m["message_id"] for m in m4] == [mid], "requeued on B, fetch on A got %r" % m4
assert m4[0]["delivery"]["attempt"] == 1, m4[0]["delivery"]
assert ra.call("ack", message_ids=[mid])["acked"] == 1
extra = rb.fetch(wait_ms=500)
assert extra == [], "acked on A, then B handed out %r" % extra
qa, qb = stats(ra)["queues"], stats(rb)["queues"]
assert qa["dead_letters"] == qb["dead_letters"] == dead0, (qa, qb)
print("# requeue_dead on B -> fetched on A after %.2f s with attempt 1; dead_letters back to %d on both"
      % (took, qa["dead_letters"]))
PY
stop_daemon A
stop_daemon B

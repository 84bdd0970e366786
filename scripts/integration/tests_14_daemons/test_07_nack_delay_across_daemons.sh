#!/usr/bin/env bash
# A nack's delay holds system-wide and outlives the daemon that took it. (1) fetched on A,
# nacked with delay_ms=2000: a fetch waiting on B gets it no earlier than 2 s after the nack
# (and A does not hand it out meanwhile either), with attempt 2. (2) the same, A killed with
# SIGKILL right after the nack: B still gets it after the delay, not before (the takeover of
# A's deliveries after its 1 s lease must not shortcut the delay) and not lost. (3) nacked
# with delay_ms=4000 on A, A stopped (SIGTERM) and restarted with its id, while a fetch waits
# on B throughout and another on the new A: the message is delivered once, no earlier than
# 4 s after the nack, attempt 2.
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/daemons.sh"
require_redis
export AGENTD_DAEMON_LEASE_MS=1000 AGENTD_ACK_TIMEOUT_MS=10000
start_daemon A x07-a
start_daemon B x07-b
py <<'PY'
import os, signal, time
from wire import *
from daemons import *
s = connect("B", "x07-sender")
ra = connect("A", "x07-worker", timeout=15)
rb = connect("B", "x07-worker", timeout=15)

# (1) both daemons up
mid = s.send("x07-worker", {"part": 1})["message_id"]
assert [m["message_id"] for m in ra.fetch()] == [mid]
poll = LongPoll(rb, wait_ms=6000)
time.sleep(0.2)
t_nack = now()
assert ra.call("nack", message_ids=[mid], delay_ms=2000)["requeued"] == 1
time.sleep(1.0)
early = ra.fetch()
assert early == [], "A handed out the message 1 s into a 2 s nack delay: %r" % early
got = poll.result(12)
took = poll.answered - t_nack
assert [m["message_id"] for m in got] == [mid], "the fetch waiting on B got %r after %.2f s" % (got, took)
print("# (1) nacked on A with delay 2000 ms: delivered on B %.2f s after the nack, attempt %d"
      % (took, got[0]["delivery"]["attempt"]))
assert got[0]["delivery"]["attempt"] == 2, got[0]["delivery"]
assert took >= 1.9, "delivered %.2f s after a nack with delay_ms=2000" % took
assert took <= 4.0, "delivered only %.2f s after a 2 s nack delay" % took
rb.call("ack", message_ids=[mid])

# (2) A dies right after the nack
mid = s.send("x07-worker", {"part": 2})["message_id"]
assert [m["message_id"] for m in ra.fetch()] == [mid]
poll = LongPoll(rb, wait_ms=8000)
time.sleep(0.2)
t_nack = now()
assert ra.call("nack", message_ids=[mid], delay_ms=2000)["requeued"] == 1
os.kill(pid("A"), signal.SIGKILL)
t_kill = now()
got = poll.result(15)
took = None if poll.answered is None else poll.answered - t_nack
print("# (2) nacked on A with delay 2000 ms, A killed %.3f s later: B got %d message(s) %s s after the nack%s"
      % (t_kill - t_nack, len(got), "%.2f" % took, ", attempt %d" % got[0]["delivery"]["attempt"] if got else ""))
assert [m["message_id"] for m in got] == [mid], "lost after the kill of A: B's 8 s fetch returned %r" % got
assert got[0]["delivery"]["attempt"] == 2, got[0]["delivery"]
assert took >= 1.9, "delivered %.2f s after a nack with delay_ms=2000 (A's death cut the delay short)" % took
assert took <= 5.0, "delivered only %.2f s after a 2 s nack delay" % took
rb.call("ack", message_ids=[mid])
PY
_wait_pid "$A_PID" 10
start_daemon A x07-a
echo "# A restarted with its id after kill -9 in $START_SECONDS s"
export T_NACK="$TEST_TMP/t_nack" FROM_B="$TEST_TMP/from_b"
py <<'PY'
import os
from wire import *
from daemons import *
s = connect("B", "x07-sender")
ra = connect("A", "x07-worker")
mid = s.send("x07-worker", {"part": 3})["message_id"]
assert [m["message_id"] for m in ra.fetch()] == [mid]
t_nack = now()
assert ra.call("nack", message_ids=[mid], delay_ms=4000)["requeued"] == 1
open(os.environ["T_NACK"], "w").write("%r %s" % (t_nack, mid))
PY
# A fetch waits on B all through A's stop and restart (time.monotonic() is system-wide on
# Linux, so the python processes compare their times).
py <<'PY' &
import json, os
from wire import *
from daemons import *
t_nack = float(open(os.environ["T_NACK"]).read().split()[0])
rb = connect("B", "x07-worker", timeout=20)
poll = LongPoll(rb, wait_ms=int(max(1, t_nack + 7.0 - now()) * 1000))
got = poll.result(25)
if got:   # settle it here: closing with it unacked would hand it on (attempt 3) to the fetch on A
    rb.call("ack", message_ids=[m["message_id"] for m in got])
with open(os.environ["FROM_B"] + ".tmp", "w") as f:
    json.dump([(poll.answered - t_nack, m) for m in got], f)
os.rename(os.environ["FROM_B"] + ".tmp", os.environ["FROM_B"])
PY
POLL_B=$!
_STARTED_PIDS+=("$POLL_B")
stop_daemon A
start_daemon A x07-a
py <<'PY'
import json, os, time
from wire import *
from daemons import *
t_nack, mid = open(os.environ["T_NACK"]).read().split()
t_nack = float(t_nack)
up = now() - t_nack
pa = LongPoll(connect("A", "x07-worker", timeout=20), wait_ms=int(max(1, t_nack + 7.0 - now()) * 1000))
ga = [(pa.answered - t_nack, m) for m in pa.result(25)]
if ga:
    pa.conn.call("ack", message_ids=[m["message_id"] for _, m in ga])
end = now() + 15
while not os.path.exists(os.environ["FROM_B"]) and now() < end:
    time.sleep(0.05)
assert os.path.exists(os.environ["FROM_B"]), "the fetch waiting on B never answered"
gb = json.load(open(os.environ["FROM_B"]))
got = [(t, "A", m) for t, m in ga] + [(t, "B", m) for t, m in gb]
print("# (3) nacked on A with delay 4000 ms, A stopped and restarted (up again %.2f s after the nack): "
      "delivered %s" % (up, ", ".join("on %s %.2f s after the nack, attempt %d" % (d, t, m["delivery"]["attempt"]) for t, d, m in got) or "nowhere"))
assert [m["message_id"] for _, _, m in got] == [mid], "after the restart: A got %r, B got %r" % (ga, gb)
took, where, m = got[0]
assert m["delivery"]["attempt"] == 2, m["delivery"]
assert took >= 3.9, "delivered %.2f s after a nack with delay_ms=4000 (the restart cut the delay short)" % took
assert took <= 6.5, "delivered only %.2f s after a 4 s nack delay" % took
PY
_wait_pid "$POLL_B" 20
[[ $WAIT_RC -eq 0 ]] || fail "the fetch waiting on B failed (status $WAIT_RC)"
stop_daemon A
stop_daemon B

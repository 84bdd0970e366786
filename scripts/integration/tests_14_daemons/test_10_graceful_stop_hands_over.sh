#!/usr/bin/env bash
# Graceful stop of one daemon hands its deliveries over at once: a subscriber on A holds 5
# pushed, unacked messages (and a fetching connection on A holds 2 more); the same agent is
# subscribed on B and gets nothing while A holds them. SIGTERM A: A's connections get the
# {"event":"bye","reason":"shutdown"} frame and EOF, A exits 0, and all 7 are pushed on B
# with attempt 2 within 2 s of the SIGTERM -- well before both the ack timeout (30 s) and
# the lease (5 s, the default) would have brought them back.
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/daemons.sh"
require_redis
unset AGENTD_DAEMON_LEASE_MS AGENTD_ACK_TIMEOUT_MS
start_daemon A x10-a
start_daemon B x10-b
py <<'PY'
import os, signal, threading, time
from wire import *
from daemons import *
s = connect("A", "x10-sender")
sub_a = connect("A", "x10-worker", timeout=15)
fet_a = connect("A", "x10-worker", timeout=15)
sub_a.call("subscribe", prefetch=5)
held = [s.send("x10-worker", {"k": k})["message_id"] for k in range(7)]
pushed = [e["message"]["message_id"] for e in sub_a.collect_events(quiet=1.0)]
assert len(pushed) == 5, "prefetch 5 on A, %d pushed" % len(pushed)
fetched = [m["message_id"] for m in fet_a.fetch(limit=10)]
assert sorted(pushed + fetched) == sorted(held), (pushed, fetched)
sub_b = connect("B", "x10-worker", timeout=15)
sub_b.call("subscribe", prefetch=20)
sub_b.expect_nothing(0.5)
frames = {}
def closing(name, c):
    frames[name] = c.expect_eof(timeout=12)
watch = [threading.Thread(target=closing, args=(n, c), daemon=True) for n, c in (("sub", sub_a), ("fetch", fet_a))]
for t in watch:
    t.start()
os.kill(pid("A"), signal.SIGTERM)
t0 = now()
back = []
while len(back) < 7 and now() - t0 < 10:
    try:
        e = sub_b.expect_event(timeout=0.2)
        back.append((now() - t0, e["message"]["message_id"], e["message"]["delivery"]["attempt"]))
    except NoFrame:
        pass
for t in watch:
    t.join(12)
took = max(t for t, _, _ in back) if back else None
print("# SIGTERM of A holding %d pushed + %d fetched unacked: %d pushed on B, last %s s after the signal, attempts %s"
      % (len(pushed), len(fetched), len(back), "%.2f" % took if back else "-", sorted({a for _, _, a in back})))
for name in ("sub", "fetch"):
    assert name in frames, "A's %s connection was not closed" % name
    assert frames[name] and frames[name][-1] == {"event": "bye", "reason": "shutdown"}, (name, frames[name])
assert sorted(m for _, m, _ in back) == sorted(held), "B got %d of the 7 held on A" % len(back)
assert all(a == 2 for _, _, a in back), back
assert took < 2.0, "handed over %.2f s after SIGTERM" % took
sub_b.call("ack", message_ids=held)
sub_b.expect_nothing(0.5)
PY
_wait_pid "$A_PID" 15
[[ $WAIT_RC -ne 255 ]] || fail "A still running after SIGTERM"
assert_equal 0 "$WAIT_RC" "A's exit status after SIGTERM"
stop_daemon B

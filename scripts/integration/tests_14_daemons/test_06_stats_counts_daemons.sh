#!/usr/bin/env bash
# stats.server carries daemon_id (the id given) and daemons (live daemons on the key
# prefix): 2 seen from both of two daemons; a daemon on another key prefix, even with the
# same daemon_id, is another system (it starts, and is not counted); after SIGTERM of one,
# the other counts 1 within about a lease; with a third started (2 again) and killed with
# SIGKILL, the count drops to 1 within ~2 leases (lease 1 s).
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/daemons.sh"
require_redis
export AGENTD_DAEMON_LEASE_MS=1000
start_daemon A x06-a
start_daemon B x06-b
AGENTD_KEY_PREFIX="${AGENTD_KEY_PREFIX%:}-other:" start_daemon O x06-a
py <<'PY'
from wire import *
from daemons import *
a, b, o = connect("A", "x06-q"), connect("B", "x06-q"), connect("O", "x06-q")
sa, sb, so = server(a), server(b), server(o)
for s, want in ((sa, "x06-a"), (sb, "x06-b"), (so, "x06-a")):
    assert s.get("daemon_id") == want, "stats.server %r, want daemon_id %r" % (s, want)
    assert "daemons" in s, "stats.server has no daemons: %r" % s
    assert isinstance(s["daemons"], int) and not isinstance(s["daemons"], bool), s
n = wait_for("A and B to count 2", lambda: server(a)["daemons"] == 2 and server(b)["daemons"] == 2, timeout=3)
so = server(o)
assert so["daemons"] == 1, "a daemon on another key prefix counts %r daemons" % so["daemons"]
assert server(a)["daemons"] == 2, "the other prefix's daemon was counted on this one"
print("# daemon_id %s/%s; daemons=2 from both; the other-prefix daemon (same id x06-a) counts %d"
      % (sa["daemon_id"], sb["daemon_id"], so["daemons"]))
PY
stop_daemon O
stop_daemon B
py <<'PY'
import time
from wire import *
from daemons import *
a = connect("A", "x06-q")
t0 = now()
wait_for("A to count 1 after B's SIGTERM", lambda: server(a)["daemons"] == 1, timeout=2)
print("# after SIGTERM of B, A counts daemons=1 (%.2f s after B exited)" % (now() - t0))
PY
start_daemon C x06-c
py <<'PY'
import os, signal, time
from wire import *
from daemons import *
a, c = connect("A", "x06-q"), connect("C", "x06-q")
wait_for("2 daemons with C", lambda: server(a)["daemons"] == 2 and server(c)["daemons"] == 2, timeout=3)
os.kill(pid("C"), signal.SIGKILL)
t0 = now()
seen = []
while now() - t0 < 6:
    n = server(a)["daemons"]
    seen.append((now() - t0, n))
    if n == 1:
        break
    time.sleep(0.05)
took = seen[-1][0]
still2 = max((t for t, n in seen if n == 2), default=0.0)
print("# after kill -9 of C, A counted 2 for %.2f s, then 1 at %.2f s (lease 1 s)" % (still2, took))
assert seen[-1][1] == 1, "A still counts %r daemons %.1f s after kill -9 of C" % (seen[-1][1], took)
assert took <= 3.0, "a killed daemon stayed counted %.2f s (lease 1 s, want <= ~2 leases)" % took
PY
_wait_pid "$C_PID" 10
stop_daemon A

#!/usr/bin/env bash
# Two live daemons with one daemon_id is an error at start: with daemon "twin" running, a
# second agentd with AGENTD_DAEMON_ID=twin (same Redis, same key prefix) exits non-zero
# within about a lease, with a stderr line naming daemon_id and no ready line; the first
# twin goes on serving (its connection works, it is still counted: a third daemon sees
# daemons = 2 two leases later). After kill -9 of the first twin the id is free again: a
# new "twin" starts within a few leases.
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/daemons.sh"
require_redis
export AGENTD_DAEMON_LEASE_MS=1000
start_daemon A twin
start_daemon W x05-watcher
export MARK="$TEST_TMP/client-ready" GO="$TEST_TMP/twin-done"
# A client of the first twin, connected before the second one tries to start, holding one
# fetched message unacked.
py <<'PY' &
import os, time
from wire import *
from daemons import *
c = connect("A", "x05-client", timeout=10)
held = c.send("x05-client", {"held": True})["message_id"]
assert [m["message_id"] for m in c.fetch()] == [held]
open(os.environ["MARK"], "w").close()
end = now() + 30
while not os.path.exists(os.environ["GO"]) and now() < end:
    time.sleep(0.05)
assert os.path.exists(os.environ["GO"]), "the refused twin never finished"
assert c.call("ping")["pong"] is True
mid = c.send("x05-client", {"still": "serving"})["message_id"]
got = c.fetch(wait_ms=2000)
assert [m["message_id"] for m in got] == [mid], got
assert server(c)["daemon_id"] == "twin", server(c)
c.call("ack", message_ids=[mid])
# Two leases later the first twin is still a live member: counted, and what it delivered is
# still its own (not taken over as a dead daemon's, not deliverable on W).
time.sleep(2.0)
w = connect("W", "x05-client", timeout=10)
n = server(w)["daemons"]
assert n == 2, "the watcher counts %r live daemons, want 2 (twin + watcher)" % n
stolen = w.fetch(wait_ms=1500)
assert stolen == [], "the first twin's unacked message was handed out on another daemon: %r" % stolen
assert c.call("ack", message_ids=[held])["acked"] == 1, "the first twin no longer held its delivery"
print("# the first twin kept serving: send/fetch/ack worked, daemons=%d, its unacked delivery stayed its own" % n)
PY
CLIENT_PID=$!
_STARTED_PIDS+=("$CLIENT_PID")
wait_for_mark "$MARK" "$CLIENT_PID"
run_daemon_until_exit twin 20
touch "$GO"
echo "# second daemon with daemon_id=twin: exit status $EXIT_RC after $EXIT_SECONDS s"
[[ "$EXIT_RC" != running ]] || fail "a second daemon with a live daemon's id was still running after 20 s"
[[ "$EXIT_RC" -ne 0 ]] || fail "a second daemon with a live daemon's id exited with status 0"
grep -q 'daemon_id' "$EXIT_LOG" || fail "the refused daemon's stderr does not mention daemon_id: $(tail -n 5 "$EXIT_LOG")"
if grep -q 'agentd ready' "$EXIT_LOG"; then fail "the refused daemon printed a ready line"; fi
echo "# its stderr: $(grep -m1 'daemon_id' "$EXIT_LOG" | cut -c1-200)"
python3 -c "import sys; sys.exit(0 if float('$EXIT_SECONDS') < 6 else 1)" \
    || fail "the refused daemon took $EXIT_SECONDS s to give up (lease 1 s)"
_wait_pid "$CLIENT_PID" 20
[[ $WAIT_RC -eq 0 ]] || fail "the first twin's client failed (status $WAIT_RC)"
kill -0 "$A_PID" || fail "the first twin died"
kill9_daemon A
start_daemon A twin
echo "# after kill -9 of the first twin, a new twin was ready in $START_SECONDS s"
python3 -c "import sys; sys.exit(0 if float('$START_SECONDS') < 8 else 1)" \
    || fail "restarting daemon_id twin after kill -9 took $START_SECONDS s (lease 1 s)"
py <<'PY'
from wire import *
from daemons import *
a = connect("A", "x05-after")
s = server(a)
assert s["daemon_id"] == "twin", s
n = wait_for("2 live daemons", lambda: server(a)["daemons"] == 2, timeout=5)
print("# the restarted twin serves as daemon_id=%s; daemons=2" % s["daemon_id"])
PY
stop_daemon A
stop_daemon W

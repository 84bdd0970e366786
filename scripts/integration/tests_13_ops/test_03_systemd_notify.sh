#!/usr/bin/env bash
# Under systemd's notify protocol (NOTIFY_SOCKET, WATCHDOG_USEC), agentd sends READY=1 (with
# a STATUS line) once the agent port listens, WATCHDOG=1 every WATCHDOG_USEC/2, and
# STOPPING=1 when SIGTERM starts the drain. A Python listener stands in for systemd.
source "$(dirname "$0")/../test_functions.sh"
SOCK="$TEST_TMP/notify.sock"
python3 - "$SOCK" "$TEST_TMP/notify.log" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(30)
with open(sys.argv[2], "a", buffering=1) as log:
    while True:
        data = s.recv(4096).decode()
        log.write("%.3f %s\n" % (time.time(), data.replace("\n", "|")))
        if "STOPPING=1" in data:
            break
PY
LISTENER=$!
_STARTED_PIDS+=("$LISTENER")
for _ in $(seq 1 100); do [[ -S "$SOCK" ]] && break; sleep 0.05; done
[[ -S "$SOCK" ]] || fail "the test listener did not bind $SOCK"

NOTIFY_SOCKET="$SOCK" WATCHDOG_USEC=1000000 start_agentd
sleep 2.2
stop_agentd
_wait_pid "$LISTENER" 5
[[ $WAIT_RC -eq 0 ]] || fail "listener did not see STOPPING=1 (status $WAIT_RC): $(cat "$TEST_TMP/notify.log")"
python3 - "$TEST_TMP/notify.log" "$AGENTD_READY_LINE" <<'PY'
import sys
rows = [line.rstrip("\n").split(" ", 1) for line in open(sys.argv[1])]
texts = [t for _, t in rows]
assert texts[0].startswith("READY=1|STATUS=serving listen=127.0.0.1:"), texts
listen = sys.argv[2].split("listen=")[1].split()[0]
assert ("listen=%s " % listen) in texts[0], (texts[0], listen)
watchdog = [float(at) for at, t in rows if t == "WATCHDOG=1|"]
assert len(watchdog) >= 3, texts
gaps = [b - a for a, b in zip(watchdog, watchdog[1:])]
assert all(0.3 < g < 0.8 for g in gaps), gaps   # every 0.5 s, give or take scheduling
assert texts[-1] == "STOPPING=1|STATUS=draining|", texts
print("# READY=1 with status, %d WATCHDOG=1 about %.2f s apart, STOPPING=1 on SIGTERM"
      % (len(watchdog), sum(gaps) / len(gaps)))
PY

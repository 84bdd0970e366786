#!/usr/bin/env bash
# Draining lets a request that is under way finish: a long-poll fetch in progress when
# SIGTERM arrives still gets its reply, then a {"event":"bye","reason":"shutdown"} frame,
# then the connection closes and agentd exits 0.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY' &
import os, signal, time
from wire import *
c = Conn(timeout=15)
c.hello("poller")
c.send_line({"op": "fetch", "id": "poll", "wait_ms": 3000})
time.sleep(0.5)
os.kill(int(os.environ["AGENTD_PID"]), signal.SIGTERM)
t0 = time.monotonic()
frames = c.expect_eof(timeout=12)
replies = [f for f in frames if f.get("id") == "poll"]
assert len(replies) == 1 and replies[0]["ok"] is True and replies[0]["messages"] == [], frames
assert frames[-1] == {"event": "bye", "reason": "shutdown"}, frames
print("# fetch under way at SIGTERM got its reply after %.2f s, then a bye event, then EOF" % (time.monotonic() - t0))
PY
client=$!
wait "$client" || fail "the in-flight fetch got no reply before close"
_wait_pid "$AGENTD_PID" 12
[[ $WAIT_RC -ne 255 ]] || fail "agentd still running 12 s after SIGTERM"
assert_equal 0 "$WAIT_RC" "exit status after SIGTERM"

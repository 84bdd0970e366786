#!/usr/bin/env bash
# /readyz is 200 while serving and 503 ("draining") from SIGTERM until agentd exits, while
# /healthz still answers; the admin port is closed once agentd has stopped (exit status 0).
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/admin_functions.sh"
start_agentd_admin
py <<'PY'
from admin import get_json
assert get_json("/readyz") == {"status": "serving"}
PY
# A long poll keeps the drain busy for ~3 s (the drain lets in-flight requests finish).
# It touches $MARK once its fetch is written; the SIGTERM comes 0.5 s after that, sent by
# the /readyz watcher itself once it is running (on a busy machine starting Python can take
# longer than the drain lasts, so neither start may sit between the SIGTERM and the checks).
export MARK="$TEST_TMP/fetch-sent"
py <<'PY' &
import os
from wire import Conn
c = Conn(timeout=10)
c.hello("drain-waiter")
c.send_line({"op": "fetch", "id": 2, "wait_ms": 3000})
open(os.environ["MARK"], "w").close()
c.recv_reply(timeout=10)
PY
poller=$!
_STARTED_PIDS+=("$poller")
wait_for_mark "$MARK" "$poller"
py <<'PY'
import json, os, signal, time
from admin import get
time.sleep(0.5)
os.kill(int(os.environ["AGENTD_PID"]), signal.SIGTERM)
end = time.monotonic() + 2.5
status = None
while time.monotonic() < end:
    status, _, body = get("/readyz")
    if status == 503:
        break
    time.sleep(0.05)
assert status == 503 and json.loads(body) == {"status": "draining"}, (status, body)
health, _, _ = get("/healthz")
assert health == 200, health
print("# during the drain: /readyz 503 draining, /healthz %d" % health)
PY
_wait_pid "$AGENTD_PID" 15
assert_equal 0 "$WAIT_RC" "agentd exit status after SIGTERM"
py <<'PY'
import socket, os
try:
    socket.create_connection(("127.0.0.1", int(os.environ["ADMIN_PORT"])), timeout=2).close()
    raise AssertionError("admin port still accepts after agentd stopped")
except ConnectionRefusedError:
    print("# admin port closed after exit")
PY

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
py <<'PY' &
from wire import Conn
c = Conn(timeout=10)
c.hello("drain-waiter")
c.request("fetch", wait_ms=3000, timeout=10)
PY
poller=$!
_STARTED_PIDS+=("$poller")
sleep 0.5
kill -TERM "$AGENTD_PID"
py <<'PY'
import json, time
from admin import get
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

#!/usr/bin/env bash
# --admin HOST:0: the ready line names admin=HOST:PORT; GET /healthz is 200 with the
# store up and 503 with it down (and 200 again once Redis is back); GET /metrics is
# Prometheus text.
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/admin_functions.sh"
require_redis
start_private_redis
AGENTD_REDIS_ADDR="$PRIVATE_REDIS" start_agentd --admin 127.0.0.1:0
admin="$(sed -nE 's/.*admin=([^ ]+).*/\1/p' <<<"$AGENTD_READY_LINE")"
[[ -n "$admin" ]] || fail "ready line has no admin=HOST:PORT: $AGENTD_READY_LINE"
export ADMIN_PORT="${admin##*:}"
py <<'PY'
import os, urllib.request, urllib.error
base = "http://127.0.0.1:%s" % os.environ["ADMIN_PORT"]
with urllib.request.urlopen(base + "/healthz", timeout=5) as r:
    assert r.status == 200, r.status
with urllib.request.urlopen(base + "/metrics", timeout=5) as r:
    body = r.read().decode()
    assert r.status == 200 and ("# TYPE" in body or "# HELP" in body), body[:300]
print("# /healthz 200, /metrics %d bytes" % len(body))
PY
kill_private_redis
# Waits up to $2 seconds for /healthz to answer $1; prints what it saw.
wait_healthz() {
    py "$1" "$2" <<'PY'
import json, sys, time
from admin import get
want, limit = int(sys.argv[1]), float(sys.argv[2])
status = body = None
end = time.monotonic() + limit
while time.monotonic() < end:
    try:
        status, _, body = get("/healthz")
    except OSError as e:
        status, body = None, str(e)
    if status == want:
        break
    time.sleep(0.2)
assert status == want, "healthz: %r %r, expected %d" % (status, body, want)
health = json.loads(body)
assert health["store"] == ("up" if want == 200 else "down"), health
print("# /healthz %d with Redis %s: %s" % (status, "up" if want == 200 else "down", health))
PY
}
wait_healthz 503 6
start_private_redis "$PRIVATE_REDIS_PORT"
wait_healthz 200 15
stop_agentd

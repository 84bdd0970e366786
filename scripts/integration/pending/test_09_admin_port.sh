#!/usr/bin/env bash
# --admin HOST:0: the ready line names admin=HOST:PORT; GET /healthz is 200 with the
# store up and 503 with it down; GET /metrics is Prometheus text.
source "$(dirname "$0")/../test_functions.sh"
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
py <<'PY'
import os, time, urllib.request, urllib.error
base = "http://127.0.0.1:%s" % os.environ["ADMIN_PORT"]
status = None
end = time.monotonic() + 6
while time.monotonic() < end:
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=5) as r:
            status = r.status
    except urllib.error.HTTPError as e:
        status = e.code
    if status == 503:
        break
    time.sleep(0.2)
assert status == 503, "healthz with Redis down: %r" % status
print("# /healthz 503 with Redis down")
PY

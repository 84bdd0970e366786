#!/usr/bin/env bash
# With --redis pointing at a closed port, agentd still starts and answers: send gets
# unavailable within about store_timeout_ms (2 s), health says degraded/down, ping works.
source "$(dirname "$0")/../test_functions.sh"
require_redis
closed_port=$(free_port)
AGENTD_REDIS_ADDR="127.0.0.1:$closed_port" start_agentd
py <<'PY'
import time
from wire import *
c = Conn(timeout=10)
c.hello("stranded")
t0 = time.monotonic()
r = c.request("send", message={"to_agent": "anyone", "message_type": "status_update", "content": {}}, timeout=10)
took = time.monotonic() - t0
expect_error(r, "unavailable")
assert took < 3.5, "unavailable only after %.2f s" % took
h = c.call("health")
assert h["status"] == "degraded" and h["store"] == "down" and h["backend"] == "redis", h
assert c.call("ping")["pong"] is True
print("# send -> unavailable in %.2f s; health %s/%s" % (took, h["status"], h["store"]))
PY
kill -0 "$AGENTD_PID" || fail "agentd died"
stop_agentd

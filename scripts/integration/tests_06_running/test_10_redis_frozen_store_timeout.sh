#!/usr/bin/env bash
# A Redis that accepts but does not answer (SIGSTOP) must not hang clients: send gets
# unavailable within about store_timeout_ms (2 s); after SIGCONT agentd serves again.
source "$(dirname "$0")/../test_functions.sh"
require_redis
start_private_redis
AGENTD_REDIS_ADDR="$PRIVATE_REDIS" start_agentd
py <<'PY'
from wire import *
c = Conn()
c.hello("frozen")
c.send("frozen", {"before": True})
PY
kill -STOP "$PRIVATE_REDIS_PID"
py <<'PY' || { kill -CONT "$PRIVATE_REDIS_PID"; exit 1; }
import time
from wire import *
c = Conn(timeout=15)
c.hello("frozen")
t0 = time.monotonic()
r = c.request("send", message={"to_agent": "frozen", "message_type": "status_update", "content": {}}, timeout=15)
took = time.monotonic() - t0
expect_error(r, "unavailable")
assert took < 4.0, "unavailable only after %.2f s (store_timeout_ms is 2000)" % took
t0 = time.monotonic()
h = c.request("health", timeout=15)
htook = time.monotonic() - t0
assert h["ok"] is True and (h["status"], h["store"]) == ("degraded", "down"), h
assert htook < 4.0, "health took %.2f s" % htook
print("# redis stopped: send -> unavailable in %.2f s; health degraded/down in %.2f s" % (took, htook))
PY
kill -CONT "$PRIVATE_REDIS_PID"
py <<'PY'
import time
from wire import *
c = Conn(timeout=10)
c.hello("frozen")
t0 = time.monotonic()
ok = False
while time.monotonic() - t0 < 15:
    r = c.request("send", message={"to_agent": "frozen", "message_type": "status_update", "content": {"after": True}}, timeout=10)
    if r.get("ok"):
        ok = True
        break
    time.sleep(0.3)
assert ok, "no recovery within 15 s of SIGCONT: %r" % r
got = fetch_until(c, 2, deadline_s=5)
print("# redis resumed: send ok after %.2f s; %d message(s) in inbox" % (time.monotonic() - t0, len(got)))
PY
stop_agentd

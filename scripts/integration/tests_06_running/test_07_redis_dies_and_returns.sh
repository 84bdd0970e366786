#!/usr/bin/env bash
# Own Redis: kill it under a running agentd -> send is unavailable and health degraded,
# the daemon stays up; start Redis again on the same port -> agentd recovers, and a
# subscriber that stayed connected through the outage gets pushes again by itself.
source "$(dirname "$0")/../test_functions.sh"
require_redis
start_private_redis
AGENTD_REDIS_ADDR="$PRIVATE_REDIS" start_agentd
py <<'PY'
from wire import *
c = Conn()
c.hello("survivor")
c.send("survivor", {"before": True})
PY
# A subscriber that stays connected through the outage (in the background until the end).
py >"$TEST_TMP/sub.out" <<'PY' &
import time
from wire import *
s = Conn(timeout=40)
s.hello("listener")
s.call("subscribe", prefetch=10)
print("subscribed", flush=True)
m = s.expect_event(timeout=35)
assert m["event"] == "message" and m["message"]["content"] == {"after": True}, m
s.call("ack", message_ids=[m["message"]["message_id"]])
print("pushed after the outage", flush=True)
PY
sub_pid=$!
for _ in $(seq 1 100); do grep -q subscribed "$TEST_TMP/sub.out" 2>/dev/null && break; sleep 0.1; done
grep -q subscribed "$TEST_TMP/sub.out" || fail "subscriber did not subscribe"
kill_private_redis
py <<'PY'
import time
from wire import *
c = Conn(timeout=10)
c.hello("survivor")
t0 = time.monotonic()
r = c.request("send", message={"to_agent": "survivor", "message_type": "status_update", "content": {}}, timeout=10)
took = time.monotonic() - t0
expect_error(r, "unavailable")
assert took < 3.5, "unavailable only after %.2f s" % took
h = c.call("health")
assert (h["status"], h["store"]) == ("degraded", "down"), h
print("# redis killed: send -> unavailable in %.2f s; health degraded/down" % took)
PY
kill -0 "$AGENTD_PID" || fail "agentd died when Redis went away"
start_private_redis "$PRIVATE_REDIS_PORT"
py <<'PY'
import time
from wire import *
c = Conn(timeout=10)
c.hello("survivor")
end = time.monotonic() + 15
t0 = time.monotonic()
ok = False
while time.monotonic() < end:
    r = c.request("send", message={"to_agent": "listener", "message_type": "status_update", "content": {"after": True}}, timeout=10)
    if r.get("ok"):
        ok = True
        break
    expect_error(r, "unavailable")
    time.sleep(0.3)
assert ok, "agentd did not recover within 15 s of Redis coming back"
h = c.call("health")
assert (h["status"], h["store"]) == ("ok", "up"), h
print("# redis back: send ok again after %.2f s" % (time.monotonic() - t0))
PY
wait "$sub_pid" || fail "the subscriber got no push after the outage: $(cat "$TEST_TMP/sub.out")"
grep -q "pushed after the outage" "$TEST_TMP/sub.out" || fail "no push after the outage"
echo "# subscriber connected through the outage got the new message pushed"
stop_agentd

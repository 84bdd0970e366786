#!/usr/bin/env bash
# With max_deliveries = 2, a message whose 2nd attempt ends unacked goes to the dead
# letters (with reason, attempts, at); requeue_dead brings it back as attempt 1.
source "$(dirname "$0")/../test_functions.sh"
AGENTD_MAX_DELIVERIES=2 AGENTD_ACK_TIMEOUT_MS=500 start_agentd
py <<'PY'
import time
from wire import *
s, r = Conn(), Conn()
s.hello("poison-sender")
r.hello("poison-worker")
dead0 = s.call("stats")["queues"]["dead_letters"]
mid = s.send("poison-worker", {"poison": True})["message_id"]
m1 = r.fetch()
assert len(m1) == 1 and m1[0]["delivery"]["attempt"] == 1, m1
r.call("nack", message_ids=[mid])
m2 = r.fetch(wait_ms=2000)
assert len(m2) == 1 and m2[0]["delivery"]["attempt"] == 2, m2
# End the 2nd (last) attempt by ack timeout this time.
assert fetch_until(r, 1, deadline_s=2.0) == [], "delivered a 3rd time with max_deliveries=2"
dl = []
end = time.monotonic() + 5
while not dl and time.monotonic() < end:
    dl = r.call("dead_letters")["messages"]
    time.sleep(0.1)
assert len(dl) == 1, dl
d = dl[0]
assert d["message_id"] == mid and d["content"] == {"poison": True}, d
assert isinstance(d["dead"]["reason"], str) and d["dead"]["reason"], d
assert d["dead"]["attempts"] == 2, d
assert TIMESTAMP_RE.match(d["dead"]["at"]), d
dead1 = s.call("stats")["queues"]["dead_letters"]
assert dead1 == dead0 + 1, (dead0, dead1)
# Another (unprivileged) agent cannot read or requeue someone else's dead letters.
expect_error(s.request("dead_letters", agent_id="poison-worker"), "forbidden")
expect_error(s.request("requeue_dead", message_ids=[mid], agent_id="poison-worker"), "forbidden")
assert r.call("requeue_dead", message_ids=[mid])["requeued"] == 1
assert r.call("dead_letters")["messages"] == []
m3 = r.fetch(wait_ms=2000)
assert len(m3) == 1 and m3[0]["message_id"] == mid and m3[0]["delivery"]["attempt"] == 1, m3
r.call("ack", message_ids=[mid])
print("# dead after 2 attempts (reason %r); requeue_dead -> attempt 1" % d["dead"]["reason"])
PY

#!/usr/bin/env bash
# stats: queue counters move with send/fetch/ack; server fields are present.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
import os
from wire import *
s, r = Conn(), Conn()
s.hello("stats-sender")
r.hello("stats-receiver")
def q():
    st = s.call("stats")
    return st["queues"]
keys = ["sent_total", "delivered_total", "acked_total", "messages_per_minute", "pending",
        "in_flight", "dead_letters", "expired_total"]
q0 = q()
for k in keys:
    assert isinstance(q0.get(k), (int, float)) and not isinstance(q0.get(k), bool), "queues.%s: %r" % (k, q0)
ids = [s.send("stats-receiver", {"n": i})["message_id"] for i in range(3)]
q1 = q()
got = r.fetch(limit=2)
q2 = q()
r.call("ack", message_ids=[got[0]["message_id"]])
q3 = q()
def d(a, b, k):
    return b[k] - a[k]
assert d(q0, q1, "sent_total") == 3 and d(q0, q1, "pending") == 3 and d(q0, q1, "in_flight") == 0, (q0, q1)
assert q1["messages_per_minute"] >= 3, q1
assert d(q1, q2, "delivered_total") == 2 and d(q1, q2, "in_flight") == 2 and d(q1, q2, "pending") == 0, (q1, q2)
assert d(q2, q3, "acked_total") == 1 and d(q2, q3, "in_flight") == -1 and d(q2, q3, "pending") == -1, (q2, q3)
st = s.call("stats")
srv = st["server"]
assert isinstance(srv["version"], str) and srv["version"], srv
assert isinstance(srv["uptime_s"], (int, float)) and srv["uptime_s"] >= 0, srv
assert srv["connections"] >= 2, srv
assert srv["backend"] == os.environ["AGENTD_TEST_BACKEND"], srv
print("# sent %d->%d delivered %d->%d acked %d->%d pending %d in_flight %d; server %r"
      % (q0["sent_total"], q3["sent_total"], q0["delivered_total"], q3["delivered_total"],
         q0["acked_total"], q3["acked_total"], q3["pending"], q3["in_flight"], srv))
print("# registry part %s, coordination part %s" % ("present" if "registry" in st else "absent",
                                                     "present" if "coordination" in st else "absent"))
PY

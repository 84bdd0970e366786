#!/usr/bin/env bash
# Closing a connection with unacked pushed (and fetched) messages makes them deliverable
# at once to another connection of the same agent, with attempt 2 (long before the
# 30 s ack timeout).
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
import time
from wire import *
s, a, b = Conn(), Conn(), Conn()
s.hello("release-sender")
a.hello("releaser")
b.hello("releaser")
ids = [s.send("releaser", {"n": i})["message_id"] for i in range(5)]
fetched = [m["message_id"] for m in a.fetch(limit=2)]
a.call("subscribe", prefetch=10)
pushed = [e["message"]["message_id"] for e in a.collect_events(quiet=1.0)]
assert sorted(fetched + pushed) == sorted(ids), (fetched, pushed)
t0 = time.monotonic()
a.close()
got = fetch_until(b, 5, deadline_s=5.0, limit=10)
took = time.monotonic() - t0
assert sorted(m["message_id"] for m in got) == sorted(ids), got
for m in got:
    assert m["delivery"]["attempt"] == 2, m
assert took < 3.0, "released after %.2f s" % took
b.call("ack", message_ids=ids)
print("# %d fetched + %d pushed released %.2f s after close, attempt 2" % (len(fetched), len(pushed), took))
PY

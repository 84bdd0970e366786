#!/usr/bin/env bash
# Two connections with hello as the same agent share its inbox: every message goes to
# exactly one of them.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
s, a, b = Conn(), Conn(), Conn()
s.hello("pool-sender")
a.hello("pool")
b.hello("pool")
ids = [s.send("pool", {"n": i})["message_id"] for i in range(50)]
ga = [m["message_id"] for m in a.fetch(limit=20)]
gb = [m["message_id"] for m in b.fetch(limit=100)]
assert len(ga) == 20 and len(gb) == 30, (len(ga), len(gb))
assert not set(ga) & set(gb), "delivered to both connections: %r" % (set(ga) & set(gb))
assert sorted(ga + gb) == sorted(ids)
# Pushes: both subscribe, 40 more messages, each pushed to exactly one of them.
a.call("subscribe", prefetch=1000)
b.call("subscribe", prefetch=1000)
ids2 = [s.send("pool", {"m": i})["message_id"] for i in range(40)]
ea = [e["message"]["message_id"] for e in a.collect_events(quiet=1.0)]
eb = [e["message"]["message_id"] for e in b.collect_events(quiet=0.5)]
assert not set(ea) & set(eb), "pushed to both connections"
assert sorted(ea + eb) == sorted(ids2), "pushed %d+%d of 40" % (len(ea), len(eb))
a.call("ack", message_ids=ga + ea)
b.call("ack", message_ids=gb + eb)
print("# fetch split 20/30; pushes split %d/%d; no message seen twice" % (len(ea), len(eb)))
PY

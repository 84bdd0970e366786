#!/usr/bin/env bash
# Pushed messages go out highest priority first, FIFO within a priority.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
s, r = Conn(), Conn()
s.hello("push-prio-sender")
r.hello("push-prio-receiver")
for prio, name in [("low", "l1"), ("medium", "m1"), ("critical", "c1"), ("high", "h1"), ("low", "l2"), ("high", "h2")]:
    s.send("push-prio-receiver", {"name": name}, priority=prio)
r.call("subscribe", prefetch=100)
got = [e["message"]["content"]["name"] for e in r.collect_events(quiet=1.0)]
assert got == ["c1", "h1", "h2", "m1", "l1", "l2"], got
print("# pushed order: %s" % " ".join(got))
PY

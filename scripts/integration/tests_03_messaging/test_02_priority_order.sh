#!/usr/bin/env bash
# fetch returns the highest priority first, oldest first within one priority.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
s, r = Conn(), Conn()
s.hello("prio-sender")
r.hello("prio-receiver")
order = [("low", "low-1"), ("medium", "medium-1"), ("high", "high-1"), ("critical", "critical-1"),
         ("high", "high-2"), ("low", "low-2"), ("high", "high-3"), ("critical", "critical-2")]
for prio, name in order:
    s.send("prio-receiver", {"name": name}, priority=prio)
got = [m["content"]["name"] for m in r.fetch(limit=100)]
want = ["critical-1", "critical-2", "high-1", "high-2", "high-3", "medium-1", "low-1", "low-2"]
assert got == want, "order: got %r want %r" % (got, want)
print("# fetch order: %s" % " ".join(got))
PY

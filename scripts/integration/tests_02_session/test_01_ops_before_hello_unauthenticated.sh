#!/usr/bin/env bash
# Before hello every op but ping (known or unknown) is unauthenticated; ping works.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
c = Conn()
r = c.request("ping")
assert r["ok"] is True and r.get("pong") is True, "ping before hello must work: %r" % r
for op, fields in [("fetch", {}), ("stats", {}), ("health", {}), ("ack", {"message_ids": ["x"]}),
                   ("subscribe", {}), ("send", {"message": {"to_agent": "b", "message_type": "status_update", "content": {}}}),
                   ("frobnicate", {}), ("register", {"role": "worker", "capabilities": []})]:
    r = c.request(op, **fields)
    expect_error(r, "unauthenticated")
c.hello("late-greeter")
r = c.request("stats")
assert r["ok"] is True, r
print("# 8 ops before hello -> unauthenticated; ping ok")
PY

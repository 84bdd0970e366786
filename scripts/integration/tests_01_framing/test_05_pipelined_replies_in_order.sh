#!/usr/bin/env bash
# 200 requests written at once are answered in order; ids are echoed as the same JSON
# value (numbers stay numbers, strings stay strings, no id -> null or absent).
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
import json
from wire import *
c = Conn()
c.hello("pipeliner")
reqs = []
for i in range(200):
    kind = i % 4
    if kind == 0:
        rid = i
    elif kind == 1:
        rid = "s-%d" % i
    elif kind == 2:
        rid = str(i)          # a string that looks like a number stays a string
    else:
        rid = None            # no id at all
    op = ["ping", "stats", "health", "fetch"][(i // 4) % 4]
    frame = {"op": op}
    if rid is not None:
        frame["id"] = rid
    reqs.append((rid, op, frame))
c.send_raw(b"".join(json.dumps(f).encode() + b"\n" for _, _, f in reqs))
mismatch = 0
for i, (rid, op, _) in enumerate(reqs):
    r = c.recv(timeout=10)
    assert r.get("ok") is True, "request %d (%s) failed: %r" % (i, op, r)
    got = r.get("id")
    if rid is None:
        assert got is None, "request %d had no id, reply id is %r" % (i, got)
    else:
        assert got == rid and type(got) is type(rid), "request %d: id %r echoed as %r" % (i, rid, got)
    if op == "ping":
        assert r.get("pong") is True, r
    elif op == "fetch":
        assert r.get("messages") == [], r
    elif op == "health":
        assert "status" in r, r
    elif op == "stats":
        assert "queues" in r, r
print("# 200 pipelined requests answered in order, ids echoed with their types")
PY

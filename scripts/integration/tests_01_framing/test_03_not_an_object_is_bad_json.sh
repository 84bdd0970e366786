#!/usr/bin/env bash
# Garbage, truncated JSON and JSON that is not an object are bad_json; the connection survives.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
c = Conn()
cases = ['hello', '{"op":"ping"', '[{"op":"ping"}]', '"ping"', '42', 'null', 'true', '{op: ping}', '}{']
for line in cases:
    c.send_line(line)
    r = c.recv()
    expect_error(r, "bad_json")
c.hello("garbage-tester")
r = c.request("ping")
assert r["ok"] is True, r
print("# %d non-object lines -> bad_json" % len(cases))
PY

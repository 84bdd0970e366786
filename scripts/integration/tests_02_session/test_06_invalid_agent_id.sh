#!/usr/bin/env bash
# Agent ids are 1-128 characters of [A-Za-z0-9._:@-]; anything else is bad_request.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
c = Conn()
for bad in ["", "a" * 129, "has space", "a/b", "caf\u00e9", "tab\t", "semi;colon"]:
    expect_error(c.request("hello", agent_id=bad), "bad_request", "agent_id")
for bad in [42, None, ["a"], {"a": 1}]:
    expect_error(c.request("hello", agent_id=bad), "bad_request", "agent_id")
expect_error(c.request("hello"), "bad_request", "agent_id")
for good in ["a" * 128, "A-z_0.9:x@y"]:
    d = Conn()
    r = d.hello(good)
    assert r.get("agent_id") == good, r
    d.close()
r = c.hello("worker-7")
assert r.get("server") == "agentd" and r.get("protocol") == 1 and isinstance(r.get("version"), str), r
print("# invalid agent ids -> bad_request naming agent_id; 128-char id accepted")
PY

#!/usr/bin/env bash
# register checks its fields: role one of the four, capabilities a required list of
# strings, max_concurrent_tasks an integer >= 1, metadata an object. A rejected register
# leaves the registry as it was.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
c = Conn()
c.hello("val-worker")
cases = [
    ("role", dict(role="boss", capabilities=[])),
    ("role", dict(capabilities=[])),
    ("capabilities", dict(role="worker")),
    ("capabilities", dict(role="worker", capabilities="gpu")),
    ("capabilities", dict(role="worker", capabilities=[1])),
    ("max_concurrent_tasks", dict(role="worker", capabilities=[], max_concurrent_tasks=0)),
    ("max_concurrent_tasks", dict(role="worker", capabilities=[], max_concurrent_tasks="2")),
    ("metadata", dict(role="worker", capabilities=[], metadata=[1])),
]
bad = []
for field, fields in cases:
    r = c.request("register", **fields)
    try:
        expect_error(r, "bad_request", field)
    except AssertionError as e:
        bad.append("register %r: expected bad_request naming %s, got %r" % (fields, field, r))
    c.call("deregister") if r.get("ok") else None
print("# %d/%d invalid registers rejected" % (len(cases) - len(bad), len(cases)))
assert not bad, "\n".join(bad)
assert all(a["agent_id"] != "val-worker" for a in c.call("agents")["agents"])
PY

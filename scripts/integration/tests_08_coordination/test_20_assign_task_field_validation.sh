#!/usr/bin/env bash
# assign_task checks its fields: task_type (string) and required_capabilities (list of
# strings) required; description string, parameters object, priority one of four,
# timeout_ms and max_retries integers in range. A rejected request creates no task.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
from coord import *
boss = agent("av-boss", "supervisor")
base = {"task_type": "job", "required_capabilities": []}
cases = [
    ("task_type", {"required_capabilities": []}),
    ("task_type", dict(base, task_type=7)),
    ("required_capabilities", {"task_type": "job"}),
    ("required_capabilities", dict(base, required_capabilities="gpu")),
    ("description", dict(base, description=["x"])),
    ("parameters", dict(base, parameters="x")),
    ("priority", dict(base, priority="urgent")),
    ("timeout_ms", dict(base, timeout_ms="1000")),
    ("timeout_ms", dict(base, timeout_ms=0)),
    ("max_retries", dict(base, max_retries=-1)),
    ("max_retries", dict(base, max_retries="3")),
]
bad = []
for field, f in cases:
    r = boss.request("assign_task", **f)
    try:
        expect_error(r, "bad_request", field)
    except AssertionError:
        bad.append("assign_task %r: expected bad_request naming %s, got %r" % (f, field, r))
n = boss.call("stats")["coordination"]["tasks_total"]
print("# %d/%d invalid assign_task requests rejected; tasks_total %d" % (len(cases) - len(bad), len(cases), n))
assert not bad, "\n".join(bad)
assert n == 0, n
PY

#!/usr/bin/env bash
# message_type task_assignment is accepted and delivered as task_request.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
s, r = Conn(), Conn()
s.hello("boss")
r.hello("doer")
s.send("doer", {"job": "sweep"}, message_type="task_assignment")
got = r.fetch()
assert len(got) == 1, got
assert got[0]["message_type"] == "task_request", got[0]
assert got[0]["content"] == {"job": "sweep"}, got[0]
print("# task_assignment delivered as task_request")
PY

#!/usr/bin/env bash
# A worker's token does not let it register as a supervisor (nor act as one); the roles its
# entry lists are accepted.
source "$(dirname "$0")/../test_functions.sh"
python3 "$(dirname "$0")/tokens.py" "$TEST_TMP/tokens.json" "worker-*=w-secret:worker" "boss=b-secret:supervisor,monitor"
AGENTD_AUTH_MODE=token AGENTD_AUTH_TOKENS_FILE="$TEST_TMP/tokens.json" start_agentd
py <<'PY'
from wire import *
w = Conn()
w.hello("worker-1", token="w-secret")
r = w.request("register", role="supervisor", capabilities=[])
expect_error(r, "forbidden", "worker")
print("# worker token registering as supervisor:", r["error"]["message"])
expect_error(w.request("assign_task", task={"task_type": "x"}, required_capabilities=[]), "forbidden")
w.call("register", role="worker", capabilities=["x"])
b = Conn()
b.hello("boss", token="b-secret")
expect_error(b.request("register", role="coordinator", capabilities=[]), "forbidden", "supervisor, monitor")
b.call("register", role="supervisor", capabilities=[])
print("# allowed roles register; others forbidden")
PY

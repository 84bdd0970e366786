#!/usr/bin/env bash
# A worker-* entry's token works for worker-17 but not for boss; an exact entry wins over a
# pattern that also matches.
source "$(dirname "$0")/../test_functions.sh"
python3 "$(dirname "$0")/tokens.py" "$TEST_TMP/tokens.json" \
    "worker-*=w-secret:worker" "worker-0=zero-secret:coordinator" "boss=b-secret:supervisor"
AGENTD_AUTH_MODE=token AGENTD_AUTH_TOKENS_FILE="$TEST_TMP/tokens.json" start_agentd
py <<'PY'
from wire import *
Conn().hello("worker-17", token="w-secret")
expect_error(Conn().request("hello", agent_id="boss", token="w-secret"), "unauthenticated")
expect_error(Conn().request("hello", agent_id="worker-0", token="w-secret"), "unauthenticated")
z = Conn()
z.hello("worker-0", token="zero-secret")
z.call("register", role="coordinator", capabilities=[])
print("# worker-* matches worker-17, not boss; exact worker-0 wins over worker-*")
PY

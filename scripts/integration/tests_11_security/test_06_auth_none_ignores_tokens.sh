#!/usr/bin/env bash
# auth.mode = none (the default): any hello is accepted, with or without a token, and any
# role may be registered; a tokens file, if configured, is not even read.
source "$(dirname "$0")/../test_functions.sh"
AGENTD_AUTH_TOKENS_FILE="$TEST_TMP/does-not-exist.json" start_agentd
py <<'PY'
from wire import *
a = Conn()
a.hello("worker-1", token="anything")
a.call("register", role="supervisor", capabilities=[])
b = Conn()
b.hello("boss")
s = b.call("stats")["server"]
assert s["auth_failures_total"] == 0, s
print("# auth.mode = none: tokens ignored, any role registers")
PY

#!/usr/bin/env bash
# Environment variables override the config file; flags override environment variables.
source "$(dirname "$0")/../test_functions.sh"
require_redis
CONFIG="$REPO_ROOT/Config/agentd.toml"
[[ -f "$CONFIG" ]] || fail "missing $CONFIG"
sed -E 's/^([[:space:]]*max_frame_bytes[[:space:]]*=[[:space:]]*)[0-9_]+/\18192/' "$CONFIG" >"$TEST_TMP/agentd.toml"
# File says 8192, environment says 1024: the environment wins.
AGENTD_MAX_FRAME_BYTES=1024 start_agentd --config "$TEST_TMP/agentd.toml"
py <<'PY'
from wire import *
c = Conn()
c.send_line({"op": "ping", "id": 1, "pad": "x" * 2000})
expect_error(c.recv(), "frame_too_large")
c.expect_eof()
PY
stop_agentd
# Environment says memory backend, flag says redis: the flag wins.
AGENTD_BACKEND=memory start_agentd --config "$TEST_TMP/agentd.toml" --backend redis
py <<'PY'
from wire import *
c = Conn()
c.hello("precedence")
assert c.call("health")["backend"] == "redis"
PY
stop_agentd
# Environment alone selects the memory backend (no flag).
AGENTD_BACKEND=memory AGENTD_LISTEN=127.0.0.1:0 start_agentd_raw
py <<'PY'
from wire import *
c = Conn()
c.hello("precedence")
assert c.call("health")["backend"] == "memory"
print("# file < env (max_frame_bytes), env < flag (backend), env alone works (backend, listen)")
PY

#!/usr/bin/env bash
# agentd starts from the shipped Config/agentd.toml (flags override its listen/redis),
# and a value from a config file takes effect (max_frame_bytes).
source "$(dirname "$0")/../test_functions.sh"
CONFIG="$REPO_ROOT/Config/agentd.toml"
[[ -f "$CONFIG" ]] || fail "missing $CONFIG"
start_agentd --config "$CONFIG"
py <<'PY'
import os
from wire import *
c = Conn()
c.hello("configured")
h = c.call("health")
assert h["status"] == "ok" and h["backend"] == os.environ["AGENTD_TEST_BACKEND"], h
PY
stop_agentd
# A copy of the shipped file with max_frame_bytes changed to 2048.
grep -qE '^[[:space:]]*max_frame_bytes[[:space:]]*=' "$CONFIG" || fail "no max_frame_bytes key in $CONFIG"
sed -E 's/^([[:space:]]*max_frame_bytes[[:space:]]*=[[:space:]]*)[0-9_]+/\12048/' "$CONFIG" >"$TEST_TMP/agentd.toml"
start_agentd --config "$TEST_TMP/agentd.toml"
py <<'PY'
from wire import *
c = Conn()
c.send_line({"op": "ping", "id": 1, "pad": "x" * 1500})
assert c.recv()["ok"] is True, "a 1.5 KB frame must fit in max_frame_bytes=2048"
c.send_line({"op": "ping", "id": 2, "pad": "x" * 3000})
expect_error(c.recv(), "frame_too_large")
c.expect_eof()
print("# shipped config starts; max_frame_bytes=2048 from a config file is honoured")
PY

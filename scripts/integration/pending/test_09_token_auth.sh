#!/usr/bin/env bash
# auth.mode = token: hello needs a token whose SHA-256 is listed for the agent id (or a
# pattern like worker-*); a missing or wrong token is unauthenticated.
source "$(dirname "$0")/../test_functions.sh"
python3 - "$TEST_TMP/tokens.json" <<'PY'
import hashlib, json, sys
h = lambda t: hashlib.sha256(t.encode()).hexdigest()
json.dump([{"agent": "worker-*", "token_sha256": h("w-secret"), "roles": ["worker"]},
           {"agent": "boss", "token_sha256": h("b-secret"), "roles": ["supervisor"]}], open(sys.argv[1], "w"))
PY
AGENTD_AUTH_MODE=token AGENTD_AUTH_TOKENS_FILE="$TEST_TMP/tokens.json" start_agentd
py <<'PY'
from wire import *
c = Conn()
expect_error(c.request("hello", agent_id="worker-1"), "unauthenticated")
expect_error(c.request("hello", agent_id="worker-1", token="wrong"), "unauthenticated")
expect_error(c.request("hello", agent_id="worker-1", token="b-secret"), "unauthenticated")
expect_error(c.request("hello", agent_id="stranger", token="w-secret"), "unauthenticated")
expect_error(c.request("stats"), "unauthenticated")
c.hello("worker-1", token="w-secret")
assert c.call("stats")["ok"] is True
d = Conn()
d.hello("boss", token="b-secret")
print("# token mode: missing/wrong/other agent's token -> unauthenticated; right ones accepted")
PY

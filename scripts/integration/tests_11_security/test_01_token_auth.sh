#!/usr/bin/env bash
# auth.mode = token: hello needs a token whose SHA-256 is listed for the agent id (or a
# pattern like worker-*); a missing or wrong token, or an unlisted agent, is unauthenticated
# with one and the same message, and is counted in stats.server.auth_failures_total.
source "$(dirname "$0")/../test_functions.sh"
python3 "$(dirname "$0")/tokens.py" "$TEST_TMP/tokens.json" "worker-*=w-secret:worker" "boss=b-secret:supervisor"
AGENTD_AUTH_MODE=token AGENTD_AUTH_TOKENS_FILE="$TEST_TMP/tokens.json" start_agentd
py <<'PY'
from wire import *
c = Conn()
messages = set()
for fields in ({}, {"token": "wrong"}, {"token": "b-secret"}):
    r = c.request("hello", agent_id="worker-1", **fields)
    expect_error(r, "unauthenticated")
    messages.add(r["error"]["message"])
r = c.request("hello", agent_id="stranger", token="w-secret")
expect_error(r, "unauthenticated")
messages.add(r["error"]["message"])
assert messages == {"hello: unknown agent or wrong token"}, messages
expect_error(c.request("stats"), "unauthenticated")
c.hello("worker-1", token="w-secret")
s = c.call("stats")
assert s["server"]["auth_failures_total"] == 4, s["server"]
d = Conn()
d.hello("boss", token="b-secret")
print("# token mode: missing/wrong/other agent's token/unknown agent -> one identical unauthenticated; right ones accepted; 4 failures counted")
PY

#!/usr/bin/env bash
# With tokens, an authenticated worker still cannot send as another agent: a from_agent that
# is not its own is forbidden and nothing reaches the recipient; its own name is accepted.
source "$(dirname "$0")/../test_functions.sh"
python3 "$(dirname "$0")/tokens.py" "$TEST_TMP/tokens.json" "worker-*=w-secret:worker" "boss=b-secret:supervisor"
AGENTD_AUTH_MODE=token AGENTD_AUTH_TOKENS_FILE="$TEST_TMP/tokens.json" start_agentd
py <<'PY'
from wire import *
w = Conn(); w.hello("worker-1", token="w-secret")
r = w.request("send", message={"to_agent": "worker-2", "from_agent": "boss", "message_type": "task_request", "content": {"rm": "-rf"}})
expect_error(r, "forbidden", "from_agent")
print("# worker-1 sending as boss:", r["error"]["message"])
r = w.request("broadcast", message_type="status_update", content={})
expect_error(r, "forbidden")
w2 = Conn(); w2.hello("worker-2", token="w-secret")
assert w2.call("fetch", limit=10)["messages"] == [], "the spoofed message was delivered"
w.call("send", message={"to_agent": "worker-2", "from_agent": "worker-1", "message_type": "status_update", "content": {}})
got = w2.call("fetch", limit=10, wait_ms=2000)["messages"]
assert [x["from_agent"] for x in got] == ["worker-1"], got
print("# nothing delivered for the spoofed send; its own from_agent accepted; broadcast forbidden to a worker")
PY

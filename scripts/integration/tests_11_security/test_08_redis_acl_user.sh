#!/usr/bin/env bash
# agentd against a Redis that requires credentials: an ACL user limited to agentd's key
# prefix and without the dangerous commands is enough for messaging, stats and health. With
# a wrong password agentd stays up, answers unavailable and reports degraded, and the
# password appears neither in its log nor in stats.
source "$(dirname "$0")/../test_functions.sh"
require_redis
acl="$TEST_TMP/users.acl"
{
    echo "user default on >admin-$RANDOM ~* &* +@all"
    echo "user agentd on >agentd-pw-5f1c ~${AGENTD_KEY_PREFIX}* &* +@all -@dangerous"
} > "$acl"
start_private_redis "" --aclfile "$acl"
AGENTD_REDIS_ADDR="$PRIVATE_REDIS" AGENTD_REDIS_AUTH_USERNAME=agentd AGENTD_REDIS_AUTH_PASSWORD=agentd-pw-5f1c start_agentd
py <<'PY'
from wire import *
c = Conn()
c.hello("acl-agent")
for i in range(20):
    c.send("acl-agent", {"i": i})
got = fetch_until(c, 20)
assert [m["content"]["i"] for m in got] == list(range(20)), got
assert c.call("ack", message_ids=[m["message_id"] for m in got])["acked"] == 20
h = c.call("health")
assert (h["status"], h["store"]) == ("ok", "up"), h
q = c.call("stats")["queues"]
assert (q["sent_total"], q["acked_total"]) == (20, 20), q
print("# ACL user limited to agentd's key prefix, without @dangerous: 20 sent, fetched, acked; health ok")
PY
stop_agentd
AGENTD_REDIS_ADDR="$PRIVATE_REDIS" AGENTD_REDIS_AUTH_USERNAME=agentd AGENTD_REDIS_AUTH_PASSWORD=wrong-pw-9d2e start_agentd
py <<'PY'
import json
from wire import *
c = Conn(timeout=10)
c.hello("acl-agent")
expect_error(c.request("send", message={"to_agent": "acl-agent", "message_type": "status_update", "content": {}}, timeout=10), "unavailable")
h = c.call("health")
assert (h["status"], h["store"]) == ("degraded", "down"), h
stats = c.request("stats", timeout=10)
assert "wrong-pw-9d2e" not in json.dumps(stats), stats
print("# wrong password: send unavailable, health degraded")
PY
stop_agentd
if grep -q "wrong-pw-9d2e\|agentd-pw-5f1c" "$TEST_TMP"/agentd-*.log; then
    fail "a Redis password appears in agentd's log"
fi
echo "# no password in agentd's logs"

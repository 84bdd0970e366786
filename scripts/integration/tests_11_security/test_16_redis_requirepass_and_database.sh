#!/usr/bin/env bash
# A Redis with `requirepass` (the default user, no ACL file): agentd AUTHs with the password
# alone and SELECTs redis_auth.database; its keys land in that database and nowhere else.
source "$(dirname "$0")/../test_functions.sh"
require_redis
start_private_redis "" --requirepass "rp-$$-secret"
AGENTD_REDIS_ADDR="$PRIVATE_REDIS" AGENTD_REDIS_AUTH_PASSWORD="rp-$$-secret" AGENTD_REDIS_AUTH_DATABASE=3 start_agentd
py <<'PY'
from wire import *
c = Conn()
c.hello("rp-agent")
c.send("rp-agent", {"n": 1})
c.send("rp-agent", {"n": 2})
got = fetch_until(c, 1, limit=1)
assert [m["content"] for m in got] == [{"n": 1}], got
assert c.call("health")["store"] == "up"
print("# requirepass: send and fetch ok, health up")
PY
rcli() { redis-cli -p "$PRIVATE_REDIS_PORT" -a "rp-$$-secret" --no-auth-warning "$@"; }
in3="$(rcli -n 3 --scan --pattern "${AGENTD_KEY_PREFIX}*" | wc -l)"
in0="$(rcli -n 0 --scan --pattern "${AGENTD_KEY_PREFIX}*" | wc -l)"
((in3 > 0)) || fail "no agentd keys in database 3"
assert_equal 0 "$in0" "agentd keys in database 0"
echo "# $in3 agentd keys in database 3, none in database 0"

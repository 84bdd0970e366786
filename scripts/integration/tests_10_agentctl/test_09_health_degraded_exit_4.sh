#!/usr/bin/env bash
# agentd up but its Redis unreachable: `health` prints degraded and exits 4 (human and
# --json), while a request that needs the store is agentd's `unavailable` (exit 1).
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/ctl_functions.sh"
require_redis
AGENTD_REDIS_ADDR="127.0.0.1:$(free_port)" AGENTD_STORE_TIMEOUT_MS=500 start_agentd
ctl_server
expect_ctl 4 health
assert_equal "degraded  store down  backend redis" "$CTL_OUT" "health when Redis is down"
assert_equal "" "$CTL_ERR" "health degraded says it on stdout only"
expect_ctl 4 health --json
assert_equal '{"status":"degraded","store":"down","backend":"redis"}' "$CTL_OUT" "health --json when degraded"
expect_ctl 1 send anyone --content '{}'
assert_contains "$CTL_ERR" "error: unavailable: "
echo "# health degraded -> 4; send -> 1 (unavailable)"

#!/usr/bin/env bash
# stats: an aligned PART/COUNTER/VALUE table and, with --json, agentd's four parts;
# health: "ok" with exit 0, --json the reply shape.
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/ctl_functions.sh"
start_agentd
ctl_server
expect_ctl 0 send st-inbox --content '{"n":1}'
expect_ctl 0 send st-inbox --content '{"n":2}'

expect_ctl 0 stats
assert_equal "PART          COUNTER              VALUE" "$(head -n1 <<<"$CTL_OUT")" "stats header"
assert_contains "$CTL_OUT" "queues        pending              2"
assert_contains "$CTL_OUT" "queues        sent_total           2"
assert_contains "$CTL_OUT" "registry      total_agents         0"
assert_contains "$CTL_OUT" "coordination  completion_rate      0"
assert_contains "$CTL_OUT" "server        backend              $AGENTD_TEST_BACKEND"
expect_ctl 0 stats --json
assert_equal "['coordination', 'queues', 'registry', 'server']" "$(json_get 'sorted(j)')" "stats --json parts"
assert_equal "2 2" "$(json_get 'j["queues"]["sent_total"], j["queues"]["pending"]' | tr -d '(),')" "stats --json queues"

expect_ctl 0 health
assert_equal "ok  store up  backend $AGENTD_TEST_BACKEND" "$CTL_OUT" "health"
expect_ctl 0 health --json
assert_equal "{\"status\":\"ok\",\"store\":\"up\",\"backend\":\"$AGENTD_TEST_BACKEND\"}" "$CTL_OUT" "health --json"
echo "# stats table and --json; health ok -> 0"

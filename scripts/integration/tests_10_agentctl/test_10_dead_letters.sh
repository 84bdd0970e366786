#!/usr/bin/env bash
# dead-letters list (as the agent itself, and --for another as an operator; human and
# --json) and requeue (the message comes back as attempt 1); without a role, another
# agent's dead letters are forbidden (exit 1).
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/ctl_functions.sh"
AGENTD_MAX_DELIVERIES=1 start_agentd
ctl_server
expect_ctl 0 send dl-worker --content '{"poison":true}'
dead_id=$CTL_OUT
# One delivery, not acked: agentctl disconnects, the only attempt ended, the message dies.
expect_ctl 0 fetch --agent dl-worker
assert_contains "$CTL_OUT" "$dead_id"
end=$((SECONDS + 10))
while :; do
    expect_ctl 0 dead-letters list --agent dl-worker
    [[ -n "$CTL_OUT" ]] && break
    ((SECONDS < end)) || fail "no dead letter after 10 s"
    sleep 0.1
done
read -r id _ <<<"$CTL_OUT"
assert_equal "$dead_id" "$id" "dead letter id"
assert_contains "$CTL_OUT" "dead (max_deliveries, 1 attempt, "
assert_contains "$CTL_OUT" '{"poison":true}'

expect_ctl 0 dead-letters list --for dl-worker --json
assert_equal "$dead_id max_deliveries 1" \
    "$(json_get 'j["messages"][0]["message_id"], j["messages"][0]["dead"]["reason"], j["messages"][0]["dead"]["attempts"]' | tr -d "(),'")" \
    "dead-letters list --for --json"
expect_ctl 0 dead-letters list --for dl-worker --limit 1 --json
assert_equal 1 "$(json_get 'len(j["messages"])')" "--limit"
expect_ctl 1 dead-letters list --for dl-worker --as-role none
assert_contains "$CTL_ERR" "error: forbidden: "
expect_ctl 1 dead-letters requeue --for dl-worker "$dead_id" --as-role none
assert_contains "$CTL_ERR" "error: forbidden: "

expect_ctl 0 dead-letters requeue --for dl-worker "$dead_id" no-such-id
assert_equal "requeued 1" "$CTL_OUT" "requeue --for"
expect_ctl 0 dead-letters list --agent dl-worker
assert_equal "" "$CTL_OUT" "dead letters after requeue"
assert_contains "$CTL_ERR" "no dead letters"
expect_ctl 0 fetch --agent dl-worker --ack --json
assert_equal "$dead_id 1" "$(json_get 'j["messages"][0]["message_id"], j["messages"][0]["delivery"]["attempt"]' | tr -d "(),'")" \
    "requeued message is attempt 1"

# Its own dead letters, requeued by the agent itself (no role needed).
expect_ctl 0 send dl-worker --content '{"again":true}'
expect_ctl 0 fetch --agent dl-worker
end=$((SECONDS + 10))
until expect_ctl 0 dead-letters list --agent dl-worker --json && [[ "$(json_get 'len(j["messages"])')" == 1 ]]; do
    ((SECONDS < end)) || fail "second dead letter missing"
    sleep 0.1
done
second=$(json_get 'j["messages"][0]["message_id"]')
expect_ctl 0 dead-letters requeue --agent dl-worker "$second" --json
assert_equal '{"requeued":1}' "$CTL_OUT" "requeue own --json"
echo "# dead-letters list (own, --for, --json), requeue -> attempt 1; forbidden without a role"

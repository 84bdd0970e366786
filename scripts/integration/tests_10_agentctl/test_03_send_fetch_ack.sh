#!/usr/bin/env bash
# send (human and --json, content inline, @file and @-, priority, dedup by --message-id,
# delay, ttl), fetch (one line per message, --json, --wait, --ack) and a server error
# (exit 1 with "error: <code>: <message>").
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/ctl_functions.sh"
start_agentd
ctl_server

expect_ctl 0 send inbox-a --agent boss --content '{"n":1}' --priority low
[[ "$CTL_OUT" =~ ^[A-Za-z0-9._:@-]+$ ]] || fail "send printed more than a message id: '$CTL_OUT'"
first_id=$CTL_OUT
expect_ctl 0 send inbox-a --agent boss --type task_request --content '{"n":2,"big":9223372036854775807}' \
    --priority critical --json
assert_equal "['message_id']" "$(json_get 'sorted(j)')" "send --json keys"
second_id=$(json_get 'j["message_id"]')
echo '{"n":3}' >"$TEST_TMP/content.json"
expect_ctl 0 send inbox-a --agent boss --content @"$TEST_TMP/content.json"
echo '{"n":4}' | "$AGENTCTL_BIN" send inbox-a --agent boss --content @- >/dev/null || fail "send --content @-"

# Dedup: the same sender with the same --message-id is stored once.
expect_ctl 0 send inbox-a --agent boss --message-id once-1 --content '{"n":5}'
assert_equal once-1 "$CTL_OUT" "send --message-id prints that id"
expect_ctl 0 send inbox-a --agent boss --message-id once-1 --content '{"n":5}'
assert_equal once-1 "$CTL_OUT" "duplicate send prints the id"
assert_contains "$CTL_ERR" "duplicate"
expect_ctl 0 send inbox-a --agent boss --message-id once-1 --content '{"n":5}' --json
assert_equal True "$(json_get 'j["duplicate"]')" "duplicate: true in --json"

# Human fetch: one line per message, highest priority first, fields in order.
expect_ctl 0 fetch --agent inbox-a --limit 10
assert_equal 5 "$(wc -l <<<"$CTL_OUT")" "fetch lines"
line1=$(head -n1 <<<"$CTL_OUT")
read -r id ts prio type from arrow to att n rest <<<"$line1"
assert_equal "$second_id" "$id" "critical message first"
[[ "$ts" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z$ ]] || fail "timestamp column: $line1"
assert_equal "critical task_request boss -> inbox-a attempt 1" "$prio $type $from $arrow $to $att $n" "line: $line1"
assert_equal '{"n":2,"big":9223372036854775807}' "$rest" "content column, integers exact"
assert_contains "$(tail -n1 <<<"$CTL_OUT")" "$first_id" "low priority last"

# Not acked: released when agentctl disconnects, so the next fetch is attempt 2.
expect_ctl 0 fetch --agent inbox-a --limit 10 --json
assert_equal 5 "$(json_get 'len(j["messages"])')" "fetch --json count"
assert_equal "[2, 2, 2, 2, 2]" "$(json_get '[m["delivery"]["attempt"] for m in j["messages"]]')" "attempts"
assert_equal "[2, 3, 4, 5, 1]" "$(json_get '[m["content"]["n"] for m in j["messages"]]')" "order"
assert_equal boss "$(json_get 'j["messages"][0]["from_agent"]')" "from_agent"

expect_ctl 0 fetch --agent inbox-a --limit 10 --ack
assert_equal 5 "$(wc -l <<<"$CTL_OUT")" "fetch --ack lines"
assert_contains "$CTL_ERR" "acked 5"
expect_ctl 0 fetch --agent inbox-a
assert_equal "" "$CTL_OUT" "nothing left after --ack"
assert_contains "$CTL_ERR" "no messages"
expect_ctl 0 fetch --agent inbox-a --json
assert_equal '{"messages":[]}' "$CTL_OUT" "empty fetch --json"

# --delay: not there at once; --wait sees it arrive.
expect_ctl 0 send inbox-b --delay 800ms --content '{"late":true}'
expect_ctl 0 fetch --agent inbox-b
assert_equal "" "$CTL_OUT" "delayed message delivered early"
t0=$(date +%s.%N)
expect_ctl 0 fetch --agent inbox-b --wait 5s --ack
waited=$(python3 -c "print('%.2f' % ($(date +%s.%N) - $t0))")
assert_contains "$CTL_OUT" '{"late":true}'
# --ttl: expires undelivered.
expect_ctl 0 send inbox-b --ttl 100ms --content '{"stale":true}'
sleep 0.4
expect_ctl 0 fetch --agent inbox-b
assert_equal "" "$CTL_OUT" "expired message delivered"

# agentd's errors: exit 1, "error: <code>: <message>" on stderr, nothing on stdout.
expect_ctl 1 send 'not a valid id!' --content '{}'
assert_contains "$CTL_ERR" "error: bad_request: "
assert_equal "" "$CTL_OUT" "stdout on error"
expect_ctl 1 send inbox-a --type no_such_type
assert_contains "$CTL_ERR" "error: bad_request: "
expect_ctl 1 fetch --agent inbox-a --limit 5000
assert_contains "$CTL_ERR" "error: bad_request: "
echo "# 5 sent (one @file, one @-), dedup once; priority order; delayed one waited ${waited}s; ttl expired"

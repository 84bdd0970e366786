#!/usr/bin/env bash
# agentd unreachable (a closed port) is exit 3 with "could not connect" for every kind of
# subcommand; a connection lost in the middle of a command (agentd stopped under a tail)
# is exit 3 too.
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/ctl_functions.sh"
closed="127.0.0.1:$(free_port)"
for args in "health" "stats" "send w1" "fetch" "agents" "tasks" "task t-1" "tail" "dead-letters list"; do
    # shellcheck disable=SC2086
    expect_ctl 3 $args --server "$closed"
    assert_contains "$CTL_ERR" "could not connect" "agentctl $args"
done
expect_ctl 3 health --server "$closed"
assert_contains "$CTL_ERR" "error: could not connect to agentd at $closed: connection refused"
AGENTD_SERVER="$closed" expect_ctl 3 send w1
assert_contains "$CTL_ERR" "could not connect to agentd at $closed"

start_agentd
ctl_server
"$AGENTCTL_BIN" tail --agent lost-tail >"$TEST_TMP/tail.out" 2>"$TEST_TMP/tail.err" &
tail_pid=$!
_STARTED_PIDS+=("$tail_pid")
expect_ctl 0 send lost-tail --content '{"n":1}'
end=$((SECONDS + 10))
until grep -q '{"n":1}' "$TEST_TMP/tail.out"; do
    ((SECONDS < end)) || fail "tail printed nothing: $(cat "$TEST_TMP/tail.err")"
    sleep 0.05
done
stop_agentd
_wait_pid "$tail_pid" 10
assert_equal 3 "$WAIT_RC" "tail's exit status once agentd stopped"
assert_contains "$(cat "$TEST_TMP/tail.err")" "error: connection to agentd lost"
echo "# closed port -> 3 (connection refused); agentd stopped under tail -> 3"

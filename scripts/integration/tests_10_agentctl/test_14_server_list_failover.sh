#!/usr/bin/env bash
# A server list, with two daemons on one Redis: `agentctl --server DEAD,LIVE` answers through
# the live one (send, stats; --server repeated; AGENTD_SERVER as a comma list); with every
# server dead it is exit 3 naming each. `tail` with two servers keeps printing after its
# daemon is killed with SIGKILL: it moves to the other daemon, subscribes again, and every
# message sent before and after the kill is printed (one printed but not acked on the dead
# daemon may come again, attempt 2, once its lease has run out).
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/ctl_functions.sh"
source "$(dirname "$0")/../tests_14_daemons/daemons.sh"
require_redis
export AGENTD_DAEMON_LEASE_MS=1000 AGENTD_ACK_TIMEOUT_MS=2000
start_daemon A c14-a
start_daemon B c14-b
dead="127.0.0.1:$(free_port)"
dead2="127.0.0.1:$(free_port)"
a="127.0.0.1:$A_PORT"
b="127.0.0.1:$B_PORT"

expect_ctl 0 send c14-inbox --agent c14-feeder --server "$dead,$b" --content '{"n":0}'
expect_ctl 0 stats --json --server "$dead" --server "$b"
assert_equal True "$(json_get 'j["queues"]["sent_total"] >= 1')" "stats through the live daemon"
AGENTD_SERVER="$dead, $a" expect_ctl 0 health
assert_contains "$CTL_OUT" "ok"
expect_ctl 3 health --server "$dead,$dead2"
assert_contains "$CTL_ERR" "could not connect to agentd at any of its servers: $dead: connection refused; $dead2: connection refused"
expect_ctl 2 health --server "$dead,nonsense:port"
assert_contains "$CTL_ERR" "bad server address 'nonsense:port'"

count_n() {  # N: how many printed lines carry {"n":N}
    grep -c "{\"n\":$1}" "$TEST_TMP/tail.out" || true
}
wait_for_n() {  # N...: wait (bounded) until each was printed
    local n end=$((SECONDS + 15))
    for n in "$@"; do
        until [[ $(count_n "$n") -ge 1 ]]; do
            ((SECONDS < end)) || fail "tail did not print {\"n\":$n}; printed: $(cat "$TEST_TMP/tail.out"); stderr: $(cat "$TEST_TMP/tail.err")"
            _alive "$tail_pid" || fail "tail ended: $(cat "$TEST_TMP/tail.err")"
            sleep 0.05
        done
    done
}

"$AGENTCTL_BIN" tail --agent c14-tail --server "$a,$b" >"$TEST_TMP/tail.out" 2>"$TEST_TMP/tail.err" &
tail_pid=$!
_STARTED_PIDS+=("$tail_pid")
for n in 1 2 3; do
    expect_ctl 0 send c14-tail --agent c14-feeder --server "$a,$b" --content "{\"n\":$n}" --message-id "c14-$n"
done
wait_for_n 1 2 3
t0=$(date +%s.%N)
kill9_daemon A
for n in 4 5 6; do
    # A is dead: each send moves on to B.
    expect_ctl 0 send c14-tail --agent c14-feeder --server "$a,$b" --content "{\"n\":$n}" --message-id "c14-$n"
done
wait_for_n 4 5 6
seconds=$(python3 -c "import time; print('%.2f' % (time.time() - $t0))")
_alive "$tail_pid" || fail "tail ended after the kill: $(cat "$TEST_TMP/tail.err")"
kill -INT "$tail_pid"
_wait_pid "$tail_pid" 10
assert_equal 0 "$WAIT_RC" "tail exit status after SIGINT ($(cat "$TEST_TMP/tail.err"))"
for n in 1 2 3 4 5 6; do
    [[ $(count_n "$n") -ge 1 ]] || fail "message $n never printed"
done
lines=$(wc -l <"$TEST_TMP/tail.out")
again=$(grep -c "attempt 2" "$TEST_TMP/tail.out" || true)
echo "# --server DEAD,LIVE -> live daemon; all dead -> 3 naming each; tail printed 6 messages in $lines lines ($again again, attempt 2), last 3 within ${seconds}s of SIGKILL"

#!/usr/bin/env bash
# tail: prints pushed messages as they arrive and acks each (--count stops exactly there,
# later messages stay for others); --json prints one object per line; --no-ack leaves them
# in flight, and `ack` from another invocation of the same agent acks them; SIGINT ends
# tail with exit 0.
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/ctl_functions.sh"
start_agentd
ctl_server

wait_lines() {  # FILE N: wait (bounded) until FILE has N lines
    local end=$((SECONDS + 10))
    until [[ -s "$1" && $(wc -l <"$1") -ge $2 ]]; do
        ((SECONDS < end)) || fail "$1 has $(wc -l <"$1") lines, waited for $2"
        sleep 0.05
    done
}

"$AGENTCTL_BIN" tail --agent t-human --count 2 >"$TEST_TMP/t1.out" 2>"$TEST_TMP/t1.err" &
t1=$!
_STARTED_PIDS+=("$t1")
sleep 0.3   # tail subscribes; sends before that wait in the inbox anyway
for n in 1 2 3; do
    expect_ctl 0 send t-human --agent feeder --content "{\"n\":$n}"
done
_wait_pid "$t1" 10
assert_equal 0 "$WAIT_RC" "tail --count 2 exit status ($(cat "$TEST_TMP/t1.err"))"
assert_equal 2 "$(wc -l <"$TEST_TMP/t1.out")" "tail --count 2 lines"
assert_contains "$(head -n1 "$TEST_TMP/t1.out")" 'feeder -> t-human  attempt 1  {"n":1}'
assert_contains "$(tail -n1 "$TEST_TMP/t1.out")" '{"n":2}'
# The two printed were acked; the third was never handed to tail (attempt 1 now).
expect_ctl 0 fetch --agent t-human --json --ack
assert_equal '[(3, 1)]' "$(json_get '[(m["content"]["n"], m["delivery"]["attempt"]) for m in j["messages"]]')" \
    "left after tail --count 2"

"$AGENTCTL_BIN" tail --agent t-json --count 1 --json >"$TEST_TMP/t2.out" 2>"$TEST_TMP/t2.err" &
t2=$!
_STARTED_PIDS+=("$t2")
expect_ctl 0 send t-json --agent feeder --type status_update --content '{"x":[1,2]}' --priority high
_wait_pid "$t2" 10
assert_equal 0 "$WAIT_RC" "tail --json --count 1 exit status"
python3 - "$TEST_TMP/t2.out" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines
m = json.loads(lines[0])
assert m["content"] == {"x": [1, 2]} and m["priority"] == "high" and m["from_agent"] == "feeder", m
assert m["delivery"]["attempt"] == 1, m
PY

# --no-ack holds the message in flight; `agentctl ack` as the same agent acks it.
"$AGENTCTL_BIN" tail --agent t-hold --no-ack >"$TEST_TMP/t3.out" 2>"$TEST_TMP/t3.err" &
t3=$!
_STARTED_PIDS+=("$t3")
expect_ctl 0 send t-hold --agent feeder --content '{"hold":1}'
held_id=$CTL_OUT
wait_lines "$TEST_TMP/t3.out" 1
assert_contains "$(cat "$TEST_TMP/t3.out")" "$held_id"
expect_ctl 0 ack --agent t-hold "$held_id" no-such-message
assert_equal "acked 1" "$CTL_OUT" "ack of a message held by tail --no-ack"
expect_ctl 0 ack --agent t-hold "$held_id" --json
assert_equal '{"acked":0}' "$CTL_OUT" "ack again"
kill -INT "$t3"
_wait_pid "$t3" 10
assert_equal 0 "$WAIT_RC" "tail exit status after SIGINT"
expect_ctl 0 fetch --agent t-hold
assert_equal "" "$CTL_OUT" "acked message came back"

# --no-ack --count: what was printed is delivered again afterwards (attempt 2).
expect_ctl 0 send t-peek --agent feeder --content '{"peek":1}'
expect_ctl 0 tail --agent t-peek --no-ack --count 1
assert_contains "$CTL_OUT" '{"peek":1}'
expect_ctl 0 fetch --agent t-peek --ack --json
assert_equal 2 "$(json_get 'j["messages"][0]["delivery"]["attempt"]')" "peeked message attempt"
echo "# tail --count exact, --json, --no-ack + ack from another run, SIGINT -> 0"

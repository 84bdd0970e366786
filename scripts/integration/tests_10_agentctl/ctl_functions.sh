# Helpers for the agentctl tests (sourced after ../test_functions.sh).
#
#   ctl ARGS...                  run agentctl; sets CTL_OUT, CTL_ERR (text) and CTL_RC
#   expect_ctl RC ARGS...        ctl, then fail unless the exit status is RC
#   assert_contains TEXT NEEDLE MSG
#   json_get EXPR                evaluate a Python expression on `j` = json.loads($CTL_OUT)
#
# agentctl is looked for next to agentd (the runner exports AGENTD_BIN). After
# start_agentd, point AGENTD_SERVER at it (ctl_server) so every call finds this test's agentd.

AGENTCTL_BIN="${AGENTCTL_BIN:-$(dirname "$AGENTD_BIN")/agentctl}"
[[ -x "$AGENTCTL_BIN" ]] || fail "agentctl binary not found at $AGENTCTL_BIN (set AGENTCTL_BIN)"
# Each test picks its own agents; a value from the caller's shell must not leak in.
unset AGENTD_SERVER AGENTD_AGENT AGENTD_TOKEN

ctl_server() {
    export AGENTD_SERVER="127.0.0.1:$AGENTD_PORT"
}

ctl() {
    CTL_RC=0
    "$AGENTCTL_BIN" "$@" >"$TEST_TMP/ctl.out" 2>"$TEST_TMP/ctl.err" </dev/null || CTL_RC=$?
    CTL_OUT="$(cat "$TEST_TMP/ctl.out")"
    CTL_ERR="$(cat "$TEST_TMP/ctl.err")"
}

expect_ctl() {
    local want=$1
    shift
    ctl "$@"
    if [[ "$CTL_RC" != "$want" ]]; then
        echo "agentctl $*" >&2
        echo "--- stdout ---" >&2
        echo "$CTL_OUT" >&2
        echo "--- stderr ---" >&2
        echo "$CTL_ERR" >&2
        fail "agentctl $1: exit status $CTL_RC, expected $want"
    fi
}

assert_contains() {
    if [[ "$1" != *"$2"* ]]; then
        fail "${3:-text lacks '$2'}: '$2' not in: $1"
    fi
}

json_get() {
    CTL_OUT="$CTL_OUT" python3 -c 'import json, os, sys; j = json.loads(os.environ["CTL_OUT"]); print(eval(sys.argv[1]))' "$1"
}

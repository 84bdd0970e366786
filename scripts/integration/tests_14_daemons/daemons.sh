# Helpers for the several-daemons tests (tests_14_daemons/, pending/pending_daemons_*).
# Source after test_functions.sh:
#
#   source "$(dirname "$0")/../test_functions.sh"
#   source "$(dirname "$0")/../tests_14_daemons/daemons.sh"
#
#   start_daemon NAME ID [flags...]   start_agentd with AGENTD_DAEMON_ID=ID (env passes through, so
#                                     `AGENTD_DAEMON_LEASE_MS=1000 start_daemon A t-a` works); checks
#                                     the ready line names daemon=ID; sets and exports NAME_PID,
#                                     NAME_PORT, NAME_LOG, NAME_ID (e.g. A_PORT for python).
#                                     Sets START_SECONDS (launch to ready line).
#   stop_daemon NAME [LIMIT]          SIGTERM, wait at most LIMIT s (default 15), exit status must
#                                     be 0; sets STOP_SECONDS
#   kill9_daemon NAME                 SIGKILL, wait
#   run_daemon_until_exit ID LIMIT [flags...]
#                                     agentd with AGENTD_DAEMON_ID=ID that is expected to exit by
#                                     itself: waits at most LIMIT s; sets EXIT_RC (its exit status,
#                                     or "running" when it had not exited: it is then killed),
#                                     EXIT_SECONDS, EXIT_LOG
#
# daemons.py (same folder) is importable from the python snippets: `from daemons import *`.

DAEMONS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export PYTHONPATH="$DAEMONS_DIR:$PYTHONPATH"

_now() {
    date +%s.%N
}

_secs_since() {
    python3 -c "print('%.2f' % ($(_now) - $1))"
}

start_daemon() {
    local name=$1 id=$2
    shift 2
    [[ "$name" =~ ^[A-Z][A-Z0-9_]*$ ]] || fail "start_daemon: bad variable name '$name'"
    local t0
    t0=$(_now)
    AGENTD_DAEMON_ID="$id" start_agentd "$@"
    START_SECONDS=$(_secs_since "$t0")
    [[ " $AGENTD_READY_LINE " == *" daemon=$id "* ]] \
        || fail "ready line of daemon $name does not carry daemon=$id: $AGENTD_READY_LINE"
    printf -v "${name}_PID" '%s' "$AGENTD_PID"
    printf -v "${name}_PORT" '%s' "$AGENTD_PORT"
    printf -v "${name}_LOG" '%s' "$AGENTD_LOG"
    printf -v "${name}_ID" '%s' "$id"
    export "${name}_PID" "${name}_PORT" "${name}_LOG" "${name}_ID"
}

stop_daemon() {
    local name=$1 limit=${2:-15}
    local pid_var="${name}_PID"
    local pid=${!pid_var}
    local t0
    t0=$(_now)
    kill -TERM "$pid"
    _wait_pid "$pid" "$limit"
    STOP_SECONDS=$(_secs_since "$t0")
    [[ $WAIT_RC -ne 255 ]] || fail "daemon $name still running ${limit} s after SIGTERM"
    assert_equal 0 "$WAIT_RC" "daemon $name exit status after SIGTERM"
}

kill9_daemon() {
    local name=$1
    local pid_var="${name}_PID"
    kill -9 "${!pid_var}"
    _wait_pid "${!pid_var}" 10
}

run_daemon_until_exit() {
    local id=$1 limit=$2
    shift 2
    [[ -x "$AGENTD_BIN" ]] || fail "agentd binary not found at $AGENTD_BIN (set AGENTD_BIN)"
    local redis="${AGENTD_REDIS_ADDR:-${AGENTD_TEST_REDIS:-}}"
    [[ -n "$redis" ]] || fail "AGENTD_TEST_REDIS is not set (run via run-tests.sh)"
    _AGENTD_RUNS=$((_AGENTD_RUNS + 1))
    EXIT_LOG="$TEST_TMP/agentd-$_AGENTD_RUNS.log"
    local t0 pid
    t0=$(_now)
    AGENTD_DAEMON_ID="$id" "$AGENTD_BIN" --listen 127.0.0.1:0 --redis "$redis" "$@" \
        >"$TEST_TMP/agentd-$_AGENTD_RUNS.out" 2>"$EXIT_LOG" &
    pid=$!
    _STARTED_PIDS+=("$pid")
    _wait_pid "$pid" "$limit"
    EXIT_SECONDS=$(_secs_since "$t0")
    if _alive "$pid"; then
        EXIT_RC=running
        kill -9 "$pid" 2>/dev/null || true
        _wait_pid "$pid" 10
    else
        EXIT_RC=$WAIT_RC
    fi
}

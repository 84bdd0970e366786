# Helpers sourced by every scripts/integration test (bash).
#
#   fail MSG                         print MSG and end the test as failed
#   assert_equal EXPECTED ACTUAL MSG
#   start_agentd [flags...]          agentd --listen 127.0.0.1:0 --redis $AGENTD_TEST_REDIS flags...
#                                    (--backend memory instead when AGENTD_TEST_BACKEND=memory)
#   start_agentd_raw [flags...]      agentd with exactly these flags (e.g. --backend memory)
#   stop_agentd                      SIGTERM, wait (bounded), assert exit status 0
#   kill9_agentd                     SIGKILL, wait
#   start_private_redis              a redis-server of this test's own (free port, own dir)
#   kill_private_redis               SIGKILL that redis-server
#   require_redis                    skip this test (exit 77) when AGENTD_TEST_BACKEND=memory
#   py <<'EOF' ... EOF               run a Python snippet with wire.py importable
#
# Environment for agentd is passed through, so `AGENTD_ACK_TIMEOUT_MS=500 start_agentd`
# works. Each test gets its own AGENTD_KEY_PREFIX so tests never see each other's data;
# a restart in the same test keeps it (same Redis, same prefix, same data).
#
# The cleanup trap kills only the processes this file started, by PID.

set -euo pipefail

INTEGRATION_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$INTEGRATION_DIR/../.." && pwd)"
export PYTHONPATH="$INTEGRATION_DIR${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1

AGENTD_BIN="${AGENTD_BIN:-$REPO_ROOT/.build/debug/agentd}"
# Which store start_agentd uses: redis (default) or memory (the same tests, no Redis).
export AGENTD_TEST_BACKEND="${AGENTD_TEST_BACKEND:-redis}"
TEST_NAME="$(basename "$0" .sh)"
TEST_TMP="$(mktemp -d "${TMPDIR:-/tmp}/agentd-itest.XXXXXX")"
export AGENTD_KEY_PREFIX="${AGENTD_KEY_PREFIX:-itest-$RANDOM$RANDOM-$$-$TEST_NAME:}"

_STARTED_PIDS=()
_AGENTD_RUNS=0

_cleanup() {
    local rc=$?
    local pid
    # Processes a test's Python started (e.g. a restarted redis-server) list their PIDs here.
    if [[ -f "$TEST_TMP/extra.pids" ]]; then
        while read -r pid; do _STARTED_PIDS+=("$pid"); done <"$TEST_TMP/extra.pids"
    fi
    for pid in "${_STARTED_PIDS[@]+"${_STARTED_PIDS[@]}"}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -9 "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    if [[ $rc -ne 0 ]]; then
        local log
        for log in "$TEST_TMP"/agentd-*.log; do
            [[ -e "$log" ]] || continue
            echo "--- last lines of $(basename "$log") ---" >&2
            tail -n 15 "$log" >&2
        done
    fi
    rm -rf "$TEST_TMP"
    exit $rc
}
trap _cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

assert_equal() {
    if [[ "$1" != "$2" ]]; then
        fail "${3:-values differ}: expected '$1', got '$2'"
    fi
}

# True while the process exists and is not a zombie (a zombie still answers kill -0).
_alive() {
    [[ -r "/proc/$1/stat" ]] || return 1
    local state
    state="$(sed -E 's/^[0-9]+ \(.*\) ([A-Za-z]).*/\1/' "/proc/$1/stat" 2>/dev/null)" || return 1
    [[ "$state" != "Z" && "$state" != "X" ]]
}

# Wait up to $2 seconds (default 15) for PID $1 to end; sets WAIT_RC to its exit status
# (or 255 if it is still running).
_wait_pid() {
    local pid=$1 limit=${2:-15}
    local end=$((SECONDS + limit))
    while _alive "$pid" && ((SECONDS < end)); do
        sleep 0.05
    done
    if _alive "$pid"; then
        WAIT_RC=255
        return 0
    fi
    WAIT_RC=0
    wait "$pid" 2>/dev/null || WAIT_RC=$?
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Start agentd with exactly the given flags. Waits (at most 30 s) for the ready line and
# exports AGENTD_PID, AGENTD_PORT, AGENTD_LOG. Fails the test if agentd exits or never
# becomes ready.
start_agentd_raw() {
    [[ -x "$AGENTD_BIN" ]] || fail "agentd binary not found at $AGENTD_BIN (set AGENTD_BIN)"
    _AGENTD_RUNS=$((_AGENTD_RUNS + 1))
    AGENTD_LOG="$TEST_TMP/agentd-$_AGENTD_RUNS.log"
    "$AGENTD_BIN" "$@" >"$TEST_TMP/agentd-$_AGENTD_RUNS.out" 2>"$AGENTD_LOG" &
    AGENTD_PID=$!
    _STARTED_PIDS+=("$AGENTD_PID")
    local end=$((SECONDS + 30)) line="" rc
    while ((SECONDS < end)); do
        line="$(grep -a -m1 'agentd ready' "$AGENTD_LOG" 2>/dev/null || true)"
        [[ -n "$line" ]] && break
        _alive "$AGENTD_PID" || {
            wait "$AGENTD_PID" 2>/dev/null && rc=0 || rc=$?
            fail "agentd exited (status $rc) before it was ready; args: $*"
        }
        sleep 0.05
    done
    [[ -n "$line" ]] || fail "agentd printed no 'agentd ready' line within 30 s; args: $*"
    local listen
    listen="$(sed -nE 's/.*listen=([^ ]+).*/\1/p' <<<"$line")"
    [[ -n "$listen" ]] || fail "ready line has no listen=HOST:PORT: $line"
    AGENTD_PORT="${listen##*:}"
    [[ "$AGENTD_PORT" =~ ^[0-9]+$ && "$AGENTD_PORT" != 0 ]] || fail "bad port in ready line: $line"
    AGENTD_READY_LINE="$line"
    export AGENTD_PID AGENTD_PORT AGENTD_LOG AGENTD_READY_LINE
}

# agentd on a free loopback port against the shared test Redis, plus extra flags.
# With AGENTD_TEST_BACKEND=memory (and no AGENTD_REDIS_ADDR) it uses --backend memory.
start_agentd() {
    if [[ "$AGENTD_TEST_BACKEND" == memory && -z "${AGENTD_REDIS_ADDR:-}" ]]; then
        start_agentd_raw --listen 127.0.0.1:0 --backend memory "$@"
        return
    fi
    local redis="${AGENTD_REDIS_ADDR:-${AGENTD_TEST_REDIS:-}}"
    [[ -n "$redis" ]] || fail "AGENTD_TEST_REDIS is not set (run via run-tests.sh)"
    start_agentd_raw --listen 127.0.0.1:0 --redis "$redis" "$@"
}

# SIGTERM, then wait at most ${1:-15} s; the exit status must be 0. Sets STOP_SECONDS.
stop_agentd() {
    local limit=${1:-15}
    local t0 t1
    t0=$(date +%s.%N)
    kill -TERM "$AGENTD_PID"
    _wait_pid "$AGENTD_PID" "$limit"
    t1=$(date +%s.%N)
    STOP_SECONDS=$(python3 -c "print('%.2f' % ($t1 - $t0))")
    [[ $WAIT_RC -ne 255 ]] || fail "agentd still running ${limit} s after SIGTERM"
    assert_equal 0 "$WAIT_RC" "agentd exit status after SIGTERM"
}

kill9_agentd() {
    kill -9 "$AGENTD_PID"
    _wait_pid "$AGENTD_PID" 10
}

# Waits (at most 30 s) until FILE exists, failing if process PID ends first. Fault tests use
# it to inject the fault when the background load writes its mark.
wait_for_mark() {
    local file=$1 pid=$2 end=$((SECONDS + 30))
    until [[ -e "$file" ]]; do
        ((SECONDS < end)) || fail "load never reached the fault point"
        _alive "$pid" || fail "load ended before the fault point"
        sleep 0.01
    done
}

# A redis-server of this test's own, for tests that kill or restart Redis. Without persistence
# unless extra redis-server options say otherwise, e.g.
#   start_private_redis "$port" --appendonly yes --appendfsync always
# Exports PRIVATE_REDIS_PORT, PRIVATE_REDIS_PID, PRIVATE_REDIS (HOST:PORT).
# Pass a port to restart on the same one: same directory, so an AOF is replayed.
start_private_redis() {
    local port=${1:-$(free_port)}
    [[ $# -gt 0 ]] && shift
    local dir="$TEST_TMP/redis-$port"
    mkdir -p "$dir"
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
        --dir "$dir" --daemonize no --loglevel warning "$@" >>"$dir/redis.log" 2>&1 &
    PRIVATE_REDIS_PID=$!
    _STARTED_PIDS+=("$PRIVATE_REDIS_PID")
    # Up to 20 s: a restart replays its AOF first, answering PING with LOADING meanwhile.
    local end=$((SECONDS + 20))
    # NOAUTH counts as up: a Redis that wants a password (--requirepass, --aclfile) answers so.
    until [[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" =~ ^(PONG|NOAUTH) ]]; do
        ((SECONDS < end)) || fail "private redis-server on port $port did not start"
        _alive "$PRIVATE_REDIS_PID" || fail "private redis-server on port $port exited: $(cat "$dir/redis.log")"
        sleep 0.05
    done
    PRIVATE_REDIS_PORT=$port
    PRIVATE_REDIS="127.0.0.1:$port"
    export PRIVATE_REDIS_PORT PRIVATE_REDIS_PID PRIVATE_REDIS
}

kill_private_redis() {
    kill -9 "$PRIVATE_REDIS_PID"
    _wait_pid "$PRIVATE_REDIS_PID" 10
}

# Tests about Redis itself (durability, outages) do not apply to the memory backend.
require_redis() {
    if [[ "$AGENTD_TEST_BACKEND" == memory ]]; then
        echo "# SKIP: needs the redis backend"
        exit 77
    fi
}

# Run a Python snippet from stdin with wire.py importable; arguments become sys.argv[1:].
py() {
    python3 -u - "$@"
}

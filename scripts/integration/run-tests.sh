#!/usr/bin/env bash
# End-to-end tests for agentd: real daemon, real Redis, real TCP.
#
#   scripts/integration/run-tests.sh [FILTER]
#
# Runs every tests_NN_area/test_NN_what.sh (sorted) whose name contains FILTER, each in
# its own bash process under a time limit, TEST_JOBS of them at a time, and prints one block
# per test as it finishes (PASS/FAIL/SKIP line, then the test's `# ...` figure lines, or the
# tail of its output on failure; blocks never interleave, they come in order of completion)
# and a final "N passed, N failed" line. Exit status is non-zero when any test failed.
#
# A test that cannot run beside others (it freezes or kills something shared, or measures
# timing too tightly for a busy machine) says so with a line `# serial: REASON` among its
# first 30 lines; those run one at a time after the parallel batch.
#
# Environment:
#   AGENTD_BIN          the agentd binary (default: .build/debug/agentd in the repo root)
#   AGENTD_TEST_REDIS   HOST:PORT of a Redis to use; when unset, one is started for the run
#                       (scripts/with-redis.sh if present, else a private redis-server)
#   AGENTD_TEST_BACKEND redis (default) or memory: run the suite against --backend memory;
#                       tests about Redis itself are skipped (exit status 77 = SKIP)
#   TEST_JOBS           tests run at once (default 4); 1 runs everything one by one in
#                       sorted order, serial tests in their place
#   TEST_TIMEOUT        seconds per test (default 120)
#   VERBOSE=1           show each test's output even when it passes

set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$HERE/../.." && pwd)"
export AGENTD_BIN="${AGENTD_BIN:-$REPO_ROOT/.build/debug/agentd}"
case "$AGENTD_BIN" in /*) ;; *) AGENTD_BIN="$REPO_ROOT/$AGENTD_BIN" ;; esac

if [[ -z "${AGENTD_TEST_REDIS:-}" && "${AGENTD_TEST_BACKEND:-redis}" != memory ]]; then
    if [[ -x "$REPO_ROOT/scripts/with-redis.sh" ]]; then
        exec "$REPO_ROOT/scripts/with-redis.sh" "$HERE/run-tests.sh" "$@"
    fi
    # No with-redis.sh: start a private redis-server for this run and stop it afterwards.
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    redis_dir="$(mktemp -d "${TMPDIR:-/tmp}/agentd-itest-redis.XXXXXX")"
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$redis_dir" \
        --daemonize no --loglevel warning >"$redis_dir/redis.log" 2>&1 &
    redis_pid=$!   # stopped by _cleanup below
    trap 'kill "$redis_pid" 2>/dev/null; wait "$redis_pid" 2>/dev/null; rm -rf "$redis_dir"' EXIT
    for _ in $(seq 1 100); do
        [[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" == PONG ]] && break
        sleep 0.1
    done
    export AGENTD_TEST_REDIS="127.0.0.1:$port"
fi

filter="${1:-}"
timeout_s="${TEST_TIMEOUT:-120}"
max_jobs="${TEST_JOBS:-4}"
[[ "$max_jobs" =~ ^[1-9][0-9]*$ ]] || { echo "run-tests.sh: TEST_JOBS must be a positive integer, not '$max_jobs'" >&2; exit 2; }
passed=0
failed=0
skipped=0
failed_names=()
run_start=$EPOCHREALTIME

# One scratch directory for every test's output; removed at the end (and on Ctrl-C).
outdir="$(mktemp -d "${TMPDIR:-/tmp}/agentd-itest-out.XXXXXX")"
declare -A job_name=() job_out=() job_start=()   # by PID of the test's `timeout` process

# On exit (also Ctrl-C): SIGTERM to the tests still running (timeout passes it on; each
# test's own trap then kills what it started), then the scratch directory and, when this
# script started one above, its redis-server.
_cleanup() {
    local pid
    for pid in "${!job_name[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${!job_name[@]}"; do wait "$pid" 2>/dev/null; done
    rm -rf "$outdir"
    if [[ -n "${redis_pid:-}" ]]; then
        kill "$redis_pid" 2>/dev/null
        wait "$redis_pid" 2>/dev/null
        rm -rf "$redis_dir"
    fi
}
trap _cleanup EXIT
trap 'echo "run-tests.sh: interrupted" >&2; exit 130' INT
trap 'exit 143' TERM

# Starts one test in the background: its own bash under timeout, all output to a file.
start_test() {
    local test=$1 name out
    name="${test#"$HERE"/}"
    name="${name%.sh}"
    out="$outdir/$(tr / _ <<<"$name").out"
    timeout -k 10 "$timeout_s" bash "$test" >"$out" 2>&1 </dev/null &
    job_name[$!]=$name
    job_out[$!]=$out
    job_start[$!]=$EPOCHREALTIME
}

# Waits for any running test to end and prints its block in one write.
finish_one() {
    local pid="" rc=0 name out secs block
    wait -n -p pid "${!job_name[@]}" || rc=$?
    [[ -n "$pid" ]] || return 0
    name=${job_name[$pid]}
    out=${job_out[$pid]}
    secs=$(awk -v a="${job_start[$pid]}" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    unset "job_name[$pid]" "job_out[$pid]" "job_start[$pid]"
    if [[ $rc -eq 77 ]]; then
        skipped=$((skipped + 1))
        block="SKIP $name ($(grep -m1 '^# SKIP' "$out" | sed 's/^# SKIP: //'))"
    elif [[ $rc -eq 0 ]]; then
        passed=$((passed + 1))
        block="PASS $name (${secs}s)"
        if [[ "${VERBOSE:-0}" == 1 ]]; then
            block+=$'\n'"$(sed 's/^/    /' "$out")"
        else
            block+=$'\n'"$(grep -E '^(#|  )' "$out" | sed 's/^/    /')"
        fi
    else
        failed=$((failed + 1))
        failed_names+=("$name")
        if [[ $rc -eq 124 || $rc -eq 137 ]]; then
            block="FAIL $name (${secs}s) timed out after ${timeout_s}s"
        else
            block="FAIL $name (${secs}s) exit status $rc"
        fi
        block+=$'\n'"$(sed 's/^/    /' "$out" | tail -n 40)"
    fi
    printf '%s\n' "${block%$'\n'}"
    rm -f "$out"
}

# Runs the given tests with at most $1 at a time.
run_pool() {
    local limit=$1 test
    shift
    for test in "$@"; do
        while ((${#job_name[@]} >= limit)); do finish_one; done
        start_test "$test"
    done
    while ((${#job_name[@]} > 0)); do finish_one; done
}

parallel_tests=()
serial_tests=()
while IFS= read -r test; do
    name="${test#"$HERE"/}"
    name="${name%.sh}"
    [[ -z "$filter" || "$name" == *"$filter"* ]] || continue
    # (Not `head | grep -q` under pipefail: grep quitting early could fail head with SIGPIPE.)
    if [[ $max_jobs -gt 1 ]] && grep -qE '^# serial(:|$)' <(head -n 30 "$test"); then
        serial_tests+=("$test")
    else
        parallel_tests+=("$test")
    fi
done < <(find "$HERE" -path "$HERE/tests_[0-9]*_*/test_[0-9]*_*.sh" -type f | sort)

echo "agentd: $AGENTD_BIN"
echo "redis:  ${AGENTD_TEST_REDIS:-none} (backend ${AGENTD_TEST_BACKEND:-redis})"
if [[ $max_jobs -gt 1 ]]; then
    echo "jobs:   $max_jobs at a time (${#parallel_tests[@]} tests), then ${#serial_tests[@]} marked '# serial' one by one"
else
    echo "jobs:   1 (${#parallel_tests[@]} tests one by one)"
fi

run_pool "$max_jobs" "${parallel_tests[@]+"${parallel_tests[@]}"}"
if [[ ${#serial_tests[@]} -gt 0 ]]; then
    echo "-- serial tests"
    run_pool 1 "${serial_tests[@]}"
fi

wall=$(awk -v a="$run_start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')
[[ $skipped -eq 0 ]] || echo "($skipped skipped)"
[[ $failed -eq 0 ]] || echo "failed: ${failed_names[*]}"
echo "(${wall}s wall, TEST_JOBS=$max_jobs)"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]

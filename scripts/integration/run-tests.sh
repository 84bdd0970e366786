#!/usr/bin/env bash
# End-to-end tests for agentd: real daemon, real Redis, real TCP.
#
#   scripts/integration/run-tests.sh [FILTER]
#
# Runs every tests_NN_area/test_NN_what.sh (sorted) whose name contains FILTER, each in
# its own bash process under a time limit, and prints PASS/FAIL per test and a final
# "N passed, N failed" line. Exit status is non-zero when any test failed.
#
# Environment:
#   AGENTD_BIN          the agentd binary (default: .build/debug/agentd in the repo root)
#   AGENTD_TEST_REDIS   HOST:PORT of a Redis to use; when unset, one is started for the run
#                       (scripts/with-redis.sh if present, else a private redis-server)
#   AGENTD_TEST_BACKEND redis (default) or memory: run the suite against --backend memory;
#                       tests about Redis itself are skipped (exit status 77 = SKIP)
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
    redis_pid=$!
    trap 'kill "$redis_pid" 2>/dev/null; wait "$redis_pid" 2>/dev/null; rm -rf "$redis_dir"' EXIT
    for _ in $(seq 1 100); do
        [[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" == PONG ]] && break
        sleep 0.1
    done
    export AGENTD_TEST_REDIS="127.0.0.1:$port"
fi

filter="${1:-}"
timeout_s="${TEST_TIMEOUT:-120}"
passed=0
failed=0
skipped=0
failed_names=()

echo "agentd: $AGENTD_BIN"
echo "redis:  ${AGENTD_TEST_REDIS:-none} (backend ${AGENTD_TEST_BACKEND:-redis})"

while IFS= read -r test; do
    name="${test#"$HERE"/}"
    name="${name%.sh}"
    [[ -z "$filter" || "$name" == *"$filter"* ]] || continue
    out="$(mktemp)"
    start=$(date +%s.%N)
    timeout -k 10 "$timeout_s" bash "$test" >"$out" 2>&1
    rc=$?
    secs=$(python3 -c "print('%.1f' % ($(date +%s.%N) - $start))")
    if [[ $rc -eq 77 ]]; then
        skipped=$((skipped + 1))
        echo "SKIP $name ($(grep -m1 '^# SKIP' "$out" | sed 's/^# SKIP: //'))"
    elif [[ $rc -eq 0 ]]; then
        passed=$((passed + 1))
        echo "PASS $name (${secs}s)"
        if [[ "${VERBOSE:-0}" == 1 ]]; then sed 's/^/    /' "$out"; else grep -E '^(#|  )' "$out" | sed 's/^/    /' || true; fi
    else
        failed=$((failed + 1))
        failed_names+=("$name")
        [[ $rc -eq 124 || $rc -eq 137 ]] && echo "FAIL $name (${secs}s) timed out after ${timeout_s}s" \
            || echo "FAIL $name (${secs}s)"
        sed 's/^/    /' "$out" | tail -n 40
    fi
    rm -f "$out"
done < <(find "$HERE" -path "$HERE/tests_[0-9]*_*/test_[0-9]*_*.sh" -type f | sort)

[[ $skipped -eq 0 ]] || echo "($skipped skipped)"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]

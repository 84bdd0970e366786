#!/usr/bin/env bash
# Runs every test of agentd on this machine:
#   1. installs what is missing (scripts/install-deps.sh),
#   2. checks the code rules (scripts/validate.sh), builds the package and its tests (debug),
#   3. `swift test`: unit tests (no Redis needed) plus the Redis-backed ones, against a private
#      redis-server started by scripts/with-redis.sh,
#   4. the end-to-end suite (scripts/integration): the real agentd binary and a real
#      redis-server on free ports, spoken to over TCP, TEST_JOBS tests at a time,
#   5. the Python client's pytest suite (clients/python/run-tests.sh), against the same binary,
#   6. a short chaos run (scripts/chaos.sh --short: daemons and the Redis master killed under
#      load; one test, failed if anything acknowledged was lost).
# Each suite's output streams as it runs and is kept (tee) for scripts/test-totals.py, which
# prints one line per suite and, as the very last line, the total over all of them:
# "N passed, N failed". A suite that ends without a count of its own (a crash), or a step
# before the suites that fails (code rules, build), counts as 1 failed. Exits non-zero if
# anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."

logs="$(mktemp -d "${TMPDIR:-/tmp}/agentd-test-logs.XXXXXX")"
totals_args=()
step=""   # what is running; if the script ends inside it, it counts as 1 failed

finish() {
    local rc=$? totals_rc=0
    trap - EXIT
    set +e
    [ -z "$step" ] || totals_args+=(--step-failed "$step")
    echo "== totals"
    if command -v python3 >/dev/null; then
        python3 scripts/test-totals.py "${totals_args[@]+"${totals_args[@]}"}"
        totals_rc=$?
    else
        echo "  (python3 missing: cannot count)"
        echo "0 passed, 1 failed"
        totals_rc=1
    fi
    rm -rf "$logs"
    [ "$totals_rc" -eq 0 ] || rc=1
    exit "$rc"
}
trap finish EXIT

# run_suite KIND LABEL COMMAND...: runs COMMAND with its output (stdout and stderr) shown
# and saved, and hands the output and exit status to test-totals.py as --KIND.
run_suite() {
    local kind=$1 label=$2 status=0
    shift 2
    echo "== $label"
    step="$label"
    set +e
    "$@" 2>&1 | tee "$logs/$kind.log"
    status=${PIPESTATUS[0]}
    set -e
    step=""
    totals_args+=(--"$kind" "$status" "$logs/$kind.log")
    suite_status+=("$label exit $status")
    [ "$status" -eq 0 ] || any_failed=1
}
suite_status=()
any_failed=0

step="installing dependencies (scripts/install-deps.sh)"
scripts/install-deps.sh

echo "== code rules (scripts/validate.sh)"
step="code rules (scripts/validate.sh)"
scripts/validate.sh

echo "== build"
step="build (swift build --build-tests)"
swift build --build-tests
step=""

run_suite swift "swift test (unit + Redis store tests)" scripts/with-redis.sh swift test --skip-build
run_suite e2e "end-to-end (scripts/integration)" \
    env AGENTD_BIN="$PWD/.build/debug/agentd" scripts/integration/run-tests.sh
# No extra -q: clients/python/run-tests.sh already runs pytest -q, and -q -q would drop the
# "N passed, M failed in Xs" line the totals are read from.
run_suite pytest "Python client (clients/python/run-tests.sh)" \
    env AGENTD_BIN="$PWD/.build/debug/agentd" clients/python/run-tests.sh
run_suite chaos "short chaos run (scripts/chaos.sh --short)" \
    env AGENTD_BIN="$PWD/.build/debug/agentd" AGENTCTL_BIN="$PWD/.build/debug/agentctl" scripts/chaos.sh --short

if [ "$any_failed" -ne 0 ]; then
    echo "test.sh: FAILED ($(printf '%s; ' "${suite_status[@]}" | sed 's/; $//'))" >&2
fi
# finish (the EXIT trap) prints the totals last and sets the exit status.

#!/usr/bin/env bash
# Runs the fuzz / property tests (every test suite whose name holds "Fuzz") for a long time:
# again and again, each run with a fresh random seed and many more cases than the normal
# `swift test` run, until the time is up.
#
# Usage: scripts/fuzz.sh [--seconds N] [--iterations N] [--seed S] [--filter REGEX]
#   --seconds N     total time to fuzz (default 300); runs are sized to end close to it
#   --iterations N  cases per property in the first run (default: 250 per second asked
#                   for, from 1000 to 20000); later runs adapt it so each takes about a
#                   minute, or what time is left
#   --seed S        seed of the first run (decimal or 0x-hex), e.g. to repeat a failure;
#                   later runs pick random seeds
#   --filter REGEX  tests to run (default "Fuzz")
#
# Builds the tests first (debug, in its own scratch directory .build-fuzz, so an ordinary
# .build is never touched), so it works from a fresh clone. Prints each run's seed, cases and
# time, then the totals. Exits 1 at the first failing or hung run, after printing its seed,
# its output and how to reproduce it; exits 0 when every run passed.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=300
iterations=""
first_seed=""
filter="Fuzz"
scratch=".build-fuzz"

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; }

while [ "$#" -gt 0 ]; do
    case "$1" in
        --seconds) seconds="${2:?--seconds needs a value}"; shift 2 ;;
        --iterations) iterations="${2:?--iterations needs a value}"; shift 2 ;;
        --seed) first_seed="${2:?--seed needs a value}"; shift 2 ;;
        --filter) filter="${2:?--filter needs a value}"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "fuzz.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
done
for value in "$seconds" "${iterations:-1}"; do
    case "$value" in
        ''|*[!0-9]*) echo "fuzz.sh: --seconds and --iterations take whole numbers" >&2; exit 2 ;;
    esac
done
if [ -z "$iterations" ]; then
    iterations=$((seconds * 250))
    if [ "$iterations" -lt 1000 ]; then iterations=1000; fi
    if [ "$iterations" -gt 20000 ]; then iterations=20000; fi
fi

scripts/install-deps.sh
echo "== build (debug, --scratch-path $scratch)"
swift build --build-tests --scratch-path "$scratch"

logdir="$(mktemp -d "${TMPDIR:-/tmp}/agentd-fuzz.XXXXXX")"
trap 'rm -rf "$logdir"' EXIT

random_seed() { echo "0x$(od -An -N8 -tx8 /dev/urandom | tr -d ' \n')"; }

# A run is sized to take about this long, so the total ends near --seconds.
target_run=60
start=$(date +%s)
deadline=$((start + seconds))
runs=0
total_cases=0
seeds=()

echo "== fuzzing for ${seconds}s (filter: $filter)"
while :; do
    now=$(date +%s)
    remaining=$((deadline - now))
    # Below ~15 s a run is mostly start-up and fixed cases: stop (but always run once).
    if [ "$runs" -gt 0 ] && [ "$remaining" -lt 15 ]; then
        break
    fi
    if [ "$runs" -eq 0 ] && [ -n "$first_seed" ]; then seed="$first_seed"; else seed="$(random_seed)"; fi
    runs=$((runs + 1))
    seeds+=("$seed")
    log="$logdir/run-$runs.log"
    # A run far slower than planned is a hang (or quadratic behaviour): stop it and fail.
    limit=$((4 * target_run + 120))
    run_start=$(date +%s)
    status=0
    AGENTD_FUZZ_SEED="$seed" AGENTD_FUZZ_ITERATIONS="$iterations" AGENTD_FUZZ_REPORT=1 \
        timeout --kill-after=10 "$limit" \
        swift test --skip-build --scratch-path "$scratch" --filter "$filter" >"$log" 2>&1 || status=$?
    run_time=$(($(date +%s) - run_start))
    cases=$(sed -n 's/.*fuzz-report .* cases=\([0-9]*\) .*/\1/p' "$log" | awk '{ n += $1 } END { print n + 0 }')
    total_cases=$((total_cases + cases))
    echo "run $runs: seed=$seed iterations=$iterations cases=$cases time=${run_time}s status=$status"

    if [ "$status" -ne 0 ]; then
        if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
            echo "fuzz.sh: run $runs did not finish within ${limit}s: a hang? (seed $seed)" >&2
        fi
        echo "----- output of run $runs (failures first) -----" >&2
        grep -E '✘|↳ .*failed|reproduce:|Expectation failed|Fatal error|crashed|Signal' "$log" | head -60 >&2 || true
        echo "----- last lines -----" >&2
        tail -40 "$log" >&2
        echo "fuzz.sh: FAILED in run $runs, seed $seed, $iterations iterations per property." >&2
        echo "reproduce: AGENTD_FUZZ_SEED=$seed AGENTD_FUZZ_ITERATIONS=$iterations swift test --skip-build --scratch-path $scratch --filter '$filter'" >&2
        exit 1
    fi

    # Size the next run to take about target_run seconds, or what is left if that is less.
    # About 10 s of a run do not scale with iterations: swift test's start-up and the
    # fixed hostile-input cases.
    now=$(date +%s)
    remaining=$((deadline - now))
    want=$target_run
    if [ "$remaining" -lt "$want" ]; then want=$remaining; fi
    work=$((run_time > 12 ? run_time - 10 : 2))
    next=$((iterations * (want > 12 ? want - 10 : 2) / work))
    if [ "$next" -lt 500 ]; then next=500; fi
    if [ "$next" -gt $((iterations * 4)) ]; then next=$((iterations * 4)); fi
    iterations=$next
done

elapsed=$(($(date +%s) - start))
echo "fuzz.sh: $runs runs, $total_cases cases in ${elapsed}s, all passed"
echo "seeds: ${seeds[*]}"

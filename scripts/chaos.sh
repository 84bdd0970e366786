#!/usr/bin/env bash
# The chaos run: proves, with parts of the system killed under load, that nothing
# acknowledged is lost. Loopback only, bounded in time.
#
#   scripts/chaos.sh [--duration SECONDS] [--short]
#
# Starts a Redis master, a replica and three sentinels (tests_15_failover/sentinel.sh), and
# three agentd daemons that find the master through the sentinels, with
# AGENTD_REDIS_WAIT_REPLICAS=1. Runs scripts/chaos/load.py (Python and Swift clients with
# the three daemons as their server list: messages pushed and fetched, tasks with workers)
# for the duration (default 60 s; --short: 20 s). Meanwhile it kills a random daemon with
# SIGKILL every 2-4 s and starts it again a second later (same port, same daemon_id), and
# once, 40 % in, kills the Redis master with SIGKILL: the sentinels promote the replica and
# the old node comes back as the new master's replica. At the end load.py prints, from the
# clients' own records: sent ok, delivered, lost (must be 0), duplicates (each with
# attempt > 1) and tasks completed exactly once per task_id; the script exits non-zero if
# any of those fails.
#
# Environment: AGENTD_BIN, AGENTCTL_BIN (default .build/debug/...), PYTHON (a python3 that
# can import agentd_client; default: python3 with clients/python/src on PYTHONPATH).
set -euo pipefail
duration=60
while [[ $# -gt 0 ]]; do
    case "$1" in
    --duration) duration=$2; shift 2 ;;
    --short) duration=20; shift ;;
    -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "chaos.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/integration/test_functions.sh"
source "$HERE/integration/tests_14_daemons/daemons.sh"
source "$HERE/integration/tests_15_failover/sentinel.sh"
AGENTCTL_BIN="${AGENTCTL_BIN:-$REPO_ROOT/.build/debug/agentctl}"
[[ -x "$AGENTCTL_BIN" ]] || fail "agentctl not found at $AGENTCTL_BIN (set AGENTCTL_BIN)"
export PYTHONPATH="$REPO_ROOT/clients/python/src:$PYTHONPATH"
unset AGENTD_TEST_BACKEND
export AGENTD_KEY_PREFIX="chaos-$$:"
export AGENTD_REDIS_WAIT_REPLICAS=1 AGENTD_DAEMON_LEASE_MS=1000 AGENTD_ACK_TIMEOUT_MS=5000
export AGENTD_HEARTBEAT_TIMEOUT_MS=6000 AGENTD_LOG_LEVEL=warning

start_sentinel_setup chaos
echo "chaos: master 127.0.0.1:$SENTINEL_MASTER_PORT, replica 127.0.0.1:$SENTINEL_REPLICA_PORT, sentinels $AGENTD_REDIS_SENTINELS"

ports=("$(free_port)" "$(free_port)" "$(free_port)")
pids=(0 0 0)
start_nth() {
    local i=$1
    AGENTD_DAEMON_ID="chaos-$i" start_agentd_raw --listen "127.0.0.1:${ports[$i]}"
    pids[$i]=$AGENTD_PID
}
for i in 0 1 2; do start_nth "$i"; done
servers="127.0.0.1:${ports[0]},127.0.0.1:${ports[1]},127.0.0.1:${ports[2]}"
echo "chaos: daemons $servers; load for ${duration} s"

"${PYTHON:-python3}" "$HERE/chaos/load.py" --servers "$servers" --duration "$duration" \
    --agentctl "$AGENTCTL_BIN" >"$TEST_TMP/figures.json" 2>"$TEST_TMP/load.err" &
load_pid=$!
_STARTED_PIDS+=("$load_pid")

t0=$SECONDS
kills=0 failover_done=0
while ((SECONDS - t0 < duration)); do
    sleep "$((2 + RANDOM % 3))"
    ((SECONDS - t0 < duration)) || break
    if ((failover_done == 0 && SECONDS - t0 >= duration * 4 / 10)); then
        failover_done=1
        old="$(sentinel_master)"
        kill -9 "$SENTINEL_MASTER_PID"
        new="$(wait_failover "$old" 30)"
        python3 -c "import sys; sys.path.insert(0, '$HERE/integration/tests_15_failover'); import sentinel; sentinel.restart_as_replica('${old##*:}', '$new')"
        echo "chaos: Redis master $old killed; $new promoted; the old node rejoined as its replica ($((SECONDS - t0)) s in)"
        continue
    fi
    i=$((RANDOM % 3))
    kill -9 "${pids[$i]}"
    _wait_pid "${pids[$i]}" 10
    kills=$((kills + 1))
    sleep 1
    start_nth "$i"
done
echo "chaos: $kills daemon kills; waiting for the load's verdict"
status=0
wait "$load_pid" || status=$?
cat "$TEST_TMP/load.err" >&2
figures="$(cat "$TEST_TMP/figures.json")"
echo "chaos: $figures"
echo "chaos: kills=$kills master_failovers=$failover_done wait_replicas=$AGENTD_REDIS_WAIT_REPLICAS"
# Stop the daemons before the cleanup kills Redis under them.
for i in 0 1 2; do
    kill -TERM "${pids[$i]}" 2>/dev/null || true
done
for i in 0 1 2; do
    _wait_pid "${pids[$i]}" 15
done
# The last line, read by scripts/test-totals.py: the run counts as one test.
if [[ $status -ne 0 ]]; then
    echo "chaos: FAILED (see the figures above)"
    echo "0 passed, 1 failed"
    exit 1
fi
echo "chaos: passed"
echo "1 passed, 0 failed"

#!/usr/bin/env bash
# Soak test: does agentd's memory stay flat under a steady mixed load, and is nothing lost?
#
#   scripts/soak.sh [--minutes M] [--rate R] [--sample-seconds S] [load options...]
#
#   --minutes M          how long the load runs (default 10; fractions allowed, e.g. 0.3)
#   --rate R             messages/s over all producers (default 2000)
#   --sample-seconds S   sample agentd's VmRSS, fds and `stats` every S s (default 10)
#   --no-churn --no-tasks --no-registry --no-fetch --no-push
#                        switch a part of the load off (to find what makes memory grow)
#   --keep DIR           keep agentd's log and the samples (samples.csv) in DIR
#   other options go to scripts/soak/load.py (--producers, --inboxes, --size, --task-rate,
#   --agents, --churn-rate, --drain-seconds, ...; see `python3 scripts/soak/load.py --help`)
#
# It starts a private redis-server and a fresh agentd (both on free ports, agentd with
# --listen 127.0.0.1:0, its port read from the `agentd ready listen=` line), runs the load
# of scripts/soak/load.py (standard-library Python, asyncio; its header lists what the
# load contains) against it, prints one table row per sample and, at the end, a verdict:
#   - RSS: the median of the last third of the samples against the median of the second
#     third (the first third is warm-up): FLAT if it grew < 10 % and < 20 MiB;
#   - load: every message whose send was answered ok was acked by the end of a bounded
#     drain, every task finished, agentd's stats show pending 0, in_flight 0, no dead
#     letters, no errors, and the connection count is back where it started.
# Redis used_memory is printed at the start and at the end.
# Exit status: 0 pass; 1 load problems (lost messages, errors, agentd died or exited
# non-zero on SIGTERM); 2 load clean but RSS not flat.
#
# agentd for the soak: AGENTD_BIN if set, else a release build made here with
#   swift build -c release --scratch-path .build-release-bench --product agentd
# Settings the soak gives agentd (each overridable from the environment):
#   AGENTD_HEARTBEAT_INTERVAL_MS=2000 (timeout 6 s: registry agents that vanish go offline),
#   AGENTD_MAX_DELIVERIES=100 (churn connections abandon deliveries on purpose; with 5 a
#   message could legitimately die), AGENTD_DEDUP_WINDOW_MS=60000 (dedup records in Redis
#   reach their steady state after a minute instead of ten), log level warning.
# Every wait is bounded; the exit trap stops only the processes this script started.
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=10
rate=2000
sample=10
keep=""
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --minutes) minutes="$2"; shift ;;
        --minutes=*) minutes="${1#*=}" ;;
        --rate) rate="$2"; shift ;;
        --rate=*) rate="${1#*=}" ;;
        --sample-seconds) sample="$2"; shift ;;
        --sample-seconds=*) sample="${1#*=}" ;;
        --keep) keep="$2"; shift ;;
        --keep=*) keep="${1#*=}" ;;
        -h|--help) sed -n '2,36p' "$0"; exit 0 ;;
        --*=*) extra+=("$1") ;;
        --no-*) extra+=("$1") ;;
        --*) [ $# -ge 2 ] || { echo "soak.sh: $1 needs a value" >&2; exit 2; }
             extra+=("$1" "$2"); shift ;;
        *) echo "soak.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
python3 -c "import sys; m, r, s = float(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]); \
assert m > 0 and r >= 0 and s > 0" "$minutes" "$rate" "$sample" 2>/dev/null \
    || { echo "soak.sh: --minutes and --sample-seconds must be > 0, --rate an integer >= 0" >&2; exit 2; }

if [ -n "${AGENTD_BIN:-}" ]; then
    bin="$AGENTD_BIN"
else
    scratch=.build-release-bench
    echo "== building agentd (release, $scratch)"
    swift build -c release --scratch-path "$scratch" --product agentd 2>&1 | tail -1
    bin="$(swift build -c release --scratch-path "$scratch" --show-bin-path)/agentd"
fi
[ -x "$bin" ] || { echo "soak.sh: no agentd binary at $bin" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "soak.sh: redis-server not found" >&2; exit 1; }

workdir="$(mktemp -d "${TMPDIR:-/tmp}/agentd-soak.XXXXXX")"
redis_pid=""
agentd_pid=""
load_pid=""
cleanup() {
    local rc=$?
    [ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null && wait "$load_pid" 2>/dev/null
    if [ -n "$agentd_pid" ] && kill -0 "$agentd_pid" 2>/dev/null; then
        kill -TERM "$agentd_pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$agentd_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$agentd_pid" 2>/dev/null || true
        wait "$agentd_pid" 2>/dev/null || true
    fi
    if [ -n "$redis_pid" ]; then kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; fi
    if [ -n "$keep" ]; then
        mkdir -p "$keep" && cp "$workdir"/agentd.log "$workdir"/samples.csv "$workdir"/redis.log "$keep"/ 2>/dev/null || true
    fi
    rm -rf "$workdir"
    exit $rc
}
trap cleanup EXIT
trap 'echo; echo "soak.sh: interrupted"; exit 130' INT TERM

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# Private Redis: free port, no persistence. The small race until it binds the port is accepted.
redis_port="$(free_port)"
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$workdir" \
    --logfile "$workdir/redis.log" --daemonize no &
redis_pid=$!
for _ in $(seq 1 100); do
    [ "$(redis-cli -p "$redis_port" ping 2>/dev/null || true)" = PONG ] && break
    kill -0 "$redis_pid" 2>/dev/null || { echo "soak.sh: redis-server exited" >&2; cat "$workdir/redis.log" >&2; exit 1; }
    sleep 0.1
done
[ "$(redis-cli -p "$redis_port" ping 2>/dev/null || true)" = PONG ] || { echo "soak.sh: redis-server not answering" >&2; exit 1; }

redis_mem() { redis-cli -p "$redis_port" info memory 2>/dev/null | tr -d '\r' | sed -n 's/^used_memory_human://p'; }

# agentd with the soak's settings; the environment may override each.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
AGENTD_HEARTBEAT_INTERVAL_MS="${AGENTD_HEARTBEAT_INTERVAL_MS:-2000}" \
AGENTD_MAX_DELIVERIES="${AGENTD_MAX_DELIVERIES:-100}" \
AGENTD_DEDUP_WINDOW_MS="${AGENTD_DEDUP_WINDOW_MS:-60000}" \
    "$bin" --listen 127.0.0.1:0 --redis "127.0.0.1:$redis_port" --backend redis --log-level "${SOAK_LOG_LEVEL:-warning}" \
    >"$workdir/agentd.out" 2>"$workdir/agentd.log" &
agentd_pid=$!
listen=""
for _ in $(seq 1 300); do
    listen="$(grep -a -m1 'agentd ready' "$workdir/agentd.log" 2>/dev/null | sed -nE 's/.*listen=([^ ]+).*/\1/p' || true)"
    [ -n "$listen" ] && break
    kill -0 "$agentd_pid" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$listen" ]; then
    echo "soak.sh: agentd did not become ready within 30 s" >&2
    cat "$workdir/agentd.log" >&2
    exit 1
fi
port="${listen##*:}"

echo "== agentd $bin (pid $agentd_pid) on $listen; redis-server on 127.0.0.1:$redis_port"
echo "== redis used_memory at start: $(redis_mem)"

# The load, bounded: the run, the drain (60 s unless --drain-seconds), closing, margin.
limit="$(python3 -c "import sys; print(int(float(sys.argv[1]) * 60) + 300)" "$minutes")"
set +e
timeout -k 10 "$limit" python3 -u scripts/soak/load.py --port "$port" --pid "$agentd_pid" --redis-port "$redis_port" \
    --minutes "$minutes" --rate "$rate" --sample-seconds "$sample" --csv "$workdir/samples.csv" \
    ${extra[@]+"${extra[@]}"} &
load_pid=$!
wait "$load_pid"
rc=$?
load_pid=""
set -e
[ $rc -eq 124 ] && echo "soak.sh: the load did not finish within $limit s" && rc=1

echo "== redis used_memory at the end: $(redis_mem)"
warnings="$(grep -a -c -i -E '(warning|error|critical)' "$workdir/agentd.log" || true)"
echo "== agentd log: ${warnings:-0} lines at warning or above"
grep -a -i -E '(warning|error|critical)' "$workdir/agentd.log" | head -5 | sed 's/^/   /' || true

# SIGTERM: agentd must drain and exit 0 (bounded).
kill -TERM "$agentd_pid"
status=""
for _ in $(seq 1 200); do
    if ! kill -0 "$agentd_pid" 2>/dev/null; then
        wait "$agentd_pid" 2>/dev/null && status=0 || status=$?
        break
    fi
    sleep 0.1
done
agentd_pid_done="$agentd_pid"
if [ -z "$status" ]; then
    echo "soak.sh: agentd still running 20 s after SIGTERM" >&2
    rc=1
else
    agentd_pid=""
    echo "== agentd (pid $agentd_pid_done) exited with status $status after SIGTERM"
    if [ "$status" != 0 ]; then rc=1; fi
fi
if [ $rc -ne 0 ] && [ $rc -ne 2 ]; then
    echo "--- last lines of agentd's log ---"
    tail -n 20 "$workdir/agentd.log"
fi
exit $rc

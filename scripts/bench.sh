#!/usr/bin/env bash
# Benchmarks agentd side by side with raw Redis (issue 4, docs/performance.md):
#   - builds agentd and agentd-bench in release (scratch path .build-release-bench),
#   - starts a private redis-server (free port, no persistence) and, per scenario, a fresh
#     release agentd on a free port (Redis flushed in between, so runs don't see each other),
#   - runs the baselines: redis-benchmark XADD (c50, P16, 200-byte value) and
#     scripts/bench/redis_cycle.c (XADD → XREADGROUP COUNT 100 → XACK, pipelined and not;
#     XADD and XADD→blocked-XREADGROUP latency at 1000/s),
#   - runs agentd-bench's scenarios, and prints each agentd figure beside its baseline,
#   - measures the heartbeat sweeper: registers 10k and 100k agents (agentd-bench agents) on a
#     debug-logging agentd with a 1 s heartbeat interval and reads each pass's cost from its log.
# Usage: scripts/bench.sh [--quick] [--no-build] [--only sweep]
#   --quick       tiny counts: a smoke test of the whole pipeline in a few seconds
#   --no-build    use the binaries already in .build-release-bench
#   --only sweep  run only the sweeper step (no baselines, no other scenarios)
# Every step is bounded (timeout); Ctrl-C stops only what this script started.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
build=1
only=""
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1 ;;
        --no-build) build=0 ;;
        --only)
            [ "${2:-}" = sweep ] || { echo "bench.sh: --only takes: sweep" >&2; exit 2; }
            only=sweep; shift ;;
        --only=sweep) only=sweep ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

scratch=.build-release-bench
if [ "$quick" = 1 ]; then
    n_rb=20000; n_send=5000; n_cycle=5000; n_unpiped=2000; n_lat=500; n_conn=200; n_fan=2000; n_assign=500
    n_sweep=(1000 5000)
    step_timeout=60
else
    n_rb=500000; n_send=200000; n_cycle=200000; n_unpiped=50000; n_lat=10000; n_conn=10000; n_fan=100000
    n_assign=20000; n_sweep=(10000 100000)
    step_timeout=180
fi
# Load shape (see docs/performance.md for how these were chosen on 2 cores).
producers=4; consumers=4; depth=64; size=200

if [ "$build" = 1 ]; then
    echo "== building agentd and agentd-bench (release, $scratch)"
    swift build -c release --scratch-path "$scratch" --product agentd 2>&1 | tail -1
    swift build -c release --scratch-path "$scratch" --product agentd-bench 2>&1 | tail -1
fi
bin="$(swift build -c release --scratch-path "$scratch" --show-bin-path)"
[ -x "$bin/agentd" ] && [ -x "$bin/agentd-bench" ] || { echo "bench.sh: no release binaries in $bin" >&2; exit 1; }

workdir="$(mktemp -d "${TMPDIR:-/tmp}/agentd-bench.XXXXXX")"
redis_pid=""
agentd_pid=""
stop_agentd() {
    if [ -n "$agentd_pid" ]; then
        kill -TERM "$agentd_pid" 2>/dev/null || true
        wait "$agentd_pid" 2>/dev/null || true
        agentd_pid=""
    fi
}
cleanup() {
    stop_agentd
    if [ -n "$redis_pid" ]; then kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; fi
    rm -rf "$workdir"
}
trap cleanup EXIT
trap 'echo; echo "bench.sh: interrupted"; exit 130' INT TERM

if [ -z "$only" ]; then
    cc -O2 -o "$workdir/redis_cycle" scripts/bench/redis_cycle.c $(pkg-config --cflags --libs hiredis) -lpthread
fi

# 10 000 idle connections need as many descriptors on each side.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((n_conn + 200)) ]; then
    echo "bench.sh: ulimit -n $(ulimit -n) is below $((n_conn + 200)); connections scenario reduced" >&2
    n_conn=$(( $(ulimit -n) - 200 ))
fi

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

redis_port="$(free_port)"
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$workdir" \
    --logfile "$workdir/redis.log" --daemonize no &
redis_pid=$!
for _ in $(seq 1 50); do
    [ "$(redis-cli -p "$redis_port" ping 2>/dev/null || true)" = PONG ] && break
    sleep 0.1
done
echo "== private redis-server on 127.0.0.1:$redis_port"

results="$workdir/results.jsonl"
: > "$results"

# Starts a fresh agentd on an empty Redis; sets agentd_pid and listen.
# Usage: start_agentd [LOG_LEVEL [VAR=VALUE...]] (default level warning; variables for agentd).
start_agentd() {
    local level="${1:-warning}"
    [ $# -gt 0 ] && shift
    stop_agentd
    redis-cli -p "$redis_port" flushall >/dev/null
    env "$@" "$bin/agentd" --listen 127.0.0.1:0 --redis "127.0.0.1:$redis_port" --backend redis --log-level "$level" \
        2>"$workdir/agentd.log" &
    agentd_pid=$!
    listen=""
    for _ in $(seq 1 100); do
        listen="$(grep -a -o 'agentd ready listen=[^ ]*' "$workdir/agentd.log" 2>/dev/null | sed 's/.*listen=//' || true)"
        [ -n "$listen" ] && return 0
        kill -0 "$agentd_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "bench.sh: agentd did not become ready" >&2
    cat "$workdir/agentd.log" >&2
    exit 1
}

# Runs one step with a time bound, appends its JSON lines, shows them.
step() {
    local name="$1"; shift
    echo "-- $name"
    if timeout "$step_timeout" "$@" > "$workdir/step.out" 2> "$workdir/step.err"; then :; else
        echo "   ($name exited $?; stderr follows)"; sed 's/^/   /' "$workdir/step.err" | head -10
    fi
    sed 's/^/   /' "$workdir/step.out"
    grep '^{' "$workdir/step.out" >> "$results" || true
}

# The heartbeat sweeper's cost (issue 4) at N registered agents: a fresh agentd logging each
# sweep pass (debug), heartbeat interval 1 s so the timeout is 3 s; `agentd-bench agents`
# registers N agents (200 connections at a time, each closed after its register); they go
# offline 3 s after their register, so the sweeper passes over all N. sweep_log.py waits
# (at most 20 s) until the passes have marked all N offline, then takes the cost of the
# passes over exactly N agents from the log, and agentd's VmRSS.
sweep_step() {
    local n="$1"
    start_agentd debug AGENTD_HEARTBEAT_INTERVAL_MS=1000
    step "agents: register $n (200 connections at a time)" "${bench[@]}" agents --server "$listen" --agents "$n" \
        --concurrency 200 --pid "$agentd_pid" --timeout "$((step_timeout - 10))" --json
    echo "-- sweep passes over $n agents (agentd debug log)"
    timeout 60 python3 scripts/bench/sweep_log.py "$workdir/agentd.log" "$n" --wait 20 --pid "$agentd_pid" \
        > "$workdir/sweep.out" 2>&1 || echo "   (sweep_log.py exited $?)"
    sed 's/^/   /' "$workdir/sweep.out"
    grep '^{' "$workdir/sweep.out" >> "$results" || true
    stop_agentd
}
bench=("$bin/agentd-bench")

if [ "$only" = sweep ]; then
    echo "== heartbeat sweeper (release agentd, fresh per size)"
    for n in "${n_sweep[@]}"; do sweep_step "$n"; done
    echo
    python3 scripts/bench/report.py "$results" "$n_conn" --only sweep
    exit 0
fi

echo "== baselines (raw Redis)"
value="$(head -c "$size" /dev/zero | tr '\0' x)"
echo "-- redis-benchmark XADD c50 P16 ${size}-byte value"
timeout "$step_timeout" redis-benchmark -p "$redis_port" -n "$n_rb" -c 50 -P 16 -q XADD bench:rb '*' f "$value" \
    > "$workdir/rb.out" 2>&1 || true
rb_rate="$(tr '\r' '\n' < "$workdir/rb.out" | grep -o '[0-9.]* requests per second' | tail -1 | cut -d' ' -f1)"
echo "   ${rb_rate:-?} XADD/s"
echo "{\"scenario\":\"redis_benchmark_xadd\",\"messages\":$n_rb,\"rate\":${rb_rate:-0}}" >> "$results"
redis-cli -p "$redis_port" del bench:rb >/dev/null
step "raw cycle, pipelined (C, hiredis)" "$workdir/redis_cycle" cycle -p "$redis_port" -n "$n_cycle" \
    -P 4 -C 2 -D "$depth" -s "$size" -t "$step_timeout"
step "raw cycle, unpipelined (C, hiredis)" "$workdir/redis_cycle" unpipelined -p "$redis_port" -n "$n_unpiped" \
    -P 2 -C 2 -s "$size" -t "$step_timeout"
step "raw latency at 1000/s (C, hiredis)" "$workdir/redis_cycle" latency -p "$redis_port" -n "$n_lat" -r 1000 \
    -s "$size" -t "$step_timeout"

echo "== agentd (release, fresh per scenario)"
common=(--size "$size" --timeout "$((step_timeout - 10))" --json)
start_agentd
step "send" "${bench[@]}" send --server "$listen" --messages "$n_send" --producers "$producers" \
    --pipeline "$depth" "${common[@]}"
start_agentd
step "cycle" "${bench[@]}" cycle --server "$listen" --messages "$n_cycle" --producers "$producers" \
    --consumers "$consumers" --pipeline "$depth" "${common[@]}"
start_agentd
step "fetch" "${bench[@]}" fetch --server "$listen" --messages "$n_cycle" --producers "$producers" \
    --consumers "$consumers" --pipeline "$depth" "${common[@]}"
start_agentd
step "latency at 1000/s" "${bench[@]}" latency --server "$listen" --messages "$n_lat" --rate 1000 "${common[@]}"
start_agentd
step "connections" "${bench[@]}" connections --server "$listen" --connections "$n_conn" --pid "$agentd_pid" \
    "${common[@]}"
start_agentd
step "fanout to 10 agents" "${bench[@]}" fanout --server "$listen" --messages "$n_fan" --agents 10 \
    --pipeline "$depth" "${common[@]}"
start_agentd
step "assign" "${bench[@]}" assign --server "$listen" --messages "$n_assign" --consumers "$consumers" \
    --pipeline "$depth" "${common[@]}"
echo "== heartbeat sweeper (release agentd, fresh per size)"
for n in "${n_sweep[@]}"; do sweep_step "$n"; done
stop_agentd

echo
[ "$quick" = 1 ] && echo "(--quick: counts too small for meaningful figures; this only checks the pipeline works)"
python3 scripts/bench/report.py "$results" "$n_conn"

#!/usr/bin/env bash
# Benchmarks agentd side by side with raw Redis (issue 4, docs/performance.md):
#   - builds agentd and agentd-bench in release (scratch path .build-release-bench),
#   - starts a private redis-server (free port, no persistence) and, per scenario, a fresh
#     release agentd on a free port (Redis flushed in between, so runs don't see each other),
#   - runs the baselines: redis-benchmark XADD (c50, P16, 200-byte value) and
#     scripts/bench/redis_cycle.c (XADD → XREADGROUP COUNT 100 → XACK, pipelined and not;
#     pipelined XADD alone; XADD and XADD→blocked-XREADGROUP latency at 1000/s),
#   - runs NATS JetStream beside them (issue 16): a private nats-server -js (file storage, free
#     port, store in the run's scratch dir) and scripts/bench/nats_cycle.c (C, libnats): publish
#     with ack, and publish → pull batch 100 → ack; nats-server and libnats-dev are installed with
#     apt-get when missing (as scripts/install-deps.sh does), else the NATS steps are skipped,
#   - runs agentd-bench's scenarios, and prints each agentd figure beside its baseline,
#   - the throughput comparison (redis-benchmark XADD, raw send and cycle, NATS publish and
#     cycle, agentd send, cycle and fetch) runs --rounds times, interleaved; the table shows
#     the median of the rounds,
#   - measures the Python client (clients/python) beside redis-py: scripts/bench/python_client.py
#     in a virtualenv at .build-release-bench/venv (redis-py from PyPI),
#   - measures the heartbeat sweeper: registers 10k and 100k agents (agentd-bench agents) on a
#     debug-logging agentd with a 1 s heartbeat interval and reads each pass's cost from its log.
# Usage: scripts/bench.sh [--quick] [--no-build] [--rounds N] [--only sweep|nats|python|latency]
#   --quick       tiny counts: a smoke test of the whole pipeline in a few seconds
#   --no-build    use the binaries already in .build-release-bench
#   --rounds N    rounds of the throughput and latency comparisons and of python_client.py (default 1)
#   --only sweep  run only the sweeper step (no baselines, no other scenarios)
#   --only nats   run only the throughput comparison: agentd beside Redis and NATS JetStream
#   --only python run only the Python client beside redis-py
#   --only latency run only the latency comparison: agentd at 1000/s beside raw Redis paced the
#                 same, agentd with one event-loop thread per core and with one
# Every step is bounded (timeout); Ctrl-C stops only what this script started.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
build=1
only=""
rounds=1
nats=0
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1 ;;
        --no-build) build=0 ;;
        --rounds)
            [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { echo "bench.sh: --rounds takes a count" >&2; exit 2; }
            rounds="$2"; shift ;;
        --only)
            case "${2:-}" in sweep|nats|python|latency) only="$2" ;;
                *) echo "bench.sh: --only takes: sweep, nats, python or latency" >&2; exit 2 ;; esac
            shift ;;
        --only=sweep|--only=nats|--only=python) only="${1#--only=}" ;;
        -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
        *) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

scratch=.build-release-bench
if [ "$quick" = 1 ]; then
    n_rb=20000; n_send=5000; n_cycle=5000; n_unpiped=2000; n_lat=500; n_conn=200; n_fan=2000; n_assign=500
    n_sweep=(1000 5000)
    n_py=2000; n_py_seq=500; py_timeout=10
    step_timeout=60
else
    n_rb=500000; n_send=200000; n_cycle=200000; n_unpiped=50000; n_lat=10000; n_conn=10000; n_fan=100000
    n_assign=20000; n_sweep=(10000 100000)
    n_py=50000; n_py_seq=10000; py_timeout=30
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
nats_pid=""
stop_agentd() {
    if [ -n "$agentd_pid" ]; then
        kill -TERM "$agentd_pid" 2>/dev/null || true
        wait "$agentd_pid" 2>/dev/null || true
        agentd_pid=""
    fi
}
cleanup() {
    stop_agentd
    if [ -n "$nats_pid" ]; then kill "$nats_pid" 2>/dev/null || true; wait "$nats_pid" 2>/dev/null || true; fi
    if [ -n "$redis_pid" ]; then kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; fi
    rm -rf "$workdir"
}
trap cleanup EXIT
trap 'echo; echo "bench.sh: interrupted"; exit 130' INT TERM

# Debian packages a step needs beyond scripts/install-deps.sh's (which the tests use): installed
# the same way (root or sudo, apt-get); returns non-zero when they are still missing.
ensure_packages() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    echo "== installing ${missing[*]} (apt-get)"
    local sudo_cmd=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "bench.sh: need root or sudo to install ${missing[*]}" >&2; return 1; }
        sudo_cmd=(sudo)
    fi
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || {
        DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get update -qq >/dev/null 2>&1 &&
            DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1
    } || { echo "bench.sh: could not install ${missing[*]}" >&2; return 1; }
}

if [ -z "$only" ] || [ "$only" = nats ] || [ "$only" = latency ]; then
    cc -O2 -o "$workdir/redis_cycle" scripts/bench/redis_cycle.c $(pkg-config --cflags --libs hiredis) -lpthread
fi
if [ -z "$only" ] || [ "$only" = nats ]; then
    nats=0
    if ensure_packages nats-server libnats-dev; then
        cc -O2 -o "$workdir/nats_cycle" scripts/bench/nats_cycle.c $(pkg-config --cflags --libs libnats) -lpthread &&
            nats=1
    fi
    [ "$nats" = 1 ] || echo "bench.sh: NATS JetStream steps skipped (no nats-server or libnats)" >&2
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

# A private nats-server with JetStream: file storage in the run's scratch dir, default limits
# (its file store does not fsync each write, as Redis here does not persist at all).
start_nats() {
    local port
    port="$(free_port)"
    nats-server -a 127.0.0.1 -p "$port" -js -sd "$workdir/nats" -l "$workdir/nats.log" &
    nats_pid=$!
    for _ in $(seq 1 100); do
        grep -q 'Server is ready' "$workdir/nats.log" 2>/dev/null && { nats_port="$port"; break; }
        kill -0 "$nats_pid" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "${nats_port:-}" ]; then
        echo "bench.sh: nats-server did not become ready; NATS steps skipped" >&2
        tail -5 "$workdir/nats.log" >&2 || true
        nats=0
        return
    fi
    echo "== private nats-server -js on 127.0.0.1:$nats_port ($(nats-server --version 2>&1))"
}

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

# Runs one step with a time bound (step_timeout, or STEP_TIMEOUT when set), appends its JSON
# lines, shows them.
step() {
    local name="$1"; shift
    echo "-- $name"
    if timeout "${STEP_TIMEOUT:-$step_timeout}" "$@" > "$workdir/step.out" 2> "$workdir/step.err"; then :; else
        echo "   ($name exited $?; stderr follows)"; sed 's/^/   /' "$workdir/step.err" | head -10
    fi
    sed 's/^/   /' "$workdir/step.out"
    # SCENARIO=name files the step's JSON lines under another scenario name (one program, two setups).
    local rename="s/^//"
    [ -n "${SCENARIO:-}" ] && rename="s/\"scenario\":\"[^\"]*\"/\"scenario\":\"$SCENARIO\"/"
    grep '^{' "$workdir/step.out" | sed "$rename" >> "$results" || true
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
value="$(head -c "$size" /dev/zero | tr '\0' x)"
common=(--size "$size" --timeout "$((step_timeout - 10))" --json)

# One round of the throughput comparison (issue 16): Redis, NATS JetStream and agentd in turn,
# each with 4 producers keeping 64 messages in flight, 200-byte values.
compare_round() {
    echo "-- redis-benchmark XADD c50 P16 ${size}-byte value"
    timeout "$step_timeout" redis-benchmark -p "$redis_port" -n "$n_rb" -c 50 -P 16 -q XADD bench:rb '*' f "$value" \
        > "$workdir/rb.out" 2>&1 || true
    rb_rate="$(tr '\r' '\n' < "$workdir/rb.out" | grep -o '[0-9.]* requests per second' | tail -1 | cut -d' ' -f1)"
    echo "   ${rb_rate:-?} XADD/s"
    echo "{\"scenario\":\"redis_benchmark_xadd\",\"messages\":$n_rb,\"rate\":${rb_rate:-0}}" >> "$results"
    redis-cli -p "$redis_port" del bench:rb >/dev/null
    step "raw send, pipelined (C, hiredis)" "$workdir/redis_cycle" send -p "$redis_port" -n "$n_send" \
        -P "$producers" -D "$depth" -s "$size" -t "$step_timeout"
    step "raw cycle, pipelined (C, hiredis)" "$workdir/redis_cycle" cycle -p "$redis_port" -n "$n_cycle" \
        -P 4 -C 2 -D "$depth" -s "$size" -t "$step_timeout"
    if [ "$nats" = 1 ]; then
        step "NATS JetStream publish with ack (C, libnats)" "$workdir/nats_cycle" publish -p "$nats_port" \
            -n "$n_send" -P "$producers" -D "$depth" -s "$size" -t "$step_timeout"
        step "NATS JetStream publish > pull 100 > ack (C, libnats)" "$workdir/nats_cycle" cycle -p "$nats_port" \
            -n "$n_cycle" -P 4 -C 2 -D "$depth" -s "$size" -t "$step_timeout"
    fi
    start_agentd
    step "agentd send" "${bench[@]}" send --server "$listen" --messages "$n_send" --producers "$producers" \
        --pipeline "$depth" "${common[@]}"
    start_agentd
    step "agentd cycle" "${bench[@]}" cycle --server "$listen" --messages "$n_cycle" --producers "$producers" \
        --consumers "$consumers" --pipeline "$depth" "${common[@]}"
    start_agentd
    step "agentd fetch" "${bench[@]}" fetch --server "$listen" --messages "$n_cycle" --producers "$producers" \
        --consumers "$consumers" --pipeline "$depth" "${common[@]}"
    stop_agentd
}

compare() {
    [ "$nats" = 1 ] && start_nats
    local r
    for r in $(seq 1 "$rounds"); do
        echo "== throughput comparison, round $r of $rounds (Redis, NATS JetStream, agentd)"
        compare_round
    done
}

# One round of the latency comparison (issue 16): raw Redis (XADD -> blocked XREADGROUP, C +
# hiredis) paced at 1000/s like agentd, then agentd at 1000/s with one event-loop thread per
# core (the default) and with one. (Raw Redis sent faster is no quicker on this kind of machine,
# 82-143 us at 20 000/s against 80 us at 1000/s, so the paced figure is the baseline.)
latency_round() {
    step "raw latency at 1000/s (C, hiredis)" "$workdir/redis_cycle" latency -p "$redis_port" -n "$n_lat" -r 1000 \
        -s "$size" -t "$step_timeout"
    start_agentd
    step "agentd latency at 1000/s" "${bench[@]}" latency --server "$listen" --messages "$n_lat" --rate 1000 "${common[@]}"
    start_agentd warning AGENTD_EVENT_LOOP_THREADS=1
    SCENARIO=latency_1thread step "agentd latency at 1000/s, event_loop_threads = 1" "${bench[@]}" latency \
        --server "$listen" --messages "$n_lat" --rate 1000 "${common[@]}"
    stop_agentd
}

latency_rounds() {
    local r
    for r in $(seq 1 "$rounds"); do
        echo "== latency comparison, round $r of $rounds (raw Redis, agentd, agentd with one thread)"
        latency_round
    done
}

# The Python client beside redis-py: a virtualenv in the build scratch dir (kept between runs)
# with redis-py from PyPI; agentd_client from the work tree (clients/python/src).
python_clients() {
    local venv="$scratch/venv"
    echo "== Python clients: agentd_client beside redis-py"
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import redis' 2>/dev/null; then
        { python3 -m venv "$venv" && "$venv/bin/pip" install -q redis; } > "$workdir/venv.log" 2>&1 || {
            echo "   (no virtualenv with redis-py: skipped; see below)"; tail -5 "$workdir/venv.log" | sed 's/^/   /'
            return 0; }
    fi
    start_agentd
    STEP_TIMEOUT=$((rounds * 6 * py_timeout + 30)) step "python_client.py (rounds: $rounds)" \
        env PYTHONPATH=clients/python/src "$venv/bin/python" scripts/bench/python_client.py \
        --agentd "$listen" --redis-port "$redis_port" --messages "$n_py" --sequential "$n_py_seq" \
        --depth "$depth" --size "$size" --rounds "$rounds" --timeout "$py_timeout"
    stop_agentd
}

sweep_steps() {
    echo "== heartbeat sweeper (release agentd, fresh per size)"
    for n in "${n_sweep[@]}"; do sweep_step "$n"; done
}

# --only PART: run that part alone, print its table, stop.
only_part() {  # only_part STEPS REPORT_PART
    "$1"
    echo
    [ "$quick" = 1 ] && echo "(--quick: counts too small for meaningful figures; this only checks the pipeline works)"
    python3 scripts/bench/report.py "$results" "$n_conn" --only "$2"
    exit 0
}
case "$only" in
    nats) only_part compare nats ;;
    python) only_part python_clients python ;;
    latency) only_part latency_rounds latency ;;
    sweep) only_part sweep_steps sweep ;;
esac

compare
echo "== baselines (raw Redis)"
step "raw cycle, unpipelined (C, hiredis)" "$workdir/redis_cycle" unpipelined -p "$redis_port" -n "$n_unpiped" \
    -P 2 -C 2 -s "$size" -t "$step_timeout"
latency_rounds

echo "== agentd (release, fresh per scenario)"
start_agentd
step "connections" "${bench[@]}" connections --server "$listen" --connections "$n_conn" --pid "$agentd_pid" \
    "${common[@]}"
start_agentd
step "fanout to 10 agents" "${bench[@]}" fanout --server "$listen" --messages "$n_fan" --agents 10 \
    --pipeline "$depth" "${common[@]}"
start_agentd
step "assign" "${bench[@]}" assign --server "$listen" --messages "$n_assign" --consumers "$consumers" \
    --pipeline "$depth" "${common[@]}"
python_clients
sweep_steps
stop_agentd

echo
[ "$quick" = 1 ] && echo "(--quick: counts too small for meaningful figures; this only checks the pipeline works)"
python3 scripts/bench/report.py "$results" "$n_conn"

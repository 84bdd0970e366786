#!/usr/bin/env bash
# Where one message's time goes at light load (issue 16). Usage:
#   scripts/bench/latency_trace.sh [AGENTD_BINARY] [-- AGENTD_ENV=VALUE ...]
# Starts a private redis-server and the given agentd (default: the release build of bench.sh),
# runs `agentd-bench latency --rate 1000`, records syscall and scheduler tracepoints of the whole
# machine for 2 s with `perf record` (needs root or perf_event_paranoid <= 1), and prints the
# median time of each step from the client's send to its read of the push
# (scripts/bench/latency_trace.py). Other work on the machine shows up in the figures.
set -euo pipefail
cd "$(dirname "$0")/../.."
agentd="${1:-.build-release-bench/release/agentd}"
[ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift
bench=".build-release-bench/release/agentd-bench"
[ -x "$bench" ] || { echo "latency_trace.sh: no $bench (run scripts/bench.sh once)" >&2; exit 1; }
command -v perf >/dev/null || { echo "latency_trace.sh: perf is not installed (apt-get install linux-perf)" >&2; exit 1; }

source scripts/bench/lib.sh
bench_pid=""
trap '[ -n "$bench_pid" ] && kill "$bench_pid" 2>/dev/null; cleanup' EXIT
start_agentd "$agentd" "$@"
[ -n "$listen" ] || { echo "latency_trace.sh: agentd did not start" >&2; cat "$workdir/agentd.log" >&2; exit 1; }
"$bench" latency --server "$listen" --messages 6000 --rate 1000 --json > "$workdir/bench.out" &
bench_pid=$!
sleep 2
tids() { ls "/proc/$1/task" | paste -sd, -; }
events=()
for e in syscalls:sys_enter_read syscalls:sys_exit_read syscalls:sys_enter_write syscalls:sys_exit_write \
    syscalls:sys_enter_epoll_wait syscalls:sys_exit_epoll_wait sched:sched_switch sched:sched_wakeup; do
    events+=(-e "$e" --exclude-perf)
done
bench_tids="$(tids "$bench_pid")"; agentd_tids="$(tids "$agentd_pid")"; redis_tids="$(tids "$redis_pid")"
perf record -q -o "$workdir/perf.data" "${events[@]}" -a -- sleep 2 2>/dev/null
wait "$bench_pid" || true; bench_pid=""
grep '^{' "$workdir/bench.out" || true
perf script -i "$workdir/perf.data" -F comm,tid,cpu,time,event,trace 2>/dev/null > "$workdir/events.txt"
python3 scripts/bench/latency_trace.py "$workdir/events.txt" --bench-tids "$bench_tids" \
    --agentd-tids "$agentd_tids" --redis-tids "$redis_tids"

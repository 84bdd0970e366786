#!/usr/bin/env bash
# CPU per message of two agentd binaries, interleaved: the figure a shared, noisy machine
# disturbs least (a rate moves with whatever else runs; the CPU a message costs much less).
# Usage: scripts/bench/cpu_ab.sh OLD_AGENTD NEW_AGENTD [ROUNDS] [SCENARIO...]
#   (default 3 rounds of: cycle send). Each run gets a fresh agentd on a flushed private Redis;
#   agentd's utime+stime (/proc/PID/stat) and Redis' used_cpu_user+sys (INFO cpu) are read
#   after agentd is ready and after the run, and divided by the messages. Prints every run,
#   then the medians per binary and new/old.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -ge 2 ] || { sed -n 2,8p "$0"; exit 2; }
old="$1"; new="$2"; rounds="${3:-3}"; shift $(( $# >= 3 ? 3 : 2 ))
scenarios=("$@"); [ ${#scenarios[@]} -gt 0 ] || scenarios=(cycle send)
bench=".build-release-bench/release/agentd-bench"
[ -x "$bench" ] || { echo "cpu_ab.sh: no $bench (run scripts/bench.sh once)" >&2; exit 1; }
messages=200000

source scripts/bench/lib.sh

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # clock ticks (1/100 s)
redis_cpu() { redis-cli -p "$redis_port" info cpu | awk -F: '/^used_cpu_(user|sys):/ {s += $2} END {print s}'; }

measure() {  # measure SIDE BINARY SCENARIO -> one line: side scenario rate agentd_us redis_us
    start_agentd "$2"
    local args=(--server "$listen" --json --timeout 120 --messages "$messages" --producers 4 --pipeline 64)
    case "$3" in cycle|fetch) args+=(--consumers 2) ;; esac
    local a0 r0 a1 r1 rate
    a0="$(ticks "$agentd_pid")"; r0="$(redis_cpu)"
    rate="$(timeout 150 "$bench" "$3" "${args[@]}" | grep '^{' | tail -1 | python3 -c 'import json, sys; print(json.load(sys.stdin).get("rate", 0))' || echo 0)"
    a1="$(ticks "$agentd_pid")"; r1="$(redis_cpu)"
    stop_agentd
    python3 -c "print('$1', '$3', $rate, ($a1 - $a0) * 10000 / $messages, ($r1 - $r0) * 1e6 / $messages)"
}

interleave "$rounds" "$old" "$new" "${scenarios[@]}"
python3 - "$workdir/results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    side, scenario, rate, agentd, redis = line.split()
    rows.setdefault(scenario, {}).setdefault(side, []).append((float(rate), float(agentd), float(redis)))
print(f"{'scenario':9} {'figure':22} {'old (median)':>13} {'new (median)':>13} {'new/old':>8}")
for scenario, sides in rows.items():
    for i, name in enumerate(["msgs/s", "agentd CPU us/msg", "Redis CPU us/msg"]):
        o = statistics.median(r[i] for r in sides.get("old", [])) if sides.get("old") else float("nan")
        n = statistics.median(r[i] for r in sides.get("new", [])) if sides.get("new") else float("nan")
        print(f"{scenario:9} {name:22} {o:13,.1f} {n:13,.1f} {n / o if o else float('nan'):8.2f}")
PY

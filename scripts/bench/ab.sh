#!/usr/bin/env bash
# A/B of two agentd binaries on this machine, interleaved so that both see the same noise.
# Usage: scripts/bench/ab.sh OLD_AGENTD NEW_AGENTD [ROUNDS] [SCENARIO...]
#   (default 3 rounds of: send cycle fanout latency). agentd-bench comes from
#   .build-release-bench (build it with scripts/bench.sh first). Each run gets a fresh agentd on a
#   flushed private Redis; prints every run, then the median per binary and the ratio new/old.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -ge 2 ] || { sed -n 2,6p "$0"; exit 2; }
old="$1"; new="$2"; rounds="${3:-3}"; shift $(( $# >= 3 ? 3 : 2 ))
scenarios=("$@"); [ ${#scenarios[@]} -gt 0 ] || scenarios=(send cycle fanout latency)
bench=".build-release-bench/release/agentd-bench"
[ -x "$bench" ] || { echo "ab.sh: no $bench (run scripts/bench.sh once)" >&2; exit 1; }

workdir="$(mktemp -d "${TMPDIR:-/tmp}/agentd-ab.XXXXXX")"
redis_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
    --dir "$workdir" --logfile "$workdir/redis.log" &
redis_pid=$!
agentd_pid=""
cleanup() {
    [ -n "$agentd_pid" ] && kill "$agentd_pid" 2>/dev/null && wait "$agentd_pid" 2>/dev/null
    kill "$redis_pid" 2>/dev/null; wait "$redis_pid" 2>/dev/null; rm -rf "$workdir"
}
trap cleanup EXIT
for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

run() {  # run BINARY SCENARIO -> prints one JSON line
    redis-cli -p "$redis_port" flushall >/dev/null
    "$1" --listen 127.0.0.1:0 --redis "127.0.0.1:$redis_port" --backend redis --log-level warning \
        2>"$workdir/agentd.log" &
    agentd_pid=$!
    local listen=""
    for _ in $(seq 1 100); do
        listen="$(grep -a -o 'agentd ready listen=[^ ]*' "$workdir/agentd.log" | sed 's/.*listen=//' || true)"
        [ -n "$listen" ] && break; sleep 0.1
    done
    local args=(--server "$listen" --json --timeout 120)
    case "$2" in
        send) args+=(--messages 200000 --producers 4 --pipeline 64) ;;
        cycle|fetch) args+=(--messages 200000 --producers 4 --consumers 2 --pipeline 64) ;;
        fanout) args+=(--messages 100000 --agents 10 --pipeline 64) ;;
        latency) args+=(--messages 10000 --rate 1000) ;;
        assign) args+=(--messages 20000 --consumers 2 --pipeline 64) ;;
    esac
    timeout 150 "$bench" "$2" "${args[@]}" | grep '^{' | tail -1 || echo '{}'
    kill "$agentd_pid"; wait "$agentd_pid" 2>/dev/null || true; agentd_pid=""
}

: > "$workdir/results"
for round in $(seq 1 "$rounds"); do
    for scenario in "${scenarios[@]}"; do
        for side in old new; do
            binary="$old"; [ "$side" = new ] && binary="$new"
            line="$(run "$binary" "$scenario")"
            echo "round $round $side $line"
            echo "$side $line" >> "$workdir/results"
        done
    done
done
python3 - "$workdir/results" <<'PY'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    side, _, text = line.partition(" ")
    data = json.loads(text) if text.strip() else {}
    if "scenario" in data:
        runs.setdefault(data["scenario"], {}).setdefault(side, []).append(data)
print(f"{'scenario':10} {'figure':8} {'old (median)':>14} {'new (median)':>14} {'new/old':>8}")
for scenario, sides in runs.items():
    keys = ["p50_us", "p99_us"] if scenario == "latency" else ["rate"]
    for key in keys:
        o = statistics.median(r[key] for r in sides.get("old", [])) if sides.get("old") else float("nan")
        n = statistics.median(r[key] for r in sides.get("new", [])) if sides.get("new") else float("nan")
        print(f"{scenario:10} {key:8} {o:14,.1f} {n:14,.1f} {n / o if o else float('nan'):8.2f}")
PY

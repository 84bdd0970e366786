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

source scripts/bench/lib.sh

measure() {  # measure SIDE BINARY SCENARIO -> prints SIDE and one JSON line
    start_agentd "$2"
    local args=(--server "$listen" --json --timeout 120)
    case "$3" in
        send) args+=(--messages 200000 --producers 4 --pipeline 64) ;;
        cycle|fetch) args+=(--messages 200000 --producers 4 --consumers 2 --pipeline 64) ;;
        fanout) args+=(--messages 100000 --agents 10 --pipeline 64) ;;
        latency) args+=(--messages 10000 --rate 1000) ;;
        assign) args+=(--messages 20000 --consumers 2 --pipeline 64) ;;
    esac
    echo "$1 $(timeout 150 "$bench" "$3" "${args[@]}" | grep '^{' | tail -1 || echo '{}')"
    stop_agentd
}

interleave "$rounds" "$old" "$new" "${scenarios[@]}"
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

#!/usr/bin/env bash
# Heap allocations per message of agentd binaries: a count, so unlike time it does not move
# with whatever else the machine runs, and one run per binary is enough.
# Usage: scripts/bench/alloc_count.sh [--callers N] AGENTD... [-- SCENARIO...]
#   (default scenarios: cycle send). Counts libc malloc calls (a uprobe; needs root and perf)
#   made by agentd while agentd-bench runs 20 000 messages, divided by the messages. With
#   --callers N, also lists the N functions of agentd that allocate most (per message).
set -euo pipefail
cd "$(dirname "$0")/../.."
callers=0
if [ "${1:-}" = --callers ]; then callers="$2"; shift 2; fi
binaries=(); while [ $# -gt 0 ] && [ "$1" != -- ]; do binaries+=("$1"); shift; done
[ "${1:-}" = -- ] && shift
scenarios=("$@"); [ ${#scenarios[@]} -gt 0 ] || scenarios=(cycle send)
[ ${#binaries[@]} -gt 0 ] || { sed -n 2,7p "$0"; exit 2; }
bench=".build-release-bench/release/agentd-bench"
[ -x "$bench" ] || { echo "alloc_count.sh: no $bench (run scripts/bench.sh once)" >&2; exit 1; }
libc="$(ldconfig -p | awk '/libc\.so\.6 .*x86-64/ {print $NF; exit}')"
perf probe -q -x "$libc" malloc 2>/dev/null || true   # already there is fine
messages=20000

source scripts/bench/lib.sh

for scenario in "${scenarios[@]}"; do
    for binary in "${binaries[@]}"; do
        start_agentd "$binary"
        args=(--server "$listen" --json --timeout 120 --messages "$messages" --producers 4 --pipeline 64)
        case "$scenario" in cycle|fetch) args+=(--consumers 2) ;; esac
        if [ "$callers" -gt 0 ]; then
            perf record -q -g -e probe_libc:malloc -p "$agentd_pid" -o "$workdir/malloc.data" 2>/dev/null &
        else
            perf stat -x, -e probe_libc:malloc -p "$agentd_pid" -o "$workdir/malloc.txt" &
        fi
        perf_pid=$!
        sleep 0.5
        "$bench" "$scenario" "${args[@]}" > /dev/null
        sleep 0.2
        kill -INT "$perf_pid"; wait "$perf_pid" 2>/dev/null || true
        stop_agentd
        if [ "$callers" -gt 0 ]; then
            perf script -i "$workdir/malloc.data" -F ip,sym,dso 2>/dev/null \
                | python3 scripts/bench/alloc_callers.py "$(basename "$binary")" "$messages" "$callers" \
                | sed "s|^|$scenario $(basename "$binary") |"
        else
            count="$(awk -F, '/probe_libc:malloc/ {print $1}' "$workdir/malloc.txt")"
            python3 -c "print('$scenario', '$(basename "$binary")', 'mallocs/msg', round($count / $messages, 1))"
        fi
    done
done

# Shared by ab.sh, cpu_ab.sh and latency_trace.sh (sourced): a private redis-server for the
# run, and a fresh agentd on it per measurement. Sets workdir and redis_port (and redis_pid);
# start_agentd BINARY [VAR=VALUE...] flushes Redis, starts the binary with those variables and
# sets agentd_pid and listen; stop_agentd stops it; interleave runs the A/B rounds. Everything
# started here is stopped on exit.
workdir="$(mktemp -d "${TMPDIR:-/tmp}/agentd-bench-ab.XXXXXX")"
redis_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
    --dir "$workdir" --logfile "$workdir/redis.log" &
redis_pid=$!
agentd_pid=""
listen=""
cleanup() {
    [ -n "$agentd_pid" ] && kill "$agentd_pid" 2>/dev/null && wait "$agentd_pid" 2>/dev/null
    kill "$redis_pid" 2>/dev/null; wait "$redis_pid" 2>/dev/null; rm -rf "$workdir"
}
trap cleanup EXIT
for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

start_agentd() {
    redis-cli -p "$redis_port" flushall >/dev/null
    env "${@:2}" "$1" --listen 127.0.0.1:0 --redis "127.0.0.1:$redis_port" --backend redis --log-level warning \
        2>"$workdir/agentd.log" &
    agentd_pid=$!
    listen=""
    for _ in $(seq 1 100); do
        listen="$(grep -a -o 'agentd ready listen=[^ ]*' "$workdir/agentd.log" | sed 's/.*listen=//' || true)"
        [ -n "$listen" ] && break; sleep 0.1
    done
}

stop_agentd() {
    kill "$agentd_pid"; wait "$agentd_pid" 2>/dev/null || true; agentd_pid=""
}

# interleave ROUNDS OLD NEW SCENARIO...: for each round and scenario, `measure SIDE BINARY
# SCENARIO` (defined by the caller; prints one line) for old, then new. Each line is shown with
# its round and appended to "$workdir/results".
interleave() {
    local rounds="$1" old="$2" new="$3" round scenario side binary line
    shift 3
    : > "$workdir/results"
    for round in $(seq 1 "$rounds"); do
        for scenario in "$@"; do
            for side in old new; do
                binary="$old"; [ "$side" = new ] && binary="$new"
                line="$(measure "$side" "$binary" "$scenario")"
                echo "round $round $line"
                echo "$line" >> "$workdir/results"
            done
        done
    done
}

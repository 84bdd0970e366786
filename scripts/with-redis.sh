#!/usr/bin/env bash
# Runs a command against a throwaway redis-server on a free local port.
# Usage: scripts/with-redis.sh COMMAND [ARGS...]
# Exports AGENTD_TEST_REDIS=127.0.0.1:PORT for the command; stops only its own redis-server.
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 2
fi

# Port 0 makes the kernel choose a free port; the small race until redis binds it is acceptable.
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
workdir="$(mktemp -d "${TMPDIR:-/tmp}/agentd-redis.XXXXXX")"
redis_pid=""

cleanup() {
    if [ -n "$redis_pid" ] && kill -0 "$redis_pid" 2>/dev/null; then
        kill "$redis_pid" 2>/dev/null || true
        wait "$redis_pid" 2>/dev/null || true
    fi
    rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
    --dir "$workdir" --logfile "$workdir/redis.log" &
redis_pid=$!

# Bounded wait (~5 s) for the server to answer.
for _ in $(seq 1 50); do
    if [ "$(redis-cli -p "$port" ping 2>/dev/null || true)" = "PONG" ]; then
        break
    fi
    if ! kill -0 "$redis_pid" 2>/dev/null; then
        echo "with-redis: redis-server exited early:" >&2
        cat "$workdir/redis.log" >&2 || true
        exit 1
    fi
    sleep 0.1
done
if [ "$(redis-cli -p "$port" ping 2>/dev/null || true)" != "PONG" ]; then
    echo "with-redis: redis-server on port $port did not answer PING within 5 s" >&2
    exit 1
fi

export AGENTD_TEST_REDIS="127.0.0.1:$port"
status=0
"$@" || status=$?
exit "$status"

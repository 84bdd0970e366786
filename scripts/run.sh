#!/usr/bin/env bash
# Runs agentd with a short demo, on a fresh Debian machine with Swift:
#   - installs what is missing (scripts/install-deps.sh),
#   - builds agentd,
#   - starts a private redis-server (loopback, free port, own data dir) unless AGENTD_REDIS
#     points at one (HOST:PORT), or AGENTD_BACKEND=memory is set,
#   - starts agentd on a free port and runs the demos against it: scripts/demo/demo.py (two
#     agents, priorities, acks) and scripts/demo/story.py (a supervisor, three workers, one
#     killed mid-task and its task reassigned),
#   - then keeps agentd running for you to try (Ctrl-C stops everything it started).
# AGENTD_DEMO_ONLY=1 stops right after the demo (used by the tests).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
echo "== building agentd"
swift build --product agentd 2>&1 | tail -1

workdir="$(mktemp -d "${TMPDIR:-/tmp}/agentd-run.XXXXXX")"
redis_pid=""
agentd_pid=""
cleanup() {
    [ -n "$agentd_pid" ] && kill "$agentd_pid" 2>/dev/null && wait "$agentd_pid" 2>/dev/null || true
    [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null || true
    rm -rf "$workdir"
}
trap cleanup EXIT
trap 'echo; echo "stopping"; exit 0' INT TERM

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

backend="${AGENTD_BACKEND:-redis}"
redis="${AGENTD_REDIS:-}"
if [ "$backend" = redis ] && [ -z "$redis" ]; then
    port="$(free_port)"
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$workdir" \
        --logfile "$workdir/redis.log" --daemonize no &
    redis_pid=$!
    for _ in $(seq 1 50); do
        [ "$(redis-cli -p "$port" ping 2>/dev/null || true)" = PONG ] && break
        sleep 0.1
    done
    redis="127.0.0.1:$port"
    echo "== private redis-server on $redis (data in $workdir)"
fi

# A 500 ms heartbeat interval (timeout 1.5 s) keeps the story's "worker dies" part short.
AGENTD_HEARTBEAT_INTERVAL_MS="${AGENTD_HEARTBEAT_INTERVAL_MS:-500}" \
    .build/debug/agentd --config Config/agentd.toml --listen 127.0.0.1:0 --backend "$backend" \
    ${redis:+--redis "$redis"} 2>"$workdir/agentd.log" &
agentd_pid=$!
listen=""
for _ in $(seq 1 100); do
    listen="$(grep -a -o 'agentd ready listen=[^ ]*' "$workdir/agentd.log" 2>/dev/null | sed 's/.*listen=//' || true)"
    [ -n "$listen" ] && break
    kill -0 "$agentd_pid" 2>/dev/null || { cat "$workdir/agentd.log" >&2; exit 1; }
    sleep 0.1
done
[ -n "$listen" ] || { echo "agentd did not become ready" >&2; cat "$workdir/agentd.log" >&2; exit 1; }
echo "== agentd ready on $listen (backend $backend)"
echo

# The demos use the Python client straight from the source tree (standard library only).
export PYTHONPATH="$PWD/clients/python/src${PYTHONPATH:+:$PYTHONPATH}"
python3 scripts/demo/demo.py "${listen##*:}"
echo
python3 scripts/demo/story.py "${listen##*:}"

if [ "${AGENTD_DEMO_ONLY:-0}" = 1 ]; then
    exit 0
fi
echo
echo "agentd keeps running on $listen; try:  nc ${listen%:*} ${listen##*:}   then  {\"op\":\"ping\"}"
echo "Ctrl-C stops agentd and the private redis-server."
wait "$agentd_pid"

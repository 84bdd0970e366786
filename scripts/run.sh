#!/usr/bin/env bash
# Runs agentd with a short demo, on a fresh Debian machine with Swift:
#   - installs what is missing (scripts/install-deps.sh),
#   - builds agentd,
#   - starts a private redis-server (loopback, free port, own data dir) unless AGENTD_REDIS
#     points at one (HOST:PORT), or AGENTD_BACKEND=memory is set (then one daemon only: the
#     memory backend is one process),
#   - starts two agentd daemons, A and B, on that Redis: one system. A has the admin port on;
#     the dashboard's URL is printed,
#   - runs the demos: scripts/demo/demo.py (two agents on the two daemons: priorities, acks,
#     every message crossing from A to B), scripts/demo/story.py (a supervisor and three
#     workers; one worker killed mid-task and its task reassigned) and
#     scripts/demo/failover.py (daemon B killed under two busy workers, which move to A and
#     finish); daemon B is then started again,
#   - keeps both daemons running for you to try (Ctrl-C stops everything it started).
# AGENTD_DEMO_ONLY=1 stops right after the demos (used by the tests).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
echo "== building agentd"
swift build --product agentd 2>&1 | tail -1

workdir="$(mktemp -d "${TMPDIR:-/tmp}/agentd-run.XXXXXX")"
redis_pid=""
a_pid=""
b_pid=""
cleanup() {
    local pid
    for pid in "$a_pid" "$b_pid"; do
        [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    done
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

# A 500 ms heartbeat interval (timeout 1.5 s) keeps the story's "worker dies" part short; a
# 2 s daemon lease makes a killed daemon's deliveries come back within ~3 s.
export AGENTD_HEARTBEAT_INTERVAL_MS="${AGENTD_HEARTBEAT_INTERVAL_MS:-500}"
export AGENTD_DAEMON_LEASE_MS="${AGENTD_DAEMON_LEASE_MS:-2000}"

# start_daemon NAME PORT [flags...]: starts agentd as daemon NAME on PORT; sets NAME_pid and
# waits for its ready line (printed to NAME.log).
start_daemon() {
    local name=$1 port=$2 line=""
    shift 2
    AGENTD_DAEMON_ID="$name" .build/debug/agentd --config Config/agentd.toml --listen "127.0.0.1:$port" \
        --backend "$backend" ${redis:+--redis "$redis"} "$@" 2>"$workdir/$name.log" &
    local pid=$!
    printf -v "${name}_pid" '%s' "$pid"
    for _ in $(seq 1 100); do
        line="$(grep -a -m1 'agentd ready' "$workdir/$name.log" 2>/dev/null || true)"
        [ -n "$line" ] && break
        kill -0 "$pid" 2>/dev/null || { cat "$workdir/$name.log" >&2; exit 1; }
        sleep 0.1
    done
    [ -n "$line" ] || { echo "agentd $name did not become ready" >&2; cat "$workdir/$name.log" >&2; exit 1; }
    echo "== daemon $name ready: ${line#agentd ready }"
}

port_a="$(free_port)"
port_b="$(free_port)"
start_daemon a "$port_a" --admin 127.0.0.1:0
admin="$(grep -a -o 'admin=[^ ]*' "$workdir/a.log" | head -1 | sed 's/admin=//')"
if [ "$backend" = redis ]; then
    start_daemon b "$port_b"
else
    port_b="$port_a"
fi
echo "== dashboard: http://$admin/"
echo

# The demos use the Python client straight from the source tree (standard library only).
export PYTHONPATH="$PWD/clients/python/src${PYTHONPATH:+:$PYTHONPATH}"
python3 scripts/demo/demo.py "$port_a" "$port_b"
echo
python3 scripts/demo/story.py "$port_a"
if [ "$backend" = redis ]; then
    echo
    python3 scripts/demo/failover.py "$port_a" "$port_b" "$b_pid"
    { wait "$b_pid"; } 2>/dev/null || true   # braces: also hides bash's "Killed" notice
    start_daemon b "$port_b"
fi

if [ "${AGENTD_DEMO_ONLY:-0}" = 1 ]; then
    exit 0
fi
echo
echo "agentd keeps running: daemon a on 127.0.0.1:$port_a, daemon b on 127.0.0.1:$port_b (one system)"
echo "dashboard: http://$admin/    try:  nc 127.0.0.1 $port_a   then  {\"op\":\"ping\"}"
echo "Ctrl-C stops both daemons and the private redis-server."
wait "$a_pid"

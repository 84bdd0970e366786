# Helpers for the failover tests: a Redis master, a replica and three sentinels on loopback
# ports, all of this test's own. Source after test_functions.sh:
#
#   source "$(dirname "$0")/../test_functions.sh"
#   source "$(dirname "$0")/sentinel.sh"
#
#   start_sentinel_setup NAME   a master, a replica of it and three sentinels monitoring it as
#                               NAME (quorum 2, down-after 1000 ms); waits until the replica is
#                               in sync and every sentinel knows the replica and the other
#                               sentinels. Exports SENTINEL_MASTER_PORT, SENTINEL_MASTER_PID,
#                               SENTINEL_REPLICA_PORT, SENTINEL_REPLICA_PID, AGENTD_REDIS_SENTINELS
#                               (the three as a comma list) and AGENTD_REDIS_MASTER_NAME=NAME,
#                               so daemons started afterwards use Sentinel.
#   sentinel_master             the master the sentinels name now (HOST:PORT)
#   wait_failover OLD [LIMIT]   waits (at most LIMIT s, default 30) until the sentinels name a
#                               master other than OLD (HOST:PORT) and it answers ROLE master
#
# sentinel.py (same folder) has the same for the Python parts: `from sentinel import *`.
#
# redis-sentinel is Debian's package (scripts/install-deps.sh); `redis-server --sentinel` is
# the same program and is used when the redis-sentinel command is missing.

SENTINEL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export PYTHONPATH="$SENTINEL_DIR:$PYTHONPATH"
export TEST_TMP

# exec: run in the background, this function is a subshell of its own; exec makes $! the
# sentinel itself, so the cleanup (which kills $! by PID) stops the sentinel, not a shell.
_sentinel_cmd() {
    if command -v redis-sentinel >/dev/null; then
        exec redis-sentinel "$1"
    else
        exec redis-server "$1" --sentinel
    fi
}

_start_redis_node() {
    local port=$1
    shift
    local dir="$TEST_TMP/redis-$port"
    mkdir -p "$dir"
    # No wait before a full sync (Redis waits 5 s for more replicas by default): a node that
    # rejoins after a failover is in sync within a second, not after the default delay.
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --repl-diskless-sync-delay 0 \
        --dir "$dir" --daemonize no --loglevel notice "$@" >>"$dir/redis.log" 2>&1 &
    _LAST_NODE_PID=$!
    _STARTED_PIDS+=("$_LAST_NODE_PID")
    local end=$((SECONDS + 20))
    until [[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" == PONG ]]; do
        ((SECONDS < end)) || fail "redis-server on port $port did not start"
        sleep 0.05
    done
}

start_sentinel_setup() {
    local name=$1 mport rport
    mport=$(free_port)
    _start_redis_node "$mport"
    SENTINEL_MASTER_PID=$_LAST_NODE_PID
    rport=$(free_port)
    _start_redis_node "$rport" --replicaof 127.0.0.1 "$mport"
    SENTINEL_REPLICA_PID=$_LAST_NODE_PID
    local end=$((SECONDS + 20))
    until redis-cli -p "$rport" info replication | grep -q "master_link_status:up"; do
        ((SECONDS < end)) || fail "the replica on $rport never synced with $mport"
        sleep 0.05
    done
    local list="" i sport conf
    for i in 1 2 3; do
        sport=$(free_port)
        conf="$TEST_TMP/sentinel-$sport.conf"
        cat >"$conf" <<CONF
port $sport
bind 127.0.0.1
daemonize no
dir $TEST_TMP
logfile $TEST_TMP/sentinel-$sport.log
sentinel monitor $name 127.0.0.1 $mport 2
sentinel down-after-milliseconds $name 1000
sentinel failover-timeout $name 10000
sentinel parallel-syncs $name 1
CONF
        _sentinel_cmd "$conf" >/dev/null 2>&1 &
        _STARTED_PIDS+=("$!")
        list+="${list:+,}127.0.0.1:$sport"
    done
    AGENTD_REDIS_SENTINELS=$list
    AGENTD_REDIS_MASTER_NAME=$name
    SENTINEL_MASTER_PORT=$mport
    SENTINEL_REPLICA_PORT=$rport
    export AGENTD_REDIS_SENTINELS AGENTD_REDIS_MASTER_NAME SENTINEL_MASTER_PORT SENTINEL_MASTER_PID
    export SENTINEL_REPLICA_PORT SENTINEL_REPLICA_PID
    # Each sentinel must know the replica and the two other sentinels, or a failover stalls.
    end=$((SECONDS + 30))
    local s ready
    while :; do
        ready=0
        for s in ${list//,/ }; do
            local info
            info="$(redis-cli -p "${s##*:}" sentinel master "$name" 2>/dev/null | tr '\n' ' ')"
            [[ "$info" =~ num-slaves\ 1\  && "$info" =~ num-other-sentinels\ 2\  ]] && ready=$((ready + 1))
        done
        [[ $ready -eq 3 ]] && break
        ((SECONDS < end)) || fail "the sentinels did not find each other and the replica within 30 s"
        sleep 0.2
    done
}

sentinel_master() {
    local s
    for s in ${AGENTD_REDIS_SENTINELS//,/ }; do
        local reply
        reply="$(redis-cli -p "${s##*:}" sentinel get-master-addr-by-name "$AGENTD_REDIS_MASTER_NAME" 2>/dev/null | tr '\n' ':')"
        if [[ "$reply" =~ ^[0-9.]+:[0-9]+:$ ]]; then
            echo "${reply%:}"
            return 0
        fi
    done
    return 1
}

wait_failover() {
    local old=$1 limit=${2:-30} end now
    end=$((SECONDS + limit))
    while :; do
        now="$(sentinel_master || true)"
        if [[ -n "$now" && "$now" != "$old" ]] \
            && redis-cli -p "${now##*:}" role 2>/dev/null | head -1 | grep -q master; then
            echo "$now"
            return 0
        fi
        ((SECONDS < end)) || fail "no failover away from $old within $limit s"
        sleep 0.1
    done
}

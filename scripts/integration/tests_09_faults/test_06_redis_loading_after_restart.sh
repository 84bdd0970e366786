#!/usr/bin/env bash
# Redis restarted under load takes a while to load its dataset (here an AOF with 20 000
# keys and key-load-delay, so loading lasts about 2 s); meanwhile it answers every command
# with a LOADING error. For agentd's clients that is the store not being reachable in time:
# requests must fail with `unavailable` (effect unknown; a retry with the same message_id is
# safe), never with `internal` (the code for an agentd bug), and health must say
# degraded/down while Redis is loading, not ok/up. Once loaded, sends are ok again and every
# send answered ok is delivered (lost = 0).
# serial: how long Redis takes to load (and whether it answers PING meanwhile) depends on
#   the CPU it gets; beside other tests the loading window was not seen.
source "$(dirname "$0")/../test_functions.sh"
require_redis
export PYTHONPATH="$(cd "$(dirname "$0")" && pwd):$PYTHONPATH"

REDIS_PORT=$(free_port)
start_private_redis "$REDIS_PORT" --appendonly yes --appendfsync always --key-load-delay 100
# A dataset that takes time to load: 20 000 keys in the AOF's base (the rewrite writes them
# in RDB form, which key-load-delay slows down), none of them agentd's.
redis-cli -p "$REDIS_PORT" eval "for i = 1, 20000 do redis.call('SET', 'ballast:' .. i, 'x') end return 1" 0 >/dev/null
redis-cli -p "$REDIS_PORT" bgrewriteaof >/dev/null
end=$((SECONDS + 15))
until redis-cli -p "$REDIS_PORT" info persistence | grep -q '^aof_rewrite_in_progress:0'; do
    ((SECONDS < end)) || fail "AOF rewrite did not finish"
    sleep 0.1
done
sleep 0.5
AGENTD_STORE_TIMEOUT_MS=1000 AGENTD_REDIS_ADDR="127.0.0.1:$REDIS_PORT" start_agentd
export REDIS_PORT MARK="$TEST_TMP/kill-now" RESULT="$TEST_TMP/result"

py <<'PY' &
import collections, os, subprocess, threading, time
from wire import *
from faultlib import *

PER, RATE = 1600, 200
port = int(os.environ["REDIS_PORT"])
producer = Producer("f6-sink", range(PER), "f6-prod", window=16, rate=RATE, reply_timeout=10)
consumer = Consumer("f6-sink", mode="fetch", limit=50, wait_ms=200, reply_timeout=10)
stop = threading.Event()
health, loading = [], []
def watch_health():
    c = Conn(timeout=10)
    c.hello("f6-watch")
    while not stop.is_set():
        t = now()
        h = c.request("health")
        health.append((t, now(), h.get("status"), h.get("store")))
        time.sleep(0.1)
def watch_redis():          # ground truth: when is Redis loading?
    while not stop.is_set():
        t = now()
        try:
            r = subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True, timeout=5).stdout
        except subprocess.TimeoutExpired:
            # No answer in 5 s (a starved machine): no sample, but keep watching; an exception
            # here would end the thread and leave `loading` empty for the rest of the run.
            continue
        if r.startswith("LOADING"):
            loading.append(t)
        time.sleep(0.05)
threads = [threading.Thread(target=f, daemon=True) for f in (watch_health, watch_redis)]
consumer.start()
producer.start()
for t in threads:
    t.start()
while len(producer.result) < 500 and now() - producer.t0 < 30:
    time.sleep(0.01)
open(os.environ["MARK"], "w").close()     # the shell kills and restarts Redis now
assert producer.join(60), "producer still running"
ledger = Ledger([producer], [consumer])
drain(ledger, ledger.ok(), 20)
consumer.join(10)
stop.set()
for t in threads:
    t.join(10)

f = ledger.figures()
codes = collections.Counter(code for _, _, _, code in producer.replies)
lo, hi = (min(loading), max(loading)) if loading else (None, None)
during = [r for r in producer.replies if lo is not None and lo <= r[0] <= hi]
during_codes = collections.Counter(code for _, _, _, code in during)
health_loading = collections.Counter("%s/%s" % (s, st) for t0, t1, s, st in health if lo is not None and lo <= t0 and t1 <= hi)
internal = [n for _, _, n, code in producer.replies if code == "internal"]
print(Ledger.line(f, ["sent", "ok", "unavailable", "other", "delivered_unique", "lost", "dup_attempt_gt1", "dup_attempt_1"]))
print("# redis loading for %.2f s: %d sends written meanwhile answered %s; health while loading %s; "
      "consumer errors %s"
      % ((hi - lo) if loading else 0, len(during), dict(during_codes), dict(health_loading), dict(consumer.unavailable)))
assert loading and hi - lo >= 0.5, "Redis was not seen loading (%d samples): nothing tested" % len(loading)
assert during, "no send was written while Redis was loading"
assert f["lost"] == 0, "%d sends answered ok never delivered" % f["lost"]
assert f["dup_attempt_1"] == 0, f
assert not internal, "%d sends answered internal (not unavailable) around the restart, e.g. n=%s" % (len(internal), internal[:5])
assert set(codes) <= {"ok", "unavailable"}, codes
assert not [e for e in consumer.errors], consumer.errors[:3]
assert not health_loading.get("ok/up"), "health said ok/up %d time(s) while Redis was loading" % health_loading["ok/up"]
assert health_loading.get("degraded/down"), "health never said degraded/down while Redis was loading"
open(os.environ["RESULT"], "w").write("ok\n")
PY
LOAD_PID=$!
_STARTED_PIDS+=("$LOAD_PID")
wait_for_mark "$MARK" "$LOAD_PID"
kill_private_redis
start_private_redis "$REDIS_PORT" --appendonly yes --appendfsync always --key-load-delay 100
_wait_pid "$LOAD_PID" 90
[[ $WAIT_RC -ne 255 ]] || fail "load still running 90 s on"
[[ $WAIT_RC -eq 0 && -e "$RESULT" ]] || fail "load failed (status $WAIT_RC)"
kill -0 "$AGENTD_PID" || fail "agentd died"
stop_agentd

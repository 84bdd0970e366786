#!/usr/bin/env bash
# serial: a Redis failover under load; timing-sensitive beside other tests
# Redis Sentinel failover under load. A master, a replica and three sentinels; daemons A and
# B find the master through the sentinels (AGENTD_REDIS_SENTINELS, AGENTD_REDIS_MASTER_NAME)
# with AGENTD_REDIS_WAIT_REPLICAS=1. Two senders (100 msg/s each, own message_ids, retrying
# `unavailable` and lost connections with the same id) and three receivers that ack all.
# After ~40 % of the sends the master is killed with SIGKILL; the sentinels promote the
# replica, and the killed node comes back as a replica of the new master (without one, no
# send could be confirmed by a replica again). Every send answered ok is received afterwards: lost = 0. Meanwhile requests fail
# fast with `unavailable` (no request hangs: every answer within 3 s). The same run with
# AGENTD_REDIS_WAIT_REPLICAS=0 on a fresh setup prints what it lost, without asserting.
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/../tests_14_daemons/daemons.sh"
source "$(dirname "$0")/sentinel.sh"
require_redis
export AGENTD_DAEMON_LEASE_MS=3000 AGENTD_ACK_TIMEOUT_MS=10000

run_phase() {
    local wait=$1 tag=$2
    start_sentinel_setup "m-$tag"
    export AGENTD_REDIS_WAIT_REPLICAS=$wait
    start_daemon A "f1-$tag-a"
    start_daemon B "f1-$tag-b"
    local master
    master="$(sentinel_master)"
    assert_equal "127.0.0.1:$SENTINEL_MASTER_PORT" "$master" "the sentinels' master before the failover"
    WAIT_REPLICAS=$wait TAG=$tag py <<'PY'
import os, signal, time, threading
from wire import *
from daemons import *
from sentinel import *
tag, wait = os.environ["TAG"], int(os.environ["WAIT_REPLICAS"])
PER, RATE, SINK = 600, 100, "f1-%s-sink" % tag
senders = [Sender("f1-%s-sa" % tag, SINK, range(0, PER), ["A", "B"], RATE),
           Sender("f1-%s-sb" % tag, SINK, range(10000, 10000 + PER), ["B", "A"], RATE)]
receivers = [Receiver(SINK, ["A", "B"], "fetch", limit=50, wait_ms=200, name="fetch-A"),
             Receiver(SINK, ["B", "A"], "fetch", limit=50, wait_ms=200, name="fetch-B"),
             Receiver(SINK, ["B", "A"], "push", limit=50, prefetch=100, name="push-B")]
# A probe that times every request while the master is down: none may hang.
slowest, unavailable = [0.0], [0]
probing = threading.Event()
def probe():
    c = connect("A", "f1-%s-probe" % tag, timeout=10)
    while not probing.is_set():
        t0 = now()
        r = c.request("stats", timeout=10)
        slowest[0] = max(slowest[0], now() - t0)
        if error_code(r) == "unavailable":
            unavailable[0] += 1
        time.sleep(0.05)
prober = threading.Thread(target=probe, daemon=True)
for x in receivers + senders:
    x.start()
prober.start()
end = now() + 40
while sum(len(s.result) for s in senders) < 0.4 * 2 * PER and now() < end:
    time.sleep(0.01)
old = sentinel_master()
os.kill(int(os.environ["SENTINEL_MASTER_PID"]), signal.SIGKILL)
t_kill = now()
new = wait_failover(old)
t_promoted = now()
restart_as_replica(os.environ["SENTINEL_MASTER_PORT"], new)
print("# master %s killed; %s promoted %.2f s later; the old node back as its replica %.2f s after the kill"
      % (old, new, t_promoted - t_kill, now() - t_kill))
for s in senders:
    s.join(90)
assert not any(s.is_alive() for s in senders), "a sender is still running"
probing.set()
prober.join(15)
try:
    wait_for("every ok send received", lambda: load_figures(senders, receivers)["lost"] == 0, timeout=20, every=0.2)
except AssertionError:
    pass
for r in receivers:
    r.stop(10)
f = load_figures(senders, receivers)
errors = [e for x in senders + receivers for e in x.errors]
print(line(f, "wait_replicas=%d" % wait))
print("# master killed; 'unavailable' answers to a stats probe meanwhile: %d; slowest request %.2f s"
      % (unavailable[0], slowest[0]))
if wait >= 1:
    assert f["not_ok"] == 0, (f, errors[:5])
    assert f["lost"] == 0, "lost %d acknowledged messages at wait_replicas=1: %r" % (f["lost"], f)
    assert f["repeat_attempt_not_up"] == 0, f
    assert slowest[0] < 3.0, "a request took %.2f s during the failover (store_timeout_ms 2000)" % slowest[0]
else:
    print("# wait_replicas=0: lost %d of %d acknowledged sends in the failover (not asserted)" % (f["lost"], f["ok"]))
PY
    py <<'PY'
from wire import *
from daemons import *
for name in ("A", "B"):
    c = connect(name, "f1-after")
    r = c.send("f1-after", {"k": 1})
    assert r.get("ok") is True, r
    c.call("fetch", limit=10)
PY
    stop_daemon B
    stop_daemon A
}

run_phase 1 w1
run_phase 0 w0

#!/usr/bin/env bash
# serial: a Redis failover; timing-sensitive beside other tests
# A planned failover (SENTINEL FAILOVER): the old master stays up and turns replica, so the
# daemon must notice by itself (the sentinels' +switch-master, or -READONLY from the old
# master) rather than by a lost connection. A sender on daemon A sends one message every
# 20 ms across the switch (AGENTD_REDIS_WAIT_REPLICAS=1), retrying `unavailable` with the
# same message_id: every send is answered ok, none is lost, no answer takes more than 3 s
# (the gap until a replica confirms writes again is printed). A daemon started afterwards finds the new master
# at once.
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/../tests_14_daemons/daemons.sh"
source "$(dirname "$0")/sentinel.sh"
require_redis
start_sentinel_setup m-switch
# With 0, the sends the old master took between the promotion and the daemon's move are
# lost when it turns replica (asynchronous replication): 1 is what makes this test hold.
export AGENTD_REDIS_WAIT_REPLICAS=1
start_daemon A f2-a
py <<'PY'
import os, subprocess, threading, time
from wire import *
from daemons import *
from sentinel import *
old = sentinel_master()
tx, rx = connect("A", "f2-tx"), connect("A", "f2-rx")
answers, stop, slowest = [], threading.Event(), [0.0]
def send_loop():
    n = 0
    while not stop.is_set():
        mid = "f2-%d" % n
        while True:
            t0 = now()
            r = tx.request("send", message={"to_agent": "f2-rx", "message_type": "status_update",
                                            "message_id": mid, "content": {"n": n}}, timeout=10)
            slowest[0] = max(slowest[0], now() - t0)
            if r.get("ok") is True:
                answers.append((now(), n))
                break
            assert error_code(r) == "unavailable", r
            time.sleep(0.02)
        n += 1
        time.sleep(0.02)
t = threading.Thread(target=send_loop, daemon=True)
t.start()
time.sleep(1.0)
sentinel = os.environ["AGENTD_REDIS_SENTINELS"].split(",")[0].rsplit(":", 1)[1]
t_switch = now()
out = subprocess.run(["redis-cli", "-p", sentinel, "sentinel", "failover", os.environ["AGENTD_REDIS_MASTER_NAME"]],
                     capture_output=True, text=True, timeout=10).stdout.strip()
assert out == "OK", out
new = wait_failover(old)
t_new = now()
# Sends are confirmed again once the old master has become the new one's replica.
end = now() + 40
while (not answers or answers[-1][0] < t_new) and now() < end:
    time.sleep(0.1)
time.sleep(0.5)
stop.set()
t.join(30)
assert not t.is_alive(), "the sender hung"
times = [a[0] for a in answers]
gap = max(b - a for a, b in zip(times, times[1:]))
sent = len(answers)
got = set()
end = now() + 10
while len(got) < sent and now() < end:
    ms = rx.call("fetch", limit=1000, wait_ms=200)["messages"]
    got.update(m["content"]["n"] for m in ms)
    if ms:
        rx.call("ack", message_ids=[m["message_id"] for m in ms])
lost = sent - len(got & set(range(sent)))
print("# SENTINEL FAILOVER %s -> %s (named %.2f s after the command); %d sends, lost %d" % (old, new, t_new - t_switch, sent, lost))
print("# longest gap between ok answers %.2f s (until a replica confirms again); slowest answer %.2f s" % (gap, slowest[0]))
assert lost == 0, "lost %d of %d sends across a planned failover" % (lost, sent)
assert slowest[0] < 3.0, "a send took %.2f s to be answered across the switch (store_timeout_ms 2000)" % slowest[0]
old_port = old.rsplit(":", 1)[1]
role = subprocess.run(["redis-cli", "-p", old_port, "role"], capture_output=True, text=True, timeout=5).stdout.split()
print("# the old master is a %s now" % role[0])
PY
start_daemon B f2-b
py <<'PY'
from wire import *
from daemons import *
b = connect("B", "f2-late")
r = b.send("f2-late", {"after": True})
assert r.get("ok") is True, r
assert [m["content"] for m in b.call("fetch", limit=5)["messages"]] == [{"after": True}]
print("# a daemon started after the failover serves at once (it asked the sentinels)")
PY
stop_daemon B
stop_daemon A

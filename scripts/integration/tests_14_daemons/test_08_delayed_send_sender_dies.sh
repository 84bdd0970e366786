#!/usr/bin/env bash
# A send's delay_ms holds after the daemon that took the send dies: a message sent through
# A with delay_ms=1500 (and a second one with delay_ms=3000), A killed with SIGKILL at once;
# a fetch waiting on B gets each no earlier than its delay after its send was answered,
# and not much later, with attempt 1. A message sent without delay alongside arrives at once.
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/daemons.sh"
require_redis
export AGENTD_DAEMON_LEASE_MS=1000
start_daemon A x08-a
start_daemon B x08-b
py <<'PY'
import os, signal, time
from wire import *
from daemons import *
tx = connect("A", "x08-sender")
rx = connect("B", "x08-receiver", timeout=15)
t_send = now()
d15 = tx.send("x08-receiver", {"delay": 1500}, delay_ms=1500)["message_id"]
d30 = tx.send("x08-receiver", {"delay": 3000}, delay_ms=3000)["message_id"]
now_id = tx.send("x08-receiver", {"delay": 0})["message_id"]
os.kill(pid("A"), signal.SIGKILL)
t_kill = now()
arrived = {}
end = t_send + 10
while len(arrived) < 3 and now() < end:
    msgs, _ = fetch_wait(rx, wait_ms=max(1, int((end - now()) * 1000)))
    for m in msgs:
        assert m["message_id"] not in arrived, "delivered twice: %r" % m
        arrived[m["message_id"]] = (now() - t_send, m["delivery"]["attempt"])
    if msgs:
        rx.call("ack", message_ids=[m["message_id"] for m in msgs])
show = lambda mid: "%.2f s (attempt %d)" % arrived[mid] if mid in arrived else "never"
print("# sent on A, A killed %.3f s after the first send; on B: no delay %s, delay 1500 %s, delay 3000 %s"
      % (t_kill - t_send, show(now_id), show(d15), show(d30)))
assert set(arrived) == {d15, d30, now_id}, "lost after the sender's daemon died"
assert all(a == 1 for _, a in arrived.values()), arrived
assert arrived[now_id][0] < 1.0, "the undelayed message took %.2f s" % arrived[now_id][0]
assert arrived[d15][0] >= 1.45, "delay_ms=1500 message delivered after %.2f s" % arrived[d15][0]
assert arrived[d15][0] <= 3.5, "delay_ms=1500 message delivered only after %.2f s" % arrived[d15][0]
assert arrived[d30][0] >= 2.95, "delay_ms=3000 message delivered after %.2f s" % arrived[d30][0]
assert arrived[d30][0] <= 5.0, "delay_ms=3000 message delivered only after %.2f s" % arrived[d30][0]
PY
_wait_pid "$A_PID" 10
stop_daemon B

#!/usr/bin/env bash
# A slow consumer does not hold anyone else up. ack_timeout_ms = 2000. A subscriber with
# prefetch 5 acks slowly (0.1 s per batch) and never acks the first delivery of every 20th
# message, so its backlog drains slowly and some deliveries time out. Meanwhile a second
# agent's inbox gets 250 messages/s; its subscriber's latency (send written -> message
# pushed) stays low: max < 2 s (the ack timeout: nothing of the fast agent waits on the slow
# agent's timeouts) and p99 < 0.5 s (or 3 x its own p99 before the slow consumer started,
# if the machine is that busy). The slow agent's messages all arrive in the end (lost = 0);
# the unacked ones come back with attempt > 1, and every repeat carries attempt > 1.
source "$(dirname "$0")/../test_functions.sh"
export PYTHONPATH="$(cd "$(dirname "$0")" && pwd):$PYTHONPATH"
AGENTD_ACK_TIMEOUT_MS=2000 start_agentd
py <<'PY'
import time
from wire import *
from faultlib import *

FAST_N, FAST_RATE, SLOW_N, ACK_TIMEOUT = 1500, 250, 200, 2.0
fast_p = Producer("f4-fast", range(0, FAST_N), "f4-prod-fast", window=32, rate=FAST_RATE)
fast_c = Consumer("f4-fast", mode="push", prefetch=100, limit=100, name="fast")
slow_p = Producer("f4-slow", range(100000, 100000 + SLOW_N), "f4-prod-slow", window=50)
hold = lambda m: m["content"]["n"] % 20 == 0 and m["delivery"]["attempt"] == 1
slow_c = Consumer("f4-slow", mode="push", prefetch=5, limit=5, ack_delay=0.1, hold=hold, name="slow")

fast_c.start()
fast_p.start()
time.sleep(1.5)                       # baseline: the fast pair alone
slow_started = now()
slow_c.start()
slow_p.start()
assert slow_p.join(30) and fast_p.join(30), "producers still running"
fast_done = now()
fast = Ledger([fast_p], [fast_c])
slow = Ledger([slow_p], [slow_c])
drain(fast, fast.ok(), 10)
drain(slow, slow.ok(), 40, quiet_s=ACK_TIMEOUT + 2)     # quiet must exceed the ack timeout
end = now() + 3 * ACK_TIMEOUT                           # the last held ones come back, get acked
while len(slow_c.acked_at) < SLOW_N and now() < end:
    time.sleep(0.1)
slow_c.join(10)
fast_c.join(10)

first = {}
for t, n, mid, attempt in fast_c.deliveries:
    first.setdefault(n, t)
lat = {n: first[n] - fast_p.written[n] for n in first if n in fast_p.written}
base = [v for n, v in lat.items() if fast_p.written[n] < slow_started]
busy = [v for n, v in lat.items() if slow_started <= fast_p.written[n]]
slow_busy_until = max(t for t, _, _, _ in slow_c.deliveries)
busy_overlap = [v for n, v in lat.items() if slow_started <= fast_p.written[n] <= slow_busy_until]
span = max(first.values()) - min(first.values())
ff, sf = fast.figures(), slow.figures()
held = slow_c.held
came_back = {}
for t, n, mid, attempt in slow_c.deliveries:
    if mid in held and attempt > 1:
        came_back[mid] = attempt
print(Ledger.line(sf, ["sent", "ok", "acked", "delivered_unique", "lost", "dup_attempt_gt1", "dup_attempt_1"],
                  "(slow agent: %d held, %d came back with attempt > 1, drained in %.1f s)"
                  % (len(held), len(came_back), slow_busy_until - slow_started)))
print(Ledger.line(ff, ["sent", "ok", "acked", "delivered_unique", "lost", "dup_attempt_gt1"],
                  "(fast agent: %.0f msg/s; latency alone p50 %.3f p99 %.3f s; next to the slow one "
                  "p50 %.3f p99 %.3f max %.3f s over %d messages)"
                  % (len(first) / span, percentile(base, 50), percentile(base, 99), percentile(busy_overlap, 50),
                     percentile(busy_overlap, 99), max(busy), len(busy_overlap))))
errors = [e for x in (fast_p, fast_c, slow_p, slow_c) for e in x.errors]
assert not errors, errors[:5]
assert ff["ok"] == FAST_N and sf["ok"] == SLOW_N, (ff, sf)
assert ff["lost"] == 0 and sf["lost"] == 0, (ff, sf)
assert ff["dup_attempt_gt1"] == 0 and ff["dup_attempt_1"] == 0, ff
assert sf["dup_attempt_1"] == 0 and sf["attempt_not_increasing"] == 0, sf
assert len(held) >= SLOW_N // 20 and set(came_back) == held, "held %d, came back %d" % (len(held), len(came_back))
assert sf["acked"] == SLOW_N, "slow agent: %d of %d acked" % (sf["acked"], SLOW_N)
assert slow_busy_until - slow_started > 2.0, "the slow consumer was not slow"
assert len(busy_overlap) >= 300, "too little fast traffic while the slow consumer worked: %d" % len(busy_overlap)
p99_bound = max(0.5, 3 * percentile(base, 99))
assert percentile(busy_overlap, 99) < p99_bound, \
    "fast agent p99 %.3f s next to a slow consumer (bound %.3f)" % (percentile(busy_overlap, 99), p99_bound)
assert max(busy) < ACK_TIMEOUT, "fast agent waited %.3f s for a message" % max(busy)
q = Conn(); q.hello("f4-check")
st = q.call("stats")["queues"]
assert st["in_flight"] == 0 and st["pending"] == 0, st
PY

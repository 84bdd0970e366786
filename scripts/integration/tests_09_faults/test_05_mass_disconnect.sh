#!/usr/bin/env bash
# 300 connections drop at once (RST) while holding work: 250 connections of one agent hold
# 1000 messages in flight (125 subscribed with prefetch 4, 125 that fetched 4 each), and 50
# of another agent wait in a long-poll fetch. A producer keeps sending during the drop.
# agentd stays up; stats.server.connections returns to its baseline and in_flight to 0;
# a new consumer gets every message: the 1000 that were in flight with attempt 2, the rest
# with attempt 1; lost = 0. Messages sent to the agent whose long-polls died are not
# swallowed by dead waiters: a new connection of that agent gets them all.
source "$(dirname "$0")/../test_functions.sh"
export PYTHONPATH="$(cd "$(dirname "$0")" && pwd):$PYTHONPATH"
start_agentd
py <<'PY'
import json, selectors, time
from wire import *
from faultlib import *

SUBS, FETCHERS, WAITERS, PREFETCH, M = 125, 125, 50, 4, 1200
HELD = (SUBS + FETCHERS) * PREFETCH

w = Conn(); w.hello("f5-watch")
stats = lambda: w.call("stats")
pre = Producer("f5-sink", range(M), "f5-prod-0", window=64).start()
assert pre.join(30) and all(o == "ok" for o in pre.result.values()), pre.errors[:3]

# Open everything without waiting on each connection, then read all of them at once.
conns = []
for k in range(SUBS + FETCHERS + WAITERS):
    c = Conn(timeout=10)
    if k < SUBS:
        c.send_raw(b'{"op":"hello","id":0,"agent_id":"f5-sink"}\n{"op":"subscribe","id":1,"prefetch":%d}\n' % PREFETCH)
    elif k < SUBS + FETCHERS:
        c.send_raw(b'{"op":"hello","id":0,"agent_id":"f5-sink"}\n{"op":"fetch","id":1,"limit":%d,"wait_ms":5000}\n' % PREFETCH)
    else:
        c.send_raw(b'{"op":"hello","id":0,"agent_id":"f5-idle"}\n{"op":"fetch","id":1,"limit":10,"wait_ms":20000}\n')
    c.sock.setblocking(False)
    conns.append(c)
sel = selectors.DefaultSelector()
for c in conns:
    sel.register(c.sock, selectors.EVENT_READ, c)
held = {}       # message_id -> (n, attempt)
replies = 0
end = now() + 20
while (len(held) < HELD or replies < 2 * (SUBS + FETCHERS) + WAITERS) and now() < end:
    for key, _ in sel.select(0.2):
        c = key.data
        chunk = c.sock.recv(65536)
        assert chunk, "agentd closed a consumer connection"
        c.buf += chunk
        while b"\n" in c.buf:
            line, c.buf = c.buf.split(b"\n", 1)
            frame = json.loads(line)
            if "event" in frame:
                m = frame["message"]
                held[m["message_id"]] = (m["content"]["n"], m["delivery"]["attempt"])
            else:
                assert frame["ok"] is True, frame
                replies += 1
                for m in frame.get("messages", []):
                    held[m["message_id"]] = (m["content"]["n"], m["delivery"]["attempt"])
sel.close()
assert len(held) == HELD, "only %d messages in flight (want %d), %d replies" % (len(held), HELD, replies)
assert all(a == 1 for _, a in held.values())
during = Producer("f5-sink", range(10000, 10900), "f5-prod-1", window=32, rate=300).start()
time.sleep(0.5)
s = stats()
before_conns, before_inflight = s["server"]["connections"], s["queues"]["in_flight"]
assert before_inflight == HELD, s["queues"]

t_drop = now()
for c in conns:
    rst_close(c)
settle = None
while now() - t_drop < 15:
    s = stats()
    if s["server"]["connections"] == before_conns - len(conns) and s["queues"]["in_flight"] == 0:
        settle = now() - t_drop
        break
    time.sleep(0.05)
assert during.join(30), "producer during the drop still running"

fresh = Consumer("f5-sink", mode="fetch", limit=200, wait_ms=200, name="after").start()
ledger = Ledger([pre, during], [fresh])
drain(ledger, ledger.ok(), 20)
fresh.join(10)
idle_p = Producer("f5-idle", range(20000, 20050), "f5-prod-2", window=50).start()
assert idle_p.join(10)
idle_c = Consumer("f5-idle", mode="fetch", limit=100, wait_ms=200, name="idle-after").start()
idle = Ledger([idle_p], [idle_c])
drain(idle, idle.ok(), 10)
idle_c.join(10)

f = ledger.figures()
first = {}
for t, n, mid, attempt in fresh.deliveries:
    first.setdefault(mid, attempt)
back2 = sum(1 for mid in held if first.get(mid, 0) >= 2)
back1 = [mid for mid in held if first.get(mid) == 1]
f["held_at_drop"] = len(held)
f["redelivered_attempt_ge2"] = back2
print(Ledger.line(f, ["sent", "ok", "delivered_unique", "lost", "held_at_drop", "redelivered_attempt_ge2",
                      "dup_attempt_1"],
                  "(%d connections dropped; connections %d -> %d and in_flight %d -> 0 in %s s; "
                  "idle agent: %d of %d sent after the drop delivered)"
                  % (len(conns), before_conns, before_conns - len(conns), before_inflight,
                     "%.2f" % settle if settle is not None else "NEVER", len(idle.delivered()), len(idle.ok()))))
errors = [e for x in (pre, during, fresh, idle_p, idle_c) for e in x.errors]
assert not errors, errors[:5]
assert settle is not None, "after the drop: %r" % s
assert f["lost"] == 0, "%d sends answered ok never delivered" % f["lost"]
assert not back1, "%d messages in flight at the drop came back with attempt 1" % len(back1)
assert back2 == HELD, "%d of %d in-flight messages came back" % (back2, HELD)
assert f["dup_attempt_1"] == 0 and f["other"] == 0 and f["unavailable"] == 0, f
assert idle.figures()["lost"] == 0 and len(idle.ok()) == 50, idle.figures()
q = stats()["queues"]
assert q["in_flight"] == 0 and q["pending"] == 0, q
assert w.call("health")["status"] == "ok"
PY
kill -0 "$AGENTD_PID" || fail "agentd died"
stop_agentd

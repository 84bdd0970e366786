#!/usr/bin/env bash
# One agent subscribed on daemon A and on daemon B (prefetch 5 each) shares one inbox: of
# 200 messages (100 sent through each daemon) every one is pushed exactly once, with
# attempt 1, and both connections get a share. Then the connection on A closes while it
# holds 5 unacked pushed messages: they are pushed on the agent's connection on B within
# 1 s, with attempt 2 (the ack timeout is 30 s; A stays up, so no lease takeover is involved).
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/daemons.sh"
require_redis
export AGENTD_DAEMON_LEASE_MS=1000
start_daemon A x03-a
start_daemon B x03-b
py <<'PY'
import json, threading, time
from wire import *
from daemons import *
sa = connect("A", "x03-sender-a", timeout=15)
sb = connect("B", "x03-sender-b", timeout=15)
pa = connect("A", "x03-pool", timeout=15)
pb = connect("B", "x03-pool", timeout=15)
pa.call("subscribe", prefetch=5)
pb.call("subscribe", prefetch=5)
got = {"A": [], "B": []}      # (message_id, attempt)
errors = []
stop = threading.Event()

def consume(name, c):
    try:
        while not stop.is_set():
            batch = [e["message"] for e in c.collect_events(quiet=0.3, limit=5)]
            if not batch:
                continue
            got[name].extend((m["message_id"], m["delivery"]["attempt"]) for m in batch)
            time.sleep(0.02)                  # a consumer that takes a little time per batch
            c.call("ack", message_ids=[m["message_id"] for m in batch])
    except Exception as e:
        errors.append("%s: %r" % (name, e))

threads = [threading.Thread(target=consume, args=(n, c), daemon=True) for n, c in (("A", pa), ("B", pb))]
for t in threads:
    t.start()

def pipeline_sends(c, tag, n):
    c.send_raw(b"".join(json.dumps({"op": "send", "id": i, "message": {
        "to_agent": "x03-pool", "message_type": "status_update", "content": {"from": tag, "i": i}}}).encode() + b"\n"
        for i in range(n)))
    ids = []
    for i in range(n):
        r = c.recv_reply(timeout=15)
        assert r.get("ok") is True and r["id"] == i, r
        ids.append(r["message_id"])
    return ids

sent = pipeline_sends(sa, "A", 100) + pipeline_sends(sb, "B", 100)
wait_for("all 200 pushed", lambda: len({m for v in got.values() for m, _ in v}) >= 200 or errors, timeout=20)
time.sleep(1.0)                               # anything pushed twice would show up now
stop.set()
for t in threads:
    t.join(5)
assert not errors, errors
ids_a = [m for m, _ in got["A"]]
ids_b = [m for m, _ in got["B"]]
every = ids_a + ids_b
print("# 200 sent (100 via A, 100 via B): pushed %d on A, %d on B, %d distinct, %d both"
      % (len(ids_a), len(ids_b), len(set(every)), len(set(ids_a) & set(ids_b))))
assert sorted(set(every)) == sorted(sent), "missing %d" % len(set(sent) - set(every))
assert len(every) == 200, "%d deliveries for 200 messages (some pushed twice)" % len(every)
assert all(a == 1 for v in got.values() for _, a in v), "a first push with attempt != 1"
assert len(ids_a) >= 10 and len(ids_b) >= 10, "one inbox, two daemons, but the split is %d/%d" % (len(ids_a), len(ids_b))

# Part 2: A's connection holds 5 unacked pushes and closes; B's connection gets them.
pb.close()
held = [sa.send("x03-pool", {"held": k})["message_id"] for k in range(5)]
ev = []
end = now() + 5
while len(ev) < 5 and now() < end:
    try:
        ev.append(pa.expect_event(timeout=0.5))
    except NoFrame:
        pass
assert sorted(e["message"]["message_id"] for e in ev) == sorted(held), "A's subscriber got %r" % ev
pb2 = connect("B", "x03-pool", timeout=15)
pb2.call("subscribe", prefetch=10)
pb2.expect_nothing(0.5)                       # A holds all five
t0 = now()
pa.close()
back = []
end = t0 + 5
while len(back) < 5 and now() < end:
    try:
        e = pb2.expect_event(timeout=0.2)
        back.append((now() - t0, e["message"]["message_id"], e["message"]["delivery"]["attempt"]))
    except NoFrame:
        pass
took = max(t for t, _, _ in back) if back else None
print("# A's connection closed holding 5 unacked: %d pushed on B, last after %s, attempts %s"
      % (len(back), "%.3f s" % took if took is not None else "-", sorted({a for _, _, a in back})))
assert sorted(m for _, m, _ in back) == sorted(held), "B got %r of %r" % ([m for _, m, _ in back], held)
assert all(a == 2 for _, _, a in back), back
assert took < 1.0, "released messages reached B after %.2f s" % took
pb2.call("ack", message_ids=held)
pb2.expect_nothing(0.5)
PY

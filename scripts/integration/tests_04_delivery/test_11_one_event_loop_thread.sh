#!/usr/bin/env bash
# event_loop_threads = 1 (AGENTD_EVENT_LOOP_THREADS): agentd runs one event-loop thread, and
# every connection, its Redis I/O and its pushes share it. Sends from two connections reach a
# subscriber (push) and a fetcher of another agent, each exactly once, in order per sender.
source "$(dirname "$0")/../test_functions.sh"
AGENTD_EVENT_LOOP_THREADS=1 start_agentd
loops="$(cat /proc/"$AGENTD_PID"/task/*/comm | grep -c '^NIO-ELT' || true)"
[ "$loops" = 1 ] || fail "expected 1 event-loop thread, found $loops"
py <<'PY'
from wire import *
a, b, sub, fet = Conn(), Conn(), Conn(), Conn()
a.hello("one-loop-a")
b.hello("one-loop-b")
sub.hello("one-loop-sub")
fet.hello("one-loop-fetch")
sub.send_line({"op": "subscribe", "id": "s", "prefetch": 50})
assert sub.recv_reply().get("subscribed") is True
n = 100
for i in range(n):
    a.send_line({"op": "send", "id": i, "message": {"to_agent": "one-loop-sub", "message_type": "status_update", "content": {"from": "a", "n": i}}})
    b.send_line({"op": "send", "id": i, "message": {"to_agent": "one-loop-fetch", "message_type": "status_update", "content": {"from": "b", "n": i}}})
for conn in (a, b):
    for i in range(n):
        reply = conn.recv_reply()
        assert reply.get("ok") is True and reply.get("id") == i, reply
pushed = []
while len(pushed) < n:
    event = sub.expect_event(timeout=5)
    message = event["message"]
    pushed.append(message["content"]["n"])
    sub.call("ack", message_ids=[message["message_id"]])
assert pushed == list(range(n)), pushed[:10]
fetched = fetch_until(fet, n, deadline_s=10.0, limit=100)
assert [m["content"]["n"] for m in fetched] == list(range(n)), [m["content"]["n"] for m in fetched][:10]
fet.call("ack", message_ids=[m["message_id"] for m in fetched])
sub.expect_nothing(timeout=0.5)
counters = stats(a)["queues"]
assert counters["sent_total"] == 2 * n and counters["acked_total"] == 2 * n, counters
print("# one event-loop thread: %d pushed and %d fetched, in order, each once" % (n, len(fetched)))
PY

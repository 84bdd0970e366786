#!/usr/bin/env bash
# On a subscribed connection, pushed events may come between replies but never disturb
# them: 300 pipelined requests are answered in order while 100 messages are pushed.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
import json, threading
from wire import *
s, r = Conn(timeout=20), Conn(timeout=20)
s.hello("mix-sender")
r.hello("mix-receiver")
r.call("subscribe", prefetch=1000)
def send_all():
    for i in range(100):
        s.send("mix-receiver", {"i": i})
t = threading.Thread(target=send_all)
t.start()
r.send_raw(b"".join(json.dumps({"op": ["ping", "stats", "health"][i % 3], "id": "q%d" % i}).encode() + b"\n"
                    for i in range(300)))
replies, events = [], []
while len(replies) < 300 or len(events) < 100:
    f = r.recv(timeout=15)
    if "event" in f:
        assert "ok" not in f and "id" not in f, "event with ok/id: %r" % f
        events.append(f["message"]["content"]["i"])
    else:
        assert f["ok"] is True, f
        replies.append(f["id"])
t.join()
assert replies == ["q%d" % i for i in range(300)], "replies out of order"
assert events == list(range(100)), "events out of order or missing: %r" % events[:20]
print("# 300 pipelined replies in order, 100 events interleaved")
PY

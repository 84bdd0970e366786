#!/usr/bin/env bash
# nack {dead_letter: true} moves fetched (attempt 1) and pushed messages to the dead letters at
# once, reason "rejected", replying {requeued: 0, dead_lettered: n}; they are never delivered
# again, stats count them as dead, and a plain nack still replies {requeued: n} only.
source "$(dirname "$0")/../test_functions.sh"
require_redis
start_agentd
py <<'PY'
from wire import *
s, r, p = Conn(), Conn(), Conn()
s.hello("dl-sender")
r.hello("dl-worker")
p.hello("dl-worker")
ids = [s.send("dl-worker", {"n": n}, message_id="dl-%d" % n)["message_id"] for n in range(3)]
got = r.fetch(limit=2)
assert [m["message_id"] for m in got] == ids[:2], got
assert all(m["delivery"]["attempt"] == 1 for m in got), got
reply = r.call("nack", message_ids=ids[:2] + ["not-in-flight"], dead_letter=True)
assert reply == {"id": reply["id"], "ok": True, "requeued": 0, "dead_lettered": 2}, reply
p.call("subscribe", prefetch=1)
pushed = p.expect_event()["message"]
assert pushed["message_id"] == ids[2], pushed
reply = p.call("nack", message_ids=[ids[2]], dead_letter=True)
assert reply["dead_lettered"] == 1 and reply["requeued"] == 0, reply
assert r.fetch(wait_ms=500) == [], "a rejected message came back"
p.expect_nothing(0.5)
dead = r.call("dead_letters")["messages"]
assert [m["message_id"] for m in dead] == ids, dead
assert all(m["dead"]["reason"] == "rejected" and m["dead"]["attempts"] == 1 for m in dead), dead
assert stats(r)["queues"]["dead_letters"] >= 3, stats(r)
# The plain nack keeps its reply shape (the pushing connection stops, so r fetches it).
p.call("unsubscribe")
mid = s.send("dl-worker", {"plain": True})["message_id"]
assert [m["message_id"] for m in r.fetch(wait_ms=2000)] == [mid]
reply = r.call("nack", message_ids=[mid])
assert set(reply) == {"id", "ok", "requeued"} and reply["requeued"] == 1, reply
expect_error(r.request("nack", message_ids=[mid], dead_letter="yes"), "bad_request", "dead_letter")
print("# 3 messages dead-lettered at attempt 1 (2 fetched, 1 pushed), reason rejected")
PY

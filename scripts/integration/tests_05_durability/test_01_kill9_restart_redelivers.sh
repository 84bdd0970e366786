#!/usr/bin/env bash
# kill -9 agentd while messages are fetched-but-unacked and others are still queued;
# restart on the same Redis and key prefix: every message is delivered again, nothing
# lost; the unacked ones come with attempt >= 2, the never-delivered ones with attempt 1.
source "$(dirname "$0")/../test_functions.sh"
require_redis
start_agentd
py >"$TEST_TMP/before.json" <<'PY'
import json
from wire import *
s, r = Conn(), Conn()
s.hello("crash-sender")
r.hello("crash-receiver")
ids = [s.send("crash-receiver", {"n": i})["message_id"] for i in range(30)]
fetched = [m["message_id"] for m in r.fetch(limit=10)]
acked = fetched[:3]
assert r.call("ack", message_ids=acked)["acked"] == 3
print(json.dumps({"ids": ids, "fetched": fetched, "acked": acked}))
PY
kill9_agentd
start_agentd
py "$TEST_TMP/before.json" <<'PY'
import json, sys, time
from wire import *
before = json.load(open(sys.argv[1]))
ids, fetched, acked = before["ids"], before["fetched"], before["acked"]
expected = [i for i in ids if i not in acked]
r = Conn()
r.hello("crash-receiver")
t0 = time.monotonic()
got = {}
end = time.monotonic() + 45
while len(got) < len(expected) and time.monotonic() < end:
    for m in r.fetch(limit=100, wait_ms=500):
        got.setdefault(m["message_id"], m)
took = time.monotonic() - t0
lost = [i for i in expected if i not in got]
back = [i for i in acked if i in got]
print("# sent=%d acked-before-crash=%d delivered-after=%d lost=%d acked-came-back=%d (%.1f s)"
      % (len(ids), len(acked), len(got), len(lost), len(back), took))
assert not lost, "lost after restart: %r" % lost
assert not back, "acked messages delivered again: %r" % back
unacked = [i for i in fetched if i not in acked]
for i in unacked:
    assert got[i]["delivery"]["attempt"] >= 2, got[i]
for i in expected:
    if i not in fetched:
        assert got[i]["delivery"]["attempt"] == 1, got[i]
r.call("ack", message_ids=list(got))
PY

#!/usr/bin/env bash
# A send is answered only once the message is stored: pipeline 500 sends, kill -9 agentd
# right after the 500th reply, restart, and all 500 are there.
source "$(dirname "$0")/../test_functions.sh"
require_redis
start_agentd
py >"$TEST_TMP/ids.json" <<'PY'
import json, os, signal
from wire import *
s = Conn(timeout=30)
s.hello("burst-sender")
frames = [{"op": "send", "id": i, "message": {"to_agent": "burst-receiver", "message_type": "status_update",
                                              "content": {"n": i}}} for i in range(500)]
s.send_raw(b"".join(json.dumps(f).encode() + b"\n" for f in frames))
ids = []
for i in range(500):
    r = s.recv(timeout=30)
    assert r.get("id") == i and r.get("ok") is True, r
    ids.append(r["message_id"])
os.kill(int(os.environ["AGENTD_PID"]), signal.SIGKILL)
print(json.dumps(ids))
PY
_wait_pid "$AGENTD_PID" 10
start_agentd
py "$TEST_TMP/ids.json" <<'PY'
import json, sys
from wire import *
ids = json.load(open(sys.argv[1]))
r = Conn()
r.hello("burst-receiver")
got = fetch_until(r, 500, deadline_s=20, limit=1000)
seen = {m["message_id"] for m in got}
lost = [i for i in ids if i not in seen]
print("# sent=500 replied=%d delivered-after-restart=%d lost=%d" % (len(ids), len(seen), len(lost)))
assert len(ids) == 500 and not lost, "lost %d: %r" % (len(lost), lost[:10])
assert sorted(m["content"]["n"] for m in got) == list(range(500))
r.call("ack", message_ids=ids)
PY

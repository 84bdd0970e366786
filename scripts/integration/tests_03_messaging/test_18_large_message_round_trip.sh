#!/usr/bin/env bash
# A message close to the default max_frame_bytes (1 MiB) goes through intact, both by
# fetch and by push.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
import json
from wire import *
s, r = Conn(timeout=15), Conn(timeout=15)
s.hello("big-sender")
r.hello("big-receiver")
blob = "".join(chr(ord("a") + i % 26) for i in range(900_000))
content = {"blob": blob, "list": list(range(5000))}
frame = {"op": "send", "id": 1, "message": {"to_agent": "big-receiver", "message_type": "status_update", "content": content}}
size = len(json.dumps(frame, separators=(",", ":")))
assert size < 1048576, size
s.send_line(frame)
assert s.recv()["ok"] is True
got = r.fetch()
assert len(got) == 1 and got[0]["content"] == content, "large content changed"
r.call("ack", message_ids=[got[0]["message_id"]])
s.send("big-receiver", content)
r.call("subscribe")
e = r.expect_event(timeout=10)
assert e["message"]["content"] == content
r.call("ack", message_ids=[e["message"]["message_id"]])
print("# %d-byte send frame delivered intact by fetch and push" % size)
PY

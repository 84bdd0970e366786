#!/usr/bin/env bash
# A message coming back for another attempt goes ahead of new messages of the same
# priority, even ones that were sent before it.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
import time
from wire import *
s, r = Conn(), Conn()
s.hello("again-sender")
r.hello("again-receiver")
new = s.send("again-receiver", {"name": "new"}, delay_ms=400)["message_id"]    # sent first, held back
back = s.send("again-receiver", {"name": "back"})["message_id"]
got = r.fetch()
assert [m["message_id"] for m in got] == [back], got
time.sleep(0.8)  # "new" is deliverable now
r.call("nack", message_ids=[back])
got = r.fetch(limit=10)
names = [m["content"]["name"] for m in got]
assert names == ["back", "new"], "want the redelivered message first, got %r" % names
assert got[0]["delivery"]["attempt"] == 2 and got[1]["delivery"]["attempt"] == 1, got
r.call("ack", message_ids=[back, new])
print("# redelivered (attempt 2) ahead of an older new message: %s" % " ".join(names))
PY

#!/usr/bin/env bash
# After dedup_window_ms a message_id is free again: the same sender's resend is a new
# message, and another sender may use it.
source "$(dirname "$0")/../test_functions.sh"
AGENTD_DEDUP_WINDOW_MS=1000 start_agentd
py <<'PY'
import time
from wire import *
s, t, r = Conn(), Conn(), Conn()
s.hello("window-sender")
t.hello("window-other")
r.hello("window-receiver")
s.send("window-receiver", {"copy": 1}, message_id="win-1")
assert s.send("window-receiver", {"copy": 1}, message_id="win-1").get("duplicate") is True
got = r.fetch()
assert len(got) == 1, got
r.call("ack", message_ids=["win-1"])
time.sleep(1.5)
again = s.send("window-receiver", {"copy": 2}, message_id="win-1")
assert not again.get("duplicate"), "still a duplicate after the window: %r" % again
got = r.fetch(wait_ms=1000)
assert [m["content"] for m in got] == [{"copy": 2}], got
r.call("ack", message_ids=["win-1"])
time.sleep(1.5)
other = t.send("window-receiver", {"copy": 3}, message_id="win-1")
assert not other.get("duplicate"), other
got = r.fetch(wait_ms=1000)
assert [(m["from_agent"], m["content"]) for m in got] == [("window-other", {"copy": 3})], got
r.call("ack", message_ids=["win-1"])
print("# dedup_window_ms=1000: id reusable after the window, by the same and another sender")
PY

#!/usr/bin/env bash
# request on daemon A, replier on daemon B: the reply (stored in the requester's inbox in Redis,
# A woken through pub/sub) answers the request; it is taken by it, not pushed to the
# requester's subscribed connection on A nor fetchable; a message without the correlation id
# sent meanwhile is pushed as usual; reply_to is set to the requester whatever was sent, and
# correlation_id is made up when absent and kept when given.
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/../tests_14_daemons/daemons.sh"
require_redis
export AGENTD_DAEMON_LEASE_MS=1000
start_daemon A rr-a
start_daemon B rr-b
py <<'PY'
import threading, time
from wire import *
from daemons import *
asker = connect("A", "rr-asker", timeout=20)
watcher = connect("A", "rr-asker")
helper = connect("B", "rr-helper", timeout=20)
watcher.call("subscribe")

def serve(count):
    for _ in range(count):
        msgs = []
        while not msgs:
            msgs = helper.call("fetch", wait_ms=5000)["messages"]
        for m in msgs:
            assert m["reply_to"] == "rr-asker", m
            helper.send("rr-asker", {"answer": m["content"]["q"] * 2}, message_type="task_response",
                        correlation_id=m["correlation_id"])
            helper.call("ack", message_ids=[m["message_id"]])

lat = []
for q, given in [(1, None), (2, "my-corr-2"), (3, None)]:
    t = threading.Thread(target=serve, args=(1,))
    t.start()
    message = {"to_agent": "rr-helper", "message_type": "task_request", "content": {"q": q}, "reply_to": "ignored"}
    if given:
        message["correlation_id"] = given
    t0 = time.monotonic()
    reply = asker.request("request", message=message, timeout_ms=10000, timeout=15)
    lat.append(time.monotonic() - t0)
    t.join(10)
    assert reply["ok"] is True and reply.get("timed_out") is None, reply
    assert reply["reply"]["content"] == {"answer": q * 2}, reply
    assert reply["reply"]["from_agent"] == "rr-helper", reply
    assert reply["reply"]["delivery"]["attempt"] == 1, reply
    if given:
        assert reply["reply"]["correlation_id"] == given, reply
    assert isinstance(reply["message_id"], str)
    # Meanwhile an ordinary message to the asker is pushed to its other connection.
    helper.send("rr-asker", {"plain": q})
    ev = watcher.expect_event()["message"]
    assert ev["content"] == {"plain": q}, ev
    watcher.call("ack", message_ids=[ev["message_id"]])
watcher.expect_nothing(0.5)
assert asker.fetch(wait_ms=300) == [], "a reply taken by its request was delivered again"
print("# 3 requests on A answered by a replier on B: max %.0f ms; replies never pushed or fetched"
      % (max(lat) * 1000))
PY

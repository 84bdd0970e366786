#!/usr/bin/env bash
# A message's traceparent is echoed untouched on fetch, push and dead_letters, also through a
# delayed send; malformed ones are bad_request naming message.traceparent.
source "$(dirname "$0")/../test_functions.sh"
require_redis
start_agentd
py <<'PY'
from wire import *
TRACE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
s, f, p = Conn(), Conn(), Conn()
s.hello("tp-sender")
f.hello("tp-fetcher")
p.hello("tp-pusher")
s.send("tp-fetcher", {"k": 1}, traceparent=TRACE)
s.send("tp-fetcher", {"k": 2}, traceparent=TRACE, delay_ms=200, ttl_ms=60000)
s.send("tp-fetcher", {"k": 3})
got = fetch_until(f, 3, deadline_s=5.0)
by = {m["content"]["k"]: m for m in got}
assert by[1]["traceparent"] == TRACE and by[2]["traceparent"] == TRACE, got
assert "traceparent" not in by[3], by[3]
f.call("nack", message_ids=[by[1]["message_id"]], dead_letter=True)
dead = f.call("dead_letters")["messages"]
assert dead[0]["traceparent"] == TRACE, dead
p.call("subscribe")
s.send("tp-pusher", {"k": 4}, traceparent=TRACE)
assert p.expect_event()["message"]["traceparent"] == TRACE
for bad in ["00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01", "01-" + TRACE[3:], TRACE[:-3],
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01", 7, "traceparent"]:
    reply = s.request("send", message={"to_agent": "tp-fetcher", "message_type": "heartbeat", "content": {},
                                       "traceparent": bad})
    expect_error(reply, "bad_request", "message.traceparent")
print("# traceparent echoed on fetch (also delayed), dead_letters and push; 6 bad forms refused")
PY

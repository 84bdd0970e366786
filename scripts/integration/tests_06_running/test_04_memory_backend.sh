#!/usr/bin/env bash
# --backend memory runs without any Redis.
source "$(dirname "$0")/../test_functions.sh"
unset AGENTD_REDIS
start_agentd_raw --listen 127.0.0.1:0 --backend memory
py <<'PY'
from wire import *
s, r = Conn(), Conn()
s.hello("mem-sender")
r.hello("mem-receiver")
mid = s.send("mem-receiver", {"big": 2**63 - 1})["message_id"]
got = r.fetch()
assert len(got) == 1 and got[0]["message_id"] == mid and got[0]["content"] == {"big": 2**63 - 1}, got
assert r.call("ack", message_ids=[mid])["acked"] == 1
h = r.call("health")
assert (h["status"], h["store"], h["backend"]) == ("ok", "up", "memory"), h
assert r.call("stats")["server"]["backend"] == "memory"
print("# memory backend: send/fetch/ack ok, health %r" % h)
PY
stop_agentd

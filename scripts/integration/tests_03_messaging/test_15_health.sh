#!/usr/bin/env bash
# health with a reachable Redis: status ok, store up, backend redis.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
c = Conn()
c.hello("doctor")
h = c.call("health")
assert (h.get("status"), h.get("store"), h.get("backend")) == ("ok", "up", "redis"), h
print("# health: %s/%s/%s" % (h["status"], h["store"], h["backend"]))
PY

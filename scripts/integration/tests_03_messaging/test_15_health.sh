#!/usr/bin/env bash
# health with a reachable store: status ok, store up, backend as configured.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
import os
from wire import *
c = Conn()
c.hello("doctor")
h = c.call("health")
assert (h.get("status"), h.get("store"), h.get("backend")) == ("ok", "up", os.environ["AGENTD_TEST_BACKEND"]), h
print("# health: %s/%s/%s" % (h["status"], h["store"], h["backend"]))
PY

#!/usr/bin/env bash
# agent_activity records the heartbeat sweeper's verdicts: a registered agent that falls
# silent past heartbeat_timeout_ms is recorded offline (reason heartbeat_timeout, last_seen),
# and when it speaks again, online.
source "$(dirname "$0")/../test_functions.sh"
export PYTHONPATH="$(dirname "$0"):$PYTHONPATH"
export AUDIT="$TEST_TMP/audit"
AGENTD_AUDIT_DIR="$AUDIT" AGENTD_HEARTBEAT_INTERVAL_MS=100 AGENTD_HEARTBEAT_TIMEOUT_MS=400 start_agentd
py <<'PY'
import os, time
from wire import *
from audit import *
d = os.environ["AUDIT"]
w = Conn(); w.hello("oo-worker"); w.call("register", role="worker", capabilities=[])
off = wait_records(d, "agent_activity", lambda r: r["event"] == "offline" and r["agent_id"] == "oo-worker", timeout=6)[0]
assert off["reason"] == "heartbeat_timeout" and TS_RE.match(off["last_seen"]), off
w.call("heartbeat")
on = wait_records(d, "agent_activity", lambda r: r["event"] == "online" and r["agent_id"] == "oo-worker")[0]
assert on["reason"] in ("heartbeat", "frame"), on
names = [r["event"] for r in lines(d, "agent_activity") if r["agent_id"] == "oo-worker"]
assert names[:3] == ["registered", "offline", "online"], names
print("# agent_activity: registered, offline (heartbeat_timeout), online (%s)" % on["reason"])
PY
stop_agentd

#!/usr/bin/env bash
# log_format = json (AGENTD_LOG_FORMAT): every stderr line but the ready line is one JSON
# object with ts (RFC 3339 UTC, ms), level, label, message, source, and string metadata;
# the "agentd ready" contract line stays plain text.
source "$(dirname "$0")/../test_functions.sh"
AGENTD_LOG_FORMAT=json AGENTD_LOG_LEVEL=debug start_agentd
py <<'PY'
from wire import *
c = Conn()
c.hello("lf-agent")
c.call("ping")
PY
stop_agentd
python3 - "$AGENTD_LOG" <<'PY'
import json, re, sys
ts_re = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
ready, records = 0, []
for line in open(sys.argv[1], encoding="utf-8"):
    if line.startswith("agentd ready "):
        ready += 1
        continue
    r = json.loads(line)
    assert ts_re.match(r["ts"]) and r["level"] in ("trace", "debug", "info", "notice", "warning", "error", "critical"), r
    assert r["label"] == "agentd" and isinstance(r["message"], str) and isinstance(r["source"], str), r
    assert all(isinstance(v, str) for v in r.get("metadata", {}).values()), r
    records.append(r)
assert ready == 1, "ready line missing or repeated"
assert any(r["message"] == "agentd stopped" for r in records), [r["message"] for r in records]
assert any(r.get("metadata") for r in records), "no record carried metadata"
print("# log_format=json: %d JSON records, ready line plain; e.g. %s" % (len(records), json.dumps(records[-1])))
PY

#!/usr/bin/env bash
# A send whose from_agent names another agent is forbidden and stores nothing.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
s, r = Conn(), Conn()
s.hello("honest")
r.hello("target")
msg = {"to_agent": "target", "message_type": "status_update", "content": {"x": 1}, "from_agent": "someone-else"}
expect_error(s.request("send", message=msg), "forbidden")
msg["from_agent"] = "agentd"
expect_error(s.request("send", message=msg), "forbidden")
msg["from_agent"] = "honest"  # naming oneself is fine
s.call("send", message=msg)
got = r.fetch(limit=10)
assert len(got) == 1 and got[0]["from_agent"] == "honest", got
print("# spoofed from_agent -> forbidden, nothing stored")
PY

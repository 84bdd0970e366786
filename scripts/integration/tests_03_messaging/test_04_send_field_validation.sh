#!/usr/bin/env bash
# send checks its message: unknown message_type, missing to_agent/content, content that
# is not an object, unknown priority, wrong types -> bad_request naming the field.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
c = Conn()
c.hello("validator")
base = {"to_agent": "nobody-yet", "message_type": "status_update", "content": {}}
def variant(**kw):
    m = dict(base)
    for k, v in kw.items():
        if v is ...:
            m.pop(k)
        else:
            m[k] = v
    return m
cases = [
    (variant(message_type="gossip"), "message_type"),
    (variant(message_type=...), "message_type"),
    (variant(to_agent=...), "to_agent"),
    (variant(to_agent="bad id"), "to_agent"),
    (variant(content=...), "content"),
    (variant(content="text"), "content"),
    (variant(content=[1, 2]), "content"),
    (variant(priority="urgent"), "priority"),
    (variant(ttl_ms="100"), "ttl_ms"),
    (variant(delay_ms="100"), "delay_ms"),
    (variant(message_id=""), "message_id"),
    (variant(message_id="m" * 129), "message_id"),
]
for msg, field in cases:
    expect_error(c.request("send", message=msg), "bad_request", field)
expect_error(c.request("send"), "bad_request", "message")
for t in ["task_request", "task_response", "status_update", "heartbeat", "error_report", "coordination"]:
    c.send("nobody-yet", {"t": t}, message_type=t)
print("# %d invalid messages -> bad_request naming the field; all 6 plain types accepted" % len(cases))
PY

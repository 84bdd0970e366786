#!/usr/bin/env bash
# A request with no op, or an op that is not a string, is bad_request with a null id.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
c = Conn()
for frame in ['{"id":5}', '{"id":6,"op":5}', '{"id":7,"op":null}', '{"id":8,"op":["ping"]}', '{}']:
    c.send_line(frame)
    r = c.recv()
    expect_error(r, "bad_request")
    assert r.get("id") is None, "reply id must be null for %s: %r" % (frame, r)
assert c.request("ping")["ok"] is True
print("# missing/non-string op -> bad_request, id null")
PY

#!/usr/bin/env bash
# An id that is neither a string nor a number is bad_request, and the reply's id is null.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
c = Conn()
for frame in ['{"op":"ping","id":true}', '{"op":"ping","id":{"a":1}}', '{"op":"ping","id":[1]}']:
    c.send_line(frame)
    r = c.recv()
    expect_error(r, "bad_request")
    assert r.get("id") is None, "reply id must be null for %s: %r" % (frame, r)
for good in [0, -3, 12345678901, 2**63 - 1, 1.5, "", "abc", "\u00e9\u2713"]:
    r = c.request("ping", _id=good)
    assert r["ok"] is True and r["id"] == good and type(r["id"]) is type(good), r
print("# bool/object/array ids -> bad_request; number and string ids echoed")
PY

#!/usr/bin/env bash
# A line that is not valid UTF-8 is bad_json, and the connection keeps working.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
c = Conn()
for bad in [b'{"op":"ping","id":1,"x":"\xff\xfe"}\n', b'\xc3\x28\n', b'{"op":"p\xe9ng"}\n']:
    c.send_raw(bad)
    r = c.recv()
    expect_error(r, "bad_json")
    assert r.get("id") is None, "bad_json reply must carry a null id: %r" % r
r = c.request("ping")
assert r["ok"] is True and r.get("pong") is True, r
print("# 3 invalid UTF-8 lines -> bad_json, connection still usable")
PY

#!/usr/bin/env bash
# With max_frame_bytes = 1024: a 1024-byte line is fine, a longer one gets
# frame_too_large and then the server closes the connection.
source "$(dirname "$0")/../test_functions.sh"
AGENTD_MAX_FRAME_BYTES=1024 start_agentd
py <<'PY'
import json
from wire import *
c = Conn()
def padded(n, id_):
    base = {"op": "ping", "id": id_, "pad": ""}
    frame = json.dumps(base, separators=(",", ":"))
    return frame.replace('"pad":""', '"pad":"' + "x" * (n - len(frame)) + '"')
exact = padded(1024, 1)
assert len(exact) == 1024
c.send_line(exact)
r = c.recv()
assert r.get("ok") is True and r.get("id") == 1, "a frame of exactly max_frame_bytes must be accepted: %r" % r
c.send_line(padded(4000, 2))
r = c.recv()
expect_error(r, "frame_too_large")
c.expect_eof(timeout=5)
# Another connection is not affected.
d = Conn()
assert d.request("ping")["ok"] is True
print("# 1024-byte frame ok; 4000-byte frame -> frame_too_large + close")
PY

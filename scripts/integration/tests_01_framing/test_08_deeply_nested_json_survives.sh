#!/usr/bin/env bash
# Deeply nested JSON (200 000 / 100 000 levels, within max_frame_bytes) must not crash agentd: it
# gets a reply (an error, most likely) and the server keeps serving.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
c = Conn()
c.hello("nester")
depth = 200000
c.send_raw(b'{"op":"ping","id":1,"deep":' + b"[" * depth + b"]" * depth + b"}\n")
r = c.recv(timeout=10)
assert r.get("id") in (1, None), r
c.send_raw(b'{"op":"send","id":2,"message":{"to_agent":"nester","message_type":"status_update","content":{"a":'
           + b'{"b":' * (depth // 2) + b"1" + b"}" * (depth // 2) + b"}}}\n")  # 600 KB < 1 MiB
r2 = c.recv(timeout=10)
assert c.request("ping")["ok"] is True
d = Conn()
assert d.request("ping")["ok"] is True
print("# depth %d: replies %s / %s; server still up" % (depth, r.get("ok") or r["error"]["code"],
                                                       r2.get("ok") or r2["error"]["code"]))
PY
kill -0 "$AGENTD_PID" || fail "agentd died"

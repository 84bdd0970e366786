#!/usr/bin/env bash
# Past max_connections (2 here) a new connection gets one overloaded reply with a null
# id and is closed; once a slot frees up, connections are accepted again.
source "$(dirname "$0")/../test_functions.sh"
AGENTD_MAX_CONNECTIONS=2 start_agentd
py <<'PY'
import time
from wire import *
a, b = Conn(), Conn()
a.hello("first")
b.hello("second")
c = Conn()
frames = c.expect_eof(timeout=5)
assert len(frames) == 1, "want exactly one frame before close, got %r" % frames
f = frames[0]
assert "id" in f and f["id"] is None and f.get("ok") is False, f
expect_error(f, "overloaded")
a.call("ping")  # the first two are unaffected
b.close()
ok = False
end = time.monotonic() + 5
while not ok and time.monotonic() < end:
    d = Conn()
    try:
        ok = d.request("ping", timeout=2).get("ok") is True
    except (Closed, AssertionError):
        time.sleep(0.2)
print("# 3rd connection -> %s then EOF; slot reused after close: %s" % (f["error"]["code"], ok))
assert ok, "no connection accepted after one closed"
PY

#!/usr/bin/env bash
# A client that streams bytes without ever sending \n is cut off once it passes
# max_frame_bytes: agentd does not wait for a newline that may never come.
source "$(dirname "$0")/../test_functions.sh"
AGENTD_MAX_FRAME_BYTES=1024 start_agentd
py <<'PY'
from wire import *
c = Conn()
c.send_raw(b'{"op":"ping","pad":"' + b"x" * 8000)
frames = c.expect_eof(timeout=5)
assert len(frames) == 1, frames
expect_error(frames[0], "frame_too_large")
print("# 8000 bytes without newline -> frame_too_large + close")
PY

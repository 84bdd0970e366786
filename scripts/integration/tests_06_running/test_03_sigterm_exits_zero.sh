#!/usr/bin/env bash
# SIGTERM (and SIGINT) drain and exit 0 within drain_timeout_ms (default 10 s), also
# with clients connected.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY' &
import time
from wire import *
c = Conn()
c.hello("bystander")
c.call("subscribe")
try:
    c.expect_eof(timeout=20)
except AssertionError:
    pass
PY
client=$!
sleep 0.5
stop_agentd 12
echo "# SIGTERM: exit 0 after ${STOP_SECONDS}s"
wait "$client" || true
start_agentd
py <<'PY'
from wire import *
Conn().hello("bystander")
PY
t0=$(date +%s.%N)
kill -INT "$AGENTD_PID"
_wait_pid "$AGENTD_PID" 12
[[ $WAIT_RC -ne 255 ]] || fail "agentd still running 12 s after SIGINT"
assert_equal 0 "$WAIT_RC" "exit status after SIGINT"
echo "# SIGINT: exit 0 after $(python3 -c "print('%.2f' % ($(date +%s.%N) - $t0))")s"

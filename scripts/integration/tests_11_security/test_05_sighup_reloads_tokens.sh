#!/usr/bin/env bash
# SIGHUP re-reads the tokens file: a newly listed agent can say hello, connections stay open
# and keep working; a broken file on reload is logged and the previous tokens stay.
source "$(dirname "$0")/../test_functions.sh"
TOKENS="$TEST_TMP/tokens.json"
python3 "$(dirname "$0")/tokens.py" "$TOKENS" "worker-*=w-secret:worker"
AGENTD_AUTH_MODE=token AGENTD_AUTH_TOKENS_FILE="$TOKENS" start_agentd
export TOKENS AGENTD_PID TOKENS_PY="$(cd "$(dirname "$0")" && pwd)/tokens.py"
py <<'PY'
import os, signal, subprocess, sys, time
from wire import *
old = Conn()
old.hello("worker-1", token="w-secret")
old.call("register", role="worker", capabilities=[])
expect_error(Conn().request("hello", agent_id="boss", token="b-secret"), "unauthenticated")

def reload_and_wait(pattern):
    log = os.environ["AGENTD_LOG"]
    before = open(log, errors="replace").read().count(pattern)
    os.kill(int(os.environ["AGENTD_PID"]), signal.SIGHUP)
    end = time.monotonic() + 5
    while open(log, errors="replace").read().count(pattern) == before:
        assert time.monotonic() < end, "no %r in the log after SIGHUP" % pattern
        time.sleep(0.05)

subprocess.check_call([sys.executable, os.environ["TOKENS_PY"], os.environ["TOKENS"],
                       "worker-*=w-secret:worker", "boss=b-secret:supervisor"])
reload_and_wait("tokens file reloaded")
b = Conn()
b.hello("boss", token="b-secret")
b.call("register", role="supervisor", capabilities=[])
# The connection from before the reload still works, with its roles.
old.send("boss", {"hi": 1})
assert len(fetch_until(b, 1)) == 1
old.call("heartbeat")
print("# after SIGHUP: boss can hello; the earlier connection kept working")

with open(os.environ["TOKENS"], "w") as f:
    f.write("[{\"agent\": \"boss\"}")
reload_and_wait("tokens file not reloaded")
Conn().hello("boss", token="b-secret")
print("# a broken file on SIGHUP is logged; the previous tokens stay")
PY
kill -0 "$AGENTD_PID" || fail "agentd died on SIGHUP"
stop_agentd

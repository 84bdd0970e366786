#!/usr/bin/env bash
# SIGHUP re-reads the TLS files: after the certificate is replaced by one from a new CA, new
# connections get the new certificate while a connection opened before keeps working; a
# broken file on SIGHUP is logged and the certificate in use stays.
source "$(dirname "$0")/../test_functions.sh"
old="$TEST_TMP/old" new="$TEST_TMP/new" live="$TEST_TMP/live"
"$(dirname "$0")/../tls/make-certs.sh" "$old"
"$(dirname "$0")/../tls/make-certs.sh" "$new"
mkdir -p "$live"
cp "$old/server.pem" "$old/server-key.pem" "$live/"
AGENTD_TLS_CERT_FILE="$live/server.pem" AGENTD_TLS_KEY_FILE="$live/server-key.pem" start_agentd
export OLD="$old" NEW="$new" TEST_TMP
# One connection from before the renewal, kept open across it.
py >"$TEST_TMP/before.out" 2>&1 <<'PY' &
import os, time
from wire import *
c = Conn(tls=tls_context(os.environ["OLD"] + "/ca.pem"))
c.hello("before")
open(os.environ["TEST_TMP"] + "/go", "w").close()       # tell the script: connected
done = os.environ["TEST_TMP"] + "/done"                  # wait until the reload was checked
deadline = time.monotonic() + 60
while not os.path.exists(done):
    assert time.monotonic() < deadline, "the script never finished checking the reload"
    time.sleep(0.05)
assert c.call("ping")["pong"] is True
print("# the connection opened before the reload still answers")
PY
before=$!
wait_for_mark "$TEST_TMP/go" "$before"
cp "$new/server.pem" "$new/server-key.pem" "$live/"
kill -HUP "$AGENTD_PID"
py <<'PY'
import os, ssl, time
from wire import *
deadline = time.monotonic() + 10
while True:
    try:
        Conn(tls=tls_context(os.environ["NEW"] + "/ca.pem")).hello("after")
        break
    except ssl.SSLError:
        assert time.monotonic() < deadline, "the new certificate was never served"
        time.sleep(0.1)
try:
    Conn(tls=tls_context(os.environ["OLD"] + "/ca.pem"))
    raise AssertionError("the old certificate is still served")
except ssl.SSLCertVerificationError:
    pass
print("# after SIGHUP: new connections get the new certificate")
PY
: >"$TEST_TMP/done"
wait "$before" || fail "the connection from before the reload broke: $(cat "$TEST_TMP/before.out")"
grep '^#' "$TEST_TMP/before.out"
echo "not a certificate" >"$live/server.pem"
kill -HUP "$AGENTD_PID"
end=$((SECONDS + 10))
until grep -q "TLS files not reloaded" "$AGENTD_LOG"; do
    ((SECONDS < end)) || fail "no error logged for a broken certificate file"
    sleep 0.1
done
py <<'PY'
import os
from wire import *
Conn(tls=tls_context(os.environ["NEW"] + "/ca.pem")).hello("still")
print("# a broken file on SIGHUP is logged; the certificate in use stays")
PY

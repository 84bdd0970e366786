#!/usr/bin/env bash
# tls.plain_listen: a plain-TCP agent port beside the TLS one, for local tools; the ready
# line names it as plain=HOST:PORT. A non-loopback address is refused at start.
source "$(dirname "$0")/../test_functions.sh"
pki="$TEST_TMP/pki"
"$(dirname "$0")/../tls/make-certs.sh" "$pki"
AGENTD_TLS_CERT_FILE="$pki/server.pem" AGENTD_TLS_KEY_FILE="$pki/server-key.pem" \
    AGENTD_TLS_PLAIN_LISTEN=127.0.0.1:0 start_agentd
plain="$(sed -nE 's/.*plain=([^ ]+).*/\1/p' <<<"$AGENTD_READY_LINE")"
[[ -n "$plain" ]] || fail "ready line has no plain=HOST:PORT: $AGENTD_READY_LINE"
PLAIN_PORT="${plain##*:}" PKI="$pki" py <<'PY'
import os
from wire import *
Conn(port=int(os.environ["PLAIN_PORT"])).hello("local-tool")
Conn(tls=tls_context(os.environ["PKI"] + "/ca.pem")).hello("remote-agent")
print("# plain hello on the loopback port, TLS hello on the agent port")
PY
stop_agentd
out="$TEST_TMP/refused.log"
if AGENTD_TLS_CERT_FILE="$pki/server.pem" AGENTD_TLS_KEY_FILE="$pki/server-key.pem" \
    AGENTD_TLS_PLAIN_LISTEN=0.0.0.0:0 timeout 20 "$AGENTD_BIN" --listen 127.0.0.1:0 --backend memory 2>"$out"; then
    fail "agentd started with a non-loopback plain_listen"
fi
grep -q "tls.plain_listen must be a loopback address" "$out" || fail "no clear error: $(cat "$out")"
echo "# plain_listen 0.0.0.0 refused: $(grep -o 'tls.plain_listen must[^;]*' "$out" | head -1)"

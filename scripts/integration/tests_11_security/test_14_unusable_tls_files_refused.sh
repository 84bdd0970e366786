#!/usr/bin/env bash
# TLS files agentd cannot use stop it at start with a line naming the setting and the file,
# never falling back to plain TCP: a missing certificate, a key that is not the
# certificate's, a CA bundle with no certificate in it, half a setup.
source "$(dirname "$0")/../test_functions.sh"
pki="$TEST_TMP/pki"
"$(dirname "$0")/../tls/make-certs.sh" "$pki" worker-1
check_refused() {
    local what="$1" expected="$2"; shift 2
    local out="$TEST_TMP/refused.log" rc=0
    env "$@" timeout 20 "$AGENTD_BIN" --listen 127.0.0.1:0 --backend memory >"$out" 2>&1 || rc=$?
    [[ $rc -ne 0 && $rc -ne 124 ]] || fail "$what: agentd did not refuse to start (status $rc)"
    grep -qF "$expected" "$out" || fail "$what: expected '$expected' in: $(cat "$out")"
    grep -q "agentd ready" "$out" && fail "$what: agentd said ready"
    echo "# $what: status $rc: $(grep -oF "$expected" "$out" | head -1)"
}
check_refused "missing certificate" "tls.cert_file $TEST_TMP/nope.pem: not a readable PEM certificate chain" \
    AGENTD_TLS_CERT_FILE="$TEST_TMP/nope.pem" AGENTD_TLS_KEY_FILE="$pki/server-key.pem"
check_refused "someone else's key" "certificate and key do not work together" \
    AGENTD_TLS_CERT_FILE="$pki/server.pem" AGENTD_TLS_KEY_FILE="$pki/client-worker-1-key.pem"
: >"$TEST_TMP/empty.pem"
check_refused "empty CA bundle" "tls.ca_file $TEST_TMP/empty.pem" \
    AGENTD_TLS_CERT_FILE="$pki/server.pem" AGENTD_TLS_KEY_FILE="$pki/server-key.pem" AGENTD_TLS_CA_FILE="$TEST_TMP/empty.pem"
check_refused "certificate without key" "TLS needs both tls.cert_file and tls.key_file" \
    AGENTD_TLS_CERT_FILE="$pki/server.pem"

#!/usr/bin/env bash
# Settings this version cannot honour stop agentd at start with a clear message, rather than
# being ignored: auth.mode = token, and TLS certificate/key files.
source "$(dirname "$0")/../test_functions.sh"
check_refused() {
    local what="$1"; shift
    local out="$TEST_TMP/refused.log" rc=0
    env "$@" timeout 20 "$AGENTD_BIN" --listen 127.0.0.1:0 --backend memory >"$out" 2>&1 || rc=$?
    [[ $rc -ne 0 && $rc -ne 124 ]] || fail "$what: agentd did not refuse to start (status $rc)"
    grep -q "not supported by this version" "$out" || fail "$what: no clear message: $(cat "$out")"
    grep -q "agentd ready" "$out" && fail "$what: agentd said ready"
    echo "# $what: refused with status $rc: $(grep -o 'not supported by this version[^;]*' "$out" | head -1)"
}
echo '[]' > "$TEST_TMP/tokens.json"
check_refused "auth.mode = token" AGENTD_AUTH_MODE=token AGENTD_AUTH_TOKENS_FILE="$TEST_TMP/tokens.json"
check_refused "tls files" AGENTD_TLS_CERT_FILE="$TEST_TMP/cert.pem" AGENTD_TLS_KEY_FILE="$TEST_TMP/key.pem"

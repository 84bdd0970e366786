#!/usr/bin/env bash
# Settings this version cannot honour stop agentd at start with a clear message, rather than
# being ignored: TLS certificate/key files. (auth.mode = token is supported: see
# tests_11_security.)
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
check_refused "tls files" AGENTD_TLS_CERT_FILE="$TEST_TMP/cert.pem" AGENTD_TLS_KEY_FILE="$TEST_TMP/key.pem"
# Token mode with a valid (even empty) tokens file now starts.
echo '[]' > "$TEST_TMP/tokens.json"
AGENTD_AUTH_MODE=token AGENTD_AUTH_TOKENS_FILE="$TEST_TMP/tokens.json" start_agentd_raw --listen 127.0.0.1:0 --backend memory
echo "# auth.mode = token with a tokens file: starts"
stop_agentd

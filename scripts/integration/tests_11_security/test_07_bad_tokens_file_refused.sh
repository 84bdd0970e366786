#!/usr/bin/env bash
# auth.mode = token with a missing or invalid tokens file stops agentd at start with a
# message naming the file (and the bad entry and field), exit status non-zero.
source "$(dirname "$0")/../test_functions.sh"
check_refused() {
    local what="$1" expect="$2"; shift 2
    local out="$TEST_TMP/refused.log" rc=0
    env AGENTD_AUTH_MODE=token "$@" timeout 20 "$AGENTD_BIN" --listen 127.0.0.1:0 --backend memory >"$out" 2>&1 || rc=$?
    [[ $rc -ne 0 && $rc -ne 124 ]] || fail "$what: agentd did not refuse to start (status $rc)"
    grep -q -- "$expect" "$out" || fail "$what: no clear message: $(cat "$out")"
    grep -q "agentd ready" "$out" && fail "$what: agentd said ready"
    echo "# $what: status $rc: $(grep -o 'auth.tokens_file.*' "$out" | head -1)"
}
check_refused "missing file" "cannot read it" AGENTD_AUTH_TOKENS_FILE="$TEST_TMP/nope.json"
echo '{"agent": "x"}' > "$TEST_TMP/object.json"
check_refused "not an array" "must be a JSON array" AGENTD_AUTH_TOKENS_FILE="$TEST_TMP/object.json"
echo '[{"agent": "w-*", "token_sha256": "abc", "roles": ["worker"]}]' > "$TEST_TMP/short.json"
check_refused "short digest" "entry \[0\]: token_sha256" AGENTD_AUTH_TOKENS_FILE="$TEST_TMP/short.json"
echo '[{"agent": "w-*", "token_sha256": "'"$(printf x | sha256sum | cut -c1-64)"'", "roles": ["root"]}]' > "$TEST_TMP/role.json"
check_refused "unknown role" "entry \[0\]: roles\[0\]" AGENTD_AUTH_TOKENS_FILE="$TEST_TMP/role.json"

#!/usr/bin/env bash
# agentctl token: a fresh random token each time, and a tokens-file entry whose
# token_sha256 is the SHA-256 of that token (checked with Python's hashlib); --json prints
# both; an unknown role is a usage error (2). Needs no agentd.
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/ctl_functions.sh"

expect_ctl 0 token 'worker-*' --roles worker --json
first="$CTL_OUT"
expect_ctl 0 token 'worker-*' --roles worker --json
python3 - "$first" "$CTL_OUT" <<'PY'
import hashlib, json, re, sys
a, b = (json.loads(x) for x in sys.argv[1:3])
for r in (a, b):
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", r["token"]), r
    assert r["entry"] == {"agent": "worker-*", "roles": ["worker"],
                          "token_sha256": hashlib.sha256(r["token"].encode()).hexdigest()}, r
assert a["token"] != b["token"], "two runs made the same token"
PY
expect_ctl 0 token boss --roles supervisor,monitor --token-value s3cret
assert_contains "$CTL_OUT" "token: s3cret" "human output shows the token"
assert_contains "$CTL_OUT" "$(printf s3cret | sha256sum | cut -d' ' -f1)" "human output shows the hash"
assert_contains "$CTL_OUT" '"roles":["supervisor","monitor"]' "roles in the entry"
expect_ctl 2 token x --roles nope
assert_contains "$CTL_ERR" "unknown role nope" "unknown role named"
echo "# token: random 43-char tokens, entries hash-checked with hashlib, unknown role -> 2"

#!/usr/bin/env bash
# The dashboard with auth.mode = token, in headless Chromium: without a token the page shows
# its token prompt and renders no data; with a monitor's token (passed in the URL fragment,
# which never reaches the server) it renders the agents.
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/admin_functions.sh"
CHROMIUM="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
[[ -n "$CHROMIUM" ]] || fail "chromium not found (scripts/install-deps.sh installs it; or set CHROMIUM)"
python3 "$(dirname "$0")/../tests_11_security/tokens.py" "$TEST_TMP/tokens.json" \
    "tok-worker=w-secret:worker" "tok-monitor=m-secret:monitor"
AGENTD_AUTH_MODE=token AGENTD_AUTH_TOKENS_FILE="$TEST_TMP/tokens.json" start_agentd_admin
py <<'PY'
from wire import Conn
w = Conn(); w.hello("tok-worker", token="w-secret")
w.call("register", role="worker", capabilities=["py"])
PY
dom() {
    timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
        --no-first-run --user-data-dir="$TEST_TMP/chrome-$2" --virtual-time-budget=5000 --dump-dom "$1" \
        2>>"$TEST_TMP/chromium.log" >"$TEST_TMP/$2.html" || fail "chromium failed: $(tail -5 "$TEST_TMP/chromium.log")"
}
dom "http://127.0.0.1:$ADMIN_PORT/" without
dom "http://127.0.0.1:$ADMIN_PORT/#token=m-secret" with
py "$TEST_TMP/without.html" "$TEST_TMP/with.html" <<'PY'
import re, sys
without, with_token = (open(p).read() for p in sys.argv[1:3])
banner = re.search(r'<div id="banner"[^>]*>(.*?)</div>', without, re.S)
assert banner and "asks for a token" in banner.group(1) and "hidden" not in banner.group(0), banner
assert 'data-agent="tok-worker"' not in without, "data rendered without a token"
assert 'data-agent="tok-worker"' in with_token, "agents not rendered with the monitor's token"
banner = re.search(r'<div id="banner"[^>]*>(.*?)</div>', with_token, re.S)
assert banner and banner.group(1) == "", banner.group(0)
print("# without a token: prompt, no data; with #token=<monitor's>: agents rendered")
PY
py <<'PY'
from admin import scrape, total
# The page stopped polling after its one 401 instead of retrying every 2 s.
refused = total(scrape(token="m-secret"), "agentd_auth_failures_total", port="admin")
assert refused <= 3, "the tokenless page kept polling: %d refusals" % refused
print("# admin refusals from the tokenless page: %d" % refused)
PY

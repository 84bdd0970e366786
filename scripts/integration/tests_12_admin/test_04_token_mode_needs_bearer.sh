#!/usr/bin/env bash
# auth.mode = token: /metrics and /api/* need "Authorization: Bearer <token>" of an agent
# whose roles include monitor, supervisor or coordinator; missing, wrong, a worker's token,
# or another scheme is 401 (with WWW-Authenticate), counted as an admin auth failure.
# /healthz, /readyz and the page stay open.
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/admin_functions.sh"
python3 "$(dirname "$0")/../tests_11_security/tokens.py" "$TEST_TMP/tokens.json" \
    "worker-*=w-secret:worker" "mon=m-secret:monitor" "boss=b-secret:supervisor,worker"
AGENTD_AUTH_MODE=token AGENTD_AUTH_TOKENS_FILE="$TEST_TMP/tokens.json" start_agentd_admin
py <<'PY'
import json
from admin import get, scrape, total

for path in ["/healthz", "/readyz", "/"]:
    assert get(path)[0] == 200, path

refused = [({}, "no header"), ({"Authorization": "Bearer wrong"}, "wrong token"),
           ({"Authorization": "Bearer w-secret"}, "worker's token"),
           ({"Authorization": "Basic bW9uOm0tc2VjcmV0"}, "basic scheme")]
for headers, why in refused:
    status, h, body = get("/api/stats", headers=headers)
    assert status == 401, (why, status, body)
    assert h.get("www-authenticate", "").startswith("Bearer"), (why, h)
    assert json.loads(body)["error"]["code"] == "unauthenticated", body
assert get("/metrics")[0] == 401

for token in ["m-secret", "b-secret"]:
    for path in ["/api/stats", "/api/agents", "/api/tasks", "/metrics"]:
        status, _, body = get(path, token=token)
        assert status == 200, (token, path, status, body[:200])
status, _, _ = get("/api/stats", headers={"Authorization": "bearer   m-secret"})
assert status == 200, "the scheme is case-insensitive"

m = scrape(token="m-secret")
failures = total(m, "agentd_auth_failures_total", port="admin")
assert failures == 5, failures
assert total(m, "agentd_auth_failures_total", port="agent") == 0
print("# token mode: probes and page open; 5 refusals (401 + WWW-Authenticate) counted; monitor and supervisor tokens read")
PY

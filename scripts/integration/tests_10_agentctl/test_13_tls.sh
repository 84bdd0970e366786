#!/usr/bin/env bash
# agentctl over TLS: --ca-file trusts the test CA; --cert-file/--key-file present a client
# certificate under mutual TLS, whose CN must be --agent; an untrusted server certificate
# is exit 3 (a failed handshake is "could not connect").
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/ctl_functions.sh"
pki="$TEST_TMP/pki"
"$(dirname "$0")/../tls/make-certs.sh" "$pki" ops
AGENTD_TLS_CERT_FILE="$pki/server.pem" AGENTD_TLS_KEY_FILE="$pki/server-key.pem" \
    AGENTD_TLS_CA_FILE="$pki/ca.pem" AGENTD_TLS_REQUIRE_CLIENT_CERT=true start_agentd
ctl_server
mtls=(--ca-file "$pki/ca.pem" --cert-file "$pki/client-ops.pem" --key-file "$pki/client-ops-key.pem")

expect_ctl 0 health --agent ops "${mtls[@]}"
assert_contains "$CTL_OUT" "ok"
expect_ctl 0 send ops --agent ops --type status_update --content '{"over":"tls"}' "${mtls[@]}"
expect_ctl 0 fetch --agent ops --json "${mtls[@]}"
assert_contains "$CTL_OUT" '"over":"tls"'
echo "# health, send, fetch over mutual TLS as ops"

expect_ctl 1 health --agent someone-else "${mtls[@]}"
assert_contains "$CTL_ERR" "the client certificate names agent ops, not someone-else"
expect_ctl 3 health --agent ops --ca-file "$pki/rogue-ca.pem" --cert-file "$pki/client-ops.pem" --key-file "$pki/client-ops-key.pem"
assert_contains "$CTL_ERR" "could not connect to agentd at 127.0.0.1:$AGENTD_PORT: TLS handshake failed: "
echo "# another agent id with ops's certificate: exit 1 unauthenticated; untrusted server: exit 3"

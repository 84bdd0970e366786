#!/usr/bin/env bash
# Mutual TLS (tls.require_client_cert): the client certificate's CN is the only agent id its
# connection may say hello as; no certificate, or one from another CA, gets no session at
# all. With auth.mode = token as well, the certificate's agent still needs its token.
source "$(dirname "$0")/../test_functions.sh"
pki="$TEST_TMP/pki"
"$(dirname "$0")/../tls/make-certs.sh" "$pki" worker-1 worker-2
python3 "$(dirname "$0")/tokens.py" "$TEST_TMP/tokens.json" "worker-*=w-secret:worker"
AGENTD_TLS_CERT_FILE="$pki/server.pem" AGENTD_TLS_KEY_FILE="$pki/server-key.pem" \
    AGENTD_TLS_CA_FILE="$pki/ca.pem" AGENTD_TLS_REQUIRE_CLIENT_CERT=true \
    AGENTD_AUTH_MODE=token AGENTD_AUTH_TOKENS_FILE="$TEST_TMP/tokens.json" start_agentd
PKI="$pki" py <<'PY'
import os, ssl
from wire import *
pki = os.environ["PKI"]

def as_client(name, ca="ca"):
    return tls_context(pki + "/ca.pem", "%s/%s-%s.pem" % (pki, ca, name), "%s/%s-%s-key.pem" % (pki, ca, name))

w1 = Conn(tls=as_client("worker-1", "client"))
r = w1.request("hello", agent_id="worker-2", token="w-secret")
expect_error(r, "unauthenticated")
assert r["error"]["message"] == "hello: the client certificate names agent worker-1, not worker-2", r
print("# worker-1's certificate saying hello as worker-2:", r["error"]["message"])
expect_error(w1.request("hello", agent_id="worker-1"), "unauthenticated")  # token mode: no token
w1.hello("worker-1", token="w-secret")
print("# worker-1's certificate + token: hello ok")
Conn(tls=as_client("worker-2", "client")).hello("worker-2", token="w-secret")

def refused(ctx, what):
    # TLS 1.3: the client may finish its side before agentd checks the certificate, so the
    # refusal can arrive as an alert on the first read instead of during the handshake.
    try:
        c = Conn(tls=ctx)
        c.send_line({"op": "hello", "id": 1, "agent_id": "worker-1", "token": "w-secret"})
        frame = c.recv(timeout=3)
        raise AssertionError("%s got a frame: %r" % (what, frame))
    except (ssl.SSLError, Closed, NoFrame, ConnectionResetError, BrokenPipeError) as e:
        print("# %s: refused (%s)" % (what, type(e).__name__))

refused(tls_context(pki + "/ca.pem"), "no client certificate")
refused(as_client("worker-1", "rogue"), "a certificate from another CA")
PY

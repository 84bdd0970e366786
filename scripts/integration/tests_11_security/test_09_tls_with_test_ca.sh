#!/usr/bin/env bash
# TLS on the agent port with a CA made here by openssl: a client trusting that CA says hello
# (TLS 1.2 or newer); one trusting another CA fails the handshake; plain TCP on the TLS port
# gets no reply. The ready line says tls=on.
source "$(dirname "$0")/../test_functions.sh"
pki="$TEST_TMP/pki"
"$(dirname "$0")/../tls/make-certs.sh" "$pki" worker-1
AGENTD_TLS_CERT_FILE="$pki/server.pem" AGENTD_TLS_KEY_FILE="$pki/server-key.pem" start_agentd
[[ "$AGENTD_READY_LINE" == *" tls=on"* ]] || fail "ready line does not say tls=on: $AGENTD_READY_LINE"
PKI="$pki" py <<'PY'
import os, socket, ssl
from wire import *
pki = os.environ["PKI"]
c = Conn(tls=tls_context(pki + "/ca.pem"))
version = c.sock.version()
assert version in ("TLSv1.2", "TLSv1.3"), version
c.hello("worker-1")
c.call("register", role="worker", capabilities=[])
c.send("worker-1", {"n": 1})
got = c.call("fetch", limit=1)["messages"]
assert [m["content"] for m in got] == [{"n": 1}], got
print("# hello, send and fetch over %s with the test CA" % version)

try:
    Conn(tls=tls_context(pki + "/rogue-ca.pem"))
    raise AssertionError("a client trusting another CA completed the handshake")
except ssl.SSLCertVerificationError as e:
    print("# client trusting another CA:", e.verify_message)

plain = Conn()
plain.send_line({"op": "hello", "id": 1, "agent_id": "worker-1"})
try:
    frame = plain.recv(timeout=2)
    raise AssertionError("plain TCP on the TLS port got a frame: %r" % frame)
except (NoFrame, Closed):
    print("# plain TCP on the TLS port: no reply")

# A client that offers at most TLS 1.1 is refused (by agentd, or by its own OpenSSL policy).
old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
old.load_verify_locations(pki + "/ca.pem")
try:
    old.minimum_version = ssl.TLSVersion.TLSv1
    old.maximum_version = ssl.TLSVersion.TLSv1_1
    Conn(tls=old)
    raise AssertionError("a TLS 1.1 handshake succeeded")
except (ssl.SSLError, ValueError, ConnectionResetError) as e:
    print("# TLS 1.1 refused:", type(e).__name__)
PY

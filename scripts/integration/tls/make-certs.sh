#!/usr/bin/env bash
# Makes a throwaway PKI for the TLS tests in DIR (default: current directory):
#   ca.pem / ca-key.pem            the test CA
#   server.pem / server-key.pem    agentd's certificate: CN=localhost, SAN localhost + 127.0.0.1 + ::1
#   client-NAME.pem / -key.pem     one client certificate per NAME argument, CN=NAME, from the CA
#   rogue-ca.pem, rogue-NAME.pem   a second CA and a client certificate from it (not trusted)
#   nocn.pem / nocn-key.pem        a client certificate from the CA whose subject has no CN
# Usage: make-certs.sh DIR [NAME ...] (NAME defaults to worker-1). DAYS (env) = validity, default 2.
set -euo pipefail
dir="${1:-.}"
shift || true
names=("$@")
[ "${#names[@]}" -gt 0 ] || names=(worker-1)
days="${DAYS:-2}"
mkdir -p "$dir"
cd "$dir"

quiet() { "$@" >/dev/null 2>&1 || { echo "make-certs: failed: $*" >&2; "$@"; exit 1; }; }

# EC P-256 keys: fast to make, and TLS 1.2+ everywhere supports them.
key() { quiet openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }

ca() { # ca NAME CN
    key "$1-key.pem"
    quiet openssl req -x509 -new -key "$1-key.pem" -out "$1.pem" -days "$days" -subj "/O=agentd tests/CN=$2" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
}

leaf() { # leaf OUT CA SUBJECT EXT...
    local out="$1" issuer="$2" subject="$3"
    shift 3
    key "$out-key.pem"
    quiet openssl req -new -key "$out-key.pem" -out "$out.csr" -subj "$subject"
    printf '%s\n' "$@" >"$out.ext"
    quiet openssl x509 -req -in "$out.csr" -CA "$issuer.pem" -CAkey "$issuer-key.pem" -CAcreateserial \
        -out "$out.pem" -days "$days" -extfile "$out.ext"
    rm -f "$out.csr" "$out.ext"
}

ca ca "agentd test CA"
ca rogue-ca "rogue test CA"
leaf server ca "/O=agentd tests/CN=localhost" \
    "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" "extendedKeyUsage=serverAuth" "keyUsage=critical,digitalSignature"
for name in "${names[@]}"; do
    leaf "client-$name" ca "/O=agentd tests/CN=$name" "extendedKeyUsage=clientAuth" "keyUsage=critical,digitalSignature"
    leaf "rogue-$name" rogue-ca "/O=agentd tests/CN=$name" "extendedKeyUsage=clientAuth" "keyUsage=critical,digitalSignature"
done
leaf nocn ca "/O=agentd tests/OU=no common name" "extendedKeyUsage=clientAuth" "keyUsage=critical,digitalSignature"
rm -f ./*.srl

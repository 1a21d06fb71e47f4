#!/bin/bash
# SPDX-License-Identifier: MIT
# testca.sh DIR -- make a throwaway test CA and a server certificate for
# 127.0.0.1 / localhost (IP and DNS SANs) into DIR:
#   ca.pem ca.key server.pem server.key
# ca.pem and server.pem are world-readable (Postfix/Dovecot/the SASL module
# running as unprivileged users read the CA); the keys are 0640 (read by root:
# Postfix and Dovecot load keys before dropping privileges).
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
dir=$1
mkdir -p "$dir"
command -v openssl >/dev/null || { echo "$0: openssl not found" >&2; exit 1; }

umask 022
tmp=$(mktemp -d "$dir/.testca.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

openssl req -x509 -newkey rsa:2048 -nodes -days 3650 \
    -subj "/O=sasl-oauth2 tests/CN=sasl-oauth2 Test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$tmp/ca.key" -out "$tmp/ca.pem" >/dev/null 2>&1

openssl req -newkey rsa:2048 -nodes \
    -subj "/O=sasl-oauth2 tests/CN=localhost" \
    -keyout "$tmp/server.key" -out "$tmp/server.csr" >/dev/null 2>&1

cat > "$tmp/server.ext" <<EXT
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
EXT

openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" \
    -CAcreateserial -days 3650 -sha256 -extfile "$tmp/server.ext" \
    -out "$tmp/server.pem" >/dev/null 2>&1

openssl verify -CAfile "$tmp/ca.pem" "$tmp/server.pem" >/dev/null

chmod 0644 "$tmp/ca.pem" "$tmp/server.pem"
chmod 0640 "$tmp/ca.key" "$tmp/server.key"
for f in ca.pem ca.key server.pem server.key; do
    mv -f "$tmp/$f" "$dir/$f"
done

#!/bin/bash
# SPDX-License-Identifier: MIT
# field-tls-clock.sh - a certificate refused for its dates names the local
# clock (issue 11: TLS failures caused by the local clock). A host whose
# clock was set back sees every certificate as "not yet valid"
# (https://github.com/curl/curl/issues/12516,
# https://github.com/openssl/openssl/issues/14771). Here the certificates are
# dated 2099 instead: the token endpoint (the refresh in the module's HTTP
# client) and the mail server (doctor's probe) must show this host's time
# beside the refusal and say to check the clock.
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
. "$top_srcdir/tests/lib/jwt.sh"
. "$top_srcdir/tests/lib/scripted.sh"
[ -x "$SO2_CLI" ] || t_fail "sasl-oauth2 not built: $SO2_CLI"
command -v openssl >/dev/null || t_skip "no openssl command"
t_tmpdir
t_plugin_env
A=relay@example.com
t_start_idp --auto-approve $A --interval 1
t_conf
t_login $A --provider microsoft --protocol smtp

# future_cert DIR - a server certificate from the test CA valid from 2099
F=$T/future
mkdir -p "$F"
: > "$F/index.txt"
echo 01 > "$F/serial"
cat > "$F/ca.cnf" <<EOC
[ca]
default_ca = d
[d]
database = $F/index.txt
new_certs_dir = $F
serial = $F/serial
default_md = sha256
policy = p
copy_extensions = copy
unique_subject = no
[p]
commonName = supplied
EOC
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
	-keyout "$F/server.key" -out "$F/server.csr" >/dev/null 2>&1 || t_fail "csr"
openssl ca -batch -config "$F/ca.cnf" -cert "$T/tls/ca.pem" -keyfile "$T/tls/ca.key" \
	-in "$F/server.csr" -out "$F/server.pem" -startdate 20990101000000Z \
	-enddate 21000101000000Z >/dev/null 2>&1 || t_fail "openssl ca: a certificate of 2099"

# 1. The token endpoint with a certificate of 2099: the refresh names the clock.
python3 "$top_srcdir/tests/idp/idp-emulator.py" --cert "$F/server.pem" --key "$F/server.key" \
	--port-file "$T/future.port" --log "$T/future.log" &
pid=$!
t_on_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
t_wait_port "$T/future.port" $pid "$T/future.log" "second emulator"
sed -i "s|https://127.0.0.1:[0-9]*/|https://127.0.0.1:$(cat "$T/future.port")/|" "$T/store/$A.json"
out=$("$SO2_CLI" refresh $A 2>&1)
t_contains "$out" "not yet valid" "the TLS library's reason"
t_contains "$out" "by this host's clock, which says $(date +%Y-)" "the local time beside it"
t_contains "$out" "check the clock" "what to do"

# 2. doctor's probe of a mail server with a certificate of 2099.
t_start_scripted smtp --scenario accept --cert "$F/server.pem" --key "$F/server.key"
out=$("$SO2_CLI" doctor $A --no-postfix --user root --smtp=127.0.0.1:$SCRIPTED_PORT 2>&1)
t_contains "$out" "by this host's clock, which says $(date +%Y-)" "probe: the local time"
t_contains "$out" "set the clock right" "probe: the fix is the clock"
echo "PASS: a certificate refused for its dates names the local clock"

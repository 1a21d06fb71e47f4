#!/bin/bash
# demo.sh - build sasl-oauth2 and run the main job on the local test stack:
# a Postfix relay sends a real message with XOAUTH2 through the module,
# the token coming from `sasl-oauth2 login` against the project's
# identity-provider emulator, to a local Microsoft 365-like submission
# server (Postfix + Dovecot validating the token). Prints the relay's log
# line with status=sent and where the delivered message is.
#
# Usage (root, Debian 12): scripts/demo.sh [DIR]   (default /var/tmp/sasl-oauth2-demo)
# The services are stopped at the end; DIR keeps logs, the record and the mail.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
D=${1:-/var/tmp/sasl-oauth2-demo}
ACCOUNT=relay@example.com

echo "== building in $top/build"
"$top/scripts/build.sh" build >/dev/null
B=$top/build

echo "== starting the local stack in $D (emulator, Dovecot, Postfix mx and relay)"
[ -d "$D" ] && "$top/tests/stack/stop.sh" "$D" >/dev/null 2>&1 || true
rm -rf "$D"
mkdir -p "$D/sasl2" "$D/store" "$D/stack"
chmod 755 "$D" "$D/stack"
chown postfix: "$D/store"
chmod 700 "$D/store"
ln -s "$B/.libs/libsasl-oauth2.so" "$D/sasl2/libsasl-oauth2.so"
export SASL_OAUTH2_CORE=$B/.libs/sasl-oauth2-core.so
export SASL_OAUTH2_CONF=$D/sasl-oauth2.conf
SASLO2_PLUGIN_DIR=$D/sasl2 "$top/tests/stack/start.sh" "$D/stack" >"$D/start.log" 2>&1 \
	|| { cat "$D/start.log" >&2; exit 1; }
trap '"$top/tests/stack/stop.sh" "$D/stack" >/dev/null 2>&1 || true' EXIT
. "$D/stack/env"
cat >"$SASL_OAUTH2_CONF" <<EOC
store_dir = $D/store
ca_file = $CA

[microsoft]
client_id = 11111111-2222-3333-4444-555555555555
tenant = organizations
authority = $IDP_URL
EOC

echo "== sasl-oauth2 login $ACCOUNT (device code grant; the emulator approves it)"
"$B/sasl-oauth2" login "$ACCOUNT" --provider microsoft
echo "== relay configuration (Microsoft 365 smarthost client)"
postconf -c "$RELAY_CONFIG_DIR" relayhost smtp_sasl_auth_enable smtp_sasl_mechanism_filter \
	smtp_sasl_password_maps smtp_sasl_tls_security_options smtp_tls_security_level
echo "sasl_passwd: $(cat "$RELAY_SASL_PASSWD")"
subject="sasl-oauth2 demo $(date +%s)"
echo "== sending '$subject' from $ACCOUNT to alice@example.net through the relay"
"$top/tests/stack/send.sh" "$D/stack" "$ACCOUNT" alice@example.net "$subject"
"$top/tests/stack/wait-delivered.sh" "$D/stack" "$subject" 60
echo "== done: the relay authenticated with XOAUTH2 (server log: $MX_LOG)"
grep -m1 'sasl_method=XOAUTH2' "$MX_LOG" || true

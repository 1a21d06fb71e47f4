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
[ -d "$D" ] && "$top/tests/stack/stop.sh" "$D/stack" >/dev/null 2>&1 || true
rm -rf "$D"
mkdir -p "$D"
chmod 755 "$D"
# the tests' helpers (tests/lib/) with $D as their directory, kept at exit
top_srcdir=$top top_builddir=$B
. "$top/tests/lib/common.sh"
. "$top/tests/lib/idp.sh"
. "$top/tests/lib/stack.sh"
T=$D KEEP_TMP=1
t_plugin_env		# $D/sasl2 with the module, $D/sasl-oauth2.conf
t_store postfix:
t_start_stack		# $D/stack, stopped at exit
t_conf

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

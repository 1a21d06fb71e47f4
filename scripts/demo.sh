#!/bin/bash
# SPDX-License-Identifier: MIT
# demo.sh - build sasl-oauth2 and run the main job on the local test stack:
# a Postfix relay sends a real message with XOAUTH2 through the module,
# the token coming from `sasl-oauth2 login` against the project's
# identity-provider emulator, to a local Microsoft 365-like submission
# server (Postfix + Dovecot validating the token). Prints the relay's log
# line with status=sent and where the delivered message is.
#
# Usage (root, Debian 12): scripts/demo.sh [--installed] [DIR]
#   (default DIR: /var/tmp/sasl-oauth2-demo)
# --installed: build nothing; use the installed command (sasl-oauth2 from
# PATH), and the relay loads the installed module from libsasl2's own module
# directory (no SASL_PATH) with the core at its built-in path: what a package
# installs (scripts/build-packages.sh, debian/tests). Only the configuration
# (SASL_OAUTH2_CONF) and the store stay in DIR.
# The services are stopped at the end; DIR keeps logs, the record and the mail.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
installed=
if [ "${1:-}" = --installed ]; then installed=1; shift; fi
D=${1:-/var/tmp/sasl-oauth2-demo}
ACCOUNT=relay@example.com

if [ -n "$installed" ]; then
	cli=$(command -v sasl-oauth2) || { echo "demo.sh: sasl-oauth2 is not installed" >&2; exit 1; }
	echo "== using the installed $cli ($("$cli" --version))"
	B=$top/build	# not used: tests/lib/common.sh's default paths only
else
	echo "== building in $top/build"
	"$top/scripts/build.sh" build >/dev/null
	B=$top/build
	cli=$B/sasl-oauth2
fi

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
if [ -z "$installed" ]; then
	t_plugin_env	# $D/sasl2 with the module, $D/sasl-oauth2.conf
	t_store postfix:
	t_start_stack	# $D/stack, stopped at exit
else
	unset SASL_PATH SASL_OAUTH2_CORE
	export SASL_OAUTH2_CONF=$D/sasl-oauth2.conf
	t_store postfix:
	# the stack without SASLO2_PLUGIN_DIR: the relay's libsasl2 looks in its
	# own module directory, where the package put libsasl-oauth2.so
	S=$D/stack
	mkdir -p "$S"
	t_on_exit '"$top_srcdir/tests/stack/stop.sh" "$S" >/dev/null 2>&1'
	"$top/tests/stack/start.sh" "$S" >"$D/start.log" 2>&1 \
		|| { cat "$D/start.log" >&2; t_fail "the test mail stack did not start"; }
	. "$S/env"
fi
t_conf

echo "== sasl-oauth2 login $ACCOUNT (device code grant; the emulator approves it)"
"$cli" login "$ACCOUNT" --provider microsoft
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
if [ -n "$installed" ]; then
	# the relay's smtp used the installed module: no other was on its path
	grep -q 'SASL_PATH=' "$RELAY_CONFIG_DIR/main.cf" && t_fail "the relay was given a SASL_PATH"
	echo "== installed files used: $cli, libsasl2's module directory (no SASL_PATH)"
fi

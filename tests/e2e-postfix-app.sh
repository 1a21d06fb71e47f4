#!/bin/bash
# SPDX-License-Identifier: MIT
# e2e-postfix-app.sh - a client credentials record renewed inside Postfix's
# chrooted smtp(8): the relay of the private stack (smtp chrooted, as Debian
# ships it) holds an app-only record whose client secret was given on
# standard input and lives in the store; when the access token has expired,
# the module must ask the token endpoint again with the client secret, read
# through the store's directory descriptor (the store is outside the chroot).
#
# Asserts: exactly one new client_credentials request reaches the emulator
# for the expired record, the record gets a new access token and stays
# owned by postfix. (Delivery is not asserted: the stack's Dovecot maps
# tokens to users by their upn claim, which app-only tokens do not have.)
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
. "$top_srcdir/tests/lib/stack.sh"

[ "$(id -u)" -eq 0 ] || t_skip "needs root (private Postfix and Dovecot instances)"
for cmd in postfix dovecot python3 openssl curl; do
	command -v $cmd >/dev/null || t_skip "$cmd not installed (scripts/install-deps.sh installs it)"
done
[ -x "$SO2_CLI" ] || t_fail "sasl-oauth2 not built: $SO2_CLI"
t_sanitized && t_skip "sanitizer build: Postfix cannot load an ASan-instrumented module"
ACCOUNT=relay@example.com
CC=22222222-aaaa-bbbb-cccc-000000000001
SECRET='Qx8~app-secret-Value'

t_tmpdir
t_plugin_env
t_store postfix:
t_start_stack IDP_EXTRA_ARGS="--client $CC:$SECRET"
printf '%s\n' "store_dir = $T/store" "ca_file = $CA" "[microsoft]" \
	"client_id = $CC" "tenant = contoso.onmicrosoft.com" \
	"authority = $IDP_URL" > "$SASL_OAUTH2_CONF"


printf '%s\n' "$SECRET" | "$SO2_CLI" login $ACCOUNT --grant client-credentials \
	--client-secret-stdin --user postfix > "$T/login.out" 2>&1 \
	|| { cat "$T/login.out" >&2; t_fail "client credentials login failed"; }
t_eq "$(t_rec_get client_secret_file "$ACCOUNT")" "$ACCOUNT.secret" "record names the secret in the store"
t_eq "$(stat -c '%U %a' "$T/store/$ACCOUNT.secret")" "postfix 600" "secret file owner and mode"
t_eq "$(t_idp_grants client_credentials)" 1 "client_credentials requests after login"
old=$(t_rec_get access_token "$ACCOUNT")
t_rec_expire "$ACCOUNT"

"$top_srcdir/tests/stack/send.sh" "$S" "$ACCOUNT" alice@example.net "app-only $$" >/dev/null \
	|| t_fail "could not inject a message"
for i in $(seq 1 120); do
	[ "$(t_idp_grants client_credentials)" -ge 2 ] && break
	sleep 0.5
done
t_eq "$(t_idp_grants client_credentials)" 2 "client_credentials requests: one renewal from the chrooted smtp(8)"
[ "$(t_rec_get access_token "$ACCOUNT")" != "$old" ] || t_fail "the record was not renewed"
t_eq "$(stat -c %U "$T/store/$ACCOUNT.json")" postfix "record owner after the renewal"
if grep -E "sasl-oauth2.*(client secret|cannot refresh)" "$RELAY_LOG" >&2; then
	t_fail "the relay logged a renewal problem"
fi
echo "PASS: app-only record renewed inside the chroot with the secret from the store"

#!/bin/bash
# SPDX-License-Identifier: MIT
# e2e-postfix.sh - the main job, end to end, with real programs:
#
#   sasl-oauth2 login (device grant) against the identity-provider emulator;
#   a private Postfix relay (smtp chrooted, as Debian ships it) relays
#   messages with XOAUTH2 through our module to a private Postfix playing
#   Microsoft 365's submission server, which checks the token through
#   Dovecot (oauth2 passdb, RFC 7662 introspection at the emulator) and
#   delivers to Dovecot.
#
# Asserts: messages arrive; after the access token expires (short lifetime)
# mail still flows; exactly one refresh request reached the token endpoint;
# the record on disk rotated its refresh token; cyrus-clients smtptest
# authenticates through the module too.
#
# Environment: E2E_MESSAGES (default 3 before and 3 after the expiry).
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
. "$top_srcdir/tests/lib/stack.sh"

[ "$(id -u)" -eq 0 ] || t_skip "needs root (private Postfix and Dovecot instances)"
for cmd in postfix dovecot python3 openssl curl; do
	command -v $cmd >/dev/null || t_skip "$cmd not installed (scripts/install-deps.sh installs it)"
done
[ -x "$SO2_CLI" ] || t_fail "sasl-oauth2 not built: $SO2_CLI"
t_sanitized && t_skip "sanitizer build: Postfix cannot load an ASan-instrumented module"

N=${E2E_MESSAGES:-3}
LIFETIME=24		# access-token lifetime given by the emulator, seconds
MARGIN=8		# refresh_margin: refresh when fewer seconds are left
ACCOUNT=relay@example.com

t_tmpdir
t_plugin_env
# The store belongs to the mail system's user, outside the chroot.
t_store postfix:

# stats JSON-PATH - a number from the emulator's request counters
stats() {
	curl -sf --cacert "$CA" "$IDP_URL/_admin/stats" \
		| python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval("d"+sys.argv[1]))' "$1"
}
# send_batch TAG COUNT - inject COUNT messages and wait for each to arrive
send_batch() {
	local i subj
	for i in $(seq 1 "$2"); do
		subj="sasl-oauth2 e2e $1 $i $$"
		"$top_srcdir/tests/stack/send.sh" "$S" "$ACCOUNT" alice@example.net "$subj" >/dev/null \
			|| t_fail "could not inject message '$subj'"
	done
	for i in $(seq 1 "$2"); do
		subj="sasl-oauth2 e2e $1 $i $$"
		"$top_srcdir/tests/stack/wait-delivered.sh" "$S" "$subj" 60 > "$T/delivered.$1.$i" \
			|| { tail -n 30 "$RELAY_LOG" >&2; t_fail "message '$subj' was not delivered"; }
	done
}

t_start_stack IDP_TOKEN_LIFETIME=$LIFETIME
t_conf "refresh_margin = $MARGIN"

# 1. The first tokens: device authorization grant (the emulator approves).
t_login $ACCOUNT --provider microsoft
t_contains "$(cat "$T/login.out")" "enter the code" "login shows the user code"
t_eq "$(stat -c %a "$T/store/$ACCOUNT.json")" 600 "record mode"
t_eq "$(stat -c %U "$T/store/$ACCOUNT.json")" postfix "record owner (store owner)"
rt0=$(t_rec_get refresh_token "$ACCOUNT")
[ -n "$rt0" ] || t_fail "no refresh token in the record after login"

# 2. Mail flows with the cached token: no refresh request.
send_batch before "$N"
t_eq "$(stats "['grants'].get('refresh_token',0)")" 0 "refresh requests before expiry"
line=$(grep -m1 'status=sent' "$RELAY_LOG")
t_contains "$line" "relay=127.0.0.1[127.0.0.1]:$SUB_PORT" "relay log line"
grep -q "sasl_method=XOAUTH2" "$MX_LOG" || t_fail "the server did not log sasl_method=XOAUTH2"

# 3. Let the access token come within the refresh margin, then send again.
exp=$(t_rec_get expires_at "$ACCOUNT")
wait_s=$(( exp - MARGIN - $(date +%s) + 1 ))
[ "$wait_s" -gt 0 ] && sleep "$wait_s"
send_batch after "$N"
refreshes=$(stats "['grants'].get('refresh_token',0)")
t_eq "$refreshes" 1 "refresh requests for one expiry"
rt1=$(t_rec_get refresh_token "$ACCOUNT")
[ -n "$rt1" ] && [ "$rt1" != "$rt0" ] || t_fail "the record's refresh token did not rotate"
t_eq "$(stat -c %U "$T/store/$ACCOUNT.json")" postfix "record owner after refresh in the chroot"
if grep -E 'SASL authentication (failed|problem)' "$RELAY_LOG" >&2; then
	t_fail "the relay logged SASL problems"
fi

# 4. cyrus-clients smtptest through the module (STARTTLS, XOAUTH2).
SMTPTEST=/usr/lib/cyrus/bin/smtptest
if [ -x "$SMTPTEST" ]; then
	out=$(printf 'QUIT\r\n' | timeout 30 "$SMTPTEST" -t "" -m XOAUTH2 -a $ACCOUNT -w "" \
		-p "$SUB_PORT" 127.0.0.1 2>&1)
	t_contains "$out" "Authenticated" "smtptest with XOAUTH2 through the module"
else
	echo "note: cyrus-clients not installed, smtptest part skipped" >&2
fi

echo "delivered: $(ls "$MAILDIR_ALICE/new" | wc -l) messages in $MAILDIR_ALICE/new"
echo "refresh requests: $refreshes for one expiry"
echo "PASS: Postfix relayed with XOAUTH2; one refresh per expiry; record rotated"

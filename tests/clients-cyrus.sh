#!/bin/bash
# SPDX-License-Identifier: MIT
# clients-cyrus.sh - cyrus-clients imtest and smtptest through the module
#
# Against the private stack's Dovecot IMAP (STARTTLS) and the "mx" Postfix
# submission server (STARTTLS, AUTH through Dovecot), tokens validated by
# the identity-provider emulator (RFC 7662 introspection). For XOAUTH2 and
# OAUTHBEARER, asserts:
#   - imtest, client first (SASL-IR: the response on the AUTHENTICATE line)
#     and server first (-i: "AUTHENTICATE MECH", "+ ", then the response);
#   - smtptest (always server first: "AUTH MECH", "334 ", the response);
#   - the bytes the module sent (decoded from imtest's transcript): user= for
#     XOAUTH2; GS2 header, host= and port= of the connection for OAUTHBEARER;
#   - a refused token: the server's error challenge is answered with the
#     mechanism's reply (XOAUTH2: empty line; OAUTHBEARER: AQ==, one 0x01),
#     the client reports failure, the record is marked stale, and the next
#     attempt refreshes and succeeds.
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
. "$top_srcdir/tests/lib/stack.sh"
t_sanitized && t_skip "sanitizer build: imtest and smtptest cannot load an ASan-instrumented module"

CYRUS=/usr/lib/cyrus/bin
[ -x $CYRUS/imtest ] && [ -x $CYRUS/smtptest ] \
	|| t_skip "cyrus-clients not installed (imtest, smtptest; scripts/install-deps.sh)"
t_need_stack
t_tmpdir
t_start_stack_login

# imtest ARGS... - a transcript of one IMAP session that logs out
imtest() {
	printf 'a1 LOGOUT\r\n' | timeout 30 $CYRUS/imtest -t "" -a "$ACCOUNT" "$@" \
		-p "$IMAP_PORT" 127.0.0.1 2>&1
}
smtptest() {
	printf 'QUIT\r\n' | timeout 30 $CYRUS/smtptest -t "" -a "$ACCOUNT" "$@" \
		-p "$SUB_PORT" 127.0.0.1 2>&1
}

for mech in XOAUTH2 OAUTHBEARER; do
	# client first, SASL-IR
	out=$(imtest -m $mech -w "")
	t_contains "$out" "Authenticated." "imtest $mech (SASL-IR)"
	ir=$(printf '%s\n' "$out" | sed -n "s/^C: A01 AUTHENTICATE $mech \([^ ]*\).*/\1/p" | tr -d '\r')
	[ -n "$ir" ] || t_fail "imtest $mech sent no initial response: $out"
	got=$(t_unb64 "$ir" | sed 's/auth=Bearer [^^]*/auth=Bearer TOKEN/')
	if [ $mech = XOAUTH2 ]; then
		want="user=$ACCOUNT^Aauth=Bearer TOKEN^A^A"
	else
		want="n,a=$ACCOUNT,^Ahost=127.0.0.1^Aport=$IMAP_PORT^Aauth=Bearer TOKEN^A^A"
	fi
	t_eq "$got" "$want" "imtest $mech initial response"

	# server first: no initial response, an empty challenge, then ours
	out=$(imtest -i -m $mech -w "")
	t_contains "$out" "C: A01 AUTHENTICATE $mech"$'\r' "imtest -i $mech command"
	t_contains "$out" "S: + " "imtest -i $mech empty challenge"
	t_contains "$out" "Authenticated." "imtest -i $mech (server first)"

	out=$(smtptest -m $mech -w "")
	t_contains "$out" "C: AUTH $mech"$'\r' "smtptest $mech command"
	t_contains "$out" "S: 235 " "smtptest $mech"
	t_contains "$out" "Authenticated." "smtptest $mech"

	# the record selected by its name as the SASL password works too
	out=$(smtptest -m $mech -w "$ACCOUNT")
	t_contains "$out" "Authenticated." "smtptest $mech with the account as password"
done

# A refused token. The record holds a token the server does not know (but
# that looks valid for an hour), as after a revocation on the server side.
for mech in XOAUTH2 OAUTHBEARER; do
	python3 - "$T/store/$ACCOUNT.json" <<'PY' || t_fail "could not edit the record"
import json, sys, time
p = sys.argv[1]
r = json.load(open(p))
r["access_token"] = "not-a-token-the-server-knows"
r["expires_at"] = int(time.time()) + 3600
r["state"] = "ok"
json.dump(r, open(p, "w"))
PY
	out=$(imtest -m $mech -w "")
	t_contains "$out" "S: + ey" "imtest $mech: the server's error challenge"
	if [ $mech = XOAUTH2 ]; then
		t_contains "$out" $'C: \r' "imtest XOAUTH2: empty reply to the error challenge"
	else
		t_contains "$out" $'C: AQ==\r' "imtest OAUTHBEARER: 0x01 reply to the error challenge"
	fi
	t_contains "$out" "A01 NO" "imtest $mech: the server's verdict"
	t_not_contains "$out" "Authenticated." "imtest $mech with a refused token"
	t_eq "$(t_rec_get state "$ACCOUNT")" stale "record state after the server refused the token ($mech)"
	before=$(t_idp_refreshes)
	out=$(imtest -m $mech -w "")
	t_contains "$out" "Authenticated." "imtest $mech after the refusal (refreshed)"
	t_eq "$(t_idp_refreshes)" $((before + 1)) "refreshes after a refused token ($mech)"
	t_eq "$(t_rec_get state "$ACCOUNT")" ok "record state after the refresh ($mech)"
done

echo "PASS: imtest (SASL-IR and server first) and smtptest with XOAUTH2 and OAUTHBEARER;" \
	"refused token -> mechanism reply, stale record, one refresh"

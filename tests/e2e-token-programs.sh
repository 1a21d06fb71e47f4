#!/bin/bash
# SPDX-License-Identifier: MIT
# e2e-token-programs.sh - programs that do OAuth2 themselves and only need a
# fresh token, end to end on loopback against the emulator and the private
# mail stack (Dovecot checks every token by RFC 7662 introspection):
#
#   msmtp    passwordeval "sasl-oauth2 token ACCOUNT", auth xoauth2 and
#            auth oauthbearer, to the submission server (STARTTLS);
#   neomutt  smtp_oauth_refresh_command with smtp_authenticators xoauth2
#            (batch send: -s and the body on standard input);
#   mutt     the same with oauthbearer;
#   mbsync   (isync) PassCmd "sasl-oauth2 token ACCOUNT" and AuthMechs
#            XOAUTH2: libsasl2 loads our module, which takes the password
#            as the literal token (an IMAP sync with STARTTLS).
#
# Each message must arrive in alice's maildir; the servers' logs must show
# the mechanism used; the token command must have renewed the expired token
# once for all of them. A program that is not installed is skipped (with a
# note); the whole test skips (77) when none is, or without root.
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"

[ "$(id -u)" -eq 0 ] || t_skip "needs root (private Postfix and Dovecot instances)"
for cmd in postfix dovecot python3 openssl curl; do
	command -v $cmd >/dev/null || t_skip "$cmd not installed (scripts/install-deps.sh installs it)"
done
have=
for p in msmtp neomutt mutt mbsync; do command -v $p >/dev/null && have="$have $p"; done
[ -n "$have" ] || t_skip "none of msmtp, neomutt, mutt, mbsync is installed (scripts/install-deps.sh)"
[ -x "$SO2_CLI" ] || t_fail "sasl-oauth2 not built: $SO2_CLI"
t_sanitized && t_skip "sanitizer build: mbsync cannot load an ASan-instrumented module"
ACCOUNT=relay@example.com

t_tmpdir
t_plugin_env
S=$T/stack
mkdir -p "$S" "$T/store" "$T/home"
chmod 755 "$S"
chmod 700 "$T/store"
t_on_exit '"$top_srcdir/tests/stack/stop.sh" "$S" >/dev/null 2>&1'
SASLO2_PLUGIN_DIR=$T/sasl2 "$top_srcdir/tests/stack/start.sh" "$S" > "$T/start.log" 2>&1 \
	|| { cat "$T/start.log" >&2; t_fail "the test mail stack did not start"; }
. "$S/env"
[ -n "$IDP_URL" ] || t_fail "the emulator did not start (see $T/start.log)"
printf '%s\n' "store_dir = $T/store" "ca_file = $CA" "[microsoft]" \
	"client_id = 11111111-2222-3333-4444-555555555555" "tenant = organizations" \
	"authority = $IDP_URL" > "$SASL_OAUTH2_CONF"
"$SO2_CLI" login $ACCOUNT --protocol smtp --protocol imap > "$T/login.out" 2>&1 \
	|| { cat "$T/login.out" >&2; t_fail "sasl-oauth2 login failed"; }
# The programs run the token command; expire the token so it is renewed once.
t_rec_expire "$ACCOUNT"
TOKEN_CMD="$SO2_CLI --config $SASL_OAUTH2_CONF token $ACCOUNT"
export HOME=$T/home

# delivered SUBJECT - wait up to 30 s for the message in alice's maildir
delivered() {
	local i
	for i in $(seq 1 60); do
		grep -l -F "Subject: $1" "$MAILDIR_ALICE"/new/* >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	return 1
}
# mx_logged MECH - the submission server logged a successful MECH authentication
mx_logged() {
	local i
	for i in $(seq 1 20); do
		grep -q "sasl_method=$1" "$MX_LOG" && return 0
		sleep 0.25
	done
	return 1
}
ran=

# --- msmtp ---------------------------------------------------------------------
if command -v msmtp >/dev/null; then
	for mech in xoauth2 oauthbearer; do
		printf '%s\n' "account        m365" "host           127.0.0.1" \
			"port           $SUB_PORT" "tls            on" "tls_starttls   on" \
			"tls_trust_file $CA" "auth           $mech" "user           $ACCOUNT" \
			"from           $ACCOUNT" "passwordeval   \"$TOKEN_CMD\"" \
			"logfile        $T/msmtp.log" > "$T/msmtprc"
		chmod 600 "$T/msmtprc"
		subj="msmtp $mech $$"
		printf 'To: alice@example.net\nFrom: %s\nSubject: %s\n\nhello\n' "$ACCOUNT" "$subj" \
			| timeout 60 msmtp -C "$T/msmtprc" -a m365 alice@example.net > "$T/msmtp.out" 2>&1 \
			|| { cat "$T/msmtp.out" "$T/msmtp.log" >&2; t_fail "msmtp auth $mech failed"; }
		delivered "$subj" || t_fail "msmtp ($mech): message not delivered"
		mx_logged "${mech^^}" || t_fail "msmtp ($mech): the server did not log sasl_method=${mech^^}"
	done
	ran="$ran msmtp(xoauth2,oauthbearer)"
else
	echo "note: msmtp not installed, skipped" >&2
fi

# --- neomutt and mutt: batch send through their own SMTP client -------------------
# mutt_send PROGRAM MECH - one message, token from the refresh command
mutt_send() {
	local prog=$1 mech=$2 subj="$1 $2 $$"
	: > "$MX_LOG.mark"
	printf '%s\n' "set from = \"$ACCOUNT\"" \
		"set smtp_url = \"smtp://$ACCOUNT@127.0.0.1:$SUB_PORT/\"" \
		"set smtp_authenticators = \"$mech\"" \
		"set smtp_oauth_refresh_command = \"$TOKEN_CMD\"" \
		"set ssl_starttls = yes" "set ssl_force_tls = yes" \
		"set certificate_file = \"$T/$prog.certs\"" \
		"set record = \"\"" "set copy = no" > "$T/$prog.rc"
	cp "$CA" "$T/$prog.certs"
	printf 'hello from %s\n' "$prog" | timeout 60 "$prog" -n -F "$T/$prog.rc" -s "$subj" \
		alice@example.net > "$T/$prog.out" 2>&1 \
		|| { cat "$T/$prog.out" >&2; tail -n 20 "$MX_LOG" >&2; t_fail "$prog ($mech) failed"; }
	delivered "$subj" || t_fail "$prog ($mech): message not delivered"
	mx_logged "${mech^^}" || t_fail "$prog ($mech): the server did not log sasl_method=${mech^^}"
	ran="$ran $prog($mech)"
}
if command -v neomutt >/dev/null; then mutt_send neomutt xoauth2
else echo "note: neomutt not installed, skipped" >&2; fi
if command -v mutt >/dev/null; then mutt_send mutt oauthbearer
else echo "note: mutt not installed, skipped" >&2; fi

# --- isync: PassCmd hands the token to our module (libsasl2) ----------------------
if command -v mbsync >/dev/null; then
	mkdir -p "$T/mail"
	printf '%s\n' "IMAPAccount m365" "Host localhost" "Port $IMAP_PORT" "User $ACCOUNT" \
		"PassCmd \"$TOKEN_CMD\"" "AuthMechs XOAUTH2" "SSLType STARTTLS" \
		"CertificateFile $CA" "" "IMAPStore m365-remote" "Account m365" "" \
		"MaildirStore local" "Path $T/mail/" "Inbox $T/mail/INBOX" "" \
		"Channel m365" "Far :m365-remote:" "Near :local:" "Patterns INBOX" \
		"Create Near" "SyncState *" > "$T/mbsyncrc"
	timeout 60 mbsync -c "$T/mbsyncrc" m365 > "$T/mbsync.out" 2>&1 \
		|| { cat "$T/mbsync.out" >&2; tail -n 20 "$DOVECOT_LOG" >&2; t_fail "mbsync failed"; }
	grep -q "Login: user=<$ACCOUNT>.*method=XOAUTH2" "$DOVECOT_LOG" \
		|| { tail -n 20 "$DOVECOT_LOG" >&2; t_fail "mbsync: Dovecot did not log an XOAUTH2 login"; }
	[ -d "$T/mail/INBOX/cur" ] || t_fail "mbsync: no local INBOX"
	ran="$ran mbsync(XOAUTH2)"
else
	echo "note: isync (mbsync) not installed, skipped" >&2
fi

refreshes=$(t_idp_refreshes)
t_eq "$refreshes" 1 "refreshes: the expired token was renewed once for every program"
echo "PASS:$ran; one refresh"

#!/bin/bash
# SPDX-License-Identifier: MIT
# guides-desktop.sh - the desktop guides followed word for word by a new
# user: doc/msmtp.md, doc/mutt.md (mutt and neomutt), sasl-oauth2-isync(7)
# (mbsync with the module reading the user's own configuration and store),
# sasl-oauth2-fetchmail(7) (IMAP and POP3 through sasl-oauth2 connect),
# sasl-oauth2-cyrus-clients(7) (imtest and smtptest through the module).
#
# Each guide's marked blocks (tests/lib/guide-blocks.py) are done in page
# order, as a throwaway normal user (useradd -m: an empty home, no
# configuration file, no store) with the built command first on PATH and
# the module where libsasl2 looks (SASL_PATH, as an installed package
# would have it). The only edits (edit_* below) put the local stack in the
# provider's place: host names and ports, the test CA in the files that
# name a CA, and in the user's sasl-oauth2.conf the placeholders, the
# emulator as authority and the test CA. The mail must reach the test
# stack's submission server authenticated as the guide's account; mbsync
# must sync.
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/guide.sh"

[ "$(id -u)" -eq 0 ] || t_skip "needs root (a throwaway user, the private mail stack)"
for cmd in postfix dovecot python3 openssl curl runuser useradd; do
	command -v $cmd >/dev/null || t_skip "$cmd not installed (scripts/install-deps.sh installs it)"
done
[ -x "$SO2_CLI" ] || t_fail "sasl-oauth2 not built: $SO2_CLI"
t_sanitized && t_skip "sanitizer build: mbsync cannot load an ASan-instrumented module"
ACCOUNT=alice@contoso.com
CLIENT_ID=11111111-2222-3333-4444-555555555555

t_tmpdir
t_plugin_env
unset SASL_OAUTH2_CONF
S=$T/stack
mkdir -p "$S"
t_on_exit '"$top_srcdir/tests/stack/stop.sh" "$S" >/dev/null 2>&1'
# Device codes are approved at once, for the guide's account.
IDP_EXTRA_ARGS="--auto-approve $ACCOUNT" SASLO2_PLUGIN_DIR=$T/sasl2 SASL_OAUTH2_CONF=$T/unused.conf \
	"$top_srcdir/tests/stack/start.sh" "$S" > "$T/start.log" 2>&1 \
	|| { cat "$T/start.log" >&2; t_fail "the test mail stack did not start"; }
. "$S/env"
[ -n "$IDP_URL" ] || t_fail "the emulator did not start (see $T/start.log)"
# The guide's mailbox exists on the test IMAP server (passwd-file is re-read).
echo "$ACCOUNT::::::" >> "$S/dovecot/users"
chmod 644 "$CA"

t_guide_path
GENV=(SASL_PATH="$SASL_PATH" SASL_OAUTH2_CORE="$SASL_OAUTH2_CORE")

# edit_conf - the user's sasl-oauth2.conf: the placeholders, the emulator, the CA
edit_conf() {
	echo "ca_file = $CA"
	sed -e "s/<your application (client) id>/$CLIENT_ID/" \
		-e 's/<your tenant id or domain>/organizations/' \
		-e "/^\[microsoft\]/a authority = $IDP_URL"
}

# submitted MECH - the submission server logged one more MECH login of the
#	guide's account than at the last call
subs=0
submitted() {
	local i n
	for i in $(seq 1 40); do
		n=$(grep -c "sasl_method=$1, sasl_username=$ACCOUNT" "$MX_LOG")
		if [ "$n" -gt "$subs" ]; then subs=$n; return 0; fi
		sleep 0.25
	done
	return 1
}

ran=
# --- doc/msmtp.md ----------------------------------------------------------------
edit_msmtp() {
	case $1:$2 in
	file:*sasl-oauth2.conf) edit_conf ;;
	file:~/.msmtprc)
		sed -e 's/smtp\.office365\.com/localhost/' -e "s/^port\( *\)587\$/port\1$SUB_PORT/" \
			-e "/^tls_starttls/a tls_trust_file $CA" ;;
	*) cat ;;
	esac
}
if command -v msmtp >/dev/null; then
	t_guide_user
	t_guide_follow "$top_srcdir/doc/msmtp.md" "$GUSER" edit_msmtp
	[ -s "$GHOME/.local/state/sasl-oauth2/$ACCOUNT.json" ] \
		|| t_fail "msmtp.md: no record in ~/.local/state/sasl-oauth2"
	t_eq "$(stat -c %a "$GHOME/.local/state" "$GHOME/.local/state/sasl-oauth2" | tr '\n' ' ')" \
		"700 700 " "msmtp.md: the store and its new parent"
	submitted XOAUTH2 || { tail -n 20 "$MX_LOG" >&2; t_fail "msmtp.md: no XOAUTH2 submission as $ACCOUNT"; }
	ran="$ran msmtp.md"
else
	echo "note: msmtp not installed, doc/msmtp.md skipped" >&2
fi

# --- doc/mutt.md: mutt, then the same send with neomutt ---------------------------------
edit_mutt() {
	case $1:$2 in
	file:*sasl-oauth2.conf) edit_conf ;;
	file:~/.muttrc)
		sed -e "s/@smtp\.office365\.com:587/@localhost:$SUB_PORT/" \
			-e "s/@outlook\.office365\.com:993/@localhost:$IMAPS_PORT/"
		echo "set ssl_ca_certificates_file = \"$CA\"" ;;
	*) cat ;;
	esac
}
if command -v mutt >/dev/null; then
	t_guide_user
	t_guide_follow "$top_srcdir/doc/mutt.md" "$GUSER" edit_mutt
	submitted XOAUTH2 || { tail -n 20 "$MX_LOG" >&2; t_fail "mutt.md: no XOAUTH2 submission as $ACCOUNT"; }
	ran="$ran mutt.md(mutt)"
	if command -v neomutt >/dev/null; then
		send=$(sed -n 's/^\([0-9]*\) run$/\1/p' "$T/guide/list" | tail -n 1)
		t_guide_sh "$GUSER" "$(sed 's/| mutt /| neomutt /' "$T/guide/$send")" "$T/neomutt.out" \
			|| { cat "$T/neomutt.out" >&2; t_fail "mutt.md: the send with neomutt failed"; }
		submitted XOAUTH2 || { tail -n 20 "$MX_LOG" >&2; t_fail "mutt.md: no neomutt submission"; }
		ran="$ran mutt.md(neomutt)"
	fi
else
	echo "note: mutt not installed, doc/mutt.md skipped" >&2
fi

# --- sasl-oauth2-isync(7): mbsync through the module, the user's own store -------------
edit_isync() {
	case $1:$2 in
	file:*sasl-oauth2.conf) edit_conf ;;
	file:~/.mbsyncrc)
		sed -e "s/^Host outlook\.office365\.com\$/Host localhost\nPort $IMAPS_PORT/" \
			-e "/^SSLType IMAPS\$/a CertificateFile $CA" ;;
	*) cat ;;
	esac
}
if command -v mbsync >/dev/null; then
	t_guide_user
	: > "$T/dovecot.mark"
	t_guide_follow "$top_srcdir/doc/sasl-oauth2-isync.7" "$GUSER" edit_isync
	grep -q "Login: user=<$ACCOUNT>.*method=XOAUTH2" "$DOVECOT_LOG" \
		|| { tail -n 20 "$DOVECOT_LOG" >&2; t_fail "isync(7): Dovecot logged no XOAUTH2 login"; }
	[ -d "$GHOME/Mail/work/INBOX/cur" ] || t_fail "isync(7): no ~/Mail/work/INBOX"
	ran="$ran isync(7)"
else
	echo "note: isync not installed, sasl-oauth2-isync(7) skipped" >&2
fi

# --- sasl-oauth2-fetchmail(7): IMAP and POP3 through the connector ---------------------
edit_fetchmail() {
	case $1:$2 in
	file:*sasl-oauth2.conf) edit_conf ;;
	file:~/.fetchmailrc)
		sed -e 's/^poll outlook\.office365\.com /poll localhost /' \
			-e "s/ %h 993\"/ %h $IMAPS_PORT\"/" -e "s/ %h 995\"/ %h $POP3S_PORT\"/" \
			-e "s/ is \"alice\" here/ is \"$GUSER\" here/" ;;
	*) cat ;;
	esac
}
if command -v fetchmail >/dev/null && [ -n "${POP3S_PORT:-}" ]; then
	t_guide_user
	# one message waiting in the guide's mailbox (Dovecot's maildir)
	md=$S/mail/contoso.com/alice/Maildir
	install -d -o nobody -g "$(id -gn nobody)" -m 700 "$S/mail/contoso.com" \
		"$S/mail/contoso.com/alice" "$md" "$md/new" "$md/cur" "$md/tmp"
	printf 'From: bob@example.org\nTo: %s\nSubject: waiting\n\nhello\n' "$ACCOUNT" \
		> "$md/new/1.guide"
	chown nobody "$md/new/1.guide"
	t_guide_follow "$top_srcdir/doc/sasl-oauth2-fetchmail.7" "$GUSER" edit_fetchmail
	check=$(cat "$T/guide/$(sed -n 's/^\([0-9]*\) run$/\1/p' "$T/guide/list" | tail -n 1).out")
	t_contains "$check" "1 message for $ACCOUNT at localhost" "fetchmail(7): fetchmail --check"
	[ "$(grep -c "1 message for $ACCOUNT" <<< "$check")" -eq 2 ] \
		|| t_fail "fetchmail(7): want both polls (IMAP, POP3) to count the message: $check"
	scope=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["scope"])' \
		"$GHOME/.local/state/sasl-oauth2/$ACCOUNT.json")
	t_contains "$scope" "IMAP.AccessAsUser.All" "fetchmail(7): the record's scope"
	t_contains "$scope" "POP.AccessAsUser.All" "fetchmail(7): the record's scope"
	# STARTTLS against an implicit TLS port: the message says what to change
	t_guide_sh "$GUSER" "sasl-oauth2 connect --protocol imap --tls starttls --timeout 2 \
		$ACCOUNT localhost $IMAPS_PORT" "$T/connect.out" && t_fail "connect: STARTTLS on an implicit port worked"
	t_contains "$(cat "$T/connect.out")" "use implicit TLS" "connect: STARTTLS on an implicit TLS port"
	ran="$ran fetchmail(7)"
else
	echo "note: fetchmail or dovecot-pop3d not installed, sasl-oauth2-fetchmail(7) skipped" >&2
fi

# --- sasl-oauth2-cyrus-clients(7): imtest and smtptest through the module --------------
edit_cyrus() {
	case $1:$2 in
	file:*sasl-oauth2.conf) edit_conf ;;
	run:) sed -e "s/-p 143 outlook\.office365\.com/-p $IMAP_PORT localhost/" \
		-e "s/-p 587 smtp\.office365\.com/-p $SUB_PORT localhost/" ;;
	*) cat ;;
	esac
}
if [ -x /usr/lib/cyrus/bin/imtest ] && [ -x /usr/lib/cyrus/bin/smtptest ]; then
	t_guide_user
	t_guide_follow "$top_srcdir/doc/sasl-oauth2-cyrus-clients.7" "$GUSER" edit_cyrus
	out=$(cat "$T/guide/$(sed -n 's/^\([0-9]*\) run$/\1/p' "$T/guide/list" | tail -n 1).out")
	[ "$(grep -c '^Authenticated\.' <<< "$out")" -eq 2 ] \
		|| { echo "$out" >&2; t_fail "cyrus-clients(7): want imtest and smtptest Authenticated."; }
	# no record: imtest shows only libsasl2's summary (the page says where
	# the module's explanation goes)
	t_guide_sh "$GUSER" "printf 'a LOGOUT\r\n' | /usr/lib/cyrus/bin/imtest -t '' -m XOAUTH2 \
		-a nobody@contoso.com -w '' -p $IMAP_PORT localhost" "$T/imtest-fail.out" || true
	t_contains "$(cat "$T/imtest-fail.out")" "Authentication failed. user not found" \
		"cyrus-clients(7): imtest without a record"
	ran="$ran cyrus-clients(7)"
else
	echo "note: cyrus-clients not installed, sasl-oauth2-cyrus-clients(7) skipped" >&2
fi

echo "PASS:$ran"

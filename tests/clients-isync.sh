#!/bin/bash
# SPDX-License-Identifier: MIT
# clients-isync.sh - isync (mbsync) syncs a mailbox over IMAP through the module
#
# mbsync links libsasl2, so AuthMechs XOAUTH2 / OAUTHBEARER load our module.
# Runs the configuration documented in doc/sasl-oauth2-isync.7 against the
# private stack's Dovecot (tokens validated by the emulator) and asserts that
# the messages of the mailbox arrive in a local Maildir for each way of
# handing over the token:
#   - PassCmd "echo" (an empty password): the record named by User;
#   - Pass "" (the same, without a command);
#   - PassCmd "sasl-oauth2 token ACCOUNT": a literal access token;
# over STARTTLS (143-style) and implicit TLS (993-style), with XOAUTH2 and
# OAUTHBEARER. Also: without any Pass/PassCmd, mbsync asks for a password
# and, with no terminal, skips the account (documented).
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
. "$top_srcdir/tests/lib/stack.sh"
t_sanitized && t_skip "sanitizer build: mbsync cannot load an ASan-instrumented module"

command -v mbsync >/dev/null || t_skip "isync not installed (mbsync; scripts/install-deps.sh)"
t_need_stack
t_tmpdir
t_start_stack_login
t_deliver "isync one $$"
t_deliver "isync two $$"

# mbsyncrc NAME MECH SSLTYPE PORT PASSLINE - write $T/NAME.rc (doc's layout)
mbsyncrc() {
	mkdir -p "$T/$1"
	cat > "$T/$1.rc" <<EOF
IMAPAccount m365
# isync 1.4 checks the certificate's DNS names only: the test CA names
# "localhost" (use the real host name, e.g. outlook.office365.com)
Host localhost
Port $4
User $ACCOUNT
$5
AuthMechs $2
SSLType $3
CertificateFile $CA

IMAPStore m365-remote
Account m365

MaildirStore m365-local
Path $T/$1/
Inbox $T/$1/INBOX

Channel m365
Far :m365-remote:INBOX
Near :m365-local:INBOX
Create Near
Sync Pull
SyncState *
EOF
}

# sync NAME - run mbsync; print how many messages arrived
sync_count() {
	timeout 60 mbsync -c "$T/$1.rc" m365 < /dev/null > "$T/$1.out" 2>&1 \
		|| { cat "$T/$1.out" >&2; t_fail "mbsync ($1) failed"; }
	# issue 10 item 8: the step mbsync calls after the server's OK gets
	# no output (OAUTHBEARER used to answer it with 0x01)
	t_not_contains "$(cat "$T/$1.out")" "Warning" "mbsync ($1) warns nothing"
	find "$T/$1/INBOX/new" "$T/$1/INBOX/cur" -type f | wc -l
}

n=0
for mech in XOAUTH2 OAUTHBEARER; do
	for tls in "STARTTLS $IMAP_PORT" "IMAPS $IMAPS_PORT"; do
		set -- $tls
		n=$((n + 1))
		mbsyncrc "echo$n" $mech "$1" "$2" 'PassCmd "echo"'
		t_eq "$(sync_count "echo$n")" 2 "messages synced ($mech, $1, PassCmd echo)"
	done
	n=$((n + 1))
	mbsyncrc "empty$n" $mech STARTTLS "$IMAP_PORT" 'Pass ""'
	t_eq "$(sync_count "empty$n")" 2 "messages synced ($mech, Pass \"\")"
	n=$((n + 1))
	mbsyncrc "token$n" $mech STARTTLS "$IMAP_PORT" \
		"PassCmd \"$SO2_CLI token $ACCOUNT\""
	t_eq "$(sync_count "token$n")" 2 "messages synced ($mech, PassCmd sasl-oauth2 token)"
done

# A second run finds nothing new and still authenticates.
t_eq "$(sync_count echo1)" 2 "messages after a second sync"
t_deliver "isync three $$"
t_eq "$(sync_count echo1)" 3 "messages after a new delivery"

# No password at all: mbsync prompts; without a terminal it skips.
mbsyncrc nopass XOAUTH2 STARTTLS "$IMAP_PORT" "# no Pass, no PassCmd"
timeout 30 mbsync -c "$T/nopass.rc" m365 < /dev/null > "$T/nopass.out" 2>&1
t_contains "$(cat "$T/nopass.out")" "no password" "mbsync without Pass/PassCmd"

# A server without SASL-IR (the scripted IMAP server): mbsync starts
# without an initial response, sends AUTHENTICATE, and steps after "+ ".
. "$top_srcdir/tests/lib/scripted.sh"
mkdir -p "$T/tls"
"$top_srcdir/tests/stack/testca.sh" "$T/tls" >/dev/null 2>&1 || t_fail "test CA"
t_start_scripted imap --implicit-tls --no-sasl-ir --mechs "XOAUTH2 OAUTHBEARER" --timeout 120
# noir NAME MECH - mbsync against it (no Maildir sync expected: the scripted
# server knows no SELECT); output in $T/NAME.out, seconds taken in $secs
noir() {
	mbsyncrc "$1" "$2" IMAPS "$SCRIPTED_PORT" 'PassCmd "echo"'
	sed -i "s|^CertificateFile .*|CertificateFile $T/tls/ca.pem|" "$T/$1.rc"
	local start=$(date +%s)
	timeout 60 mbsync -Dn -c "$T/$1.rc" m365 < /dev/null > "$T/$1.out" 2>&1
	secs=$(( $(date +%s) - start ))
}
for mech in XOAUTH2 OAUTHBEARER; do
	noir "noir-$mech" $mech
	t_contains "$(cat "$T/noir-$mech.out")" "OK AUTHENTICATE completed" \
		"no SASL-IR ($mech): authenticated after the server's continuation"
	t_not_contains "$(cat "$T/noir-$mech.out")" "SASL wants more steps" \
		"no SASL-IR ($mech): nothing to send after the server's OK"
done
# A configuration error fails in sasl_client_start, before AUTHENTICATE is
# sent: mbsync 1.4.4 would otherwise leave the continuation unanswered and
# wait for the server (sasl-oauth2-isync(7), TROUBLESHOOTING).
SASL_OAUTH2_CONF=$T/missing.conf noir noir-conf XOAUTH2
t_contains "$(cat "$T/noir-conf.out")" "$T/missing.conf" "no SASL-IR, config error: named"
t_not_contains "$(cat "$T/noir-conf.out")" "AUTHENTICATE XOAUTH2" \
	"no SASL-IR, config error: no AUTHENTICATE sent"
[ "$secs" -lt 30 ] || t_fail "no SASL-IR, config error: mbsync waited $secs s"

echo "PASS: mbsync synced over IMAP with XOAUTH2 and OAUTHBEARER (STARTTLS, IMAPS;" \
	"record by User, literal token by PassCmd)"

#!/bin/bash
# SPDX-License-Identifier: MIT
# fetchmail-connect.sh - fetchmail 6.4 fetches through `sasl-oauth2 connect`
#
# fetchmail has no OAuth 2.0 and no libsasl2; with `plugin "sasl-oauth2
# connect ..."` and `auth ssh` it gets an already authenticated session.
# Against the private stack's Dovecot (tokens validated by the emulator),
# with the .fetchmailrc of doc/sasl-oauth2-fetchmail.7, asserts:
#   - IMAP over STARTTLS and over implicit TLS, POP3 over STLS and implicit
#     TLS, XOAUTH2 and OAUTHBEARER: fetchmail retrieves every message (keep,
#     so each run sees them all) and hands it to its MDA;
#   - the server refused the cached token (revoked on the server's side):
#     the connector marks the record, refreshes once and the fetch succeeds;
#   - a record that needs a new login: fetchmail gets "* BYE
#     [AUTHENTICATIONFAILED] ..." / "-ERR [AUTH] ...", the cause and the
#     login command reach stderr, nothing is fetched, the mail stays on the
#     server, and no token appears anywhere in fetchmail's output;
#   - the server's certificate from an unknown CA is refused.
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
. "$top_srcdir/tests/lib/stack.sh"

command -v fetchmail >/dev/null || t_skip "fetchmail not installed (scripts/install-deps.sh)"
[ -x /usr/lib/dovecot/pop3 ] || t_skip "dovecot-pop3d not installed (scripts/install-deps.sh)"
t_need_stack
t_tmpdir
t_start_stack_login
[ -n "$POP3_PORT" ] || t_fail "the stack has no POP3 port"
t_deliver "fetchmail one $$"
t_deliver "fetchmail two $$"
FM=$T/fm
mkdir -p "$FM/in"
chmod 700 "$FM"
# The MDA: one file per message (fetchmail runs it through the shell).
printf '#!/bin/sh\ncat > "$(mktemp %s/in/msg.XXXXXX)"\n' "$FM" > "$FM/mda"
chmod 755 "$FM/mda"

# rc NAME PROTO PORT CONNECT-OPTIONS - a .fetchmailrc as in the man page
rc() {
	cat > "$FM/$1.rc" <<EOF
poll m365 via localhost port $3 protocol $2 auth ssh
    plugin "$SO2_CLI connect $4 $ACCOUNT %h %p"
    user "$ACCOUNT" is "$(id -un)" here
    sslproto ''
    keep fetchall
    mda "$FM/mda"
EOF
	chmod 600 "$FM/$1.rc"
}
# fetch NAME - run fetchmail once; its exit code
fetch() {
	rm -f "$FM"/in/msg.*
	HOME=$FM timeout 90 fetchmail -f "$FM/$1.rc" --nosyslog -N -v \
		--pidfile "$FM/pid" > "$FM/$1.out" 2>&1
}
# fetched SUBJECT... - each subject arrived through the MDA
fetched() {
	local s
	for s in "$@"; do
		grep -l -q "^Subject: $s" "$FM"/in/msg.* 2>/dev/null \
			|| { cat "$FM/$NAME.out" >&2; t_fail "$NAME: '$s' was not fetched"; }
	done
}

n=0
for mech in xoauth2 oauthbearer; do
	for case in "imap $IMAP_PORT starttls" "imap $IMAPS_PORT implicit" \
		"pop3 $POP3_PORT starttls" "pop3 $POP3S_PORT implicit"; do
		set -- $case
		n=$((n + 1))
		NAME=ok$n
		rc $NAME "$1" "$2" "--protocol $1 --tls $3 --mech $mech"
		fetch $NAME || { cat "$FM/$NAME.out" >&2; t_fail "fetchmail $case $mech failed"; }
		fetched "fetchmail one $$" "fetchmail two $$"
		t_eq "$(ls "$FM"/in | wc -l)" 2 "messages fetched ($case, $mech)"
		if [ "$1" = imap ]; then
			t_contains "$(cat "$FM/$NAME.out")" "IMAP< * PREAUTH" "$NAME: PREAUTH greeting"
		else
			t_contains "$(cat "$FM/$NAME.out")" "POP3< +OK sasl-oauth2: logged in as $ACCOUNT" \
				"$NAME: POP3 greeting"
		fi
	done
done

# The server refuses the cached token: one refresh, then the fetch works.
python3 - "$T/store/$ACCOUNT.json" <<'PY' || t_fail "could not edit the record"
import json, sys, time
p = sys.argv[1]
r = json.load(open(p))
r["access_token"] = "revoked-on-the-server-side"
r["expires_at"] = int(time.time()) + 3600
json.dump(r, open(p, "w"))
PY
before=$(t_idp_refreshes)
NAME=refused
rc $NAME imap "$IMAP_PORT" "--protocol imap"
fetch $NAME || { cat "$FM/$NAME.out" >&2; t_fail "fetchmail after a refused token failed"; }
fetched "fetchmail one $$" "fetchmail two $$"
t_eq "$(t_idp_refreshes)" $((before + 1)) "refreshes after the server refused the token"

# A server certificate from a CA we were not told about is refused.
out=$("$SO2_CLI" connect --server-ca /etc/ssl/certs/ca-certificates.crt --protocol imap \
	--tls implicit "$ACCOUNT" localhost "$IMAPS_PORT" < /dev/null 2>&1)
t_contains "$out" "certificate was refused" "unknown CA"
t_contains "$out" "* BYE" "unknown CA: the program's refusal"

# A dead grant: the record needs a new login.
python3 - "$T/store/$ACCOUNT.json" <<'PY' || t_fail "could not edit the record"
import json, sys
p = sys.argv[1]
r = json.load(open(p))
r["state"] = "needs_login"
r["last_error"] = "invalid_grant: AADSTS70008: the refresh token has expired"
json.dump(r, open(p, "w"))
PY
before=$(t_idp_admin GET /_admin/stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"]["token"])')
for proto in imap pop3; do
	NAME=dead-$proto
	port=$IMAP_PORT
	[ $proto = pop3 ] && port=$POP3_PORT
	rc $NAME $proto "$port" "--protocol $proto"
	if fetch $NAME; then
		cat "$FM/$NAME.out" >&2
		t_fail "fetchmail succeeded with a record that needs a new login"
	fi
	out=$(cat "$FM/$NAME.out")
	t_contains "$out" "sasl-oauth2: $ACCOUNT:" "$NAME: the cause on stderr"
	t_contains "$out" "sasl-oauth2 login $ACCOUNT" "$NAME: the command to run"
	t_eq "$(ls "$FM"/in | wc -l)" 0 "$NAME: messages fetched"
done
t_contains "$(cat "$FM/dead-imap.out")" "BYE" "fetchmail saw the IMAP refusal"
tok=$(t_rec_get access_token "$ACCOUNT")
t_not_contains "$(cat "$FM"/*.out)" "$tok" "fetchmail output holds the access token"
after=$(t_idp_admin GET /_admin/stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"]["token"])')
t_eq "$after" "$before" "token requests for a record that needs a new login"
# The mail is still on the server.
t_eq "$(ls "$MAILDIR_RELAY/new" "$MAILDIR_RELAY/cur" | grep -c '^[0-9]')" 2 \
	"messages left on the server"

echo "PASS: fetchmail fetched over IMAP and POP3 (STARTTLS and implicit TLS, XOAUTH2 and" \
	"OAUTHBEARER) through sasl-oauth2 connect; refused token refreshed; dead grant refused"

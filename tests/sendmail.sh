#!/bin/bash
# SPDX-License-Identifier: MIT
# sendmail.sh - Debian 12's sendmail 8.17 relays through the module, as
# sasl-oauth2-sendmail(7) sets it up: a smart host, FEATURE(`authinfo') with
# "U:" "I:" "P:" (the account's name: sendmail skips AUTH with an empty
# password) "M:XOAUTH2", the map on a path sendmail trusts, and E lines for
# the plugin directory, the core and the configuration (sendmail empties the
# environment). Against the local stack (tests/stack: the "mx" Postfix plays
# Microsoft 365's submission server, Dovecot checks the token at the emulator).
#
# sendmail-bin conflicts with postfix as a package, so the test does not
# install it: it takes the .debs (apt-get download sendmail-bin sendmail-base
# sendmail-cf liblockfile1, cached in $SO2_SENDMAIL_DEBS, default
# build/tests/sendmail-debs), unpacks them with dpkg-deb -x into $T/root and
# runs sendmail in a private mount namespace (unshare -m) where $T/mail is
# bind-mounted on /mnt: under /tmp (world-writable) sendmail skips the
# AuthInfo map without a word, and the mail leaves unauthenticated.
#
# Asserts: XOAUTH2 and OAUTHBEARER relays arrive authenticated as the account;
# an expired record is refreshed inside sendmail with one token request; an
# empty P: and a map under a world-writable directory make sendmail skip AUTH
# (the server then refuses the mail); a 1.6 KB token is cut at 2047 bytes
# and refused, and doctor warns about it. Needs root, the stack's programs, unshare, m4 and the .debs
# (exit 77 without them). About 20 seconds.
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
. "$top_srcdir/tests/lib/stack.sh"
. "$top_srcdir/tests/lib/store.sh"

t_need_stack
t_sanitized && t_skip "sanitizer build: sendmail cannot load an ASan-instrumented module"
for cmd in unshare m4 dpkg-deb; do
	command -v $cmd >/dev/null || t_skip "$cmd not installed"
done
unshare -m true 2>/dev/null || t_skip "unshare -m refused (no private mount namespace here)"

DEBS=${SO2_SENDMAIL_DEBS:-$top_builddir/tests/sendmail-debs}
if ! ls "$DEBS"/sendmail-bin_*.deb >/dev/null 2>&1; then
	mkdir -p "$DEBS"
	(cd "$DEBS" && apt-get download sendmail-bin sendmail-base sendmail-cf liblockfile1 \
		>download.log 2>&1) || t_skip "apt-get download sendmail-bin ... failed (see $DEBS/download.log)"
fi

t_tmpdir
mkdir -p "$T/root"
for d in "$DEBS"/*.deb; do
	dpkg-deb -x "$d" "$T/root" || t_fail "dpkg-deb -x $d"
done
SM=$T/root/usr/libexec/sendmail/sendmail
MAKEMAP=$T/root/usr/libexec/sendmail/makemap
[ -x "$SM" ] || t_fail "no sendmail in the .debs ($SM)"
# liblockfile1 is not installed with Postfix: the unpacked one
export LD_LIBRARY_PATH=$T/root/usr/lib/$(gcc -print-multiarch)
# (-C /dev/null: the version and options, without the 60 s sendmail sleeps
# when it cannot qualify the host name)
"$SM" -d0.1 -bt -C /dev/null </dev/null 2>/dev/null | grep -q SASLv2 \
	|| t_skip "this sendmail does not run here or has no SASLv2"

# Emulator tokens are the size of Microsoft's (about 1.6 KB): too long for
# sendmail's 2047-byte AUTH line. token_compact makes them about 1.4 KB.
t_plugin_env
t_store
t_start_stack
t_idp_admin POST /_admin/config '{"token_compact": true}' >/dev/null || t_fail "emulator config"
t_conf
t_login "$ACCOUNT" --provider microsoft
stats() { t_idp_admin GET /_admin/stats | python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval("d"+sys.argv[1]))' "$1"; }

# --- the configuration, as sasl-oauth2-sendmail(7) writes it ------------------
# M (in the namespace: /mnt) holds what sendmail must trust: the .cf, the
# AuthInfo map, the queue. Root's, 0755, nothing group- or world-writable.
M=/mnt
mkdir -p "$T/mail/mqueue" "$T/mail/sasl2"
chmod 755 "$T/mail" "$T/mail/sasl2"; chmod 700 "$T/mail/mqueue"
# sendmail loads SASL modules only from a directory no one else can write
# (its safesaslfile check): a copy of the module, not $SASL_PATH under /tmp
cp "$SO2_PLUGIN" "$T/mail/sasl2/libsasl-oauth2.so"
# mc MECH - sendmail.mc for the relay through the stack's submission server
mc() {
	cat <<EOM
include(\`$T/root/usr/share/sendmail/cf/m4/cf.m4')dnl
VERSIONID(\`sasl-oauth2 tests/sendmail.sh')dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`relay.example.org')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confSERVICE_SWITCH_FILE', \`$M/service.switch')dnl
define(\`confHOSTS_FILE', \`/etc/hosts')dnl
define(\`confBIND_OPTS', \`-DNSRCH -DEFNAMES')dnl
FEATURE(\`nocanonify')dnl
define(\`confLOG_LEVEL', \`14')dnl
define(\`QUEUE_DIR', \`$M/mqueue')dnl
define(\`STATUS_FILE', \`$M/statistics')dnl
define(\`confPID_FILE', \`$M/sendmail.pid')dnl
define(\`ALIAS_FILE', \`')dnl
define(\`confHELP_FILE', \`')dnl
define(\`confCACERT', \`$CA')dnl
define(\`confCACERT_PATH', \`$T/tls')dnl
define(\`SMART_HOST', \`esmtp:[127.0.0.1]')dnl
define(\`ESMTP_MAILER_ARGS', \`TCP \$h $SUB_PORT')dnl
define(\`confAUTH_MECHANISMS', \`$1')dnl
FEATURE(\`authinfo', \`hash -o ${AUTHINFO:-$M/authinfo}')dnl
MAILER(\`smtp')dnl
LOCAL_CONFIG
# sendmail empties the environment: the module's settings as E lines
ESASL_PATH=$M/sasl2
ESASL_OAUTH2_CORE=$SASL_OAUTH2_CORE
ESASL_OAUTH2_CONF=$SASL_OAUTH2_CONF
EOM
}
# no DNS: the test machine may have none, and sendmail would wait for it
printf 'hosts files\naliases files\n' >"$T/mail/service.switch"
mc XOAUTH2 >"$T/mail/sendmail.mc"
m4 "$T/mail/sendmail.mc" >"$T/mail/sendmail.cf" 2>"$T/m4.err" || { cat "$T/m4.err"; t_fail "m4 sendmail.mc"; }
# the AuthInfo entry: P: names the account (an empty P: makes sendmail skip AUTH)
printf 'AuthInfo:127.0.0.1 "U:%s" "I:%s" "P:%s" "M:XOAUTH2"\n' "$ACCOUNT" "$ACCOUNT" "$ACCOUNT" \
	>"$T/mail/authinfo"
chmod 600 "$T/mail/authinfo"

# ns CMD... - run CMD in a private mount namespace with $T/mail on /mnt, and
# a private host name with a dot (sendmail sleeps 60 s on an unqualified one)
ns() {
	unshare -m -u sh -c 'mount --make-rprivate / && mount --bind "$0" /mnt \
		&& hostname relay.example.org && exec "$@"' "$T/mail" "$@"
}
ns "$MAKEMAP" -C "$M/sendmail.cf" hash "$M/authinfo" <"$T/mail/authinfo" || t_fail "makemap hash $M/authinfo"

# send SUBJECT [CF] - sendmail -odi: deliver now, in the foreground; $T/send.out
send() {
	printf 'From: %s\nTo: alice@example.net\nSubject: %s\n\nbody of %s\n' "$ACCOUNT" "$1" "$1" \
		| ns "$SM" -C "${2:-$M/sendmail.cf}" ${SM_DEBUG:-} -odi -oi -v -f "$ACCOUNT" alice@example.net \
		>"$T/send.out" 2>&1
}
# delivered SUBJECT - the message is in alice's maildir (waits up to 20 s)
delivered() {
	local i
	for i in $(seq 1 200); do
		grep -rlq "^Subject: $1\$" "$MAILDIR_ALICE" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
fail_send() {
	sed -E 's/(AUTH [A-Z0-9]+ ).*/\1<response>/' "$T/send.out" >&2
	tail -n 20 "$MX_LOG" >&2
	t_fail "$1"
}

# 1. XOAUTH2 with the cached token: no token request.
send "sendmail xoauth2 $$" || fail_send "sendmail exited $?"
delivered "sendmail xoauth2 $$" || fail_send "the XOAUTH2 message did not arrive"
t_contains "$(cat "$T/send.out")" "AUTH XOAUTH2" "sendmail sent AUTH XOAUTH2"
grep -q "sasl_method=XOAUTH2, sasl_username=$ACCOUNT" "$MX_LOG" \
	|| fail_send "the server did not log sasl_method=XOAUTH2 for $ACCOUNT"
t_eq "$(stats "['grants'].get('refresh_token',0)")" 0 "no refresh while the token is fresh"

# 2. The access token expired: the module refreshes it inside sendmail, once.
t_rec_expire
send "sendmail refreshed $$" || fail_send "sendmail exited $? (expired record)"
delivered "sendmail refreshed $$" || fail_send "the message after the expiry did not arrive"
t_eq "$(stats "['grants'].get('refresh_token',0)")" 1 "one refresh request, made inside sendmail"
[ "$(t_rec_get expires_at)" -gt "$(date +%s)" ] || t_fail "the record was not renewed by sendmail"

# map NAME AUTHINFO-LINE [DIR] - a .cf ($T/mail/NAME.cf) whose AuthInfo map
# is DIR/NAME (default: $M, the trusted directory) holding that line
map() {
	local dir=${3:-$M} real=${3:-$T/mail}
	printf '%s\n' "$2" >"$real/$1"
	chmod 600 "$real/$1"
	AUTHINFO=$dir/$1 mc "$(printf '%s' "$2" | sed 's/.*"M:\([A-Z0-9]*\)".*/\1/')" >"$T/mail/$1.mc"
	m4 "$T/mail/$1.mc" >"$T/mail/$1.cf" || t_fail "m4 $1.mc"
	ns "$MAKEMAP" -C "$M/$1.cf" hash "$dir/$1" <"$real/$1" >"$T/makemap.out" 2>&1 \
		|| { cat "$T/makemap.out"; t_fail "makemap $dir/$1"; }
}
q='"'

# 3. OAUTHBEARER, chosen by M: in the AuthInfo entry.
map authinfo-ob "AuthInfo:127.0.0.1 ${q}U:$ACCOUNT$q ${q}I:$ACCOUNT$q ${q}P:$ACCOUNT$q ${q}M:OAUTHBEARER$q"
send "sendmail oauthbearer $$" "$M/authinfo-ob.cf" || fail_send "sendmail exited $? (OAUTHBEARER)"
delivered "sendmail oauthbearer $$" || fail_send "the OAUTHBEARER message did not arrive"
t_contains "$(cat "$T/send.out")" "AUTH OAUTHBEARER" "sendmail sent AUTH OAUTHBEARER"
grep -q "sasl_method=OAUTHBEARER, sasl_username=$ACCOUNT" "$MX_LOG" \
	|| fail_send "the server did not log sasl_method=OAUTHBEARER"

# 4. What the page warns about: sendmail skips AUTH without a word, and the
# server refuses the unauthenticated mail.
# (a) an empty P: (what Postfix's sasl_passwd takes)
map authinfo-empty "AuthInfo:127.0.0.1 ${q}U:$ACCOUNT$q ${q}I:$ACCOUNT$q ${q}P:$q ${q}M:XOAUTH2$q"
send "sendmail empty password $$" "$M/authinfo-empty.cf"
t_not_contains "$(cat "$T/send.out")" ">>> AUTH" "empty P: sendmail does not authenticate"
t_contains "$(cat "$T/send.out")" "Access denied" "empty P: the server refuses the mail"
# (b) the map under a world-writable directory (/tmp): skipped
map authinfo-tmp "AuthInfo:127.0.0.1 ${q}U:$ACCOUNT$q ${q}I:$ACCOUNT$q ${q}P:$ACCOUNT$q ${q}M:XOAUTH2$q" "$T"
send "sendmail map in tmp $$" "$M/authinfo-tmp.cf"
t_not_contains "$(cat "$T/send.out")" ">>> AUTH" "map under /tmp: sendmail does not authenticate"
t_contains "$(cat "$T/send.out")" "Access denied" "map under /tmp: the server refuses the mail"

# 5. A token of Microsoft's usual size (about 1.6 KB): sendmail cuts the AUTH
# line at 2047 bytes and the server refuses what is left; doctor warns.
t_idp_admin POST /_admin/config '{"token_compact": false}' >/dev/null || t_fail "emulator config"
t_rec_expire
send "sendmail long token $$"
[ "$(t_rec_get access_token | wc -c)" -gt 1500 ] || t_fail "the refreshed token is not long"
grep -q "Invalid base64 data in initial response" "$MX_LOG" \
	|| fail_send "a 1.6 KB token: want the server to refuse the cut AUTH line"
t_contains "$("$SO2_CLI" doctor "$ACCOUNT" --no-postfix --user root 2>&1)" \
	"[warn] token length:" "doctor warns about the token sendmail cannot send"

echo "PASS: sendmail relays with XOAUTH2 and OAUTHBEARER through the module, refreshes inside sendmail"

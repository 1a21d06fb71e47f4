#!/bin/bash
# SPDX-License-Identifier: MIT
# guides-admin.sh - the administrator's guides followed word for word as
# root: sasl-oauth2-postfix(7) CONFIGURATION and CHECKING, and
# doc/microsoft365-setup.md's commands.
#
# The guides' marked blocks (tests/lib/guide-blocks.py) are done in page
# order with the built command first on PATH. Their system paths are the
# private stack's: /etc/postfix is the relay instance's configuration
# directory (postconf, postmap, postfix and sendmail get -c/-C), the
# /etc/sasl-oauth2.conf of the page is $SASL_OAUTH2_CONF (with the
# emulator as authority, the test CA and the store below added),
# /var/lib/sasl-oauth2 is $T/store; Microsoft's hosts are the stack's,
# the test message goes to the stack's mailbox, and the app-only login gets
# the emulator's confidential client (--client-id) with its secret typed at
# the prompt. Before the Postfix
# page the relay is stripped of everything the page sets (mechanism
# filter, security options, TLS level, sasl_passwd, import_environment),
# so the page alone must make it relay.
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/guide.sh"
. "$top_srcdir/tests/lib/idp.sh"

[ "$(id -u)" -eq 0 ] || t_skip "needs root (the private mail stack, files owned by postfix)"
for cmd in postfix postconf postmap dovecot python3 openssl curl; do
	command -v $cmd >/dev/null || t_skip "$cmd not installed (scripts/install-deps.sh installs it)"
done
[ -x "$SO2_CLI" ] || t_fail "sasl-oauth2 not built: $SO2_CLI"
t_sanitized && t_skip "sanitizer build: Postfix cannot load an ASan-instrumented module"
ACCOUNT=relay@contoso.com
CLIENT_ID=11111111-2222-3333-4444-555555555555
CC_ID=33333333-4444-5555-6666-777777777777
CC_SECRET='guide~secret.value'

t_tmpdir
t_plugin_env
S=$T/stack
mkdir -p "$S"
t_on_exit '"$top_srcdir/tests/stack/stop.sh" "$S" >/dev/null 2>&1'
IDP_EXTRA_ARGS="--auto-approve $ACCOUNT --client $CC_ID:$CC_SECRET --app-mailbox $CC_ID:$ACCOUNT" \
	SASLO2_PLUGIN_DIR=$T/sasl2 "$top_srcdir/tests/stack/start.sh" "$S" > "$T/start.log" 2>&1 \
	|| { cat "$T/start.log" >&2; t_fail "the test mail stack did not start"; }
. "$S/env"
[ -n "$IDP_URL" ] || t_fail "the emulator did not start (see $T/start.log)"
RC=$RELAY_CONFIG_DIR

t_guide_path
GENV=(SASL_OAUTH2_CONF="$SASL_OAUTH2_CONF" SASL_OAUTH2_CORE="$SASL_OAUTH2_CORE")

# edit_admin KIND ARG - the stack in place of the system's paths and Microsoft's hosts
edit_admin() {
	case $1:$2 in
	path:/etc/sasl-oauth2.conf) echo "$SASL_OAUTH2_CONF" ;;
	path:/etc/postfix/*) echo "$RC/${2#/etc/postfix/}" ;;
	path:*) ;;
	file:/etc/sasl-oauth2.conf)
		printf '%s\n' "store_dir = $T/store" "ca_file = $CA"
		sed -e "s/<your application (client) id>/$CLIENT_ID/" \
			-e "s/<Application (client) ID>/$CLIENT_ID/" \
			-e 's/<your tenant id or domain>/organizations/' \
			-e 's/<Directory (tenant) ID, or your domain, e.g. contoso.com>/contoso.com/' \
			-e "/^\[microsoft\]/a authority = $IDP_URL" ;;
	postconf:*|file:*)
		sed -e "s/\[smtp\.office365\.com\]:587/[127.0.0.1]:$SUB_PORT/" -e "s|/etc/postfix/|$RC/|g" ;;
	run:*)
		sed -e "s|/etc/postfix/|$RC/|g" -e "s|/var/lib/sasl-oauth2|$T/store|g" \
			-e "s/\bpostconf /postconf -c $(printf %s "$RC" | sed 's|/|\\/|g') /g" \
			-e "s/\bpostmap /postmap -c $(printf %s "$RC" | sed 's|/|\\/|g') /g" \
			-e "s/\bpostfix \(reload\|stop\|start\)/postfix -c $(printf %s "$RC" | sed 's|/|\\/|g') \1/g" \
			-e "s/\bsendmail /sendmail -C $(printf %s "$RC" | sed 's|/|\\/|g') /g" \
			-e "s/ someone@example\.net/ alice@example.net/" \
			-e "s|SASL_PATH=/usr/local/lib/sasl2|SASL_PATH=$T/sasl2 SASL_OAUTH2_CORE=$SASL_OAUTH2_CORE SASL_OAUTH2_CONF=$SASL_OAUTH2_CONF|" ;;
	*) cat ;;
	esac
}

# delivered LINE - wait up to 30 s for a message with LINE in alice's maildir
delivered() {
	local i
	for i in $(seq 1 60); do
		grep -l -x -F "$1" "$MAILDIR_ALICE"/new/* >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	return 1
}

ran=
# --- sasl-oauth2-postfix(7) -------------------------------------------------------
# The relay as a fresh Debian Postfix has it: none of the page's settings.
postconf -c "$RC" -X smtp_sasl_mechanism_filter smtp_sasl_security_options \
	smtp_sasl_tls_security_options smtp_tls_security_level smtp_sasl_password_maps \
	import_environment relayhost
rm -f "$RC/sasl_passwd" "$RC/sasl_passwd.db" "$RC/sasl_passwd.lmdb"
postfix -c "$RC" stop >/dev/null 2>&1; postfix -c "$RC" start >/dev/null 2>&1 \
	|| t_fail "the stripped relay did not start"
t_guide_follow "$top_srcdir/doc/sasl-oauth2-postfix.7" root edit_admin
t_eq "$(stat -c %U "$T/store" "$T/store/$ACCOUNT.json" | tr '\n' ' ')" "postfix postfix " \
	"postfix(7): the store and the record belong to postfix"
delivered "Subject: test" || { tail -n 20 "$RELAY_LOG" >&2; t_fail "postfix(7): not delivered"; }
grep -q "from=<$ACCOUNT>" "$RELAY_LOG" && grep -q "status=sent" "$RELAY_LOG" \
	|| t_fail "postfix(7): no status=sent in the relay's log"
grep -q "sasl_method=XOAUTH2, sasl_username=$ACCOUNT" "$MX_LOG" \
	|| { tail -n 20 "$MX_LOG" >&2; t_fail "postfix(7): the relay did not log in as $ACCOUNT with XOAUTH2"; }
ran="$ran postfix(7)"

# --- doc/microsoft365-setup.md: delegated logins, a certificate, app-only -------------
# (its store is a fresh one: the page's first login creates it for postfix)
edit_m365() {
	case $1 in
	run) edit_admin run "" | sed -e "s/--grant client-credentials/& --client-id $CC_ID/" ;;
	*) edit_admin "$@" ;;
	esac
}
rm -rf "$T/store"
printf '%s\n' "$CC_SECRET" > "$T/secret.in"
GSTDIN=$T/secret.in
t_guide_follow "$top_srcdir/doc/microsoft365-setup.md" root edit_m365
GSTDIN=/dev/null
t_eq "$(stat -c '%U %a' "$T/store" "$T/store/$ACCOUNT.json" "$T/store/$ACCOUNT.secret" \
	"$T/store/relay.key" | tr '\n' ' ')" "postfix 700 postfix 600 postfix 600 postfix 600 " \
	"microsoft365-setup.md: the store, the record, the secret, the key"
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2],""))' "$@"; }
t_eq "$(field "$T/store/$ACCOUNT.json" grant_type)" client_credentials \
	"microsoft365-setup.md: the app-only record replaced the delegated one"
t_eq "$(field "$T/store/alice@contoso.com.json" grant_type)" authorization_code \
	"microsoft365-setup.md: the browser login"
inspect=$(cat "$T/guide/4.out")
t_contains "$inspect" "https://outlook.office365.com" "microsoft365-setup.md: inspect shows the audience"
# The exit codes the page states: the application's error at login 78, at a renewal 69.
t_idp_admin POST /_admin/fault '{"endpoint": "token", "kind": "expired_secret", "count": 2}' >/dev/null \
	|| t_fail "emulator fault"
rc=0; printf '%s\n' "$CC_SECRET" | "$SO2_CLI" login other@contoso.com --grant client-credentials \
	--client-id "$CC_ID" --tenant contoso.com --client-secret-stdin > "$T/cc.out" 2>&1 || rc=$?
t_eq "$rc" 78 "microsoft365-setup.md: AADSTS7000222 at login: exit"
python3 -c 'import json,sys; p=sys.argv[1]; r=json.load(open(p)); r["expires_at"]=1; json.dump(r, open(p,"w"))' \
	"$T/store/$ACCOUNT.json"
rc=0; "$SO2_CLI" token "$ACCOUNT" > /dev/null 2> "$T/token.err" || rc=$?
t_eq "$rc" 69 "microsoft365-setup.md: AADSTS7000222 at a renewal: exit ($(cat "$T/token.err"))"
ran="$ran microsoft365-setup.md"

# --- README.md, Postfix in short: the migration of a password relay ------------------
# A second stack whose relay sends a password (RELAY_MECH=plain), as the
# relays README's steps start from; the migration learns that the stack's
# submission server plays Microsoft's (--server) and restarts Postfix for
# the private module's import_environment (--restart). Between the
# migration and the page's rollback the relay must deliver with XOAUTH2.
"$top_srcdir/tests/stack/stop.sh" "$S" >/dev/null 2>&1
S=$T/stack2
mkdir -p "$S"
t_on_exit '"$top_srcdir/tests/stack/stop.sh" "$T/stack2" >/dev/null 2>&1'
RELAY_MECH=plain "$top_srcdir/tests/stack/start.sh" "$S" > "$T/start2.log" 2>&1 \
	|| { cat "$T/start2.log" >&2; t_fail "the second test mail stack did not start"; }
. "$S/env"
RC=$RELAY_CONFIG_DIR
rm -rf "$T/store"
cp -p "$RC/main.cf" "$RC/sasl_passwd" "$T/"
esc() { printf %s "$1" | sed 's|[/&]|\\&|g'; }
edit_readme() {
	case $1 in
	run)
		edit_admin run "" | sed -e "s/^sasl-oauth2 postfix migrate\b/& -c $(esc "$RC") --server \
[127.0.0.1]:$SUB_PORT=microsoft --restart/" \
			-e "/ migrate -c [^ ]* --server [^ ]* --restart\$/a \
printf 'Subject: readme\\n\\nhi\\n' | sendmail -C $(esc "$RC") -f relay@example.com alice@example.net; \
for i in \$(seq 1 60); do grep -q -x 'Subject: readme' $(esc "$MAILDIR_ALICE")/new/* 2>/dev/null \
\&\& break; sleep 0.5; done; grep -q -x 'Subject: readme' $(esc "$MAILDIR_ALICE")/new/*" ;;
	*) edit_admin "$@" ;;
	esac
}
# the module installed where this build puts it: the reader's SASL_PATH
GENV+=(SASL_PATH="$SASL_PATH")
t_guide_follow "$top_srcdir/README.md" root edit_readme
grep -q "sasl_method=XOAUTH2, sasl_username=relay@example.com" "$MX_LOG" \
	|| { tail -n 20 "$MX_LOG" >&2; t_fail "README: the migrated relay did not log in with XOAUTH2"; }
cmp -s "$T/main.cf" "$RC/main.cf" && cmp -s "$T/sasl_passwd" "$RC/sasl_passwd" \
	|| t_fail "README: --rollback did not put main.cf and sasl_passwd back"
ran="$ran README.md"

echo "PASS:$ran"

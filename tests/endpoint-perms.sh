#!/bin/bash
# SPDX-License-Identifier: MIT
# endpoint-perms.sh - the permission a token needs depends on the endpoint
# (token/perms.h): High Volume Email takes an app-only token with the role
# Mail.Send and the app in the HVE account's Allowed Apps, SMTP AUTH one
# with SMTP.SendAsApp and a service principal. App-only tokens come from
# the identity-provider emulator (client credentials, its app_roles);
# doctor probes tests/scripted-server.py playing High Volume Email's
# "501 5.5.124" on 127.0.0.1, named HVE with --endpoint hve.
# Sources: https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/
# oauth-high-volume-mails-m365, https://learn.microsoft.com/en-us/powershell/
# module/exchangepowershell/add-hveappaccess,
# https://github.com/tarickb/sasl-xoauth2/issues/110
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
. "$top_srcdir/tests/lib/scripted.sh"
. "$top_srcdir/tests/lib/jwt.sh"
[ -x "$SO2_CLI" ] || t_fail "sasl-oauth2 not built: $SO2_CLI"
t_tmpdir
t_plugin_env

CC=22222222-aaaa-bbbb-cccc-000000000001
SECRET='Qx8~s3cr3t.Value_of-the-app'
TENANT=contoso.onmicrosoft.com
HVE=hve@example.com
t_start_idp --auto-approve relay@example.com --interval 1 --client "$CC:$SECRET"
t_store
t_conf
printf '%s\n' "$SECRET" > "$T/secret" && chmod 600 "$T/secret"
echo hve > "$T/scenario.smtp"
t_start_scripted smtp --scenario-file "$T/scenario.smtp"
PORT=$SCRIPTED_PORT

# app ACCOUNT ROLE - an app-only login whose token carries ROLE; $err: stderr
app() {
	t_idp_admin POST /_admin/config "{\"app_roles\": [\"$2\"]}" >/dev/null \
		|| t_fail "emulator: app_roles $2"
	err=$("$SO2_CLI" login "$1" --grant client-credentials --client-id "$CC" \
		--tenant "$TENANT" --client-secret-file "$T/secret" 2>&1 >/dev/null) \
		|| { echo "$err" >&2; t_fail "app-only login of $1 ($2)"; }
}

# check JSON ID - "status<TAB>text<TAB>fix" of doctor's check ID (JSON on stdin)
check() {
	python3 -c '
import json, sys
for c in json.load(sys.stdin)["checks"]:
    if c["id"] == sys.argv[1]:
        print("%s\t%s\t%s" % (c["status"], c["text"], c.get("fix", "")))
        break
else:
    print("none")' "$1"
}

doctor() { "$SO2_CLI" doctor "$@" --no-postfix --user root --json 2>/dev/null; }

# --- an app-only token with Mail.Send: made for High Volume Email -------------
app $HVE Mail.Send
t_contains "$err" "role Mail.Send serves High Volume Email (smtp-hve.office365.com) only" \
	"login: Mail.Send named as HVE's"
t_contains "$err" "Add-HVEAppAccess -Identity $HVE -AppIds $CC" "login: Allowed Apps"
out=$("$SO2_CLI" inspect $HVE 2>&1)
t_contains "$out" "Add-HVEAppAccess -Identity $HVE -AppIds $CC" "inspect: Allowed Apps"
out=$("$SO2_CLI" inspect $HVE --endpoint smtp 2>&1)
t_contains "$out" "SMTP AUTH (smtp.office365.com) needs the application permission SMTP.SendAsApp" \
	"inspect --endpoint smtp: the role SMTP AUTH needs"
t_contains "$out" "Mail.Send serves High Volume Email" "inspect --endpoint smtp: why not Mail.Send"
t_contains "$out" "New-ServicePrincipal" "inspect --endpoint smtp: the service principal"

json=$(doctor $HVE --endpoint hve --smtp=127.0.0.1:$PORT)
line=$(check token.roles <<< "$json")
t_contains "$line" "pass	token: roles hold Mail.Send (High Volume Email)" "doctor hve: role passes"
line=$(check app.hve-allowed-apps <<< "$json")
t_contains "$line" "warn	" "doctor hve: Allowed Apps line"
t_contains "$line" "Add-HVEAppAccess -Identity $HVE -AppIds $CC" "doctor hve: Allowed Apps fix"
t_eq "$(check app.service-principal <<< "$json")" none "doctor hve: no service principal step"
t_eq "$(check app.mailbox-permission <<< "$json")" none "doctor hve: no mailbox permission step"
line=$(check endpoint.hve <<< "$json")
t_contains "$line" "from --endpoint" "doctor hve: where the endpoint came from"
line=$(check probe.smtp <<< "$json")
t_contains "$line" "SMTP (High Volume Email) 127.0.0.1:$PORT" "doctor hve: probe named HVE"
t_contains "$line" "token-hve-app: keep the token" "doctor hve: probe verdict"
t_contains "$line" "Add-HVEAppAccess -Identity $HVE -AppIds $CC" "doctor hve: probe fix"

# The same token against SMTP AUTH: Mail.Send is not SMTP.SendAsApp.
json=$(doctor $HVE --endpoint smtp)
line=$(check token.roles <<< "$json")
t_contains "$line" "fail	token: SMTP AUTH (smtp.office365.com) needs the application permission SMTP.SendAsApp" \
	"doctor smtp: Mail.Send fails SMTP AUTH"
t_contains "$line" "(Mail.Send serves High Volume Email, smtp-hve.office365.com, not SMTP AUTH)" \
	"doctor smtp: why"
t_contains "$line" "Add-MailboxPermission -Identity $HVE" "doctor smtp: mailbox permission in the fix"

# --- an app-only token with SMTP.SendAsApp against High Volume Email ----------
app app@example.com SMTP.SendAsApp
t_not_contains "$err" "warning:" "login: SMTP.SendAsApp is fine for SMTP AUTH"
json=$(doctor app@example.com --endpoint hve --smtp=127.0.0.1:$PORT)
line=$(check token.roles <<< "$json")
t_contains "$line" "fail	token: High Volume Email (smtp-hve.office365.com) needs the application permission Mail.Send (Office 365 Exchange Online) with admin consent, and the app $CC in the HVE account's Allowed Apps (Add-HVEAppAccess)" \
	"doctor hve: SMTP.SendAsApp fails HVE"
t_contains "$line" "add Mail.Send and grant admin consent" "doctor hve: role fix"
t_contains "$line" "Add-HVEAppAccess -Identity app@example.com -AppIds $CC" "doctor hve: app fix"
line=$(check probe.smtp <<< "$json")
t_contains "$line" "token-hve-role-missing: keep the token" "doctor hve: probe verdict"
out=$("$SO2_CLI" inspect app@example.com --endpoint hve 2>&1)
t_contains "$out" "warning:    the app-only token has no role Mail.Send for High Volume Email" \
	"inspect --endpoint hve: the role HVE needs"

# A Postfix log line names the server: no --endpoint needed.
json=$(doctor app@example.com --reply "status=deferred (SASL authentication failed; server smtp-hve.office365.com[52.96.1.1] said: 501 5.5.124 Invalid XOAUTH2 auth data)")
t_contains "$(check endpoint.hve <<< "$json")" "from the --reply text" "reply: endpoint from the log"
t_contains "$(check reply <<< "$json")" "token-hve-role-missing" "reply: verdict"
t_contains "$(check token.roles <<< "$json")" "fail	token: High Volume Email" "reply: token checked for HVE"

# The Postfix relayhost names the server (postconf -c; no Postfix is started).
if command -v postconf >/dev/null && command -v postmap >/dev/null; then
	P=$T/postfix
	mkdir -p "$P"
	printf 'smtp      unix  -       -       y       -       -       smtp\n' > "$P/master.cf"
	cat > "$P/main.cf" <<EOM
compatibility_level = 3.6
relayhost = [smtp-hve.office365.com]:587
smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = hash:$P/sasl_passwd
smtp_sasl_mechanism_filter = xoauth2
smtp_tls_security_level = encrypt
EOM
	printf '[smtp-hve.office365.com]:587 %s:\n' "$HVE" > "$P/sasl_passwd"
	postmap -c "$P" "hash:$P/sasl_passwd" || t_fail "postmap"
	json=$("$SO2_CLI" doctor $HVE --postfix-config "$P" --user root --json 2>/dev/null)
	t_contains "$(check endpoint.hve <<< "$json")" "from the Postfix relayhost" \
		"relayhost: endpoint from Postfix"
	t_contains "$(check token.roles <<< "$json")" "pass	token: roles hold Mail.Send" \
		"relayhost: Mail.Send checked for HVE"
	t_eq "$(check app.service-principal <<< "$json")" none "relayhost: no mailbox steps"
	# Many mailboxes: the HVE account's sender is routed to HVE, the rest not.
	sed -i 's/^relayhost = .*/relayhost = [smtp.office365.com]:587/' "$P/main.cf"
	cat >> "$P/main.cf" <<EOM
smtp_sender_dependent_authentication = yes
sender_dependent_relayhost_maps = hash:$P/sender_relay
EOM
	printf '%s [smtp-hve.office365.com]:587\n' "$HVE" > "$P/sender_relay"
	printf '%s %s:\n[smtp.office365.com]:587 relay@example.com:\n' "$HVE" "$HVE" \
		> "$P/sasl_passwd"
	postmap -c "$P" "hash:$P/sasl_passwd" "hash:$P/sender_relay" || t_fail "postmap"
	json=$("$SO2_CLI" doctor $HVE --postfix-config "$P" --user root --json 2>/dev/null)
	t_contains "$(check endpoint.hve <<< "$json")" \
		"from the Postfix sender_dependent_relayhost_maps" "sender relay: endpoint"
	t_contains "$(check token.roles <<< "$json")" "pass	token: roles hold Mail.Send" \
		"sender relay: Mail.Send checked for HVE"
else
	echo "postconf/postmap not installed: the relayhost case is skipped"
fi

# --- delegated: the token must be the HVE account's own -------------------------
t_login other@example.com --provider microsoft --protocol smtp
json=$(doctor other@example.com --endpoint hve)
line=$(check token.user <<< "$json")
t_contains "$line" "fail	token: issued to relay@example.com but user= will be other@example.com; High Volume Email" \
	"doctor hve: delegated token of another user"
t_contains "$line" "sasl-oauth2 login other@example.com" "doctor hve: log in as the HVE account"
t_contains "$(check token.scope <<< "$json")" "pass	token: scope SMTP.Send present" \
	"doctor hve: SMTP.Send is HVE's delegated scope"
# Every protocol the record's scope asks for is checked, not the first only.
B=both@example.com
t_record_jwt $B "$(t_claims_user $B https://outlook.office.com SMTP.Send)" 3600
t_rec_set $B 'scope="https://outlook.office.com/SMTP.Send https://outlook.office.com/IMAP.AccessAsUser.All offline_access"'
out=$("$SO2_CLI" inspect $B 2>&1)
t_contains "$out" "the token lacks IMAP's permission IMAP.AccessAsUser.All" "inspect: the second protocol"
t_not_contains "$out" "SMTP AUTH's permission" "inspect: SMTP.Send is there"
"$SO2_CLI" doctor $HVE --endpoint nonsense >/dev/null 2>&1
t_eq "$?" 64 "doctor --endpoint nonsense: usage error"
echo "PASS: endpoint permissions (login, inspect, doctor)"

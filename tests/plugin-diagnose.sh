#!/bin/bash
# SPDX-License-Identifier: MIT
# plugin-diagnose.sh - the module's messages for a refused token, in real
# libsasl2 (tests/sasl-client): the classified cause and fix, the account,
# the token's user and audience, never the token; the record is marked for
# a refresh only when refreshing can help.
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/jwt.sh"
t_tmpdir
t_plugin_env
echo "store_dir = $T/store" > "$SASL_OAUTH2_CONF"
U=relay@example.com
EXO=https://outlook.office.com
GRAPH=00000003-0000-0000-c000-000000000000

# run ARGS... - stdout+stderr of sasl-client in $all
run() { all=$("$SO2_SASL_CLIENT" "$@" 2>&1); }
chal() { t_b64 "$1"; }

# 1. invalid_token with a good Exchange token: refresh next time.
t_record_jwt $U "$(t_claims_user $U $EXO SMTP.Send)" 3600 RT-1
tok=$(t_rec_get access_token "$U")
run -m XOAUTH2 -u $U -p "" "$(chal '{"status":"invalid_token"}')"
t_contains "$all" "rejected the access token for $U (token user $U, audience $EXO)" "account, user, audience"
t_contains "$all" "the server says the token is invalid" "classified cause"
t_contains "$all" "the token will be refreshed at the next attempt" "refresh announced"
t_eq "$(t_rec_get state "$U")" stale "invalid_token marks the record stale"
t_not_contains "$all" "$tok" "no token in messages"
t_not_contains "$all" "${tok#*.}" "no token payload in messages"

# 2. a Graph-audience token refused: the verdict is the scope; nothing is invalidated.
t_record_jwt $U "$(t_claims_user $U $GRAPH SMTP.Send)" 3600 RT-1
run -m XOAUTH2 -u $U -p "" "$(chal '{"status":"401","schemes":"bearer"}')"
t_contains "$all" "audience $GRAPH" "Graph audience shown"
t_contains "$all" "the token is for Microsoft Graph" "cause: Graph audience"
t_contains "$all" "https://outlook.office.com/SMTP.Send offline_access" "fix: the Exchange scope"
t_contains "$all" "sasl-oauth2 login $U --provider microsoft" "fix names the account"
t_contains "$all" "the token is kept" "no refresh announced"
t_eq "$(t_rec_get state "$U")" ok "a scope problem does not mark the record"

# 3. the token of another user (shared mailbox): kept, explained.
t_record_jwt $U "$(t_claims_user boss@example.com $EXO SMTP.Send)" 3600 RT-1
run -m XOAUTH2 -u $U -p "" "$(chal '{"status":"400"}')"
t_contains "$all" "token user boss@example.com" "token user shown"
t_contains "$all" "the token belongs to boss@example.com but user= is $U" "other user"
t_contains "$all" "Send As" "shared mailbox explanation"
t_eq "$(t_rec_get state "$U")" ok "another user's token does not mark the record"

# 4. insufficient_scope (RFC 6750): re-authorise, record untouched.
t_record_jwt $U "$(t_claims_user $U $EXO SMTP.Send)" 3600 RT-1
run -m OAUTHBEARER -u $U -p "" "$(chal '{"status":"insufficient_scope","scope":"https://outlook.office.com/IMAP.AccessAsUser.All"}')"
t_contains "$all" "the token lacks the scope this server needs" "insufficient_scope cause"
t_eq "$(t_rec_get state "$U")" ok "insufficient_scope does not mark the record"

# 5. an opaque literal token: "unknown", the application must give a new one.
run -m XOAUTH2 -u $U -p "EwBwA8l6BAAUopaqueconsumertokenthatislongerthanforty" "$(chal '{"status":"401"}')"
t_contains "$all" "(token user unknown, audience unknown (opaque token))" "opaque token"
t_contains "$all" "the application must give a fresh token" "literal token: no record to mark"
t_not_contains "$all" "EwBwA8l6BAAUopaqueconsumertokenthatislongerthanforty" "no literal token in messages"
# 6. an app-only token with Mail.Send: right for High Volume Email (the
# server's name says which), wrong for SMTP AUTH (token/perms.h; Microsoft
# Learn "OAuth authentication for high volume emails for Microsoft 365").
APP=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee
t_record_jwt $U "{\"aud\":\"https://outlook.office365.com\",\"roles\":[\"Mail.Send\"],\"appid\":\"$APP\",\"idtyp\":\"app\",\"exp\":$(( $(date +%s) + 3600 ))}" 3600
run -m XOAUTH2 -u $U -p "" -H smtp-hve.office365.com "$(chal '{"status":"400"}')"
t_contains "$all" "accepted by High Volume Email only when the app is in the HVE account's Allowed Apps" \
	"HVE: Allowed Apps"
t_contains "$all" "Add-HVEAppAccess -Identity $U -AppIds $APP" "HVE: the command"
t_not_contains "$all" "New-ServicePrincipal -AppId" "HVE: no service principal"
run -m XOAUTH2 -u $U -p "" -H smtp.office365.com "$(chal '{"status":"400"}')"
t_contains "$all" "SMTP AUTH (smtp.office365.com) needs the application permission SMTP.SendAsApp" \
	"SMTP AUTH: Mail.Send is not its role"
t_eq "$(t_rec_get state "$U")" ok "a permission problem does not mark the record"
echo "PASS: module messages for refused tokens"

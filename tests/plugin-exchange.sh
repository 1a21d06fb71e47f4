#!/bin/bash
# SPDX-License-Identifier: MIT
# plugin-exchange.sh - the module inside real libsasl2, byte for byte.
# Drives tests/sasl-client (sasl_client_start/step with callbacks or
# prompts) against records in a private store; no network except an
# unreachable token endpoint on 127.0.0.1:9.
. "${top_srcdir:-.}/tests/lib/common.sh"
t_tmpdir
t_plugin_env
echo "store_dir = $T/store" > "$SASL_OAUTH2_CONF"
t_record relay@example.com AT-relay-1 3600 RT-relay
t_record other@example.com AT-other-1 3600 RT-other
U=relay@example.com

# resp N - the base64 response of output line N (1 = start)
resp() { printf '%s\n' "$out" | sed -n "${1}p" | awk '{print $NF}'; }

# 1. XOAUTH2, callbacks, empty password: the record of the SASL user.
t_run_client -m XOAUTH2 -u $U -p ""
t_eq "$rc" 0 "XOAUTH2 exit"
t_eq "$(t_unb64 "$(resp 1)")" "user=$U^Aauth=Bearer AT-relay-1^A^A" "XOAUTH2 initial response"
t_contains "$(printf '%s\n' "$out" | sed -n 1p)" "another step is needed" "XOAUTH2 start result (CONTINUE)"

# 2. no password callback at all (-N): same record.
t_run_client -m XOAUTH2 -u $U -N
t_eq "$(t_unb64 "$(resp 1)")" "user=$U^Aauth=Bearer AT-relay-1^A^A" "XOAUTH2 without PASS callback"

# 3. password = another account's name: that record, user= unchanged.
t_run_client -m XOAUTH2 -u $U -p other@example.com
t_eq "$(t_unb64 "$(resp 1)")" "user=$U^Aauth=Bearer AT-other-1^A^A" "password naming an account"

# 4. password = a record path.
t_run_client -m XOAUTH2 -u $U -p "$T/store/other@example.com.json"
t_eq "$(t_unb64 "$(resp 1)")" "user=$U^Aauth=Bearer AT-other-1^A^A" "password naming a record file"

# 5. password = a literal token (what isync's PassCmd hands over).
LT=eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL291dGxvb2sifQ.c2ln-_~+/==
t_run_client -m XOAUTH2 -u $U -p "$LT"
t_eq "$(t_unb64 "$(resp 1)")" "user=$U^Aauth=Bearer $LT^A^A" "literal bearer token"

# 5b. an old password left in the configuration is not sent as a token.
t_run_client -m XOAUTH2 -u $U -p "OldPassword123!"
t_eq "$rc" 1 "old password: exit"
t_contains "$all" "does not look like an access token" "old password: message"
t_contains "$all" "make the password empty" "old password: what to do"
t_not_contains "$all" "OldPassword123" "old password: not echoed"
t_run_client -m XOAUTH2 -u $U -p "$(printf 'x%.0s' $(seq 1 50)) with spaces"
t_contains "$all" "does not look like an access token" "token with spaces refused"

# 6. SASL_INTERACT prompts.
t_run_client -m XOAUTH2 -u $U -p "" -I
t_eq "$(t_unb64 "$(resp 1)")" "user=$U^Aauth=Bearer AT-relay-1^A^A" "response after prompts"
t_contains "$all" "prompt 16386" "AUTHNAME was prompted for"

# 7. server-first order: no initial response, then an empty challenge.
t_run_client -m XOAUTH2 -u $U -p "" -S '""'
t_eq "$(printf '%s\n' "$out" | sed -n 1p | awk '{print $NF}')" "(none)" "server-first start sends nothing"
t_eq "$(t_unb64 "$(resp 2)")" "user=$U^Aauth=Bearer AT-relay-1^A^A" "server-first response"

# 8. OAUTHBEARER with host, port and an authzid needing escapes (RFC 5801).
t_run_client -m OAUTHBEARER -u $U -z 'a,b=c@example.com' -p "" -H smtp.example.com -R '127.0.0.1;587'
t_eq "$(t_unb64 "$(resp 1)")" \
	"n,a=a=2Cb=3Dc@example.com,^Ahost=smtp.example.com^Aport=587^Aauth=Bearer AT-relay-1^A^A" \
	"OAUTHBEARER response with authzid, host, port"
t_run_client -m OAUTHBEARER -u $U -p "" -H ""
t_eq "$(t_unb64 "$(resp 1)")" "n,a=$U,^Aauth=Bearer AT-relay-1^A^A" "OAUTHBEARER without host and port"

# 9. garbage after the response (mutt's stale buffer): success, no mark.
before=$(sha256sum < "$T/store/$U.json")
t_run_client -m XOAUTH2 -u $U -p "" "$(t_b64 'a1 OK done')"
t_eq "$rc" 0 "garbage after response: exit"
t_contains "$(printf '%s\n' "$out" | sed -n 2p)" "step successful result" "garbage after response: step OK"
t_eq "$(sha256sum < "$T/store/$U.json")" "$before" "record unchanged by non-challenge data"

# 10. a second challenge after the exchange ended fails cleanly.
t_run_client -m XOAUTH2 -u $U -p "" "$(t_b64 '{"status":"401"}')" "$(t_b64 '{"status":"401"}')"
t_eq "$rc" 1 "second challenge: exit"

# 11. XOAUTH2 error challenge: empty reply, status in the error, record stale.
t_record relay@example.com AT-relay-1 3600 RT-relay
t_run_client -m XOAUTH2 -u $U -p "" "$(t_b64 '{"status":"401","schemes":"bearer","scope":"https://outlook.office.com/SMTP.Send"}')"
t_eq "$(printf '%s\n' "$out" | sed -n 2p)" 'step successful result ""' "XOAUTH2 reply to error challenge"
t_contains "$all" 'status "401"' "error names the server status"
t_contains "$(cat "$T/store/$U.json")" '"state": "stale"' "record marked for refresh"

# 12. OAUTHBEARER error challenge: the reply is one 0x01 byte (RFC 7628 3.2.3).
t_record relay@example.com AT-relay-1 3600 RT-relay
t_run_client -m OAUTHBEARER -u $U -p "" "$(t_b64 '{"status":"invalid_token","scope":"x","openid-configuration":"https://example.com/.well-known/openid-configuration"}')"
t_eq "$(printf '%s\n' "$out" | sed -n 2p | awk '{print $NF}')" "AQ==" "OAUTHBEARER reply to error challenge"
t_contains "$(cat "$T/store/$U.json")" '"state": "stale"' "record marked for refresh (OAUTHBEARER)"

# 13. a stale record whose endpoint is down: temporary failure naming the
#     endpoint; the tokens are not touched (the failure is counted for the
#     back-off: tests/backoff.sh).
tokens() {
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))
print(r["access_token"], r.get("refresh_token"), r["expires_at"], r["state"])' "$T/store/$U.json"
}
before=$(tokens)
t_run_client -m XOAUTH2 -u $U -p ""
t_eq "$rc" 1 "refresh failure: exit"
t_contains "$all" "transient failure" "SASL result for an unreachable endpoint"
t_contains "$all" "https://127.0.0.1:9/organizations/oauth2/v2.0/token" "error names the endpoint"
t_eq "$(tokens)" "$before" "tokens untouched by a transient failure"
t_not_contains "$all" "RT-relay" "no refresh token in messages"
t_not_contains "$all" "AT-relay-1" "no access token in messages"

# 14. missing record: names the path and the login command.
t_run_client -m XOAUTH2 -u nobody@example.com -p ""
t_contains "$all" "no token record $T/store/nobody@example.com.json" "missing record message"
t_contains "$all" "sasl-oauth2 login nobody@example.com" "missing record: next step"

# 15. a broken record: path, line and column; other accounts keep working.
printf '{"version":1,\n "account": "broken@example.com",\n oops}\n' > "$T/store/broken@example.com.json"
t_run_client -m XOAUTH2 -u broken@example.com -p ""
t_contains "$all" "$T/store/broken@example.com.json:3:" "broken record: path and line"
t_run_client -m XOAUTH2 -u other@example.com -p ""
t_eq "$(t_unb64 "$(resp 1)")" "user=other@example.com^Aauth=Bearer AT-other-1^A^A" "other account unaffected"

# 16. a record marked needs_login fails at once and names the command.
t_record dead@example.com AT-dead 3600 RT-dead
sed -i 's/"state":"ok"/"state":"needs_login","last_error":"invalid_grant AADSTS70008"/' "$T/store/dead@example.com.json"
t_run_client -m XOAUTH2 -u dead@example.com -p ""
t_contains "$all" "needs a new login" "dead grant message"
t_contains "$all" "sasl-oauth2 login dead@example.com --provider microsoft" "dead grant: command"

# 16b. (issue 10 item 8) a client that steps once more after the server's
#      success (mbsync, with and without SASL-IR) gets no output: only an
#      error challenge is answered. Byte-exact: libsasl2 hands out "" for none.
t_record relay@example.com AT-relay-1 3600 RT-relay
before=$(sha256sum < "$T/store/$U.json")
for mech in OAUTHBEARER XOAUTH2; do
	t_run_client -m $mech -u $U -p "" '""'
	t_eq "$rc" 0 "$mech: step after success: exit"
	t_eq "$(printf '%s\n' "$out" | sed -n 2p)" 'step successful result ""' \
		"$mech: no output for a step after success"
	t_run_client -m $mech -u $U -p "" -S '""' '""'
	t_eq "$(printf '%s\n' "$out" | sed -n 3p)" 'step successful result ""' \
		"$mech: no output for a step after success (server-first, no SASL-IR)"
	t_run_client -m $mech -u $U -p "" "$(t_b64 'a1 OK done')"
	t_eq "$(printf '%s\n' "$out" | sed -n 2p)" 'step successful result ""' \
		"$mech: no output for data that is not an error challenge"
done
t_eq "$(sha256sum < "$T/store/$U.json")" "$before" "record unchanged by steps after success"

# 16c. (issue 10 item 10) the identity reported is the one sent. XOAUTH2 has
#      only user=: an authorization id that differs is refused, by name.
t_run_client -m XOAUTH2 -u $U -z other@example.com -p ""
t_eq "$rc" 1 "XOAUTH2 with another authzid: exit"
t_contains "$all" 'act as "other@example.com"' "XOAUTH2 authzid refused: names it"
t_contains "$all" "use OAUTHBEARER" "XOAUTH2 authzid refused: what to do"
t_not_contains "$all" "username: other@example.com" "XOAUTH2 never reports an identity not sent"
t_run_client -m XOAUTH2 -u $U -z $U -p ""
t_eq "$rc" 0 "XOAUTH2 with authzid = user: exit"
t_contains "$all" "username: $U" "XOAUTH2 reports the user sent"
t_run_client -m XOAUTH2 -u $U -p ""
t_contains "$all" "username: $U" "XOAUTH2 without authzid reports the user sent"
t_run_client -m OAUTHBEARER -u $U -z other@example.com -p ""
t_eq "$(t_unb64 "$(resp 1)")" "n,a=other@example.com,^Ahost=mail.example.com^Aauth=Bearer AT-relay-1^A^A" \
	"OAUTHBEARER carries the authzid"
t_contains "$all" "username: other@example.com" "OAUTHBEARER reports the authzid it sent"

# 16d. (issue 10 item 13) both offered: libsasl2 (2.1.28) picks XOAUTH2 in
#      whatever order the server lists them. Among mechanisms of equal
#      strength (same security flags, max_ssf 0) it takes the first of its
#      own list, which keeps the order of registration: the module
#      registers XOAUTH2 first (sasl-oauth2(8) "Choosing the mechanism").
#      Changing that order must be deliberate: this pins it.
for list in "XOAUTH2 OAUTHBEARER" "OAUTHBEARER XOAUTH2" "OAUTHBEARER,XOAUTH2" \
	"AUTH=LOGIN OAUTHBEARER XOAUTH2"; do
	t_run_client -m "$list" -u $U -p ""
	t_contains "$all" "mechanism: XOAUTH2" "mechanism chosen from \"$list\""
	t_eq "$(t_unb64 "$(resp 1)")" "user=$U^Aauth=Bearer AT-relay-1^A^A" "response for \"$list\""
done
t_run_client -m "OAUTHBEARER" -u $U -p ""
t_contains "$all" "mechanism: OAUTHBEARER" "OAUTHBEARER when it is the only one offered"

# 17. a configuration error: the mechanism is still offered and every
#     attempt names file, line and column.
printf 'store_dir = %s\nbogus line\n' "$T/store" > "$SASL_OAUTH2_CONF"
t_run_client -m XOAUTH2 -u $U -p ""
t_eq "$rc" 1 "config error: exit"
t_contains "$all" "$SASL_OAUTH2_CONF:2:" "config error: file and line"
t_not_contains "$all" "no mechanism" "mechanism still registered with a config error"
# 18. (issue 10 item 11) SASL_OAUTH2_CONF naming a file that does not exist
#     is an error like a syntax error (only the built-in default may be
#     missing): the mechanisms stay registered and every attempt names it.
SASL_OAUTH2_CONF=$T/missing.conf t_run_client -m XOAUTH2 -u $U -p ""
t_eq "$rc" 1 "missing named config: exit"
t_contains "$all" "$T/missing.conf" "missing named config: named"
t_not_contains "$all" "no mechanism" "missing named config: mechanism still registered"
t_not_contains "$all" "token store" "missing named config: no fallback to the default store"
SASL_OAUTH2_CONF=$T/missing.conf t_run_client -m OAUTHBEARER -u $U -p "" -n 3
t_contains "$all" "$T/missing.conf" "missing named config: named again at a later attempt"
echo "PASS: plugin exchange cases"

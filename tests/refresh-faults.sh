#!/bin/bash
# SPDX-License-Identifier: MIT
# refresh-faults.sh - what the module does when refreshing goes wrong,
# against the identity-provider emulator, through real libsasl2:
#   - HTTP 500, 503, 429, garbage and an unreachable endpoint: a temporary
#     failure naming the endpoint and the cause; the tokens are untouched
#     (the failure is counted for the back-off, reset here between kinds:
#     tests/backoff.sh tests the back-off itself);
#   - invalid_grant (revoked grant, AADSTS50173): the record is kept and
#     marked needs_login; the next attempt fails at once, with no request,
#     and names the login command; a new login clears it;
#   - a refresh that succeeds: the token is used and the record rotated.
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
t_tmpdir
t_plugin_env
t_start_idp --auto-approve relay@example.com --interval 1
A=relay@example.com
t_conf
t_store
t_login $A


# tokens - the members a transient failure must not change
tokens() {
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))
print(r["access_token"], r["refresh_token"], r["expires_at"], r["state"])' "$T/store/$A.json"
}
# unbackoff - forget the back-off a failure set (as if its time passed)
unbackoff() { t_rec_set "$A" failures=0 retry_after=0; }

t_rec_expire "$A"
sum=$(tokens)
for kind in http500 http503 http429 garbage html empty; do
	t_idp_admin POST /_admin/fault "{\"endpoint\":\"token\",\"kind\":\"$kind\"}" >/dev/null \
		|| t_fail "emulator fault $kind"
	t_run_client -m XOAUTH2 -u $A -p ""
	t_eq "$rc" 1 "$kind: exit"
	t_contains "$all" "transient failure" "$kind: SASL result"
	t_contains "$all" "$IDP_URL/organizations/oauth2/v2.0/token" "$kind: endpoint named"
	t_eq "$(tokens)" "$sum" "$kind: tokens untouched"
	unbackoff
done
t_eq "$(t_idp_refreshes)" 0 "successful refreshes during faults"

# A good refresh now: used at once, record rotated.
rt0=$(t_rec_get refresh_token "$A")
t_run_client -m XOAUTH2 -u $A -p ""
t_eq "$rc" 0 "refresh after faults: exit"
t_eq "$(t_idp_refreshes)" 1 "one refresh"
rt1=$(t_rec_get refresh_token "$A")
[ "$rt0" != "$rt1" ] || t_fail "refresh token did not rotate"
t_not_contains "$all" "$rt1" "refresh token in messages"

# Revoked grant: marked, fail fast, login command named.
t_idp_admin POST /_admin/revoke '{"upn":"relay@example.com"}' >/dev/null || t_fail "revoke"
t_rec_expire "$A"
t_run_client -m XOAUTH2 -u $A -p ""
t_eq "$rc" 1 "revoked: exit"
t_contains "$all" "AADSTS50173" "revoked: AADSTS code"
t_contains "$all" "sasl-oauth2 login $A" "revoked: login command"
t_contains "$(cat "$T/store/$A.json")" '"state": "needs_login"' "revoked: record marked"
[ -n "$(t_rec_get refresh_token "$A")" ] \
	|| t_fail "revoked: the record lost its refresh token"
before=$(t_idp_token_requests)
t_run_client -m XOAUTH2 -u $A -p ""
t_contains "$all" "needs a new login" "fail fast message"
after=$(t_idp_token_requests)
t_eq "$after" "$before" "token endpoint requests while marked needs_login"

# A new login replaces the record and mail works again.
"$SO2_CLI" login $A >"$T/login2.log" 2>&1 || { cat "$T/login2.log"; t_fail "second login"; }
t_run_client -m XOAUTH2 -u $A -p ""
t_eq "$rc" 0 "after a new login: exit"
echo "PASS: transient faults keep the record; a dead grant is marked and fails fast"

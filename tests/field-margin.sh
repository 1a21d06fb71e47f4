#!/bin/bash
# SPDX-License-Identifier: MIT
# field-margin.sh - refresh_margin at or above the token lifetime (issue 11,
# item 9): a tenant policy of 10-minute tokens with the 900 s margin the
# troubleshooting page recommends for HVE refreshes at every use: the
# margin applies as configured, and status and doctor say so.
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
[ -x "$SO2_CLI" ] || t_fail "sasl-oauth2 not built: $SO2_CLI"
t_tmpdir
t_plugin_env
A=relay@example.com
t_start_idp --auto-approve $A --interval 1 --access-token-lifetime 600
t_conf "refresh_margin = 900"
t_login $A --provider microsoft --protocol smtp
before=$(t_idp_refreshes)
for i in 1 2 3; do
	"$SO2_CLI" token $A > /dev/null 2>"$T/token.err" || { cat "$T/token.err" >&2; t_fail "token $i"; }
done
t_eq "$(t_idp_refreshes)" "$((before + 3))" "three uses of a 600 s token with a 900 s margin: three refreshes"
# status warns, naming both numbers
out=$("$SO2_CLI" status $A 2>&1)
t_contains "$out" "refresh_margin (900 s) is at or above the lifetime of this account's tokens (600 s)" \
	"status warns about the margin"
# doctor warns the same
out=$("$SO2_CLI" doctor $A --no-postfix --user root 2>&1)
t_contains "$out" "[warn] refresh_margin (900 s) is at or above the lifetime" "doctor warns"
echo "PASS: refresh_margin above the token lifetime"

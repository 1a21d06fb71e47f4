#!/bin/bash
# SPDX-License-Identifier: MIT
# field-messages.sh - one message says one thing (issue 11, item 10), for
# failures the token endpoint really produces (the emulator's faults):
#   - a 503 with Retry-After: one time for the next attempt, not "retry
#     after 5 seconds" and "next attempt in 30 s" side by side;
#   - a dead grant: one login command, the full one;
#   - an HTML page where JSON was due (a captive portal): named as a page
#     and what that usually means, not a JSON syntax error at 1:1;
#   - a record whose refresh token died stays in the store (nothing deleted).
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
[ -x "$SO2_CLI" ] || t_fail "sasl-oauth2 not built: $SO2_CLI"
t_tmpdir
t_plugin_env
A=relay@example.com
t_start_idp --auto-approve $A --interval 1
t_conf "backoff_min = 30"
t_login $A --provider microsoft --protocol smtp

# refresh_out - sasl-oauth2 refresh A, stdout+stderr
refresh_out() { "$SO2_CLI" refresh $A 2>&1; }
count() { grep -o -- "$2" <<<"$1" | wc -l; }

# 1. 503 with Retry-After: 5 (RFC 9110 10.2.3) and a back-off of 30 s.
t_idp_admin POST /_admin/fault '{"endpoint":"token","kind":"http503","retry_after":5}' >/dev/null
out=$(refresh_out)
t_contains "$out" "next attempt at" "the next attempt is named"
t_eq "$(count "$out" "next attempt")" 1 "one next attempt: $out"
t_not_contains "$out" "retry after 5 seconds" "no second time beside it"
t_idp_admin POST /_admin/fault/clear >/dev/null

# 2. An HTML page instead of JSON.
t_idp_admin POST /_admin/fault '{"endpoint":"token","kind":"html"}' >/dev/null
out=$(refresh_out)
t_contains "$out" "HTML page" "the page is named as a page"
t_contains "$out" "captive portal" "what it usually means"
t_not_contains "$out" ":1:1: " "not a JSON syntax error at 1:1"
t_idp_admin POST /_admin/fault/clear >/dev/null

# 3. A dead grant: one login command, the one with the provider.
t_idp_admin POST /_admin/fault '{"endpoint":"token","kind":"invalid_grant"}' >/dev/null
out=$(refresh_out)
t_contains "$out" "sasl-oauth2 login $A --provider microsoft" "the full login command"
t_eq "$(count "$out" "sasl-oauth2 login")" 1 "one login command: $out"
# status keeps the code and the cause in LAST ERROR, not a cut URL
out=$("$SO2_CLI" status $A 2>&1)
t_contains "$out" "AADSTS700082: the refresh token expired after 90 days" "status: code and cause"
# the next use fails fast and says the same once
out=$(refresh_out)
t_eq "$(count "$out" "sasl-oauth2 login")" 1 "one login command when failing fast: $out"
[ -s "$T/store/$A.json" ] || t_fail "the record of a dead grant was deleted"
# Fix commands carry the --config and --store in use (issue 11, item 10).
cp "$SASL_OAUTH2_CONF" "$T/other.conf"
out=$("$SO2_CLI" refresh $A --config "$T/other.conf" --store "$T/store" 2>&1)
t_contains "$out" "sasl-oauth2 login --config $T/other.conf --store $T/store $A --provider microsoft" \
	"refresh: the login command with the options in use"
out=$("$SO2_CLI" doctor $A --no-postfix --user root --config "$T/other.conf" 2>&1)
t_contains "$out" "fix: sasl-oauth2 login --config $T/other.conf $A" "doctor: the same"
# 5. Where the proxy came from, in every connection failure, never its
# credentials (the shell's https_proxy is not Postfix's).
t_login $A --provider microsoft --protocol smtp
t_idp_admin POST /_admin/fault/clear >/dev/null
out=$(env -u no_proxy -u NO_PROXY https_proxy=http://user:s3cret@127.0.0.1:9 \
	"$SO2_CLI" refresh $A 2>&1)
t_contains "$out" "through proxy http://127.0.0.1:9 (https_proxy in the environment" \
	"the environment's proxy named"
t_not_contains "$out" "s3cret" "no proxy credentials"
cp "$SASL_OAUTH2_CONF" "$T/proxy.conf"
sed -i "1i proxy = http://127.0.0.1:9" "$T/proxy.conf"
out=$("$SO2_CLI" refresh $A --config "$T/proxy.conf" 2>&1)
t_contains "$out" "through proxy http://127.0.0.1:9 (proxy in sasl-oauth2.conf)" \
	"the configuration's proxy named"
out=$("$SO2_CLI" doctor $A --no-postfix --user root --config "$T/proxy.conf" 2>&1)
t_contains "$out" "unreachable through proxy http://127.0.0.1:9 (proxy in sasl-oauth2.conf)" \
	"doctor names it too"
echo "PASS: one message, one thing"

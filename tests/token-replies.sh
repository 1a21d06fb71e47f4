#!/bin/bash
# SPDX-License-Identifier: MIT
# token-replies.sh - every member of a token reply is validated, and a
# rotated refresh token is never thrown away (issue 10, point 2), through
# `sasl-oauth2 refresh` and the emulator with strict rotation (a rotated-out
# refresh token stops working, as Microsoft's may):
#   - an access_token with CR LF, a token_type "mac": refresh exits non-zero,
#     says why, stores no such token, keeps the reply's new refresh token
#     (the next refresh, with it, succeeds);
#   - expires_in 2^63: the reply is used (capped, with a warning), not
#     thrown away with its refresh token;
#   - expires_in as a string, a float, empty: the documented policy, with a
#     warning where a value was not taken as is; the record holds integers.
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
. "$top_srcdir/tests/lib/store.sh"
t_tmpdir
t_plugin_env
t_store_setup --strict-rotation

override() {
	t_idp_admin POST /_admin/config "{\"reply_override\": $1}" >/dev/null \
		|| t_fail "emulator config $1"
}

# bad_reply WHAT OVERRIDE WANT - an unusable reply keeps its refresh token
bad_reply() {
	local at0 rt0 o c
	at0=$(t_rec_get access_token) rt0=$(t_rec_get refresh_token)
	override "$2"
	o=$("$SO2_CLI" refresh $A 2>&1); c=$?
	[ "$c" != 0 ] || t_fail "$1: refresh exited 0 ($o)"
	t_not_contains "$o" "refreshed;" "$1: refresh claims success"
	t_contains "$o" "$3" "$1: the reason"
	t_contains "$o" "the new refresh token of the reply was kept in the record" "$1: says so"
	t_eq "$(t_rec_get access_token)" "$at0" "$1: stored access token"
	[ "$(t_rec_get refresh_token)" != "$rt0" ] || t_fail "$1: the rotated refresh token was lost"
	override '{}'
	o=$("$SO2_CLI" refresh $A 2>&1) || t_fail "$1: the next refresh, with the kept token: $o"
	t_contains "$o" "refreshed;" "$1: next refresh"
	t=$("$SO2_CLI" token $A) || t_fail "$1: token"
	t_eq "$(printf '%s\n' "$t" | wc -l)" 1 "$1: token prints one line"
}

bad_reply "access token with CR LF" '{"access_token": "eyJhbGciOi\r\nX-Injected: 1"}' \
	"its access_token is not an RFC 6750 b64token (byte 11 of 25 is 0x0d)"
bad_reply "token_type mac" '{"token_type": "mac"}' 'its token_type is "mac", not Bearer'

# expires_in 2^63: used, capped, said; the rotated refresh token kept.
rt0=$(t_rec_get refresh_token)
override '{"expires_in": 9223372036854775808}'
o=$("$SO2_CLI" refresh $A 2>&1) || t_fail "expires_in 2^63: refresh: $o"
t_contains "$o" "expires_in (9223372036854775808 s) is absurd" "expires_in 2^63: warning"
[ "$(t_rec_get refresh_token)" != "$rt0" ] || t_fail "expires_in 2^63: refresh token lost"
exp=$(t_rec_get expires_at) now=$(date +%s)
[ $((exp - now)) -le $((366 * 86400)) ] && [ $((exp - now)) -gt $((365 * 86400)) ] \
	|| t_fail "expires_in 2^63: expires_at $exp, want now + 366 days"

# expires_in in the forms providers send; the policy for the others.
check_exp() {	# WHAT OVERRIDE-VALUE SECONDS WARNING-OR-EMPTY
	local o now exp
	override "{\"expires_in\": $2}"
	now=$(date +%s)
	o=$("$SO2_CLI" refresh $A 2>&1) || t_fail "$1: refresh: $o"
	exp=$(t_rec_get expires_at)
	[ $((exp - now - $3)) -ge 0 ] && [ $((exp - now - $3)) -le 5 ] \
		|| t_fail "$1: expires_at - now = $((exp - now)), want $3"
	if [ -n "$4" ]; then t_contains "$o" "$4" "$1: warning"
	else t_not_contains "$o" "warning" "$1: no warning"; fi
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if type(r["expires_at"]) is int else 1)' \
		"$T/store/$A.json" || t_fail "$1: expires_at not written as an integer"
}
check_exp "integer" 1800 1800 ""
check_exp "digit string" '"1800"' 1800 ""
check_exp "integral float" 1800.0 1800 ""
check_exp "fractional" 1799.7 1799 "not a whole number of seconds"
check_exp "empty" '""' 3600 "expires_in is empty"
check_exp "zero" 0 3600 "expires_in is zero"
check_exp "negative" -60 3600 "expires_in is negative"
override '{}'
echo "PASS: token replies validated; unusable ones keep their refresh token and say so"

#!/bin/bash
# SPDX-License-Identifier: MIT
# refresh-ahead.sh - the timer's command and the monitor's (issue 3, point 5):
#   refresh --all --if-expiring-within SECONDS [--keepalive DAYS]: refreshes
#   only what is due, respects the back-off (exit 75, no request); refresh
#   ACCOUNT forces, even during a back-off; status shows failing / idle and
#   exits 1 when an account needs a person. Against the emulator.
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
. "$top_srcdir/tests/lib/store.sh"
t_tmpdir
t_plugin_env
t_store_setup
now() { date +%s; }
cli() { out=$("$SO2_CLI" "$@" 2>"$T/err"); rc=$?; err=$(cat "$T/err"); }
n0=$(t_idp_token_requests)

cli refresh --all --if-expiring-within 60
t_eq "$rc" 0 "not due: exit"
t_contains "$out" "$A: not due" "not due: line"
t_eq "$(t_idp_token_requests)" "$n0" "not due: requests"

t_rec_set "expires_at=$(( $(now) + 30 ))"
cli refresh --all --if-expiring-within 60
t_eq "$rc" 0 "due: exit"
t_contains "$out" "$A: refreshed" "due: line"
t_eq "$(t_idp_token_requests)" "$((n0 + 1))" "due: requests"

d=$(( $(now) - 31 * 86400 ))
t_rec_set "refreshed_at=$d" "obtained_at=$d"
cli refresh --all --if-expiring-within 60 --keepalive 30
t_contains "$out" "$A: refreshed" "keepalive: line"
t_eq "$(t_idp_token_requests)" "$((n0 + 2))" "keepalive: requests"
cli refresh --all --keepalive 30
t_contains "$out" "$A: not due" "keepalive, just refreshed: line"

# Back-off: the timer keeps quiet; status says failing.
t_rec_set failures=2 "retry_after=$(( $(now) + 100 ))" "expires_at=$(( $(now) + 30 ))" \
	'last_error="account x: cannot refresh the access token: HTTP 503"'
cli refresh --all --if-expiring-within 60
t_eq "$rc" 75 "backing off: exit"
t_contains "$err" "next refresh attempt at" "backing off: message"
t_eq "$(t_idp_token_requests)" "$((n0 + 2))" "backing off: requests"
cli status
t_eq "$rc" 0 "failing, token valid: status exit"
t_contains "$out" "failing" "failing: state"
t_contains "$out" "[2 failures, next attempt in" "failing: next attempt"
t_rec_set expires_at=1
cli status
t_eq "$rc" 1 "failing, token expired: status exit"
cli status --json
t_contains "$out" '"failures": 2' "status --json: failures"

# A person forces it.
cli refresh $A
t_eq "$rc" 0 "forced during back-off: exit"
t_eq "$(t_idp_token_requests)" "$((n0 + 3))" "forced: requests"
f=$(t_rec_get failures); t_eq "${f:-0}" 0 "forced: back-off reset"
cli status
t_eq "$rc" 0 "after the refresh: status exit"

# Idle for 85 days: the refresh token is about to die.
d=$(( $(now) - 85 * 86400 ))
t_rec_set "refreshed_at=$d"
cli status
t_eq "$rc" 1 "idle: status exit"
t_contains "$out" "idle" "idle: state"

# Usage errors.
cli refresh --all --keepalive 0
t_eq "$rc" 64 "--keepalive 0: exit"
t_contains "$err" "--keepalive takes days" "--keepalive 0: message"
cli refresh --all --if-expiring-within soon
t_eq "$rc" 64 "--if-expiring-within soon: exit"
echo "PASS: refresh ahead, keepalive, back-off respected, status exit codes"

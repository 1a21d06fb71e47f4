#!/bin/bash
# SPDX-License-Identifier: MIT
# late-rejections.sh - a rejection of an old token never undoes a fresh one
# (issue 10, point 5), through real libsasl2 and the module:
# 10 clients take the record's token T1 and wait; the record is refreshed
# (T2); then all 10 get the server's error challenge for T1 at once. The
# record must stay "ok" with T2 and the next authentications must not
# refresh again: one refresh per token generation, however many late
# rejections arrive. A rejection of the token the record still holds
# marks it stale as before (one refresh follows).
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
. "$top_srcdir/tests/lib/store.sh"
t_tmpdir
t_plugin_env
t_store_setup
CH=$(t_b64 '{"status":"401","schemes":"bearer","scope":"https://outlook.office.com/SMTP.Send"}')
N=10

pids=()
for i in $(seq $N); do
	"$SO2_SASL_CLIENT" -m XOAUTH2 -u $A -p "" -w "$T/go" "$CH" >"$T/c$i.out" 2>"$T/c$i.err" &
	pids+=($!)
done
# All 10 have sent T1 (their start line is out) before the refresh.
for _ in $(seq 600); do
	n=$(cat "$T"/c*.out 2>/dev/null | grep -c '^start')
	[ "$n" = $N ] && break
	sleep 0.1
done
t_eq "$n" $N "clients that sent the first token"
t1=$(t_rec_get access_token)
"$SO2_CLI" refresh $A >/dev/null 2>&1 || t_fail "refresh"
t2=$(t_rec_get access_token)
[ "$t1" != "$t2" ] || t_fail "refresh did not change the token"
before=$(t_idp_refreshes)
touch "$T/go"
for p in "${pids[@]}"; do wait "$p" || true; done
grep -q 'the server rejected the access token' "$T"/c1.err \
	|| { cat "$T/c1.err" >&2; t_fail "the late rejection was not reported"; }
t_eq "$(t_rec_get state)" ok "record state after $N late rejections of the old token"
t_eq "$(t_rec_get access_token)" "$t2" "record token after the late rejections"
for _ in 1 2 3; do
	t_run_client -m XOAUTH2 -u $A -p ""
	t_eq "$rc" 0 "authentication after the late rejections"
done
t_eq "$(t_idp_refreshes)" "$before" "refreshes caused by $N late rejections of the old token"

# A rejection of the token the record holds still marks it stale.
t_run_client -m XOAUTH2 -u $A -p "" "$CH"
t_eq "$(t_rec_get state)" stale "record state after a rejection of its own token"
t_run_client -m XOAUTH2 -u $A -p ""
t_eq "$rc" 0 "authentication after a rejection of the current token"
t_eq "$(t_idp_refreshes)" "$((before + 1))" "refreshes after a rejection of the current token"
echo "PASS: $N late rejections of an old token: no refresh; a current one: one"

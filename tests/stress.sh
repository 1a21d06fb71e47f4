#!/bin/bash
# SPDX-License-Identifier: MIT
# stress.sh - one refresh per expiry under contention (issue 3, point 1):
# N=32 processes (tests/sasl-client: real libsasl2 and the module, two
# exchanges each) released at once on one record whose access token has
# expired, over ROUNDS=5 expiries, against the emulator in strict rotation
# (a second refresh with the old refresh token would kill the grant).
# Asserts: zero failed authentications; token endpoint refreshes == expiries;
# all processes of a round sent the token of the record after the round; the
# record parses after every round; no temporary file is left. Then the lock:
# a holder that does not let go makes an expired record fail after
# lock_timeout (2 s) with a temporary failure naming the lock; a holder
# killed with SIGKILL blocks nobody.
# Expiry is made by moving expires_at between rounds (nothing runs then),
# so the result does not depend on how fast the machine is.
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
. "$top_srcdir/tests/lib/store.sh"
N=${STRESS_N:-32}
ROUNDS=${STRESS_ROUNDS:-5}
t_tmpdir
t_plugin_env
S_CONF_EXTRA="lock_timeout = 2"
t_store_setup --strict-rotation
command -v flock >/dev/null || t_skip "flock (util-linux) missing"
t_idp_admin POST /_admin/stats/reset >/dev/null || t_fail "stats reset"

for round in $(seq 1 "$ROUNDS"); do
	t_rec_expire
	before=$(t_idp_refreshes)
	# The gate: children block on a shared lock the test holds exclusively.
	exec 9>"$T/gate"
	flock -x 9
	pids=
	for i in $(seq 1 "$N"); do
		( flock -s "$T/gate" true
		  "$SO2_SASL_CLIENT" -n 2 -m XOAUTH2 -u "$A" -p "" >"$T/out.$i" 2>&1
		  echo $? >"$T/rc.$i" ) 9>&- &
		pids="$pids $!"
	done
	sleep 0.3
	flock -u 9
	exec 9>&-
	# shellcheck disable=SC2086
	wait $pids
	fails=0
	for i in $(seq 1 "$N"); do
		[ "$(cat "$T/rc.$i")" = 0 ] || { fails=$((fails + 1)); cat "$T/out.$i" >&2; }
	done
	t_eq "$fails" 0 "round $round: failed authentications"
	t_eq "$(( $(t_idp_refreshes) - before ))" 1 "round $round: refreshes for one expiry"
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/store/$A.json" \
		|| t_fail "round $round: record does not parse"
	t_eq "$(t_rec_get state)" ok "round $round: state"
	want=$(t_rec_get access_token)
	sent=$(for i in $(seq 1 "$N"); do awk '/^start/ {print $NF}' "$T/out.$i" | base64 -d \
		| tr '\001' '\n' | sed -n 's/^auth=Bearer //p'; done | sort -u)
	t_eq "$sent" "$want" "round $round: the token every process sent"
	t_eq "$(find "$T/store" -name '*.tmp' | wc -l)" 0 "round $round: temporary files"
done

# hold_lock - take the record's OFD lock as a refresh would, and keep it
hold_lock() {
	python3 -c 'import fcntl, os, struct, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack("hhqqi", fcntl.F_WRLCK, 0, 0, 0, 0))
open(sys.argv[2], "w").close()
time.sleep(60)' "$T/store/$A.lock" "$T/locked" &
	holder=$!
	t_on_exit "kill -9 $holder 2>/dev/null"
	for _ in $(seq 1 100); do [ -e "$T/locked" ] && break; sleep 0.05; done
	[ -e "$T/locked" ] || t_fail "the lock holder did not start"
	rm -f "$T/locked"
}
t_rec_expire
hold_lock
t0=$(date +%s)
t_run_client -m XOAUTH2 -u "$A" -p ""
t_eq "$rc" 1 "lock held: exit"
t_contains "$all" "transient failure" "lock held: SASL result (SASL_TRYAGAIN)"
t_contains "$all" "held the lock $T/store/$A.lock for more than 2 seconds (lock_timeout)" \
	"lock held: message"
[ $(( $(date +%s) - t0 )) -le 10 ] || t_fail "lock held: the wait was not bounded"
{ kill -9 $holder; wait $holder; } 2>/dev/null
t_run_client -m XOAUTH2 -u "$A" -p ""
t_eq "$rc" 0 "holder killed with SIGKILL: the next authentication"
echo "PASS: $N processes x $ROUNDS expiries: 0 failures, $ROUNDS refreshes; bounded lock wait"

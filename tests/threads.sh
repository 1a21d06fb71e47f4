#!/bin/bash
# SPDX-License-Identifier: MIT
# threads.sh - threads of one process sharing the module (issue 3, point 7):
# tests/sasl-threads runs 16 threads x 20 XOAUTH2 exchanges after one
# sasl_client_init, released together on a record whose access token has
# expired, against the emulator in strict rotation. Asserts: no failure, one
# refresh, one token sent by all; three times over, then twice with the core
# loaded at first use (SASL_OAUTH2_LOAD=use: the 16 threads' first mech_new
# race to load it, as in an unprivileged threaded client); a core missing at
# init and back before the threads start (their first attempts race on the
# retry); one cut short: every attempt fails, the process lives.
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
. "$top_srcdir/tests/lib/store.sh"
t_tmpdir
t_plugin_env
t_store_setup --strict-rotation
THREADS=$top_builddir/tests/sasl-threads
[ -x "$THREADS" ] || t_fail "$THREADS not built"
for round in 1 2 3 use-4 use-5; do
	case $round in use-*) load=use ;; *) load=init ;; esac
	t_rec_expire
	before=$(t_idp_refreshes)
	out=$(SASL_OAUTH2_LOAD=$load "$THREADS" -t 16 -n 20 -m XOAUTH2 -u "$A" 2>"$T/err"); rc=$?
	t_eq "$rc" 0 "round $round: exit ($(head -3 "$T/err"))"
	t_eq "$out" "threads 16 exchanges 320 failures 0 tokens 1" "round $round: result"
	t_eq "$(( $(t_idp_refreshes) - before ))" 1 "round $round: refreshes"
done
# A core missing at init (root: loads at init) and back before the threads
# start: the 16 threads' first attempts race to load it (the retry path).
# Then one cut short (a copy half done): every attempt fails, none crashes.
mkdir -p "$T/later"
head -c 4096 "$SO2_CORE" > "$T/half-core.so"
for round in retry half; do
	rm -f "$T/later/core.so"
	from=$SO2_CORE
	[ "$round" = half ] && from=$T/half-core.so
	t_rec_expire
	before=$(t_idp_refreshes)
	rc=0
	out=$(SASL_OAUTH2_LOAD=init SASL_OAUTH2_CORE=$T/later/core.so SO2_PROBE_LINK_FROM=$from \
		SO2_PROBE_LINK_TO=$T/later/core.so "$THREADS" -t 16 -n 20 -m XOAUTH2 -u "$A" \
		2>"$T/err") || rc=$?
	if [ "$round" = retry ]; then
		t_eq "$rc" 0 "core back after init: exit ($(head -3 "$T/err"))"
		t_eq "$out" "threads 16 exchanges 320 failures 0 tokens 1" "core back after init"
		t_eq "$(( $(t_idp_refreshes) - before ))" 1 "core back after init: refreshes"
	else
		t_eq "$rc" 1 "half-written core: every attempt fails, no crash"
		t_eq "$out" "threads 16 exchanges 320 failures 320 tokens 0" "half-written core"
		t_contains "$(cat "$T/err")" "the file is cut short" "half-written core: the reason"
	fi
done
rm -f "$T/later/core.so"

echo "PASS: 16 threads share one record: one refresh per expiry, core loaded at init or at first use"

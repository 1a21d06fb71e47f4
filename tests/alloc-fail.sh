#!/bin/bash
# SPDX-License-Identifier: MIT
# alloc-fail.sh - every allocation of an exchange with a refresh fails once
#
# Issue 10 item 6: code in other people's processes (Postfix's smtp) must
# survive an allocation failure anywhere: no crash, no hang, an error that
# says "out of memory" (or a transient failure where a library reports it
# as something else: OpenSSL in a TLS handshake), nothing left behind (the
# next attempt in the same process works, also after a failure at the
# module's start), and the record keeps its refresh token.
# tests/alloc-sweep.c forks one child per allocation index and fails
# exactly that allocation (tests/failmalloc.c, LD_PRELOAD), over every
# index of what runs under the module's entry points:
#   1. the module's start (sasl_client_add_plugin: configuration, store,
#      CA bundle) and the exchange after it;
#   2. one exchange with a valid token (the record read);
#   3. with SO2_LONG_TESTS=1 (make check-long): one exchange that
#      refreshes the token through the emulator, TLS included (about
#      15,000 allocations, 10 minutes).
# Prints the figures (allocations tried, crashes) for the closing note.
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
. "$top_srcdir/tests/lib/store.sh"
t_sanitized && t_skip "sanitizer build: the allocation shim cannot replace ASan's malloc"
SWEEP=$top_builddir/tests/alloc-sweep
SHIM=$top_builddir/tests/.libs/libfailmalloc.so
[ -x "$SWEEP" ] && [ -f "$SHIM" ] || t_fail "not built: $SWEEP, $SHIM"
t_tmpdir
t_plugin_env
t_store_setup
cp "$T/store/$A.json" "$T/valid.json"
t_rec_expire
cp "$T/store/$A.json" "$T/expired.json"
mkdir "$T/no-modules"

sweep() {	# sweep NAME TEMPLATE ARGS... - run alloc-sweep, output in $T/NAME.out
	LD_PRELOAD=$SHIM "$SWEEP" -u "$A" -t "$T/$2.json" -r "$T/store/$A.json" "${@:3}" \
		> "$T/$1.out" 2>&1
	local rc=$?
	echo "== $1"
	cat "$T/$1.out"
	[ $rc -eq 0 ] || t_fail "$1 sweep: $(grep -m3 FAIL "$T/$1.out")"
	t_contains "$(cat "$T/$1.out")" "crashes 0, hangs 0, next attempt failed 0" "$1 sweep"
	t_not_contains "$(cat "$T/$1.out")" "allocations tried 0 " "$1 sweep: ran"
}
SASL_PATH=$T/no-modules sweep start valid -i "$SO2_PLUGIN" -m OAUTHBEARER
sweep exchange valid -m XOAUTH2
if [ -n "${SO2_LONG_TESTS:-}" ]; then
	sweep exchange-refresh expired -m XOAUTH2
fi
echo "PASS: every allocation of the module's start and of an exchange failed once${SO2_LONG_TESTS:+ (and of an exchange with a refresh)}"

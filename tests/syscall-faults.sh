#!/bin/bash
# SPDX-License-Identifier: MIT
# syscall-faults.sh - every syscall of the record's write path fails once
#
# Issue 10 item 16. strace injects one errno into one call at a time
# (tests/syscall-faults.py): every open, read, write, fsync, close and lock
# fcntl of the store's files, the rename, the directory's fsync and the
# unlink of a leftover temporary file, on the read-lock-refresh-write path
# of an expired record, with EIO, ENOSPC, EDQUOT, EACCES, EINTR and EAGAIN
# where each applies; in the module (tests/sasl-client) and in
# `sasl-oauth2 refresh`. Each run: no crash or hang, the record stays
# readable and its refresh token alive (the emulator rotates strictly, and
# a clean refresh must work afterwards), and a run that failed or left the
# record as it was names the step. Prints the matrix.
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
. "$top_srcdir/tests/lib/store.sh"
command -v strace >/dev/null || t_skip "strace not installed (scripts/install-deps.sh)"
strace -f -qq -o /dev/null -e trace=fsync -e inject=fsync:error=EIO:when=1 true 2>/dev/null \
	|| t_skip "strace cannot trace here (ptrace not permitted)"
# The sanitizer build: LeakSanitizer exits non-zero under ptrace, and the
# ASan runtime's own reads shift the call counts strace injects by (the
# test then finds its fault "injected elsewhere"). The plain build runs it.
t_sanitized && t_skip "sanitizer build: strace's call counts include the ASan runtime's own calls"
t_tmpdir
t_plugin_env
t_store_setup --strict-rotation
t_rec_expire
cp "$T/store/$A.json" "$T/expired.json"
stale=".$A.json.000000000000.tmp"
check="'$SO2_CLI' refresh '$A' >/dev/null 2>&1"
relogin="'$SO2_CLI' login '$A' >/dev/null 2>&1"
rc=0
python3 "$top_srcdir/tests/syscall-faults.py" --name module --store "$T/store" --account "$A" \
	--template "$T/expired.json" --stale "$stale" --check "$check" \
	--relogin "$relogin" -- "$SO2_SASL_CLIENT" -m XOAUTH2 -u "$A" -p "" > "$T/module.matrix" 2>&1 || rc=1
cat "$T/module.matrix"
python3 "$top_srcdir/tests/syscall-faults.py" --name refresh --store "$T/store" --account "$A" \
	--template "$T/expired.json" --stale "$stale" --check "$check" \
	--relogin "$relogin" -- "$SO2_CLI" refresh "$A" > "$T/refresh.matrix" 2>&1 || rc=1
cat "$T/refresh.matrix"
[ $rc -eq 0 ] || t_fail "syscall faults: $(grep -c '^FAIL' "$T/module.matrix" "$T/refresh.matrix" | tr '\n' ' ')"
echo "PASS: every syscall of the write path failed once, in the module and in refresh"

#!/bin/bash
# SPDX-License-Identifier: MIT
# write-faults.sh - a refresh whose new record cannot be stored is never sent
# (issue 10, point 3; before: issue 3, point 3), through real libsasl2 and
# the module, and through `sasl-oauth2 refresh`:
#   - full disk (a 512 KiB tmpfs mounted by the test, then filled),
#   - read-only file system (the tmpfs remounted ro),
#   - permission denied (store directory mode 0500, module run as nobody),
#   - a store directory writable by every user,
#   - a lock file that is a symbolic link,
# each time: the emulator's request counter shows 0 requests, the
# authentication fails (the token has expired) naming the step, the path,
# the errno text and euid/egid, the record stays byte for byte, no
# temporary file is left; `refresh` exits non-zero. A forced refresh that
# cannot take the lock says so and exits non-zero (it said "already fresh").
# Needs root (mount); exit 77 when tmpfs cannot be mounted here.
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
. "$top_srcdir/tests/lib/store.sh"
[ "$(id -u)" = 0 ] || t_skip "needs root to mount a tmpfs"
command -v setpriv >/dev/null || t_skip "setpriv (util-linux) missing"
t_tmpdir
t_plugin_env
mkdir -p "$T/store"
mount -t tmpfs -o size=512k,mode=0700 so2-test "$T/store" 2>"$T/mount.err" \
	|| t_skip "cannot mount a tmpfs here: $(cat "$T/mount.err")"
t_on_exit "umount -l '$T/store'"
S_CONF_EXTRA="lock_timeout = 1" t_store_setup
R=$T/store/$A.json

# check WHAT STEP-AND-PATH ERRNO-TEXT - the common assertions after a refused refresh
check() {
	t_eq "$(t_idp_token_requests)" "$req" "$1: token endpoint requests (none may be sent)"
	[ "$rc" != 0 ] || t_fail "$1: authentication with an expired token succeeded ($all)"
	t_contains "$all" "no request was sent to the token endpoint" "$1: says nothing was sent"
	t_contains "$all" "$2" "$1: step and path"
	t_contains "$all" "$3" "$1: errno text"
	t_eq "$(sha256sum < "$R")" "$sum" "$1: old record intact"
	t_eq "$(find "$T/store" -name '*.tmp' | wc -l)" 0 "$1: temporary files left"
	t_not_contains "$all" "$(t_rec_get refresh_token)" "$1: refresh token in messages"
	grep -m1 "^log [0-9]: " "$T/stderr" | sed "s/^/  $1: /"
}

# refresh_cmd WHAT - `sasl-oauth2 refresh` in the same state: non-zero, nothing sent
refresh_cmd() {
	local o c
	o=$("$SO2_CLI" refresh "$A" 2>&1); c=$?
	[ "$c" != 0 ] || t_fail "$1: refresh exited 0 without updating the record ($o)"
	t_not_contains "$o" "refreshed;" "$1: refresh claims success"
	t_eq "$(t_idp_token_requests)" "$req" "$1: refresh sent a request"
	t_eq "$(sha256sum < "$R")" "$sum" "$1: refresh changed the record"
}

t_rec_expire
sum=$(sha256sum < "$R")
req=$(t_idp_token_requests)

# Full disk: the space of the new record is reserved before the request.
dd if=/dev/zero of="$T/store/fill" bs=4k 2>/dev/null
t_run_client -m XOAUTH2 -u $A -p ""
check "full disk" "$T/store/.$A.json." "No space left on device"
refresh_cmd "full disk"
rm -f "$T/store/fill"

# Read-only file system.
mount -o remount,ro "$T/store" || t_fail "remount ro"
t_run_client -m XOAUTH2 -u $A -p ""
check "read-only" "open lock file $T/store/$A.lock" "Read-only file system"
t_contains "$all" "(euid 0, egid 0)" "read-only: euid/egid"
refresh_cmd "read-only"
mount -o remount,rw "$T/store" || t_fail "remount rw"

# Permission denied (as nobody; root would not be refused).
uid=$(id -u nobody) gid=$(id -g nobody)
chown -R nobody: "$T/store" && chmod 500 "$T/store"
out=$(setpriv --reuid="$uid" --regid="$gid" --clear-groups \
	"$SO2_SASL_CLIENT" -m XOAUTH2 -u $A -p "" 2>"$T/stderr"); rc=$?
all="$out
$(cat "$T/stderr")"
check "permission denied" "create temp file $T/store/.$A.json." "Permission denied"
t_contains "$all" "(euid $uid, egid $gid)" "permission denied: euid/egid"
chmod 700 "$T/store"
chown -R root: "$T/store"

# A store directory writable by every user.
chmod 777 "$T/store"
t_run_client -m XOAUTH2 -u $A -p ""
check "world-writable store" "refusing to write into token store $T/store" "writable by every user"
refresh_cmd "world-writable store"
# A timer's refresh that is due, with the token still valid: it said
# "not due" and exited 0 although the record was not updated.
t_rec_set "expires_at=$(( $(date +%s) + 600 ))"
sum=$(sha256sum < "$R")
o=$("$SO2_CLI" refresh --if-expiring-within 3600 "$A" 2>&1); c=$?
[ "$c" != 0 ] || t_fail "world-writable store, timer: exit 0 ($o)"
t_not_contains "$o" "not due" "world-writable store, timer"
t_contains "$o" "no request was sent to the token endpoint" "world-writable store, timer: why"
t_eq "$(t_idp_token_requests)" "$req" "world-writable store, timer: requests"
t_rec_expire
sum=$(sha256sum < "$R")
chmod 700 "$T/store"

# A lock file that is a symbolic link (never followed).
rm -f "$T/store/$A.lock"
ln -s "$T/elsewhere" "$T/store/$A.lock"
t_run_client -m XOAUTH2 -u $A -p ""
check "symlinked lock file" "lock file $T/store/$A.lock" "is a symbolic link, which is never followed"
refresh_cmd "symlinked lock file"
[ ! -e "$T/elsewhere" ] || t_fail "symlinked lock file: its target was created"
rm -f "$T/store/$A.lock"

# A forced refresh that cannot take the lock says so (it said "already fresh").
"$SO2_CLI" refresh "$A" >/dev/null 2>&1 || t_fail "refresh after the fixes"
sum=$(sha256sum < "$R")
req=$(t_idp_token_requests)
python3 -c 'import fcntl,sys,time; f=open(sys.argv[1],"a"); fcntl.lockf(f,fcntl.LOCK_EX); open(sys.argv[2],"w").close(); time.sleep(30)' \
	"$T/store/$A.lock" "$T/locked" &
holder=$!
t_on_exit "kill $holder 2>/dev/null"
for _ in $(seq 100); do [ -e "$T/locked" ] && break; sleep 0.1; done
o=$("$SO2_CLI" refresh "$A" 2>&1); c=$?
kill $holder; wait $holder 2>/dev/null
[ "$c" != 0 ] || t_fail "forced refresh with the lock held: exit 0 ($o)"
t_not_contains "$o" "already fresh" "forced refresh with the lock held"
t_contains "$o" "not refreshed" "forced refresh with the lock held: says so"
t_contains "$o" "held the lock" "forced refresh with the lock held: names the lock"
t_eq "$(t_idp_token_requests)" "$req" "forced refresh with the lock held: requests"

# After the store is fixed the next authentication refreshes and saves.
t_rec_expire
sum=$(sha256sum < "$R")
t_run_client -m XOAUTH2 -u $A -p ""
t_eq "$rc" 0 "after the fix: exit"
[ "$(sha256sum < "$R")" != "$sum" ] || t_fail "after the fix: record not written"
echo "PASS: a refresh whose result cannot be stored is not sent, and says why"

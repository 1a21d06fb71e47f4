#!/bin/bash
# write-faults.sh - a refresh whose new record cannot be written (issue 3,
# point 3), through real libsasl2 and the module:
#   - full disk (a 512 KiB tmpfs mounted by the test, then filled),
#   - read-only file system (the tmpfs remounted ro),
#   - permission denied (store directory mode 0500, module run as nobody),
# each time: the authentication succeeds with the freshly obtained token,
# the old record stays byte for byte, no temporary file is left, and the
# log line names the step, the path, the errno text, euid/egid and warns
# that the rotated refresh token may be lost.
# Needs root (mount); exit 77 when tmpfs cannot be mounted here.
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
. "$top_srcdir/tests/lib/store.sh"
[ "$(id -u)" = 0 ] || t_skip "needs root to mount a tmpfs"
t_tmpdir
t_plugin_env
mkdir -p "$T/store"
mount -t tmpfs -o size=512k,mode=0700 so2-test "$T/store" 2>"$T/mount.err" \
	|| t_skip "cannot mount a tmpfs here: $(cat "$T/mount.err")"
t_on_exit "umount -l '$T/store'"
t_store_setup
R=$T/store/$A.json

# check WHAT STEP ERRNO-TEXT UID GID - the common assertions
check() {
	t_eq "$rc" 0 "$1: authentication with the new token ($all)"
	t_contains "$all" "the access token was refreshed and is used" "$1: warning"
	t_contains "$all" "$2 $T/store/" "$1: step and path"
	t_contains "$all" "$3" "$1: errno text"
	t_contains "$all" "(euid $4, egid $5)" "$1: euid/egid"
	t_contains "$all" "rotated the refresh token and the new one is lost" "$1: rotation warning"
	t_eq "$(sha256sum < "$R")" "$sum" "$1: old record intact"
	t_eq "$(find "$T/store" -name '*.tmp' | wc -l)" 0 "$1: temporary files left"
	grep -m1 "^log [0-9]: " "$T/stderr" | sed "s/^/  $1: /"
	at=$(printf '%s' "$out" | awk '/^start/ {print $NF}' | base64 -d | tr '\001' '\n' \
		| sed -n 's/^auth=Bearer //p')
	[ -n "$at" ] && [ "$at" != "$(t_rec_get access_token)" ] || t_fail "$1: the new token was not sent"
	t_not_contains "$all" "$(t_rec_get refresh_token)" "$1: refresh token in messages"
}

# Full disk.
t_rec_expire
sum=$(sha256sum < "$R")
dd if=/dev/zero of="$T/store/fill" bs=4k 2>/dev/null
t_run_client -m XOAUTH2 -u $A -p ""
check "full disk" "write" "No space left on device" 0 0
rm -f "$T/store/fill"

# Read-only file system.
mount -o remount,ro "$T/store" || t_fail "remount ro"
t_run_client -m XOAUTH2 -u $A -p ""
check "read-only" "open lock file" "Read-only file system" 0 0
mount -o remount,rw "$T/store" || t_fail "remount rw"

# Permission denied (as nobody; root would not be refused).
uid=$(id -u nobody) gid=$(id -g nobody)
chown -R nobody: "$T/store" && chmod 500 "$T/store"
command -v setpriv >/dev/null || t_skip "setpriv (util-linux) missing"
out=$(setpriv --reuid="$uid" --regid="$gid" --clear-groups \
	"$SO2_SASL_CLIENT" -m XOAUTH2 -u $A -p "" 2>"$T/stderr"); rc=$?
all="$out
$(cat "$T/stderr")"
check "permission denied" "create temp file" "Permission denied" "$uid" "$gid"
chmod 700 "$T/store"

# After the store is fixed the next authentication refreshes and saves.
t_run_client -m XOAUTH2 -u $A -p ""
t_eq "$rc" 0 "after the fix: exit"
[ "$(sha256sum < "$R")" != "$sum" ] || t_fail "after the fix: record not written"
echo "PASS: write failures keep the old record, use the new token and say why"

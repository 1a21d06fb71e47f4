#!/bin/bash
# SPDX-License-Identifier: MIT
# postfix-chroot-record.sh - a record path in sasl_passwd that is right on the
# host and wrong inside Postfix's chrooted smtp (issue 11, "Record paths and
# Postfix's chroot"), with the private relay of tests/stack (smtp chrooted in
# its queue_directory, as Debian ships it).
#
# The map gives the record by its path $T/host/relay.json, which exists on
# the host only. smtp opens it after its chroot; the module's line in the
# relay's maillog must name the chroot (the queue directory) and the path as
# it is on the host, with the login command for that host path and the empty
# password, never the host-side mkdir. Twice: the record's directory missing
# inside the chroot, then present but empty. Then, the directory gone again,
# the login command of the first line is run as root, word for word (the
# store it creates must be smtp's, not root's: --user), and the deferred
# message is delivered. doctor then checks that record for smtp's user.
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
. "$top_srcdir/tests/lib/stack.sh"

t_need_stack
t_sanitized && t_skip "sanitizer build: Postfix cannot load an ASan-instrumented module"
t_tmpdir
T_STORE_OWNER=postfix t_start_stack_login

Q=$(cd "$RELAY_QUEUE_DIR" && pwd -P)	# the chroot, as the module names it (getcwd)
H=$T/host
P=$H/relay.json
install -d -o postfix -g postfix -m 700 "$H"
cp -p "$T/store/$ACCOUNT.json" "$P"
# No smtp has run yet: the first one opens the new map.
printf '[127.0.0.1]:%s %s:%s\n' "$SUB_PORT" "$ACCOUNT" "$P" >"$RELAY_SASL_PASSWD"
postmap -c "$RELAY_CONFIG_DIR" "hash:$RELAY_SASL_PASSWD" || t_fail "postmap"

# module_line N - wait (60 s) for the module's Nth line in the relay's log; print it
module_line() {
	local line
	for _ in $(seq 1 120); do
		line=$(grep 'sasl-oauth2: XOAUTH2 #' "$RELAY_LOG" | sed -n "$1p")
		[ -n "$line" ] && { printf '%s\n' "$line"; return 0; }
		sleep 0.5
	done
	tail -n 20 "$RELAY_LOG" >&2
	t_fail "no line $1 of the module in $RELAY_LOG"
}
# check_line WHAT LINE - the line names the chroot, the host path and the fixes
check_line() {
	t_contains "$2" "account $P: no token record $P" "$1: the record"
	t_contains "$2" "runs chrooted in $Q, so the path $P is $Q$P on the host" "$1: the chroot"
	t_contains "$2" "create it with: sasl-oauth2 login relay --store $Q$H --user $(id -u postfix)" \
		"$1: the login, for the user smtp runs as"
	t_contains "$2" "make the SASL password empty" "$1: the store"
	t_not_contains "$2" "mkdir" "$1: a host-side mkdir"
}

subj="sasl-oauth2 chroot record $$"
"$top_srcdir/tests/stack/send.sh" "$S" "$ACCOUNT" alice@example.net "$subj" >/dev/null \
	|| t_fail "could not inject the message"

# 1. The record's directory does not exist inside the chroot.
line=$(module_line 1)
check_line "no directory" "$line"

# 2. The directory exists inside, the record does not.
install -d -o postfix -g postfix -m 700 "$Q$H"
postqueue -c "$RELAY_CONFIG_DIR" -f
line=$(module_line 2)
check_line "no record" "$line"

# 3. The directory gone, the command of the first line run as root, as given.
rmdir "$Q$H"
cmd=$(module_line 1 | sed -n 's/.*(create it with: sasl-oauth2 \([^)]*\)).*/\1/p')
[ -n "$cmd" ] || t_fail "no login command in the first line"
# shellcheck disable=SC2086 # the command's words, as an administrator pastes them
"$SO2_CLI" $cmd >"$T/login.out" 2>&1 || { cat "$T/login.out" >&2; t_fail "$cmd failed"; }
postqueue -c "$RELAY_CONFIG_DIR" -f
"$top_srcdir/tests/stack/wait-delivered.sh" "$S" "$subj" 60 >"$T/delivered" \
	|| { tail -n 30 "$RELAY_LOG" >&2; t_fail "not delivered with the record at $Q$P"; }
echo "module: $(module_line 1 | sed 's/.*sasl-oauth2: /sasl-oauth2: /')"

# 4. doctor: the record inside the chroot is checked for smtp's user, not
# only found (a directory login made as root, 0700, is closed to postfix).
doc() { "$SO2_CLI" doctor "$ACCOUNT" --postfix-config "$RELAY_CONFIG_DIR" 2>&1 || true; }
t_contains "$(doc)" "[pass] postfix: the chrooted smtp opens the record $P, which is $Q$P on the host" \
	"doctor: the record smtp can use"
chown root: "$Q$H" "$Q$P"
out=$(doc)
t_contains "$out" "[fail] postfix: the chrooted smtp opens the record $P, which is $Q$P on the host:" \
	"doctor: a record smtp cannot use is no pass"
t_contains "$out" "chown -R postfix $Q$H" "doctor: the chown"
chown -R postfix: "$Q$H"
echo "PASS: a record path outside smtp's chroot is named as the chroot sees it; the fix works"

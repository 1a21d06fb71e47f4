#!/bin/bash
# SPDX-License-Identifier: MIT
# cli-usage.sh - the command line people expect: "help [COMMAND]", -V, the
# device login's instruction printed once with its deadline (one line when
# standard error is a file, a countdown on a terminal), and status --json
# printing JSON when the store is missing. About 5 seconds (two logins
# against the emulator, which approves at the first poll).
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
t_tmpdir
S=$SO2_CLI
ACCT=relay@example.com

# --- help [COMMAND] -----------------------------------------------------------
out=$("$S" help) || t_fail "help: exit $?"
t_eq "$out" "$("$S" --help)" "help prints what --help prints"
t_contains "$out" "help [COMMAND]" "help lists itself"
# the summary's words are the man page's synopsis (sasl-oauth2(1))
t_contains "$out" "inspect ACCOUNT [--json] [--endpoint E]" "help: inspect's --endpoint"
cmds=$(printf '%s\n' "$out" | awk '/^Commands:/ {on = 1; next} on && /^$/ {exit} on && /^  [a-z]/ {print $1}')
[ -n "$cmds" ] || t_fail "help: no commands listed"
for c in $cmds; do
	got=$("$S" help "$c" 2>&1) || t_fail "help $c: exit $?"
	t_eq "$got" "$("$S" "$c" --help 2>&1)" "help $c prints what $c --help prints"
	[ "$c" = help ] || t_contains "$got" "Usage: sasl-oauth2 $c" "help $c: its usage"
done
"$S" help nosuch >"$T/out" 2>"$T/err"
t_eq "$?" 64 "help nosuch: exit code"
t_contains "$(cat "$T/err")" 'unknown command "nosuch"' "help nosuch: message"
t_eq "$(cat "$T/out")" "" "help nosuch: nothing on stdout"
"$S" help status token >/dev/null 2>&1
t_eq "$?" 64 "help with two commands: exit code"

# --- -V -------------------------------------------------------------------------
v=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$top_builddir/config.h")
t_eq "$("$S" -V)" "sasl-oauth2 $v" "-V prints the version"
t_eq "$("$S" --version)" "sasl-oauth2 $v" "--version prints the version"
t_contains "$("$S" --help)" "-V, --version" "--help names -V"

# --- status --json without a store ---------------------------------------------
"$S" --store "$T/nostore" status --json >"$T/out" 2>"$T/err"
rc=$?
t_eq "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])))' "$T/out" 2>&1)" "[]" \
	"status --json, store missing: an empty JSON array"
t_eq "$rc" 74 "status --json, store missing: exit code as the table's"
t_contains "$(cat "$T/err")" "token store $T/nostore" "status --json, store missing: says why"
"$S" --store "$T/nostore" status --json "$ACCT" >"$T/out" 2>/dev/null
t_eq "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d[0]["account"], d[0]["state"], d[0]["attention"])' "$T/out" 2>&1)" \
	"$ACCT missing True" "status --json ACCOUNT, store missing: the account as missing"
"$S" --store "$T/nostore" status >"$T/out" 2>/dev/null
t_eq "$?" 74 "status (table), store missing: exit code"
t_eq "$(cat "$T/out")" "" "status (table), store missing: nothing on stdout"

# --- the device login: the instruction once, the deadline ---------------------
t_start_idp --auto-approve "$ACCT" --interval 1
SASL_OAUTH2_CONF=$T/conf
export SASL_OAUTH2_CONF
t_conf
"$S" login "$ACCT" >"$T/out" 2>"$T/err" || { cat "$T/err"; t_fail "login: exit $?"; }
err=$(cat "$T/err")
t_eq "$(grep -c "enter the code" "$T/err")" 1 "login: the code is shown once"
t_not_contains "$err" "use a web browser" "login: not the server's message repeating it"
t_eq "$(grep -c -E '^The code expires at [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} .* \(in 15 min\)\.$' "$T/err")" 1 \
	"login: the deadline, once"
t_eq "$(grep -c "^Waiting for the sign-in as $ACCT (Ctrl-C to cancel)...\$" "$T/err")" 1 \
	"login, not a terminal: one waiting line"
t_not_contains "$err" $'\r' "login, not a terminal: no carriage return"

# On a terminal: a countdown redrawn in place on one line.
rm -f "$T/store/$ACCT.json"
python3 - "$S" "$ACCT" "$T/tty.out" <<'PY' || t_fail "login on a terminal failed: $(cat "$T/tty.out")"
import os, pty, sys
prog, acct, out = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.execv(prog, [prog, "login", acct])
data = b""
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    data += chunk
_, status = os.waitpid(pid, 0)
open(out, "wb").write(data)
sys.exit(os.waitstatus_to_exitcode(status))
PY
tty=$(tr -d '\n' <"$T/tty.out")
t_eq "$(grep -o "enter the code" "$T/tty.out" | wc -l)" 1 "login on a terminal: the code is shown once"
t_contains "$tty" "The code expires at " "login on a terminal: the deadline"
n=$(grep -o $'\rWaiting for the sign-in as '"$ACCT"': 1[45]:[0-5][0-9] left (Ctrl-C to cancel)' \
	"$T/tty.out" | wc -l)
[ "$n" -ge 2 ] || t_fail "login on a terminal: want the countdown drawn at least twice, got $n: $(cat -A "$T/tty.out")"
[ -s "$T/store/$ACCT.json" ] || t_fail "login on a terminal: no record"
echo "PASS: help, -V, status --json without a store, the device login's instruction and deadline"

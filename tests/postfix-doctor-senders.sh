#!/bin/bash
# SPDX-License-Identifier: MIT
# postfix-doctor-senders.sh - many mailboxes: "sasl-oauth2 doctor --postfix"
# on a relay that sends through two Microsoft 365 mailboxes chosen by sender
# (the layout of tests/postfix-migrate-senders.sh, tests/lib/senders.sh,
# already migrated: empty passwords, one record per mailbox).
#
# Asserts: doctor names each sender with its relay, SASL user and record,
# and the record usable by postfix; then, one break at a time, the specific
# failure naming the sender: its password entry missing (Postfix falls back
# to the next hop's entry), its record missing, a password still in its
# entry (never printed), sender-dependent authentication off (the sender
# entries are ignored).
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
. "$top_srcdir/tests/lib/stack.sh"
. "$top_srcdir/tests/lib/senders.sh"

t_need_stack
t_sanitized && t_skip "sanitizer build: Postfix cannot load an ASan-instrumented module"

t_tmpdir
t_plugin_env
t_store postfix:
t_start_stack
t_conf
t_senders_login
t_senders_layout "" ""
HOP="[127.0.0.1]:$SUB_PORT"

# doctor_out - doctor for $ACCOUNT on the relay's configuration (user postfix)
doctor_out() {
	"$SO2_CLI" doctor "$ACCOUNT" --postfix-config "$CF" 2>&1
}

out=$(doctor_out)
echo "$out" | grep 'postfix: \(sender\|next hop\)'
for who in "$ACCOUNT" "$SECOND"; do
	t_contains "$out" "[pass] postfix: sender $who -> $HOP: SASL user $who, record $who (record $T/store/$who.json: usable by postfix, provider microsoft)" \
		"doctor names $who with its relay and record"
done
t_contains "$out" "[pass] postfix: next hop $HOP: SASL user $ACCOUNT, record $ACCOUNT" \
	"the relay's own entry"
t_not_contains "$out" "[fail] postfix: sender" "the good layout has no sender failure"
t_not_contains "$out" "[fail] postfix: sender_dependent" "the good layout: every sender has an entry"
t_not_contains "$out" "selects the record $ACCOUNT, not" "no account mismatch warning"

# 1. The second sender's entry missing: Postfix uses the relay's entry.
grep -v "^$SECOND " "$CF/sasl_passwd" > "$T/pw" && cat "$T/pw" > "$CF/sasl_passwd"
postmap -c "$CF" "hash:$CF/sasl_passwd"
out=$(doctor_out)
t_contains "$out" "[fail] postfix: sender_dependent_relayhost_maps hash:$CF/sender_relay routes $SECOND to $HOP, but the password map has no entry for that sender: Postfix falls back to the next hop's entry \"$HOP\" and authenticates as $ACCOUNT" \
	"missing sender entry: the fallback named"
t_contains "$out" "fix: sasl-oauth2 login $SECOND, then add \"$SECOND $SECOND:\"" "its fix"
# ... and nor for the relay: no credentials at all.
grep -v "^\[127" "$CF/sasl_passwd" > "$T/pw" && cat "$T/pw" > "$CF/sasl_passwd"
postmap -c "$CF" "hash:$CF/sasl_passwd"
out=$(doctor_out)
t_contains "$out" "routes $SECOND to $HOP, but the password map has no entry for that sender nor for the next hop: Postfix sends no credentials (530 5.7.57)" \
	"missing sender and relay entries"

# 2. The second record missing.
t_senders_layout "" ""
mv "$T/store/$SECOND.json" "$T/second.json"
out=$(doctor_out)
t_contains "$out" "[fail] postfix: sender $SECOND -> $HOP: SASL user $SECOND, record $SECOND: record $T/store/$SECOND.json: No such file or directory" \
	"missing record named with its sender"
mv "$T/second.json" "$T/store/$SECOND.json"

# 3. A password still in the second sender's entry (not migrated).
t_senders_layout "" "second-password"
out=$(doctor_out)
t_contains "$out" "[fail] postfix: sender $SECOND -> $HOP: the entry in $CF/sasl_passwd line 3 still holds a password for SASL user $SECOND (not migrated to OAuth2)" \
	"password left in a sender entry"
t_not_contains "$out" "second-password" "the password is never printed"

# 4. Sender-dependent authentication off: the sender entries are ignored.
t_senders_layout "" ""
postconf -c "$CF" -e "smtp_sender_dependent_authentication = no"
out=$(doctor_out)
t_contains "$out" "[fail] postfix: smtp_sender_dependent_authentication = no, so the password map's sender entries are ignored: $ACCOUNT ($CF/sasl_passwd line 2), $SECOND ($CF/sasl_passwd line 3)" \
	"sender-dependent authentication off"
t_not_contains "$out" "[pass] postfix: sender" "no sender listed as working"
# 5. A SASL user the shell would read: the fix's login command quotes it, so
# pasting it runs no command substitution (it ran before the quoting).
t_senders_layout "" ""
EVIL="x'y'\$(touch $T/pwned)@example.com"
printf 'evil@example.com %s:\n' "$EVIL" >> "$CF/sasl_passwd"
postmap -c "$CF" "hash:$CF/sasl_passwd"
out=$(doctor_out)
fix=$(echo "$out" | grep -A3 "SASL user $EVIL, record" | sed -n 's/^ *fix: \(sasl-oauth2 login .*\) (as root.*/\1/p' | head -1)
[ -n "$fix" ] || t_fail "no login fix for the hostile user in: $out"
got=$(cd "$T" && bash -c "sasl-oauth2() { printf '%s|' \"\$@\"; }; $fix")
[ ! -e "$T/pwned" ] || t_fail "pasting the fix ran a command: $fix"
[ "$got" = "login|$EVIL|" ] || t_fail "the fix \"$fix\" names \"$got\", not login $EVIL"
echo "ok: the hostile SASL user is quoted in the fix: $fix"
t_senders_layout "" ""

echo "PASS: doctor checks each sender's relay, entry and record"

#!/bin/bash
# SPDX-License-Identifier: MIT
# postfix-migrate-senders.sh - many mailboxes: a relay that sends through two
# Microsoft 365 mailboxes, chosen by sender (smtp_sender_dependent_authentication,
# sender_dependent_relayhost_maps, a password per sender), is migrated by
# "sasl-oauth2 postfix migrate"; then a message from each sender is relayed
# with XOAUTH2 and authenticated as that sender's own account.
#
# Asserts: the plan names both senders and both accounts; the migration uses
# the two records (logged in beforehand, one per mailbox: the emulator signs
# each in as its own user) and probes both live; afterwards the submission
# server logged sasl_username=<sender's account> for each message and the
# delivered copy carries "Authenticated sender: <that account>".
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
. "$top_srcdir/tests/lib/stack.sh"
. "$top_srcdir/tests/lib/senders.sh"

t_need_stack
t_sanitized && t_skip "sanitizer build: Postfix cannot load an ASan-instrumented module"

t_tmpdir
t_plugin_env
t_store postfix:
t_start_stack RELAY_MECH=plain
t_conf
CF=$RELAY_CONFIG_DIR

# One record per mailbox, each signed in as its own user.
t_senders_login
t_eq "$(stat -c %U "$T/store/$SECOND.json")" postfix "second record owner"

# Today's layout: a password per sender, a relay per sender.
t_senders_layout relaypass second-password
postfix -c "$CF" reload >/dev/null 2>&1 || t_fail "reload with the sender-dependent layout"

out=$("$SO2_CLI" postfix migrate -c "$CF" --server "[127.0.0.1]:$SUB_PORT=microsoft" \
	--restart 2>&1) || { echo "$out" >&2; t_fail "migration failed"; }
t_not_contains "$out" "second-password" "the password is never printed"
t_contains "$out" "line 2: sender $ACCOUNT -> [127.0.0.1]:$SUB_PORT, account $ACCOUNT: migrate" \
	"plan: first sender"
t_contains "$out" "line 3: sender $SECOND -> [127.0.0.1]:$SUB_PORT, account $SECOND: migrate" \
	"plan: second sender through sender_dependent_relayhost_maps"
t_contains "$out" "sender_dependent_relayhost_maps hash:$CF/sender_relay: $SECOND -> [127.0.0.1]:$SUB_PORT" \
	"plan: the sender-dependent relay"
t_contains "$out" "$SECOND: the record in $T/store is used as it is" "second record reused"
t_eq "$(echo "$out" | grep -c '235 2.7.0 Authentication successful')" 2 "both accounts probed"
t_eq "$(grep -c ":\$" "$CF/sasl_passwd")" 3 "three entries now with the empty password"

# A message from each sender; which account authenticated it?
for from in "$ACCOUNT" "$SECOND"; do
	subj="from $from $$"
	"$top_srcdir/tests/stack/send.sh" "$S" "$from" alice@example.net "$subj" >/dev/null \
		|| t_fail "could not inject '$subj'"
	"$top_srcdir/tests/stack/wait-delivered.sh" "$S" "$subj" 60 > "$T/delivered" \
		|| { tail -n 20 "$RELAY_LOG" >&2; t_fail "'$subj' was not delivered"; }
	file=$(tail -n 1 "$T/delivered")
	grep -q "Authenticated sender: $from" "$file" \
		|| { cat "$file" >&2; t_fail "the message from $from was not authenticated as $from"; }
	grep -q "sasl_method=XOAUTH2, sasl_username=$from" "$MX_LOG" \
		|| t_fail "the submission server did not log XOAUTH2 for $from"
	echo "$from: $(grep -m1 'Authenticated sender' "$file" | sed 's/^[[:space:]]*//')"
done
echo "PASS: two senders through two accounts, each message authenticated as its sender's account"

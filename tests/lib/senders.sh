# SPDX-License-Identifier: MIT
# senders.sh - the many-mailboxes layout on the test stack (sourced after
# common.sh, idp.sh and stack.sh, once t_start_stack and t_conf ran): two
# mailboxes chosen by sender with smtp_sender_dependent_authentication and
# sender_dependent_relayhost_maps, as tests/postfix-migrate-senders.sh and
# tests/postfix-doctor-senders.sh use it.
# shellcheck shell=bash
#
#   SECOND                the second mailbox (the first is $ACCOUNT)
#   t_senders_login       a record per mailbox, each signed in as its own
#                         user through the emulator
#   t_senders_layout PASS1 PASS2
#                         $CF/sasl_passwd: $ACCOUNT with PASS1, $SECOND with
#                         PASS2 (empty: the record of the SASL user), the
#                         relayhost with PASS1; $CF/sender_relay routes
#                         $SECOND to the relayhost; both postmap'd;
#                         sender-dependent authentication on. CF is the
#                         relay's configuration directory.
SECOND=second@example.com
CF=${RELAY_CONFIG_DIR:-}

# t_senders_login - a record for $ACCOUNT and one for $SECOND
t_senders_login() {
	t_login "$ACCOUNT" --provider microsoft
	t_idp_admin POST /_admin/config "{\"auto_approve\": \"$SECOND\"}" >/dev/null \
		|| t_fail "emulator config"
	t_login "$SECOND" --provider microsoft
}

# t_senders_layout PASS1 PASS2 - the maps and main.cf of the layout
t_senders_layout() {
	CF=$RELAY_CONFIG_DIR
	cat > "$CF/sasl_passwd" <<EOS
# one mailbox per sender (Microsoft: 30 messages a minute each)
$ACCOUNT $ACCOUNT:$1
$SECOND $SECOND:$2
[127.0.0.1]:$SUB_PORT $ACCOUNT:$1
EOS
	printf '%s [127.0.0.1]:%s\n' "$SECOND" "$SUB_PORT" > "$CF/sender_relay"
	chmod 600 "$CF/sasl_passwd"
	postmap -c "$CF" "hash:$CF/sasl_passwd" "hash:$CF/sender_relay" \
		|| t_fail "postmap of the sender layout"
	postconf -c "$CF" -e "smtp_sender_dependent_authentication = yes" \
		"sender_dependent_relayhost_maps = hash:$CF/sender_relay"
}

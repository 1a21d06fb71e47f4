#!/bin/bash
# SPDX-License-Identifier: MIT
# postfix-fleet.sh - many relays: two Postfix relay instances, each migrated by
# "sasl-oauth2 postfix migrate" to an app-only record with a certificate of
# its own (one app registration, a certificate per relay), each with its own
# configuration and store: nothing is shared between them.
#
# Asserts: both migrations sign in with client credentials (a certificate
# assertion) and probe live; mail relayed through both is delivered; when
# both access tokens have expired and three messages go through each relay
# at once, the token endpoint sees exactly one client_credentials request
# per relay (two in all), and each relay's record was renewed.
# The emulator's --app-mailbox lets the app's tokens use relay@example.com,
# as Exchange's mailbox permission for the app would.
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
. "$top_srcdir/tests/lib/stack.sh"

t_need_stack
t_sanitized && t_skip "sanitizer build: Postfix cannot load an ASan-instrumented module"

CC=33333333-aaaa-bbbb-cccc-000000000014
N=3			# messages through each relay after the expiry
t_tmpdir
t_plugin_env

# Each relay: its own store (the mail owner's), key and certificate in it.
for r in 1 2; do
	mkdir -p "$T/store$r"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=relay$r.fleet.test" \
		-keyout "$T/store$r/relay.key" -out "$T/store$r/relay.pem" >/dev/null 2>&1 \
		|| t_fail "certificate of relay $r"
	chown -R postfix: "$T/store$r"
	chmod 700 "$T/store$r"
	chmod 600 "$T/store$r/relay.key"
done
t_start_stack RELAY_MECH=plain IDP_EXTRA_ARGS="--client-cert $CC:$T/store1/relay.pem \
--client-cert $CC:$T/store2/relay.pem --app-mailbox $CC:$ACCOUNT"
for r in 1 2; do
	printf '%s\n' "store_dir = $T/store$r" "ca_file = $CA" "[microsoft]" "client_id = $CC" \
		"tenant = contoso.onmicrosoft.com" "authority = $IDP_URL" > "$T/relay$r.conf"
done

# The second relay: a copy of the stack's relay on a port of its own.
R1=$RELAY_CONFIG_DIR
R2=$S/relay2
IN2=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$R2/etc" "$R2/queue" "$R2/data"
# (same myhostname: wait-delivered.sh looks for the relay's Received: line)
sed -e "s|$S/relay/|$R2/|g" -e 's|^syslog_name = postfix-relay$|syslog_name = postfix-relay2|' \
	"$R1/main.cf" > "$R2/etc/main.cf"
sed "s|^127.0.0.1:$IN_PORT |127.0.0.1:$IN2 |" "$R1/master.cf" > "$R2/etc/master.cf"
cp -p "$R1/sasl_passwd" "$R2/etc/sasl_passwd"
postmap -c "$R2/etc" "hash:$R2/etc/sasl_passwd"
for d in etc usr lib lib64 dev; do
	[ -d "$RELAY_QUEUE_DIR/$d" ] && cp -a "$RELAY_QUEUE_DIR/$d" "$R2/queue/"
done
chown postfix "$R2/data"
chmod 700 "$R2/data"
: > "$R2/maillog"
touch -d "@$(($(date +%s) - 10))" "$R2/etc/main.cf" "$R2/etc/master.cf"
t_on_exit 'postfix -c "$R2/etc" stop >/dev/null 2>&1'
postfix -c "$R2/etc" start > "$T/relay2.start" 2>&1 || { cat "$T/relay2.start" >&2; t_fail "relay 2 did not start"; }
# send.sh and wait-delivered.sh for relay 2: the stack's env with its port and log
mkdir -p "$T/stack2"
sed -e "s|^IN_PORT=.*|IN_PORT=$IN2|" -e "s|^RELAY_LOG=.*|RELAY_LOG=$R2/maillog|" \
	-e "s|^RELAY_CONFIG_DIR=.*|RELAY_CONFIG_DIR=$R2/etc|" "$S/env" > "$T/stack2/env"
STACKS=("$S" "$T/stack2")
CFS=("$R1" "$R2/etc")

# deliver R SUBJECT... - inject each subject through relay R (1 or 2), then wait for all
deliver() {
	local r=$1 subj
	shift
	for subj in "$@"; do
		"$top_srcdir/tests/stack/send.sh" "${STACKS[r-1]}" "$ACCOUNT" alice@example.net "$subj" \
			>/dev/null || t_fail "relay $r: could not inject '$subj'"
	done
	for subj in "$@"; do
		"$top_srcdir/tests/stack/wait-delivered.sh" "${STACKS[r-1]}" "$subj" 90 >/dev/null \
			|| { tail -n 20 "$R2/maillog" "$RELAY_LOG" >&2; t_fail "relay $r: '$subj' not delivered"; }
	done
}

# 1. Migrate each relay with its own certificate and configuration.
for r in 1 2; do
	"$SO2_CLI" --config "$T/relay$r.conf" postfix migrate -c "${CFS[r-1]}" \
		--server "[127.0.0.1]:$SUB_PORT=microsoft" --restart \
		--certificate "$T/store$r/relay.pem" --private-key "$T/store$r/relay.key" \
		> "$T/migrate$r.out" 2>&1 || { cat "$T/migrate$r.out" >&2; t_fail "relay $r: migration failed"; }
	out=$(cat "$T/migrate$r.out")
	t_contains "$out" "migrate (microsoft, app-only, client credentials)" "relay $r: plan says app-only"
	t_contains "$out" "235 2.7.0 Authentication successful" "relay $r: live probe"
	t_eq "$(t_rec_get grant_type "$T/store$r/$ACCOUNT.json")" client_credentials "relay $r: record grant"
	t_eq "$(t_rec_get certificate_file "$T/store$r/$ACCOUNT.json")" relay.pem "relay $r: certificate in its store"
	t_eq "$(stat -c %U "$T/store$r/$ACCOUNT.json")" postfix "relay $r: record owner"
	t_contains "$(postconf -c "${CFS[r-1]}" -h import_environment)" "SASL_OAUTH2_CONF=$T/relay$r.conf" \
		"relay $r: its own configuration"
done
t_eq "$(t_idp_grants client_credentials)" 2 "client_credentials requests after two migrations (one login each)"

# 2. Mail through both.
deliver 1 "fleet relay 1 $$"
deliver 2 "fleet relay 2 $$"
t_eq "$(t_idp_grants client_credentials)" 2 "no request while the tokens are valid"

# 3. Both tokens expire; N messages through each relay at once.
old1=$(t_rec_get access_token "$T/store1/$ACCOUNT.json")
old2=$(t_rec_get access_token "$T/store2/$ACCOUNT.json")
for r in 1 2; do
	t_rec_expire "$T/store$r/$ACCOUNT.json"
done
subjects1=() subjects2=()
for i in $(seq 1 $N); do
	subjects1+=("fleet expired 1.$i $$")
	subjects2+=("fleet expired 2.$i $$")
done
deliver 1 "${subjects1[@]}" &
p1=$!
deliver 2 "${subjects2[@]}" &
p2=$!
wait $p1 || t_fail "relay 1 after the expiry"
wait $p2 || t_fail "relay 2 after the expiry"
t_eq "$(t_idp_grants client_credentials)" 4 "client_credentials requests: one per relay for the expiry"
[ "$(t_rec_get access_token "$T/store1/$ACCOUNT.json")" != "$old1" ] || t_fail "relay 1 did not renew"
[ "$(t_rec_get access_token "$T/store2/$ACCOUNT.json")" != "$old2" ] || t_fail "relay 2 did not renew"
echo "relay 1: $(grep -c status=sent "$RELAY_LOG") sent; relay 2: $(grep -c status=sent "$R2/maillog") sent"
echo "PASS: two relays, a certificate each, one token request per relay per expiry, mail from both"

#!/bin/bash
# SPDX-License-Identifier: MIT
# postfix-devices.sh - the "SMTP relay for devices" of sasl-oauth2-devices(7):
# printers, scanners and old applications that know only a password, or no
# authentication at all, send to the local Postfix, which relays with
# XOAUTH2 through one Microsoft 365 mailbox.
#
# The stack's relay (XOAUTH2, the account logged in) gets the page's settings:
# devices by address (mynetworks), devices with a local password (SASL via
# Dovecot, a passwd-file of device users), every sender rewritten to the
# mailbox (sender_canonical_maps; local_header_rewrite_clients, or the From:
# of a device outside Postfix's own addresses stays as it was: the test found
# that), smtpd not chrooted (the SASL socket).
#
# Asserts: a device in mynetworks relays without AUTH; a device outside it is
# refused without AUTH (554 relay access denied) and with a wrong password
# (535), and relays after AUTH PLAIN with its local password; each delivered
# message went out with XOAUTH2 as the mailbox, envelope and From rewritten.
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
. "$top_srcdir/tests/lib/stack.sh"

t_need_stack
t_sanitized && t_skip "sanitizer build: Postfix cannot load an ASan-instrumented module"

t_tmpdir
T_STORE_OWNER=postfix:
t_start_stack_login
CF=$RELAY_CONFIG_DIR
DEVICE_PASS='scan-to-mail-1'

# Device users with a local password: a passwd-file passdb for PLAIN/LOGIN.
printf 'scanner@devices.test:{PLAIN}%s\n' "$DEVICE_PASS" > "$STACK_DIR/dovecot/devices"
chmod 0640 "$STACK_DIR/dovecot/devices"
chgrp dovecot "$STACK_DIR/dovecot/devices"
cat >> "$DOVECOT_CONF" <<EOF
passdb {
  driver = passwd-file
  mechanisms = plain login
  username_filter = *@devices.test
  args = scheme=PLAIN $STACK_DIR/dovecot/devices
}
EOF
kill -HUP "$(head -n 1 "$DOVECOT_BASE_DIR/master.pid")" || t_fail "reload Dovecot"
sleep 1

# The page's settings (sasl-oauth2-devices(7), "A tested configuration").
postconf -c "$CF" -e \
	"mynetworks = 127.0.0.1/32" \
	"smtpd_sasl_auth_enable = yes" \
	"smtpd_sasl_type = dovecot" \
	"smtpd_sasl_path = $DOVECOT_AUTH_SOCKET" \
	"smtpd_sasl_security_options = noanonymous" \
	"smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject" \
	"sender_canonical_maps = static:$ACCOUNT" \
	"sender_canonical_classes = envelope_sender, header_sender" \
	"local_header_rewrite_clients = permit_mynetworks, permit_sasl_authenticated" \
	|| t_fail "postconf -e"
postconf -c "$CF" -F "127.0.0.1:$IN_PORT/inet/chroot = n" || t_fail "postconf -F"
touch -d "@$(($(date +%s) - 10))" "$CF/main.cf" "$CF/master.cf"
postfix -c "$CF" reload >/dev/null 2>&1 || t_fail "reload the relay"
sleep 1

# device SOURCE SUBJECT [USER PASS] - a device's message; prints the server's
# last reply code ("250" when accepted)
device() {
	python3 - "$IN_PORT" "$1" "$2" "${3:-}" "${4:-}" <<'PY'
import smtplib, sys
port, src, subj, user, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
msg = ("From: Scanner <scanner@printer.lan>\r\nTo: alice@example.net\r\nSubject: %s\r\n\r\n"
       "scan attached\r\n" % subj)
try:
    s = smtplib.SMTP("127.0.0.1", port, local_hostname="scanner.lan", timeout=30,
                     source_address=(src, 0))
    if user:
        s.login(user, pw)
    s.sendmail("scanner@printer.lan", ["alice@example.net"], msg)
    s.quit()
    print(250)
except smtplib.SMTPAuthenticationError as e:
    print(e.smtp_code)
except smtplib.SMTPRecipientsRefused as e:
    print(list(e.recipients.values())[0][0])
except smtplib.SMTPException as e:
    print("error %s" % e)
PY
}
# delivered SUBJECT - wait for it; check it went out as the mailbox with XOAUTH2
delivered() {
	"$top_srcdir/tests/stack/wait-delivered.sh" "$S" "$1" 60 > "$T/delivered" \
		|| { tail -n 20 "$RELAY_LOG" >&2; t_fail "'$1' was not delivered"; }
	local file
	file=$(tail -n 1 "$T/delivered")
	grep -q "^Return-Path: <$ACCOUNT>" "$file" || { cat "$file" >&2; t_fail "'$1': envelope sender not rewritten"; }
	grep -q "^From: Scanner <$ACCOUNT>" "$file" || { cat "$file" >&2; t_fail "'$1': From not rewritten"; }
	grep -q "Authenticated sender: $ACCOUNT" "$file" || t_fail "'$1': not relayed as $ACCOUNT"
}

t_eq "$(device 127.0.0.1 "by address $$")" 250 "device in mynetworks, no AUTH"
delivered "by address $$"
t_eq "$(device 127.0.0.2 "no auth $$")" 554 "device outside mynetworks, no AUTH"
t_eq "$(device 127.0.0.2 "bad password $$" scanner@devices.test wrong)" 535 "wrong local password"
t_eq "$(device 127.0.0.2 "local password $$" scanner@devices.test "$DEVICE_PASS")" 250 \
	"device with its local password"
delivered "local password $$"
grep -q 'sasl_method=XOAUTH2, sasl_username=relay@example.com' "$MX_LOG" \
	|| t_fail "the relay did not use XOAUTH2 upstream"
grep -q "sasl_method=PLAIN, sasl_username=scanner@devices.test" "$RELAY_LOG" \
	|| t_fail "the relay's smtpd did not log the device's login"
echo "PASS: devices by address and by local password relayed with XOAUTH2 as the mailbox"

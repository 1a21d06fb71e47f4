#!/bin/bash
# SPDX-License-Identifier: MIT
# doctor-token-length.sh - doctor warns when the access token is too long
# for sendmail, which cuts every SMTP command at 2047 bytes: for
# relay@example.com the longest token whose "AUTH XOAUTH2 <base64>" fits is
# 1487 bytes (5+17+1+12+2 bytes around it, base64, 13 bytes of "AUTH
# XOAUTH2 "); one byte more warns, and msmtp's 4094 is named past ~3 KB.
# No network: the tokens are fresh.
. "${top_srcdir:-.}/tests/lib/common.sh"
t_tmpdir
t_plugin_env
echo "store_dir = $T/store" > "$SASL_OAUTH2_CONF"
U=relay@example.com
# doctor_with N - doctor on a record whose token is N bytes; $out
doctor_with() {
	t_record $U "$(head -c "$1" /dev/zero | tr '\0' 'a')" 3600 RT
	out=$("$SO2_CLI" doctor $U --no-postfix --user root 2>&1)
}
doctor_with 1487
t_not_contains "$out" "token length" "1487 bytes: fits sendmail, no line"
doctor_with 1488
t_contains "$out" "[warn] token length: the access token is 1488 bytes, its AUTH XOAUTH2 command 2049:" \
	"1488 bytes: warned"
t_contains "$out" "sendmail sends (it cuts commands at 2047 bytes: tokens up to 1487 bytes for this account)" \
	"1488 bytes: the limit for this account"
t_not_contains "$out" "msmtp (4094" "1488 bytes: msmtp not named"
t_contains "$out" "fix: relay through Postfix" "1488 bytes: a fix"
doctor_with 3200
t_contains "$out" "and msmtp (4094 bytes)" "3200 bytes: msmtp named too"
t_not_contains "$out" "aaaaaaaa" "the token is never shown"
# doctor checking a Postfix relay (README, step 5): Postfix sends lines of
# any length, so "relay through Postfix" is no warning to give its admin
if command -v postconf >/dev/null; then
	mkdir -p "$T/pf"
	printf '%s\n' "relayhost = [smtp.office365.com]:587" "smtp_sasl_auth_enable = yes" \
		> "$T/pf/main.cf"
	t_record $U "$(head -c 1488 /dev/zero | tr '\0' 'a')" 3600 RT
	out=$("$SO2_CLI" doctor $U --postfix-config "$T/pf" --user root 2>&1) || true
	t_not_contains "$out" "[warn] token length" "Postfix relay: no warning"
	t_contains "$out" "[info] token length: the access token is 1488 bytes" "Postfix relay: said"
	t_contains "$out" "Postfix, which checks here, sends lines of any length" "Postfix relay: why it is fine"
	t_not_contains "$out" "relay through Postfix" "Postfix relay: no fix to relay through itself"
fi
echo "PASS: doctor warns about tokens sendmail cannot send"

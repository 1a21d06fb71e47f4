#!/bin/bash
# SPDX-License-Identifier: MIT
# plugin-host-hint.sh - an old password left in the program's settings is
# refused with a fix in the terms of the program that loaded the module:
# Postfix (sasl_passwd, empty password), sendmail (AuthInfo, P: the
# account's name, since sendmail skips AUTH with an empty password), other
# programs (empty, or the account's name). The module tells them apart by
# /proc/self/exe, so tests/sasl-client is run under the programs' names.
. "${top_srcdir:-.}/tests/lib/common.sh"
t_tmpdir
t_plugin_env
echo "store_dir = $T/store" > "$SASL_OAUTH2_CONF"
t_record relay@example.com AT-relay-1 3600 RT-relay
U=relay@example.com
[ -r /proc/self/exe ] || t_skip "no /proc: the module cannot tell the programs apart"
mkdir -p "$T/bin/postfix/sbin" "$T/bin/sendmail"
cp "$SO2_SASL_CLIENT" "$T/bin/postfix/sbin/smtp"
cp "$SO2_SASL_CLIENT" "$T/bin/sendmail/sendmail"
cp "$SO2_SASL_CLIENT" "$T/bin/fetchmail"

# hint PROGRAM - the message for an old password, from PROGRAM
hint() {
	"$1" -m XOAUTH2 -u $U -p "OldPassword123!" >"$T/out" 2>&1
	t_eq "$?" 1 "$1: refused"
	cat "$T/out"
}
m=$(hint "$T/bin/postfix/sbin/smtp")
t_contains "$m" "make the password empty (Postfix sasl_passwd: \"[host]:port $U:\")" "Postfix"
t_not_contains "$m" "AuthInfo" "Postfix: no sendmail words"
m=$(hint "$T/bin/sendmail/sendmail")
t_contains "$m" "set the password to the account's name (sendmail AuthInfo: \"U:$U\" \"P:$U\" \"M:XOAUTH2\"; sendmail skips AUTH when P: is empty)" "sendmail"
t_not_contains "$m" "sasl_passwd" "sendmail: no Postfix words"
t_not_contains "$m" "make the password empty" "sendmail: not the empty password"
m=$(hint "$T/bin/fetchmail")
t_contains "$m" "make the password empty, or the account's name ($U) where the program needs one" "other"
t_not_contains "$m" "sasl_passwd" "other: no Postfix words"
t_not_contains "$m" "OldPassword123" "the password is never echoed"
# the hint is right: the account's name as the password works from sendmail
"$T/bin/sendmail/sendmail" -m XOAUTH2 -u $U -p $U >"$T/out" 2>&1
t_eq "$?" 0 "sendmail: P: the account's name selects the record"
echo "PASS: the old-password hint speaks to Postfix, sendmail and the others"

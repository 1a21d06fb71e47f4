#!/bin/bash
# SPDX-License-Identifier: MIT
# postfix-doctor-regexp.sh - doctor --postfix on a password map that is a
# regexp: table, with sender-dependent authentication (inputs nobody named
# for the many-mailboxes layout).
#
# Asserts: the missing next hop entry is told as leaving only senders
# without an entry of their own without credentials (a regexp matching the
# sender still authenticates); the fix is a regexp line, escaped, with no
# postmap (a "key value" line in a regexp table is a broken pattern), and
# that line, added as printed, is found by Postfix's own lookup; the
# password in the table is never printed.
. "${top_srcdir:-.}/tests/lib/common.sh"

command -v postconf >/dev/null && command -v postmap >/dev/null || t_skip "no Postfix"
t_tmpdir
t_plugin_env
mkdir -p "$T/store" "$T/cf"
echo "store_dir = $T/store" > "$SASL_OAUTH2_CONF"
CF=$T/cf
printf '%s\n' "compatibility_level = 3.6" "relayhost = [smtp.office365.com]:587" \
	"smtp_sasl_auth_enable = yes" "smtp_sasl_password_maps = regexp:$CF/sasl_re" \
	"smtp_sender_dependent_authentication = yes" \
	"sender_dependent_relayhost_maps = regexp:$CF/sender_re" > "$CF/main.cf"
printf '%s\n' '/^a@example\.com$/ a@example.com:' '/@example\.com$/ b@example.com:pw-secret-9' \
	> "$CF/sasl_re"
printf '%s\n' '/@example\.com$/ [smtp.office365.com]:587' > "$CF/sender_re"

out=$("$SO2_CLI" doctor a@example.com --postfix-config "$CF" 2>&1)
echo "$out" | grep -A1 'postfix: regexp'
t_not_contains "$out" "pw-secret-9" "the password is never printed"
t_contains "$out" "has no entry for \"[smtp.office365.com]:587\": no credentials are sent for mail whose sender has no entry of its own" \
	"sender-dependent: only senders without an entry go without credentials"
t_not_contains "$out" "in the map source, then run postmap" "no key-value advice for a regexp table"
line=$(echo "$out" | sed -n 's/.*to the regexp or pcre table: "\(.*\)" (these tables.*/\1/p')
t_eq "$line" '/^\[smtp\.office365\.com\]:587$/ a@example.com:' "the fix: an escaped regexp line"
echo "$line" >> "$CF/sasl_re"
t_eq "$(postmap -c "$CF" -q '[smtp.office365.com]:587' "regexp:$CF/sasl_re")" "a@example.com:" \
	"the line as printed matches the relayhost in Postfix's lookup"
t_eq "$(postmap -c "$CF" -q '[smtpXoffice365.com]:587' "regexp:$CF/sasl_re")" "" \
	"and nothing else (the dots are escaped)"
out=$("$SO2_CLI" doctor a@example.com --postfix-config "$CF" 2>&1)
t_contains "$out" "[pass] postfix: key \"[smtp.office365.com]:587\" -> SASL user a@example.com" \
	"with the line added doctor finds the entry"
echo "PASS: doctor explains a regexp password map and gives a line that works"

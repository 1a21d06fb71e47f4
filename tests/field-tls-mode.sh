#!/bin/bash
# SPDX-License-Identifier: MIT
# field-tls-mode.sh - doctor probes IMAPS/SMTPS on any port with --tls
# implicit, the option connect has, with the same words in both helps
# (issue 11, item 8: "--imap=HOST:1993" failed with "no IMAP greeting").
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
. "$top_srcdir/tests/lib/jwt.sh"
. "$top_srcdir/tests/lib/scripted.sh"
[ -x "$SO2_CLI" ] || t_fail "sasl-oauth2 not built: $SO2_CLI"
t_tmpdir
t_plugin_env
U=relay@example.com
t_start_idp
export TOKEN_ENDPOINT=$IDP_URL/organizations/oauth2/v2.0/token
t_conf
t_record_jwt $U "$(t_claims_user $U https://outlook.office.com IMAP.AccessAsUser.All)" 3600 RT-1

t_start_scripted imap --scenario accept --implicit-tls
json() { "$SO2_CLI" doctor $U --no-postfix --user root --json "$@" 2>/dev/null; }
status() { python3 -c 'import json,sys
for c in json.load(sys.stdin)["checks"]:
    if c["id"] == sys.argv[1]: print(c["status"]); break
else: print("none")' "$1"; }
t_eq "$(json --imap=127.0.0.1:$SCRIPTED_PORT --tls implicit | status probe.imap)" pass \
	"IMAPS on port $SCRIPTED_PORT with --tls implicit"
t_eq "$(json --imap=127.0.0.1:$SCRIPTED_PORT --tls starttls | status probe.imap)" none \
	"STARTTLS to an IMAPS port does not get to AUTHENTICATE"
"$SO2_CLI" doctor $U --tls ssl >/dev/null 2>&1
t_eq "$?" 64 "--tls takes starttls or implicit"
line=$("$SO2_CLI" connect --help | grep -- '--tls')
t_contains "$("$SO2_CLI" doctor --help)" "$line" "the same words in doctor and connect"
echo "PASS: --tls in doctor as in connect"

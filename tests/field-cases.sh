#!/bin/bash
# SPDX-License-Identifier: MIT
# field-cases.sh - the fixture table of real replies (tests/field/fixtures.tsv):
# each row is a reply or a situation quoted from a public report, run through
# "sasl-oauth2 doctor" (--reply, a probe of tests/scripted-server.py, or the
# record alone); the verdict that comes first and its action must be the
# row's. Prints the table with the verdicts (FIELD_TABLE=1: only the table).
# FIELD_ONLY=F12 runs one row.
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
. "$top_srcdir/tests/lib/jwt.sh"
. "$top_srcdir/tests/lib/scripted.sh"
[ -x "$SO2_CLI" ] || t_fail "sasl-oauth2 not built: $SO2_CLI"
t_tmpdir
t_plugin_env
FIX=$top_srcdir/tests/field/fixtures.tsv
U=relay@example.com
EXO=https://outlook.office.com
GRAPH=00000003-0000-0000-c000-000000000000
# The emulator answers the records' token endpoint, so that doctor's
# probe can refresh a record it marked and run a second time.
t_start_idp --auto-approve $U --interval 1
export TOKEN_ENDPOINT=$IDP_URL/organizations/oauth2/v2.0/token
t_conf

# record KIND - the record of $U that doctor reads
record() {
	local exp=$(( $(date +%s) + 3600 )) jwt
	case $1 in
	ms) t_record_jwt $U "$(t_claims_user $U $EXO SMTP.Send)" 3600 RT-1 ;;
	ms-imap) t_record_jwt $U "$(t_claims_user $U $EXO IMAP.AccessAsUser.All)" 3600 RT-1 ;;
	ms-admin) t_record_jwt $U "$(t_claims_user admin@example.onmicrosoft.com $EXO SMTP.Send)" \
		3600 RT-1 ;;
	ms-imap-admin) t_record_jwt $U \
		"$(t_claims_user admin@example.onmicrosoft.com $EXO IMAP.AccessAsUser.All)" 3600 RT-1 ;;
	ms-graph) t_record_jwt $U "$(t_claims_user $U $GRAPH 'Mail.Send User.Read')" 3600 RT-1 ;;
	ms-app) t_record_jwt $U "{\"aud\":\"https://outlook.office365.com\",\"roles\":[\"SMTP.SendAsApp\"],\"appid\":\"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee\",\"idtyp\":\"app\",\"tid\":\"72f988bf-0000-0000-0000-000000000001\",\"exp\":$exp}" 3600 ;;
	# app-only with Mail.Send: what High Volume Email takes (token/perms.h)
	ms-app-hve) t_record_jwt $U "{\"aud\":\"https://outlook.office365.com\",\"roles\":[\"Mail.Send\"],\"appid\":\"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee\",\"idtyp\":\"app\",\"tid\":\"72f988bf-0000-0000-0000-000000000001\",\"exp\":$exp}" 3600 ;;
	ms-opaque) t_record $U "EwBAAl3BAAUFFpUAo7J3Ve0bjLBWZWCclRC3EoAAfakeconsumertoken" 3600 RT-1 ;;
	ms-cut) jwt=$(t_jwt "$(t_claims_user $U $EXO SMTP.Send)")
		t_record $U "${jwt:0:250}" 3600 RT-1 ;;
	google) t_record $U "ya29.a0AfH6SMBfakegoogleaccesstoken" 3600 RT-1
		sed -i 's/"provider":"microsoft"/"provider":"google"/' "$T/store/$U.json" ;;
	login-smtp) t_login $U --provider microsoft --protocol smtp ;;
	login-imap) t_login $U --provider microsoft --protocol imap ;;
	*) t_fail "fixtures: unknown record kind $1" ;;
	esac
}

# verdict JSON CHECK-ID - "ID ACTION" of doctor's line CHECK-ID (--json on stdin)
verdict() {
	python3 -c '
import json, re, sys
words = {"refresh the token": "refresh", "keep the token": "keep",
         "re-authorise the account": "reauth", "retry later": "retry",
         "nothing to do": "ok"}
for c in json.load(sys.stdin)["checks"]:
    if c["id"] != sys.argv[1]:
        continue
    if sys.argv[1].startswith("token."):
        act = "reauth" if "sasl-oauth2 login" in c.get("fix", "") else "keep"
        print(c["id"], act)
        break
    if c["status"] == "pass":
        print(sys.argv[1].split(".")[-1] + "-accepted ok")
        break
    m = re.search(r"=> .*\(([A-Za-z0-9._-]+): ([a-z -]+)", c["text"])
    act = next((v for k, v in words.items() if m and m.group(2).startswith(k)), "?")
    print((m.group(1) if m else "?"), act)
    break
else:
    print("none", "-")' "$1"
}

# Both scripted servers, started here (not inside $(...), whose output
# they would hold open); each reads its scenario at every connection.
t_start_scripted smtp --scenario-file "$T/scenario.smtp"
SMTP_PORT=$SCRIPTED_PORT
t_start_scripted imap --scenario-file "$T/scenario.imap"
IMAP_PORT=$SCRIPTED_PORT

# probe PROTO SCENARIO - doctor's probe against the scripted server
probe() {
	local port=$SMTP_PORT
	[ "$1" = imap ] && port=$IMAP_PORT
	echo "$2" > "$T/scenario.$1"
	"$SO2_CLI" doctor $U --no-postfix --user root --json \
		--"$1"=127.0.0.1:$port 2>/dev/null | verdict "probe.$1"
}

fails=0 rows=0
table=$T/table.txt
while IFS=$'\t' read -r id via rec input want action source; do
	case $id in ''|'#'*) continue ;; esac
	[ -n "${FIELD_ONLY:-}" ] && [ "$id" != "$FIELD_ONLY" ] && continue
	rows=$((rows + 1))
	rm -f "$T/store/$U.json"
	record "$rec"
	text=$(printf '%b' "$input")
	case $via in
	reply) got=$("$SO2_CLI" doctor $U --no-postfix --user root --json --reply "$text" \
		2>/dev/null | verdict reply) ;;
	mailbox) echo "$input" > "$T/scenario.imap"
		got=$("$SO2_CLI" doctor $U --no-postfix --user root --json \
			--imap=127.0.0.1:$IMAP_PORT 2>/dev/null | verdict probe.mailbox) ;;
	smtp|imap) got=$(probe "$via" "$input")
		# the same verdict on a second run (the first may mark the record)
		again=$(probe "$via" "$input")
		[ "$again" = "$got" ] || got="$got, then $again" ;;
	record) got=$("$SO2_CLI" doctor $U --no-postfix --user root --json 2>/dev/null \
		| verdict "$want") ;;
	*) t_fail "fixtures: $id: unknown via $via" ;;
	esac
	mark=ok
	if [ "$got" != "$want $action" ]; then
		mark=FAIL
		fails=$((fails + 1))
		echo "FAIL: $id ($source): got \"$got\", want \"$want $action\"" >&2
	fi
	printf '%-4s %-6s %-9s %-28s %-7s %-4s %s\n' "$id" "$via" "$rec" "$want" "$action" \
		"$mark" "$source" >> "$table"
done < "$FIX"
# A line-too-long reply is explained with this account's AUTH line length.
record ms
out=$("$SO2_CLI" doctor $U --no-postfix --user root --reply "500 5.5.2 Line too long" 2>&1)
t_contains "$out" "with this account's token the response is" "line too long: the length"
t_contains "$out" "after the empty 334" "line too long: how the client must send it"
cat "$table"
[ "$rows" -gt 0 ] || t_fail "no fixture rows read"
[ $fails -eq 0 ] || t_fail "$fails of $rows field fixtures got another verdict"
echo "PASS: $rows field fixtures"

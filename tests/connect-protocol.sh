#!/bin/bash
# SPDX-License-Identifier: MIT
# connect-protocol.sh - sasl-oauth2 connect against a scripted server
#
# Byte-level protocol behaviour of the mail client (mail/) through the connect
# command, one scripted connection per case (tests/connect-server.py):
#   ok, server-first, starttls-ok: the response (decoded, asserted exactly)
#     on the AUTHENTICATE line with SASL-IR, after "+ " without it; the
#     PREAUTH greeting carries the post-login capabilities; the client's
#     command reaches the server and the answer comes back;
#   pop3-ok: AUTH without initial response, "+OK" greeting, STAT relayed;
#   error (XOAUTH2 and OAUTHBEARER), pop3-error: the error challenge is
#     answered with "" / AQ==, the failure names the status;
#   second-challenge, garbage, not-json: cancelled with "*", reported;
#   exchange-no: a plain NO is reported with the server's text;
#   starttls-inject: plaintext after the STARTTLS reply is refused;
#   long-line, silent: over-long line and timeout fail cleanly;
#   drip, untagged-flood, huge-line, binary: a byte every 0.2 s, endless
#     untagged lines, 10 MB without a line end, binary data end within the
#     timeout with a message that names them (issue 10, point 7).
. "${top_srcdir:-.}/tests/lib/common.sh"

command -v python3 >/dev/null || t_skip "python3 not installed"
command -v openssl >/dev/null || t_skip "openssl not installed"
[ -x "$SO2_CLI" ] || t_fail "sasl-oauth2 not built: $SO2_CLI"
t_tmpdir
mkdir -p "$T/tls"
"$top_srcdir/tests/stack/testca.sh" "$T/tls" > /dev/null 2>&1 || t_fail "test CA"
ACCOUNT=alice@example.net
t_record $ACCOUNT test-token-1 3600
cat > "$T/sasl-oauth2.conf" <<EOF
store_dir = $T/store
ca_file = $T/tls/ca.pem
connect_timeout = 2
http_timeout = 2
EOF
export SASL_OAUTH2_CONF=$T/sasl-oauth2.conf

# run SCENARIO INPUT CONNECT-ARGS... - serve one connection, run connect;
# sets OUT (stdout), ERR (stderr), RC, SRV (server exit), LOG (what it got)
run() {
	local scen=$1 input=$2 pid i
	shift 2
	rm -f "$T/port"
	t_record $ACCOUNT test-token-1 3600	# fresh: a refusal marks it stale
	python3 "$top_srcdir/tests/connect-server.py" "$scen" "$T/tls/server.pem" \
		"$T/tls/server.key" "$T/port" "$T/log" 2> "$T/srv.err" &
	pid=$!
	for i in $(seq 1 100); do [ -s "$T/port" ] && break; sleep 0.05; done
	[ -s "$T/port" ] || t_fail "$scen: the scripted server did not start"
	printf '%b' "$input" | timeout 60 "$SO2_CLI" connect --timeout 3 "$@" \
		$ACCOUNT localhost "$(cat "$T/port")" > "$T/out" 2> "$T/err"
	RC=$?
	wait $pid
	SRV=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
	LOG=$(cat "$T/log")
	[ $SRV -eq 0 ] || t_fail "$scen: $(cat "$T/srv.err"); client stderr: $ERR"
}
XO="user=$ACCOUNT^Aauth=Bearer TOKEN^A^A"
OB_HEAD="n,a=$ACCOUNT,^Ahost=localhost^Aport="

run ok 'x SELECT INBOX\r\n' --protocol imap --tls implicit
t_eq "$RC" 0 "ok: exit code"
t_contains "$LOG" "R: $XO" "ok: the XOAUTH2 response"
t_contains "$LOG" "AUTHENTICATE XOAUTH2 dXNlcj1" "ok: SASL-IR initial response"
t_contains "$OUT" "* PREAUTH [CAPABILITY IMAP4rev1 IDLE UIDPLUS] sasl-oauth2: logged in as" \
	"ok: PREAUTH with the post-login capabilities"
t_contains "$OUT" "x OK done" "ok: the server's answer relayed"
t_not_contains "$OUT$ERR" "test-token-1" "ok: the token on an output"

run server-first 'x SELECT INBOX\r\n' --protocol imap --tls implicit --mech oauthbearer
t_eq "$RC" 0 "server-first: exit code"
t_contains "$LOG" "R: ${OB_HEAD}" "server-first: the OAUTHBEARER GS2 header and host"
t_contains "$LOG" "^Aauth=Bearer TOKEN^A^A" "server-first: the OAUTHBEARER response"
t_contains "$LOG" "AUTHENTICATE OAUTHBEARER"$'\n' "server-first: no initial response"

run starttls-ok 'x SELECT INBOX\r\n' --protocol imap --tls starttls
t_eq "$RC" 0 "starttls-ok: exit code"
t_contains "$OUT" "x OK done" "starttls-ok: relayed"

run pop3-ok 'STAT\r\n' --protocol pop3 --tls implicit
t_eq "$RC" 0 "pop3-ok: exit code"
t_contains "$OUT" "+OK sasl-oauth2: logged in as $ACCOUNT" "pop3-ok: greeting"
t_contains "$OUT" "+OK 0 0" "pop3-ok: STAT answer relayed"
t_contains "$LOG" "R: $XO" "pop3-ok: the response"

for mech in xoauth2 oauthbearer; do
	run error '' --protocol imap --tls implicit --mech $mech
	[ $RC -ne 0 ] || t_fail "error ($mech): connect succeeded"
	want=""
	[ $mech = oauthbearer ] && want="AQ=="
	t_contains "$LOG" $'\n'"C: $want"$'\n' "error ($mech): the reply to the error challenge"
	t_contains "$ERR" 'status "invalid_token"' "error ($mech): the status on stderr"
	t_contains "$OUT" "* BYE " "error ($mech): the program's refusal"
	t_contains "$ERR" "refreshing the token failed too" "error ($mech): one refresh tried"
done

run pop3-error '' --protocol pop3 --tls implicit --mech oauthbearer
[ $RC -ne 0 ] || t_fail "pop3-error: connect succeeded"
t_contains "$OUT" "-ERR " "pop3-error: the program's refusal"
t_contains "$ERR" 'status "invalid_token"' "pop3-error: the status"

run second-challenge '' --protocol imap --tls implicit --mech oauthbearer
t_contains "$ERR" "a second challenge" "second-challenge: reported"
run garbage '' --protocol imap --tls implicit
t_contains "$ERR" "not base64" "garbage: reported"
run not-json '' --protocol imap --tls implicit
t_contains "$ERR" "not an error challenge" "not-json: reported"
run exchange-no '' --protocol imap --tls implicit
t_contains "$ERR" 'NO AUTHENTICATE failed.' "exchange-no: the server's reply"
t_contains "$OUT" "* BYE" "exchange-no: the program's refusal"

run starttls-inject '' --protocol imap --tls starttls
t_contains "$ERR" "possible injection" "starttls-inject: refused"
t_not_contains "$LOG" "AUTHENTICATE" "starttls-inject: no token sent"
run long-line '' --protocol imap --tls implicit
t_contains "$ERR" "longer than 16 KB" "long-line: reported"
run silent '' --protocol imap --tls implicit
t_contains "$ERR" "no answer within 3 seconds" "silent: timeout"
t_contains "$OUT" "* BYE [UNAVAILABLE]" "silent: a temporary refusal"

# Hostile servers (issue 10, point 7): bounded in time and bytes, each named.
SECONDS=0
run drip '' --protocol imap --tls implicit
t_contains "$ERR" "the server did not finish its answer within 3 seconds" "drip: reported"
[ "$SECONDS" -lt 20 ] || t_fail "drip: connect took $SECONDS s with --timeout 3"
run untagged-flood '' --protocol imap --tls implicit
t_contains "$ERR" "more than 1000 untagged lines in answer to AUTHENTICATE" "untagged-flood"
run huge-line '' --protocol imap --tls implicit
t_contains "$ERR" "longer than 16 KB" "huge-line: reported"
run binary '' --protocol imap --tls implicit
t_contains "$ERR" "the server sent binary data" "binary: reported"

echo "PASS: connect: both orders, SASL-IR, STARTTLS, POP3, error challenges, cancel on" \
	"second/garbage challenges, injection, long line, timeout"

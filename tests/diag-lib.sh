# diag-lib.sh - helpers for the diagnostics tests (sourced after lib.sh)
# shellcheck shell=bash
#
#   jwt PAYLOAD-JSON           an unsigned JWT (header.payload.sig) with that payload
#   t_record_jwt ACCOUNT PAYLOAD EXPIRES_IN [REFRESH]
#                              a record whose access token is jwt PAYLOAD
#   claims_user UPN AUD SCP    a delegated-token payload expiring in an hour
#   start_scripted PROTO       the scripted SMTP or IMAP server (tests/scripted-server.py)
#                              on 127.0.0.1 with the test CA; sets SCRIPTED_PORT

# b64url - base64url of stdin without padding (RFC 7515 section 2)
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }

jwt() {
	printf '%s.%s.c2ln' "$(printf '{"typ":"JWT","alg":"RS256"}' | b64url)" \
		"$(printf '%s' "$1" | b64url)"
}

t_record_jwt() {
	t_record "$1" "$(jwt "$2")" "$3" "${4:-}"
}

claims_user() {
	printf '{"aud":"%s","scp":"%s","upn":"%s","tid":"72f988bf-0000-0000-0000-000000000001",'\
'"appid":"11111111-2222-3333-4444-555555555555","idtyp":"user","exp":%s}' \
		"$2" "$3" "$1" "$(( $(date +%s) + 3600 ))"
}

# start_scripted PROTO [ARGS...] - PROTO smtp|smtps|imap|imaps
start_scripted() {
	local proto=$1 pid
	shift
	rm -f "$T/scripted.port"
	python3 "$top_srcdir/tests/scripted-server.py" --proto "$proto" \
		--cert "$T/tls/server.pem" --key "$T/tls/server.key" \
		--port-file "$T/scripted.port" --log "$T/scripted.log" "$@" &
	pid=$!
	t_on_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
	SCRIPTED_PID=$pid
	t_wait_port "$T/scripted.port" $pid "$T/scripted.log" "scripted server"
	SCRIPTED_PORT=$(cat "$T/scripted.port")
}

# stop_scripted - stop the server started last
stop_scripted() {
	kill "$SCRIPTED_PID" 2>/dev/null
	wait "$SCRIPTED_PID" 2>/dev/null
	return 0
}

# SPDX-License-Identifier: MIT
# scripted.sh - the scripted SMTP/IMAP server (tests/scripted-server.py) on
# 127.0.0.1 with the test CA in $T/tls (t_start_idp makes it); sourced after
# common.sh
# shellcheck shell=bash
#
#   t_start_scripted PROTO [ARGS...]  PROTO smtp|smtps|imap|imaps; sets
#                                     SCRIPTED_PORT, SCRIPTED_PID; stopped at exit
#   t_stop_scripted                   stop the server started last

t_start_scripted() {
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

t_stop_scripted() {
	kill "$SCRIPTED_PID" 2>/dev/null
	wait "$SCRIPTED_PID" 2>/dev/null
	return 0
}

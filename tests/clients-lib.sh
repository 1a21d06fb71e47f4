# clients-lib.sh - shared setup of the real-client tests (sourced after lib.sh)
# shellcheck shell=bash
#
#   c_need_stack          skip unless root and the stack's programs exist
#   c_start_stack [ENV=VALUE...]
#                         private mail stack in $T/stack (tests/stack/start.sh)
#                         with our module; sources its env; writes the
#                         module's configuration; logs ACCOUNT in through the
#                         emulator (device grant, auto-approved); stopped at
#                         exit. Sets S, ACCOUNT. C_STORE_OWNER: owner of the
#                         store (postfix for the relay's smtp).
#   c_deliver SUBJECT     put a message for alice into Dovecot (LMTP, no SASL)
#   c_sasl_fail_msgs      the module's error lines in a log, for failures
ACCOUNT=relay@example.com

c_need_stack() {
	[ "$(id -u)" -eq 0 ] || t_skip "needs root (private Postfix and Dovecot instances)"
	local cmd
	for cmd in postfix dovecot python3 openssl curl; do
		command -v $cmd >/dev/null \
			|| t_skip "$cmd not installed (scripts/install-deps.sh installs it)"
	done
	[ -x "$SO2_CLI" ] || t_fail "sasl-oauth2 not built: $SO2_CLI"
}

c_start_stack() {
	t_plugin_env
	S=$T/stack
	mkdir -p "$S" "$T/store"
	chmod 755 "$S"
	chmod 700 "$T/store"
	[ -z "${C_STORE_OWNER:-}" ] || chown "$C_STORE_OWNER" "$T/store"
	t_on_exit '"$top_srcdir/tests/stack/stop.sh" "$S" >/dev/null 2>&1'
	env SASLO2_PLUGIN_DIR="$T/sasl2" "$@" \
		"$top_srcdir/tests/stack/start.sh" "$S" > "$T/start.log" 2>&1 \
		|| { cat "$T/start.log" >&2; t_fail "the test mail stack did not start"; }
	# shellcheck disable=SC1091
	. "$S/env"
	[ -n "$IDP_URL" ] || t_fail "the emulator did not start (see $T/start.log)"
	cat > "$SASL_OAUTH2_CONF" <<EOF
store_dir = $T/store
ca_file = $CA

[microsoft]
client_id = 11111111-2222-3333-4444-555555555555
tenant = organizations
authority = $IDP_URL
EOF
	"$SO2_CLI" login "$ACCOUNT" --provider microsoft > "$T/login.out" 2>&1 \
		|| { cat "$T/login.out" >&2; t_fail "sasl-oauth2 login failed"; }
	[ -s "$T/store/$ACCOUNT.json" ] || t_fail "no record after login"
}

# c_deliver SUBJECT [RCPT] - deliver one message straight into Dovecot (LMTP)
c_deliver() {
	python3 - "$DOVECOT_LMTP_SOCKET" "$1" "${2:-$ACCOUNT}" <<'PY' \
		|| t_fail "LMTP delivery of '$1' failed"
import smtplib, sys
sock, subj, rcpt = sys.argv[1:4]
lmtp = smtplib.LMTP(sock)
msg = ("From: sender@example.org\r\nTo: %s\r\nSubject: %s\r\n\r\nbody of %s\r\n"
       % (rcpt, subj, subj))
refused = lmtp.sendmail("sender@example.org", [rcpt], msg)
lmtp.quit()
sys.exit(1 if refused else 0)
PY
}

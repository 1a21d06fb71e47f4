# SPDX-License-Identifier: MIT
# stack.sh - the private mail stack from a test (sourced after common.sh and
# idp.sh): the emulator, Dovecot and two Postfix instances (tests/stack/)
# shellcheck shell=bash
#
#   t_need_stack          skip unless root and the stack's programs exist
#   t_start_stack [ENV=VALUE...]
#                         the stack in S=$T/stack with our module; sources
#                         its env; stopped at exit
#   t_start_stack_login [ENV=VALUE...]
#                         t_plugin_env, the store, t_start_stack, the
#                         module's configuration, and a login of $ACCOUNT
#                         through the emulator (device grant, auto-approved).
#                         T_STORE_OWNER: owner of the store (postfix for the
#                         relay's smtp).
#   t_deliver SUBJECT [RCPT]  put a message for RCPT (default $ACCOUNT) into
#                         Dovecot (LMTP, no SASL)
ACCOUNT=relay@example.com

# t_need_stack - skip unless root with Postfix, Dovecot and the emulator's needs
t_need_stack() {
	[ "$(id -u)" -eq 0 ] || t_skip "needs root (private Postfix and Dovecot instances)"
	local cmd
	for cmd in postfix dovecot python3 openssl curl; do
		command -v $cmd >/dev/null \
			|| t_skip "$cmd not installed (scripts/install-deps.sh installs it)"
	done
	[ -x "$SO2_CLI" ] || t_fail "sasl-oauth2 not built: $SO2_CLI"
}

# t_start_stack [ENV=VALUE...] - the private mail stack (tests/stack/start.sh:
# emulator, Dovecot, Postfix mx and relay) in S=$T/stack with our module
# ($T/sasl2, t_plugin_env first); sources its env (CA, IDP_URL, ports, logs);
# stopped at exit. ENV=VALUE: settings for start.sh (IDP_TOKEN_LIFETIME=24)
t_start_stack() {
	S=$T/stack
	mkdir -p "$S"
	chmod 755 "$S"
	t_on_exit '"$top_srcdir/tests/stack/stop.sh" "$S" >/dev/null 2>&1'
	env SASLO2_PLUGIN_DIR="$T/sasl2" "$@" \
		"$top_srcdir/tests/stack/start.sh" "$S" > "$T/start.log" 2>&1 \
		|| { cat "$T/start.log" >&2; t_fail "the test mail stack did not start"; }
	# shellcheck disable=SC1091
	. "$S/env"
	[ -n "$IDP_URL" ] || t_fail "the emulator did not start (see $T/start.log)"
}

# t_start_stack_login [ENV=VALUE...] - the stack, configured, $ACCOUNT logged in
t_start_stack_login() {
	t_plugin_env
	t_store "${T_STORE_OWNER:-}"
	t_start_stack "$@"
	t_conf
	t_login "$ACCOUNT" --provider microsoft
}

# t_deliver SUBJECT [RCPT] - deliver one message straight into Dovecot (LMTP)
t_deliver() {
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

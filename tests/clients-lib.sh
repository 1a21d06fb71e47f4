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
	t_store "${C_STORE_OWNER:-}"
	t_start_stack "$@"
	t_conf
	t_login "$ACCOUNT" --provider microsoft
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

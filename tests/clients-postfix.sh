#!/bin/bash
# SPDX-License-Identifier: MIT
# clients-postfix.sh - Postfix smtp relaying with OAUTHBEARER through the module
#
# tests/e2e-postfix.sh covers XOAUTH2 (the Microsoft 365 case) with expiry
# and refresh; this runs the same private relay (smtp chrooted, as Debian
# ships it) with smtp_sasl_mechanism_filter = oauthbearer, the documented
# smtp_sasl_tls_security_options = noanonymous and an empty SASL password
# (the record of the SASL user), and asserts that the message arrives and
# that the server logged the mechanism. doc/sasl-oauth2-postfix.7 documents
# this configuration.
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
. "$top_srcdir/tests/lib/stack.sh"

t_need_stack
t_sanitized && t_skip "sanitizer build: Postfix cannot load an ASan-instrumented module"
t_tmpdir
T_STORE_OWNER=postfix t_start_stack_login RELAY_MECH=oauthbearer

t_eq "$(postconf -c "$RELAY_CONFIG_DIR" -h smtp_sasl_mechanism_filter)" oauthbearer \
	"relay mechanism filter"
t_eq "$(postconf -c "$RELAY_CONFIG_DIR" -h smtp_sasl_tls_security_options)" noanonymous \
	"relay TLS security options"
subj="sasl-oauth2 oauthbearer relay $$"
"$top_srcdir/tests/stack/send.sh" "$S" "$ACCOUNT" alice@example.net "$subj" >/dev/null \
	|| t_fail "could not inject the message"
"$top_srcdir/tests/stack/wait-delivered.sh" "$S" "$subj" 60 > "$T/delivered" \
	|| { tail -n 30 "$RELAY_LOG" >&2; t_fail "the message was not delivered"; }
grep -q "sasl_method=OAUTHBEARER, sasl_username=$ACCOUNT" "$MX_LOG" \
	|| { grep sasl_ "$MX_LOG" >&2; t_fail "the server did not log sasl_method=OAUTHBEARER"; }
if grep -E 'SASL authentication (failed|problem)' "$RELAY_LOG" >&2; then
	t_fail "the relay logged SASL problems"
fi
echo "PASS: Postfix relayed with OAUTHBEARER through the module"

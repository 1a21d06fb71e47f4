#!/bin/bash
# SPDX-License-Identifier: MIT
# saslpluginviewer.sh - what libsasl2 itself reports about our two mechanisms
#
# sasl2-bin's saslpluginviewer loads the module the way every Cyrus SASL
# client does (SASL_PATH holding only our module). Asserts, for XOAUTH2 and
# OAUTHBEARER: best SSF 0 (no security layer, RFC 7628 section 3), security
# flags NO_ANONYMOUS|PASS_CREDENTIALS (no NO_PLAINTEXT: a bearer token is a
# replayable credential), features WANT_CLIENT_FIRST (+ PROXY_AUTHENTICATION
# for OAUTHBEARER only). Then what these flags mean for mechanism choice, the
# way Postfix and other programs ask libsasl2 (sasl-oauth2(8), "Mechanism
# properties"):
#   - with "noanonymous" alone (Postfix smtp_sasl_tls_security_options =
#     noanonymous) both mechanisms are offered;
#   - with "noplaintext" (Postfix's default smtp_sasl_security_options) or
#     any demand for a security layer (min SSF 1) neither is.
. "${top_srcdir:-.}/tests/lib/common.sh"
t_sanitized && t_skip "sanitizer build: saslpluginviewer cannot load an ASan-instrumented module"

VIEWER=$(command -v saslpluginviewer || true)
[ -n "$VIEWER" ] || t_skip "saslpluginviewer not installed (Debian package sasl2-bin)"

t_tmpdir
t_plugin_env
: > "$SASL_OAUTH2_CONF"

out=$("$VIEWER" -c 2>&1) || t_fail "saslpluginviewer -c failed: $out"

# block MECH - the plugin block of MECH (its three lines after the name)
block() {
	printf '%s\n' "$out" | awk -v m="$1" '
		$0 ~ "SASL mechanism: " m "," { on = 1; print; next }
		on && /^Plugin / { exit }
		on { print }'
}

for mech in XOAUTH2 OAUTHBEARER; do
	b=$(block $mech)
	[ -n "$b" ] || t_fail "saslpluginviewer does not list $mech: $out"
	t_contains "$b" "SASL mechanism: $mech, best SSF: 0" "$mech best SSF"
	t_eq "$(printf '%s\n' "$b" | sed -n 's/^[[:space:]]*security flags: //p')" \
		"NO_ANONYMOUS|PASS_CREDENTIALS" "$mech security flags"
done
t_eq "$(block XOAUTH2 | sed -n 's/^[[:space:]]*features: //p')" \
	"WANT_CLIENT_FIRST" "XOAUTH2 features"
t_eq "$(block OAUTHBEARER | sed -n 's/^[[:space:]]*features: //p')" \
	"WANT_CLIENT_FIRST|PROXY_AUTHENTICATION" "OAUTHBEARER features"
# Loaded from our module, not another XOAUTH2 (libsasl2-modules-kdexoauth2).
t_eq "$(printf '%s\n' "$out" | grep -c '^Plugin "sasl-oauth2" \[loaded\]')" 2 \
	"plugin blocks of sasl-oauth2"

# matching FLAGS... - the mechanisms libsasl2 offers for these properties
matching() {
	"$VIEWER" -c "$@" 2>&1 | sed -n '/matching your criteria/{n;p;}'
}
m=$(matching)
t_contains "$m" "XOAUTH2" "default selection"
t_contains "$m" "OAUTHBEARER" "default selection"
# What Postfix asks with smtp_sasl_tls_security_options = noanonymous: the
# viewer always sets NOANONYMOUS, so the plain run above is that case.
m=$(matching -f noplain)
t_not_contains "$m" "XOAUTH2" "noplaintext (Postfix's default) must exclude XOAUTH2"
t_not_contains "$m" "OAUTHBEARER" "noplaintext must exclude OAUTHBEARER"
m=$(matching -f nodict)
t_not_contains "$m" "XOAUTH2" "nodictionary must exclude XOAUTH2"
m=$(matching -b min=1,max=256)
t_not_contains "$m" "XOAUTH2" "a required security layer must exclude XOAUTH2"
t_not_contains "$m" "OAUTHBEARER" "a required security layer must exclude OAUTHBEARER"

echo "PASS: saslpluginviewer: SSF 0, NO_ANONYMOUS|PASS_CREDENTIALS, client first;" \
	"offered with noanonymous, excluded by noplaintext and min SSF"

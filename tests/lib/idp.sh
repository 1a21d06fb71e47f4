# SPDX-License-Identifier: MIT
# idp.sh - the identity-provider emulator, the store, the module's
# configuration and a login (sourced after common.sh)
# shellcheck shell=bash
#
#   t_start_idp [ARGS]  test CA and identity-provider emulator (CA, IDP_URL)
#   t_idp_admin METHOD PATH [JSON]  the emulator's admin API
#   t_idp_grants GRANT  grants of that type the emulator answered
#   t_idp_refreshes     refresh-token grants the emulator answered
#   t_idp_token_requests  token endpoint requests the emulator saw
#   t_store [OWNER]     the store $T/store, mode 700 (owned by OWNER)
#   t_conf [LINES]      $SASL_OAUTH2_CONF: $T/store, $CA, [microsoft] at $IDP_URL
#   t_login ACCOUNT [ARGS]  sasl-oauth2 login through the emulator

# t_start_idp [EMULATOR-ARGS...] - a test CA and the identity-provider
# emulator on 127.0.0.1; sets CA, IDP_URL; stopped at exit.
t_start_idp() {
	command -v python3 >/dev/null || t_skip "python3 not installed"
	command -v openssl >/dev/null || t_skip "openssl not installed"
	command -v curl >/dev/null || t_skip "curl not installed"
	mkdir -p "$T/tls"
	"$top_srcdir/tests/stack/testca.sh" "$T/tls" >/dev/null 2>&1 || t_fail "test CA"
	CA=$T/tls/ca.pem
	python3 "$top_srcdir/tests/idp/idp-emulator.py" --cert "$T/tls/server.pem" \
		--key "$T/tls/server.key" --port 0 --port-file "$T/idp.port" \
		--log "$T/idp.log" "$@" &
	local pid=$!
	t_on_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
	t_wait_port "$T/idp.port" $pid "$T/idp.log" emulator
	IDP_URL=https://127.0.0.1:$(cat "$T/idp.port")
	export CA IDP_URL
}

# t_idp_admin METHOD PATH [JSON] - call the emulator's admin API, print the reply
t_idp_admin() {
	if [ $# -ge 3 ]; then
		curl -sf --cacert "$CA" -X "$1" -H 'Content-Type: application/json' -d "$3" \
			"$IDP_URL$2"
	else
		curl -sf --cacert "$CA" -X "$1" "$IDP_URL$2"
	fi
}

# t_idp_grants GRANT - successful grants of type GRANT (refresh_token,
# client_credentials, ...) counted by the emulator
t_idp_grants() {
	t_idp_admin GET /_admin/stats \
		| python3 -c 'import json,sys; print(json.load(sys.stdin)["grants"].get(sys.argv[1],0))' "$1"
}

# t_idp_refreshes - successful refresh-token grants counted by the emulator
t_idp_refreshes() { t_idp_grants refresh_token; }

# t_idp_token_requests - token endpoint requests seen by the emulator
t_idp_token_requests() {
	t_idp_admin GET /_admin/stats \
		| python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"]["token"])'
}

# t_store [OWNER] - the store directory $T/store, mode 0700, owned by OWNER
t_store() {
	mkdir -p "$T/store"
	[ -z "${1:-}" ] || chown "$1" "$T/store"
	chmod 700 "$T/store"
}

# t_conf [LINES] - the module's configuration in $SASL_OAUTH2_CONF: the store
# $T/store, the test CA, LINES (e.g. "refresh_margin = 8"), and the microsoft
# provider with the emulator ($IDP_URL) as its authority
t_conf() {
	cat > "$SASL_OAUTH2_CONF" <<EOC
store_dir = $T/store
ca_file = $CA
${1:-}
[microsoft]
client_id = 11111111-2222-3333-4444-555555555555
tenant = organizations
authority = $IDP_URL
EOC
}

# t_login ACCOUNT [ARGS...] - sasl-oauth2 login ACCOUNT ARGS (the emulator
# approves the device code); output in $T/login.out; fails the test unless a
# record was written
t_login() {
	"$SO2_CLI" login "$@" > "$T/login.out" 2>&1 \
		|| { cat "$T/login.out" >&2; t_fail "sasl-oauth2 login $1 failed"; }
	[ -s "$T/store/$1.json" ] || t_fail "no record for $1 after login"
}

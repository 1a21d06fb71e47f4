# lib.sh - helpers for the automake shell tests (sourced)
# shellcheck shell=bash
#
# Each test: `. "$top_srcdir/tests/lib.sh"`, then uses:
#   t_tmpdir            a private temp dir in $T, removed at exit
#   t_plugin_env        SASL_PATH with only our module, SASL_OAUTH2_CORE,
#                       SASL_OAUTH2_CONF=$T/sasl-oauth2.conf
#   t_fail MSG          print "FAIL: MSG" and exit 1
#   t_skip MSG          print "SKIP: MSG" and exit 77
#   t_eq GOT WANT WHAT  compare, with got/want on failure
#   t_contains HAYSTACK NEEDLE WHAT
#   t_start_idp ARGS    test CA and identity-provider emulator (CA, IDP_URL)
#   t_store [OWNER]     the store $T/store, mode 700 (owned by OWNER)
#   t_conf [LINES]      $SASL_OAUTH2_CONF: $T/store, $CA, [microsoft] at $IDP_URL
#   t_start_stack [ENV=VALUE...]  the private mail stack in $S=$T/stack
#   t_login ACCOUNT [ARGS]        sasl-oauth2 login through the emulator
# Exit codes follow automake: 0 pass, 1 fail, 77 skip, 99 hard error.

set -u
: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir

SO2_CLI=$top_builddir/sasl-oauth2
SO2_PLUGIN=$top_builddir/.libs/libsasl-oauth2.so
SO2_CORE=$top_builddir/.libs/sasl-oauth2-core.so
SO2_SASL_CLIENT=$top_builddir/tests/sasl-client

t_fail() { echo "FAIL: $*" >&2; exit 1; }
t_skip() { echo "SKIP: $*" >&2; exit 77; }

t_eq() {
	[ "$1" = "$2" ] || t_fail "$3: got '$1', want '$2'"
}

t_contains() {
	case "$1" in
	*"$2"*) ;;
	*) t_fail "$3: got '$1', want it to contain '$2'" ;;
	esac
}

t_not_contains() {
	case "$1" in
	*"$2"*) t_fail "$3: got '$1', want it NOT to contain '$2'" ;;
	esac
}

T=
t_cleanup_hooks=()
t_cleanup() {
	local h
	for h in "${t_cleanup_hooks[@]}"; do eval "$h" || true; done
	# an if, not &&: a false test must not become the exit status (set -e)
	if [ -n "$T" ] && [ -z "${KEEP_TMP:-}" ]; then rm -rf "$T"; fi
}
trap t_cleanup EXIT

t_on_exit() { t_cleanup_hooks+=("$1"); }

t_tmpdir() {
	T=$(mktemp -d /tmp/so2-test.XXXXXX)
	chmod 755 "$T"
}

# t_sanitized - true when the module was built with ASan/UBSan
#	(--enable-sanitizers): programs without the sanitizer runtime, such
#	as Postfix, cannot load it.
t_sanitized() {
	objdump -p "$SO2_PLUGIN" 2>/dev/null | grep -q -E 'NEEDED +lib(a|ub)san'
}

# t_plugin_env - a plugin dir holding only our module; config in $T
t_plugin_env() {
	[ -f "$SO2_PLUGIN" ] || t_fail "module not built: $SO2_PLUGIN"
	mkdir -p "$T/sasl2"
	ln -sf "$SO2_PLUGIN" "$T/sasl2/libsasl-oauth2.so"
	SASL_PATH=$T/sasl2
	SASL_OAUTH2_CORE=$SO2_CORE
	SASL_OAUTH2_CONF=$T/sasl-oauth2.conf
	export SASL_PATH SASL_OAUTH2_CORE SASL_OAUTH2_CONF
}

# t_record ACCOUNT TOKEN EXPIRES_IN [REFRESH_TOKEN] - write a record into $T/store
t_record() {
	mkdir -p "$T/store"
	chmod 700 "$T/store"
	local exp=$(( $(date +%s) + $3 ))
	cat > "$T/store/$1.json" <<EOR
{"version":1,"account":"$1","provider":"microsoft","token_endpoint":"${TOKEN_ENDPOINT:-https://127.0.0.1:9/organizations/oauth2/v2.0/token}","client_id":"11111111-2222-3333-4444-555555555555","client_auth":"none","scope":"https://outlook.office.com/SMTP.Send offline_access","token_type":"Bearer","access_token":"$2","expires_at":$exp,"refresh_token":"${4:-}","state":"ok"}
EOR
	chmod 600 "$T/store/$1.json"
}

# b64 STRING - base64 of a string (printf escapes allowed)
b64() { printf "$1" | base64 -w0; }

# unb64 B64 - decoded bytes with ^A shown as "^A"
unb64() { printf '%s' "$1" | base64 -d | sed 's/\x01/^A/g'; }

# t_wait_port FILE PID LOG NAME - wait up to 10 s for the server PID (NAME in
# messages) to write its port into FILE; fails with its LOG if it dies
t_wait_port() {
	local i
	for i in $(seq 1 100); do
		[ -s "$1" ] && return 0
		kill -0 "$2" 2>/dev/null || { cat "$3" >&2; t_fail "$4 died"; }
		sleep 0.1
	done
	t_fail "$4 did not start"
}

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

# idp_admin METHOD PATH [JSON] - call the emulator's admin API, print the reply
idp_admin() {
	if [ $# -ge 3 ]; then
		curl -sf --cacert "$CA" -X "$1" -H 'Content-Type: application/json' -d "$3" \
			"$IDP_URL$2"
	else
		curl -sf --cacert "$CA" -X "$1" "$IDP_URL$2"
	fi
}

# idp_grants - successful refresh-token grants counted by the emulator
idp_refreshes() {
	idp_admin GET /_admin/stats \
		| python3 -c 'import json,sys; print(json.load(sys.stdin)["grants"].get("refresh_token",0))'
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

# t_login ACCOUNT [ARGS...] - sasl-oauth2 login ACCOUNT ARGS (the emulator
# approves the device code); output in $T/login.out; fails the test unless a
# record was written
t_login() {
	"$SO2_CLI" login "$@" > "$T/login.out" 2>&1 \
		|| { cat "$T/login.out" >&2; t_fail "sasl-oauth2 login $1 failed"; }
	[ -s "$T/store/$1.json" ] || t_fail "no record for $1 after login"
}

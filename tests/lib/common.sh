# SPDX-License-Identifier: MIT
# common.sh - what every shell test uses (sourced first)
# shellcheck shell=bash
#
# The helpers of the shell tests live in tests/lib/, one file per concern;
# every function is named t_*. A test sources common.sh first, then the
# files it needs:
#	. "${top_srcdir:-.}/tests/lib/common.sh"
#	. "$top_srcdir/tests/lib/idp.sh"
#   common.sh   assertions, the temp dir and exit hooks, the built files
#   idp.sh      the identity-provider emulator, store, configuration, login
#   stack.sh    the private mail stack (Postfix, Dovecot) from a test
#   store.sh    the token store tests: a logged-in account, its record
#   jwt.sh      unsigned JWTs and records holding them
#   scripted.sh the scripted SMTP/IMAP server (tests/scripted-server.py)
#   stackctl.sh the tests/stack/ scripts' own helpers (t_stack_*)
#
# common.sh gives:
#   t_fail MSG          print "FAIL: MSG" and exit 1
#   t_skip MSG          print "SKIP: MSG" and exit 77
#   t_eq GOT WANT WHAT  compare, with got/want on failure
#   t_contains HAYSTACK NEEDLE WHAT, t_not_contains HAYSTACK NEEDLE WHAT
#   t_tmpdir            a private temp dir in $T, removed at exit (KEEP_TMP=1 keeps it)
#   t_on_exit CMD       run CMD at exit (stop a server)
#   t_sanitized         true when the module was built with sanitizers
#   t_plugin_env        SASL_PATH with only our module, SASL_OAUTH2_CORE,
#                       SASL_OAUTH2_CONF=$T/sasl-oauth2.conf
#   t_record ACCOUNT TOKEN EXPIRES_IN [REFRESH]  a record in $T/store
#   t_rec_get KEY [REC]  a member of a record ("" when absent or null)
#   t_rec_set [REC] KEY=JSON...  change members (temp + rename, owner kept),
#                       as if time had passed; only between runs
#   t_rec_expire [REC]  the access token expired long ago
#                       REC: an account (its record in $T/store) or a file
#                       path (with a "/"); default $A (store.sh)
#   t_run_client ARGS...  tests/sasl-client; sets $out $rc $all
#   t_b64 STRING, t_unb64 B64   base64 of a string, decoded bytes
#   t_wait_port FILE PID LOG NAME  wait for a server's port file
#   SO2_CLI SO2_PLUGIN SO2_CORE SO2_SASL_CLIENT  the built programs
# Exit codes follow automake: 0 pass, 1 fail, 77 skip, 99 hard error.

set -u
: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
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
	t_reachable_build
}

# t_reachable_build - when the tests run as root but other users cannot
#	reach the build (a checkout under a 0700 home such as /root), point
#	SO2_CLI, SO2_PLUGIN, SO2_CORE and SO2_SASL_CLIENT at copies in $T:
#	the tests run these programs as nobody and as throwaway users.
t_reachable_build() {
	local f
	[ "$(id -u)" -eq 0 ] && [ -f "$SO2_CORE" ] && command -v setpriv >/dev/null || return 0
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups -- \
		test -r "$SO2_CORE" 2>/dev/null && return 0
	echo "note: other users cannot reach $top_builddir: the tests use copies of the built files in $T/build" >&2
	mkdir -p "$T/build/.libs" "$T/build/tests"
	for f in "$SO2_PLUGIN" "$SO2_CORE"; do cp "$f" "$T/build/.libs/"; done
	cp "$SO2_CLI" "$T/build/" 2>/dev/null && SO2_CLI=$T/build/sasl-oauth2
	cp "$SO2_SASL_CLIENT" "$T/build/tests/" 2>/dev/null && SO2_SASL_CLIENT=$T/build/tests/sasl-client
	chmod -R a+rX "$T/build"
	SO2_PLUGIN=$T/build/.libs/libsasl-oauth2.so
	SO2_CORE=$T/build/.libs/sasl-oauth2-core.so
}

# t_reachable FILE - FILE, or its copy in $T/build when other users
#	cannot reach it (see t_reachable_build)
t_reachable() {
	if [ -d "$T/build" ] && [ -f "$1" ]; then
		cp "$1" "$T/build/" && chmod a+rx "$T/build/${1##*/}" && echo "$T/build/${1##*/}" \
			&& return
	fi
	echo "$1"
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

# t_rec_path [REC] - the file of REC: an account's record in $T/store, a
# path (holding a "/") as it is; default the account $A
t_rec_path() {
	local rec=${1:-${A:?t_rec_path: no record named and no \$A}}
	case $rec in
	*/*) echo "$rec" ;;
	*) echo "$T/store/$rec.json" ;;
	esac
}

# t_rec_get KEY [REC] - a member of a record; "" when absent or null
t_rec_get() {
	python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print("" if v is None else v)' \
		"$(t_rec_path "${2:-}")" "$1"
}

# t_rec_set [REC] KEY=JSON... - change members of a record atomically (a
# temporary file renamed over it, mode 0600, owner kept)
t_rec_set() {
	local rec=
	case $1 in *=*) ;; *) rec=$1; shift ;; esac
	python3 - "$(t_rec_path "$rec")" "$@" <<'PY'
import json, os, sys
p = sys.argv[1]; r = json.load(open(p)); st = os.stat(p)
for kv in sys.argv[2:]:
    k, v = kv.split("=", 1); r[k] = json.loads(v)
with open(p + ".t_rec_set", "w") as f:
    json.dump(r, f)
os.chmod(p + ".t_rec_set", 0o600)
os.chown(p + ".t_rec_set", st.st_uid, st.st_gid)
os.replace(p + ".t_rec_set", p)
PY
}

# t_rec_expire [REC] - the access token expired long ago
t_rec_expire() { t_rec_set ${1:+"$1"} expires_at=1; }

# t_run_client ARGS... - tests/sasl-client ARGS: stdout in $out, the exit
# code in $rc, stdout and stderr in $all
t_run_client() {
	out=$("$SO2_SASL_CLIENT" "$@" 2>"$T/stderr"); rc=$?
	all="$out
$(cat "$T/stderr")"
}

# t_b64 STRING - base64 of a string (printf escapes allowed)
t_b64() { printf "$1" | base64 -w0; }

# t_unb64 B64 - decoded bytes with ^A shown as "^A"
t_unb64() { printf '%s' "$1" | base64 -d | sed 's/\x01/^A/g'; }

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

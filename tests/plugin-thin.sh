#!/bin/bash
# SPDX-License-Identifier: MIT
# plugin-thin.sh - what the module maps, and when (issue 12, "pay only when
# used"; doc/internals/loading.md):
#   - a SASL *server* process with our module in its plugin path maps no
#     libcurl and no OpenSSL;
#   - a client that may lose access to files after init (root, like
#     Postfix's smtp before its chroot; or SASL_OAUTH2_LOAD=init; or a
#     non-root process holding CAP_SYS_CHROOT) loads the core at init;
#   - an unprivileged client that never selects XOAUTH2 or OAUTHBEARER maps
#     nothing but the module; one that selects XOAUTH2 loads the core at
#     that moment and the exchange works; a missing core is reported at
#     the attempt;
#   - a set-id client (it may switch back to its real ids) loads at init;
#   - a core missing at init is tried again at each attempt: a long-lived
#     process recovers once the file is back (issue 10).
. "${top_srcdir:-.}/tests/lib/common.sh"
t_tmpdir
t_plugin_env
echo "store_dir = $T/store" > "$SASL_OAUTH2_CONF"
chmod 644 "$SASL_OAUTH2_CONF"
mkdir -p "$T/store"
PROBE=$(t_reachable "$top_builddir/tests/sasl-server-init")
HEAVY="libcurl libssl libcrypto libjansson sasl-oauth2-core"
TOKEN=$(printf 'x%.0s' $(seq 1 64))

# unpriv CMD... - run CMD as an unprivileged user (nobody when we are root)
unpriv() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups -- "$@"
	else
		"$@"
	fi
}

maps=$("$PROBE") || t_fail "sasl_server_init failed"
t_contains "$maps" "libsasl-oauth2.so" "server maps our module (else the test proves nothing)"
for lib in $HEAVY; do
	t_not_contains "$maps" "$lib" "objects mapped by a SASL server process"
done

maps=$(SASL_OAUTH2_LOAD=init "$PROBE" client) || t_fail "sasl_client_init failed"
t_contains "$maps" "sasl-oauth2-core.so" "client with SASL_OAUTH2_LOAD=init loads the core at init"
t_contains "$maps" "libcurl" "client with SASL_OAUTH2_LOAD=init maps libcurl through the core"

if [ "$(id -u)" -eq 0 ]; then
	maps=$("$PROBE" client) || t_fail "sasl_client_init as root failed"
	t_contains "$maps" "sasl-oauth2-core.so" "a root client (may chroot later) loads the core at init"
	if setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
		--inh-caps=+sys_chroot --ambient-caps=+sys_chroot -- true 2>/dev/null; then
		maps=$(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
			--inh-caps=+sys_chroot --ambient-caps=+sys_chroot -- "$PROBE" client) \
			|| t_fail "sasl_client_init with CAP_SYS_CHROOT failed"
		t_contains "$maps" "sasl-oauth2-core.so" \
			"a non-root client holding CAP_SYS_CHROOT loads the core at init"
	fi
fi

maps=$(unpriv "$PROBE" client) || t_fail "sasl_client_init as an unprivileged user failed"
t_contains "$maps" "libsasl-oauth2.so" "unprivileged client maps our module"
for lib in $HEAVY; do
	t_not_contains "$maps" "$lib" "objects mapped by an unprivileged client that never selects our mechanisms"
done
maps=$(SASL_OAUTH2_LOAD=use "$PROBE" client) || t_fail "sasl_client_init (use) failed"
for lib in $HEAVY; do
	t_not_contains "$maps" "$lib" "objects mapped by a client with SASL_OAUTH2_LOAD=use"
done

out=$(unpriv "$PROBE" client XOAUTH2 relay@example.com "$TOKEN" 2>"$T/err") \
	|| t_fail "first use as an unprivileged user: $(cat "$T/err")"
t_contains "$out" "start CONTINUE" "the exchange at first use"
t_contains "$out" "sasl-oauth2-core.so" "the core is loaded at first use"
t_contains "$out" "libcurl" "libcurl comes with the core at first use"

out=$(SASL_OAUTH2_CORE=$T/missing-core.so unpriv "$PROBE" client XOAUTH2 relay@example.com \
	"$TOKEN" 2>&1) && t_fail "a missing core must fail the attempt: $out"
t_contains "$out" "cannot load the core module $T/missing-core.so" "missing core at first use"
# A core cut short (a copy or an upgrade half done): dlopen maps segments
# past its end and the client died of SIGBUS; it is refused with the reason,
# at first use, at init (root) and at the retry after init. A directory too.
head -c 4096 "$SO2_CORE" > "$T/half-core.so"
chmod 644 "$T/half-core.so"
mkdir -p "$T/core-dir.so"
# half CORE LABEL [PREFIX...] - the attempt with core CORE (run through PREFIX:
# unpriv, env VAR=...) fails, and the client lives to say why
half() {
	local core=$1 label=$2 rc=0
	shift 2
	out=$(export SASL_OAUTH2_CORE="$core"; "$@" "$PROBE" client XOAUTH2 relay@example.com \
		"$TOKEN" 2>&1) || rc=$?
	[ "$rc" -lt 128 ] || t_fail "$label: the client died (exit $rc): $out"
	[ "$rc" -ne 0 ] || t_fail "$label: the attempt must fail: $out"
}
half "$T/half-core.so" "half-written core at first use" unpriv
t_contains "$out" "cannot load the core module $T/half-core.so: the file is cut short" \
	"a half-written core at first use"
half "$T/core-dir.so" "core path a directory" unpriv
t_contains "$out" "cannot load the core module $T/core-dir.so: it is a directory" \
	"a core path that is a directory"
if [ "$(id -u)" -eq 0 ]; then
	half "$T/half-core.so" "half-written core at init"
	t_contains "$out" "the file is cut short" "a half-written core at init"
	mkdir -p "$T/later"
	half "$T/later/core.so" "half-written core at the retry" env \
		SO2_PROBE_LINK_FROM="$T/half-core.so" SO2_PROBE_LINK_TO="$T/later/core.so"
	t_contains "$out" "cannot load the core module $T/later/core.so: the file is cut short" \
		"a core missing at init and half-written at the retry"
	rm -f "$T/later/core.so"
fi
# A core path with a new line (it reaches the log): no forged line.
out=$(SASL_OAUTH2_CORE="$T/missing
FORGED: line.so" unpriv "$PROBE" client XOAUTH2 relay@example.com "$TOKEN" 2>&1) \
	&& t_fail "a core path with a new line must fail the attempt: $out"
t_contains "$out" "cannot load the core module $T/missing?FORGED: line.so" \
	"the new line is shown as ?"
if echo "$out" | grep -q "^FORGED"; then t_fail "a forged log line: $out"; fi
# A core missing at init (root: loads at init) is tried again at the
# attempt; here the file appears between the two, as after an upgrade.
if [ "$(id -u)" -eq 0 ]; then
	mkdir -p "$T/later"
	out=$(SASL_OAUTH2_CORE=$T/later/core.so SO2_PROBE_LINK_FROM=$SO2_CORE \
		SO2_PROBE_LINK_TO=$T/later/core.so "$PROBE" client XOAUTH2 relay@example.com \
		"$TOKEN" 2>&1) || t_fail "a core missing at init and back at the attempt: $out"
	t_contains "$out" "start CONTINUE" "the exchange once the core is back"
	t_contains "$out" "sasl-oauth2-core.so" "the core loaded at the attempt"
	rm -f "$T/later/core.so"
	out=$(SASL_OAUTH2_CORE=$T/later/core.so "$PROBE" client XOAUTH2 relay@example.com \
		"$TOKEN" 2>&1) && t_fail "a core missing at init and at the attempt must fail: $out"
	t_contains "$out" "cannot load the core module $T/later/core.so" \
		"a core missing at init and at the attempt"
fi

# A value of SASL_OAUTH2_LOAD other than init or use is said, not silently
# ignored. At init libsasl2 logs to syslog(3) (not the program's callback):
# read through a private /dev/log in a mount namespace of this test.
if [ "$(id -u)" -eq 0 ] && unshare -m --propagation private true 2>/dev/null; then
	for bad in INIT 1; do
		mkdir -p "$T/log-$bad"
		out=$(SASL_OAUTH2_LOAD=$bad unshare -m --propagation private \
			"$top_srcdir/tests/lib/with-syslog.sh" "$T/log-$bad" "$SO2_SASL_CLIENT" \
			-m XOAUTH2 -u relay@example.com -p "$TOKEN")
		t_contains "$out" "sasl-oauth2: SASL_OAUTH2_LOAD=$bad is neither \"init\" nor \"use\": ignored, the core module loads at init" "SASL_OAUTH2_LOAD=$bad is logged"
	done
	# A set-uid (non-root) client may return to its real ids after init:
	# it loads at init. libsasl2 ignores SASL_PATH and the module ignores
	# SASL_OAUTH2_CORE when set-id: the core is the installed one, found
	# (mapped) or not (its load failure logged at init).
	mkdir -p "$T/suid" "$T/log-suid"
	cp "$PROBE" "$T/suid/probe"
	chown daemon "$T/suid/probe"
	chmod 4755 "$T/suid/probe"
	log=$(SO2_PROBE_PLUGIN_DIR=$SASL_PATH unshare -m --propagation private \
		"$top_srcdir/tests/lib/with-syslog.sh" "$T/log-suid" sh -c 'exec "$@" > "$0"' \
		"$T/suid/maps" setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups -- \
		"$T/suid/probe" client)
	out="$(cat "$T/suid/maps") $log"
	case $out in
	*sasl-oauth2-core.so*|*"cannot load the core module"*) ;;
	*) t_fail "a set-uid client must load the core at init (mapped, or its failure logged at init; neither also when our module was not found): $out" ;;
	esac
else
	echo "note: not root or no unshare: the bad SASL_OAUTH2_LOAD and set-id parts skipped" >&2
fi
echo "PASS: server and unused client map no libcurl/OpenSSL; the core comes at init when root, at first use otherwise"

#!/bin/bash
# SPDX-License-Identifier: MIT
# relay.sh BUILDDIR MECH [COUNT] - Postfix relaying COUNT messages (default 500)
# through the private stack (tests/stack) with 10 parallel smtp processes,
# authenticating with MECH (xoauth2: through the module with a cached token
# from a record; static: through the module with a literal access token in
# sasl_passwd, no record; plain: Debian's PLAIN with a password). Prints:
#   relay MECH COUNT messages in S s: R msg/s; smtp K, rss X KiB, private dirty Y KiB,
#   cpu C ms/msg
# (memory: medians over the relay's smtp processes after the run, from
# /proc/PID/smaps_rollup; cpu: their user + system time per message). Benchmark: asserts nothing. Messages are queued while smtp is deferred,
# then released at once; connection caching is off so that every message
# opens a TLS session and authenticates. The mx side checks XOAUTH2 tokens
# by RFC 7662 introspection at the emulator (Dovecot), PLAIN by a static
# password: that server-side difference is part of the xoauth2 and static
# figures alike, so xoauth2 / static is the module's own cost.
set -u
B=$(cd "${1:?usage: relay.sh BUILDDIR MECH [COUNT]}" && pwd)
MECH=${2:?mech}
N=${3:-500}
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
top_builddir=$B
export top_srcdir top_builddir
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
. "$top_srcdir/tests/lib/stack.sh"
[ "$(id -u)" -eq 0 ] || t_skip "relay: needs root (private Postfix and Dovecot)"
command -v postfix >/dev/null && command -v dovecot >/dev/null || t_skip "relay: postfix/dovecot missing"
t_sanitized && t_skip "relay: sanitizer build"
t_tmpdir
t_plugin_env
t_store postfix:
case $MECH in static) smech=xoauth2 ;; *) smech=$MECH ;; esac
t_start_stack RELAY_MECH="$smech"
if [ "$MECH" != plain ]; then
	t_conf
	t_login relay@example.com
fi
if [ "$MECH" = static ]; then
	# the access token itself as the SASL password: no record is read
	tok=$("$SO2_CLI" token relay@example.com) || t_fail "relay: sasl-oauth2 token"
	printf '[127.0.0.1]:%s relay@example.com:%s\n' "$SUB_PORT" "$tok" >"$RELAY_SASL_PASSWD"
	postmap -c "$RELAY_CONFIG_DIR" "hash:$RELAY_SASL_PASSWD" || t_fail "relay: postmap"
	rm -f "$T/store/relay@example.com.json"
fi
pc() { postconf -c "$RELAY_CONFIG_DIR" -e "$@" && postfix -c "$RELAY_CONFIG_DIR" reload >/dev/null 2>&1; }
pc "defer_transports = smtp" "smtp_destination_concurrency_limit = 10" \
	"default_destination_concurrency_limit = 10" "smtp_connection_cache_on_demand = no" \
	"smtp_destination_rate_delay = 0s"
sleep 1
python3 - "$IN_PORT" "$N" <<'PY' || t_fail "relay: inject"
import smtplib, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
with smtplib.SMTP("127.0.0.1", port) as s:
    for i in range(n):
        s.sendmail("relay@example.com", ["alice@example.net"],
                   "Subject: bench %d\r\nFrom: relay@example.com\r\nTo: alice@example.net\r\n\r\n"
                   "relay benchmark message %d\r\n" % (i, i))
PY
queued() { find "$RELAY_QUEUE_DIR/deferred" -type f 2>/dev/null | wc -l; }
for _ in $(seq 1 600); do [ "$(queued)" -ge "$N" ] && break; sleep 0.1; done
[ "$(queued)" -ge "$N" ] || t_fail "relay: only $(queued) of $N messages deferred"
pc "defer_transports ="
t0=$(date +%s%N)
postqueue -c "$RELAY_CONFIG_DIR" -f
delivered() { find "$MAILDIR_ALICE/new" -type f 2>/dev/null | wc -l; }
for _ in $(seq 1 3000); do [ "$(delivered)" -ge "$N" ] && break; sleep 0.05; done
t1=$(date +%s%N)
[ "$(delivered)" -ge "$N" ] || { tail -5 "$RELAY_LOG" >&2; t_fail "relay: $(delivered) of $N delivered"; }
# memory of the smtp processes (children of the relay's master); sync first:
# pages of a freshly built module still dirty in the page cache count as
# private dirty in smaps until they are written back
sync
mpid=$(head -1 "$RELAY_QUEUE_DIR/pid/master.pid" 2>/dev/null | tr -d ' ')
pids=$(ps -o pid= -o comm= --ppid "${mpid:-1}" | awk '$2 == "smtp" { print $1 }')
mem=$(for p in $pids; do
	awk '/^Rss:/ { r = $2 } /^Private_Dirty:/ { d = $2 } END { print r, d }' \
		"/proc/$p/smaps_rollup" 2>/dev/null
done)
# CPU time of those smtp processes (user + system, /proc/PID/stat fields 14
# and 15): the client side alone, and less moved by a busy machine than the
# wall time; a process that exited meanwhile (max_use) is not counted
cpu=$(for p in $pids; do
	sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12 + $13 }'
done | awk -v hz="$(getconf CLK_TCK)" '{ t += $1 } END { printf "%d", t * 1000 / hz }')
med() { sort -n | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : 0 }'; }
awk -v m="$MECH" -v n="$N" -v ns="$((t1 - t0))" -v k="$(echo "$mem" | grep -c .)" \
	-v r="$(echo "$mem" | awk '{ print $1 }' | med)" -v d="$(echo "$mem" | awk '{ print $2 }' | med)" \
	-v c="$cpu" \
	'BEGIN { s = ns / 1e9; printf "relay %s %d messages in %.1f s: %.1f msg/s; smtp %d, rss %d KiB, private dirty %d KiB, cpu %.2f ms/msg\n", m, n, s, n / s, k, r, d, c / n }'

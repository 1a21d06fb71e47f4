#!/bin/bash
# run.sh BUILDDIR - the benchmarks; prints one table, asserts nothing.
#   auth:  one complete XOAUTH2 client exchange with a valid cached token
#          (sasl_client_new .. sasl_dispose, real libsasl2, real module,
#          record read from the store each time) against PLAIN.
#   load:  sasl_client_init + sasl_client_done in a fresh process with the
#          module in the plugin directory against an empty one (time, RSS),
#          and whether a server's sasl_server_init maps libcurl or OpenSSL.
#   storm: 64 processes at once on one expired record: refresh requests at
#          the emulator, wall time until all authenticated, p50/p99.
#   relay: Postfix relaying 500 messages with 10 parallel smtp processes
#          through Dovecot, XOAUTH2 through the module against PLAIN
#          (bench/relay.sh; skipped without root, Postfix or Dovecot).
# Environment: BENCH_N (auth exchanges, 5000), BENCH_RELAY (messages, 500;
# 0 skips relay), BENCH_STORM (processes, 64).
set -u
B=$(cd "${1:?usage: run.sh BUILDDIR}" && pwd)
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
top_builddir=$B
export top_srcdir top_builddir
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/store-lib.sh"
t_tmpdir
t_plugin_env
rows=()
row() { rows+=("$(printf '%-6s %-52s %s' "$1" "$2" "$3")"); echo "  $1: $2: $3" >&2; }
num() { sed -n "s/.*$1 \([0-9.]*\).*/\1/p"; }

# --- auth ------------------------------------------------------------------
echo "store_dir = $T/store" >"$SASL_OAUTH2_CONF"
t_record relay@example.com "$(head -c 1200 /dev/urandom | base64 -w0 | tr '+/' '-_')" 3600 RT
plain=$(pkg-config --variable=libdir libsasl2)/sasl2/libplain.so
N=${BENCH_N:-5000}
x=$("$B/bench/bench-auth" -n "$N" XOAUTH2 relay@example.com "") || t_fail "bench-auth XOAUTH2"
xu=$(echo "$x" | awk '{print $(NF-3)}')
row auth "XOAUTH2 exchange, cached token ($N runs)" "$xu us"
if [ -f "$plain" ]; then
	mkdir -p "$T/plain"
	ln -sf "$plain" "$T/plain/libplain.so"
	p=$(SASL_PATH=$T/plain "$B/bench/bench-auth" -n "$N" PLAIN relay@example.com relaypass) \
		|| t_fail "bench-auth PLAIN"
	pu=$(echo "$p" | awk '{print $(NF-3)}')
	row auth "PLAIN exchange ($N runs)" "$pu us"
	row auth "XOAUTH2 / PLAIN" "$(awk -v x="$xu" -v p="$pu" 'BEGIN { printf "%.1f x", x / p }')"
fi

# --- load ------------------------------------------------------------------
mkdir -p "$T/empty"
with=$("$B/bench/bench-load" -n 30) || t_fail "bench-load"
without=$(SASL_PATH=$T/empty "$B/bench/bench-load" -n 30) || t_fail "bench-load (empty)"
row load "client init, module vs no plugin (median of 30)" \
	"$(echo "$with" | num init) us vs $(echo "$without" | num init) us"
row load "client done, module vs no plugin" \
	"$(echo "$with" | num done) us vs $(echo "$without" | num done) us"
row load "RSS added by client init, module vs no plugin" \
	"+$(echo "$with" | sed -n 's/.*rss +\([0-9]*\).*/\1/p') KiB vs +$(echo "$without" \
	| sed -n 's/.*rss +\([0-9]*\).*/\1/p') KiB"
maps=$("$B/tests/sasl-server-init" 2>/dev/null) || maps="(sasl_server_init failed)"
heavy=$(echo "$maps" | grep -E -o 'lib(curl|ssl|crypto)[^/]*\.so[^/]*$' | sort -u | tr '\n' ' ')
case $maps in *libsasl-oauth2.so*) mapped=yes ;; *) mapped=no ;; esac
row load "server init with the module: libcurl/OpenSSL mapped" \
	"${heavy:-none} (module mapped: $mapped)"

# --- storm -----------------------------------------------------------------
NS=${BENCH_STORM:-64}
A=relay@example.com
rm -rf "$T/store"
s_setup >/dev/null 2>&1
s_expire
before=$(idp_refreshes)
st=$("$B/bench/bench-storm" -n "$NS" "$A" 2>"$T/storm.err") || t_fail "bench-storm"
row storm "$NS processes, expired token: refresh requests" "$(( $(idp_refreshes) - before ))"
row storm "wall time until all authenticated" "$(echo "$st" | sed -n 's/.*all done in \([0-9]*\) ms.*/\1/p') ms"
row storm "per process p50 / p99" \
	"$(echo "$st" | sed -n 's/.*p50 \([0-9]*\) ms, p99 \([0-9]*\) ms.*/\1 ms \/ \2 ms/p')"
row storm "failed authentications" "$(echo "$st" | sed -n 's/.*; \([0-9]*\) failed.*/\1/p')"

# --- relay -----------------------------------------------------------------
NR=${BENCH_RELAY:-500}
if [ "$NR" -gt 0 ]; then
	rx=$(bash "$top_srcdir/bench/relay.sh" "$B" xoauth2 "$NR" 2>"$T/relay.err"); rcx=$?
	rp=$(bash "$top_srcdir/bench/relay.sh" "$B" plain "$NR" 2>>"$T/relay.err"); rcp=$?
	if [ $rcx = 0 ] && [ $rcp = 0 ]; then
		vx=$(echo "$rx" | sed -n 's/.*: \([0-9.]*\) msg\/s/\1/p')
		vp=$(echo "$rp" | sed -n 's/.*: \([0-9.]*\) msg\/s/\1/p')
		row relay "Postfix, $NR messages, 10 smtp, XOAUTH2 (module)" "$vx msg/s"
		row relay "Postfix, $NR messages, 10 smtp, PLAIN (password)" "$vp msg/s"
		row relay "XOAUTH2 / PLAIN" "$(awk -v x="$vx" -v p="$vp" 'BEGIN { printf "%.2f", x / p }')"
	else
		row relay "Postfix relay" "skipped: $(tail -1 "$T/relay.err")"
	fi
fi

echo
printf '%-6s %-52s %s\n' BENCH WHAT FIGURE
printf '%s\n' "${rows[@]}"

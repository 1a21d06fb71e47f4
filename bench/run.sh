#!/bin/bash
# run.sh BUILDDIR - the benchmarks; prints a table, asserts nothing.
#   auth: one complete XOAUTH2 client exchange with a valid cached token
#         (sasl_client_new .. sasl_dispose, real libsasl2, real module,
#         record read from the store each time) against PLAIN.
set -eu
B=$(cd "${1:?usage: run.sh BUILDDIR}" && pwd)
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
top_builddir=$B
export top_srcdir top_builddir
. "$top_srcdir/tests/lib.sh"
t_tmpdir
t_plugin_env
echo "store_dir = $T/store" > "$SASL_OAUTH2_CONF"
t_record relay@example.com "$(head -c 1200 /dev/urandom | base64 -w0 | tr '+/' '-_')" 3600 RT
plain=$(pkg-config --variable=libdir libsasl2)/sasl2/libplain.so
[ -f "$plain" ] && ln -sf "$plain" "$T/sasl2/libplain.so"
N=${BENCH_N:-5000}
echo "== auth: one client exchange (sasl_client_new, start, dispose), $N runs"
x=$("$B/bench/bench-auth" -n "$N" XOAUTH2 relay@example.com "") || exit 1
echo "$x"
if [ -f "$T/sasl2/libplain.so" ]; then
	p=$("$B/bench/bench-auth" -n "$N" PLAIN relay@example.com relaypass) || exit 1
	echo "$p"
	awk -v x="$(echo "$x" | awk '{print $(NF-3)}')" -v p="$(echo "$p" | awk '{print $(NF-3)}')" \
		'BEGIN { printf "XOAUTH2/PLAIN ratio: %.1f\n", x / p }'
fi

#!/bin/bash
# SPDX-License-Identifier: MIT
# run.sh BUILDDIR - the benchmarks; prints one table, asserts nothing.
#   auth:  one complete client exchange with a valid cached token
#          (sasl_client_new .. sasl_dispose, real libsasl2, real module, a
#          JWT-shaped token of Microsoft's size) against Debian's PLAIN module
#          through the same loop: time (median of batches) and, when valgrind
#          is installed, instructions per exchange (callgrind), which do not
#          move with the load of a shared machine; as root (the core loaded
#          at init, like Postfix's smtp) and with the core loaded at first
#          use (SASL_OAUTH2_LOAD=use, like an unprivileged client).
#   load:  sasl_client_init + sasl_client_done in a fresh process with the
#          module in the plugin directory against an empty one and against
#          PLAIN's module (time, RSS): unused (init only) and used (init and
#          a first exchange); as root (a process that may chroot later, like
#          Postfix's smtp) and as an unprivileged user (a mail client); and
#          whether a server's sasl_server_init maps libcurl or OpenSSL.
#   storm: 64 processes at once on one expired record: refresh requests at
#          the emulator, wall time until all authenticated, p50/p99.
#   relay: Postfix relaying 500 messages with 10 parallel smtp processes
#          through Dovecot: PLAIN (Debian's module, password), XOAUTH2
#          through the module with a record, and XOAUTH2 through the module
#          with a static literal token (the server's token check is the same
#          as for the record: that row isolates the module's own cost); and
#          the memory of the smtp processes (bench/relay.sh; skipped without
#          root, Postfix or Dovecot).
# Environment: BENCH_N (auth exchanges, 5000), BENCH_RELAY (messages, 500;
# 0 skips relay), BENCH_STORM (processes, 64), BENCH_USER (unprivileged
# user for the load rows when run as root, nobody).
set -u
B=$(cd "${1:?usage: run.sh BUILDDIR}" && pwd)
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
top_builddir=$B
export top_srcdir top_builddir
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
. "$top_srcdir/tests/lib/store.sh"
t_tmpdir
t_plugin_env
rows=()
row() { rows+=("$(printf '%-6s %-58s %s' "$1" "$2" "$3")"); echo "  $1: $2: $3" >&2; }
num() { sed -n "s/.*$1 \([0-9.]*\).*/\1/p"; }
kib() { sed -n "s/.* $1 +\([0-9]*\) KiB.*/\1/p"; }
ratio() { awk -v x="$1" -v p="$2" 'BEGIN { if (p > 0) printf "%.2f x", x / p; else print "-" }'; }
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }

# A JWT-shaped access token of the size Microsoft issues (about 2 KB).
jwt() {
	local h p s
	h=$(printf '{"typ":"JWT","nonce":"%s","alg":"RS256","x5t":"%s","kid":"%s"}' \
		"$(head -c 32 /dev/urandom | b64url)" "$(head -c 20 /dev/urandom | b64url)" \
		"$(head -c 20 /dev/urandom | b64url)" | b64url)
	p=$(printf '{"aud":"https://outlook.office.com","iss":"https://sts.windows.net/%s/","iat":%d,"nbf":%d,"exp":%d,"acr":"1","aio":"%s","amr":["pwd","mfa"],"app_displayname":"sasl-oauth2","appid":"11111111-2222-3333-4444-555555555555","appidacr":"0","family_name":"Relay","given_name":"Mail","idtyp":"user","ipaddr":"192.0.2.10","name":"Mail Relay","oid":"%s","puid":"10030000A1B2C3D4","rh":"%s","scp":"SMTP.Send IMAP.AccessAsUser.All","sid":"%s","sub":"%s","tid":"%s","unique_name":"relay@example.com","upn":"relay@example.com","uti":"%s","ver":"1.0","wids":["b79fbf4d-3ef9-4689-8143-76b194e85509"],"xms_st":{"sub":"%s"},"xms_tcdt":1600000000}' \
		"$(cat /proc/sys/kernel/random/uuid)" "$(date +%s)" "$(date +%s)" \
		"$(( $(date +%s) + 3600 ))" "$(head -c 120 /dev/urandom | b64url)" \
		"$(cat /proc/sys/kernel/random/uuid)" "$(head -c 60 /dev/urandom | b64url)" \
		"$(cat /proc/sys/kernel/random/uuid)" "$(head -c 32 /dev/urandom | b64url)" \
		"$(cat /proc/sys/kernel/random/uuid)" "$(head -c 16 /dev/urandom | b64url)" \
		"$(head -c 32 /dev/urandom | b64url)" | b64url)
	s=$(head -c 256 /dev/urandom | b64url)
	printf '%s.%s.%s' "$h" "$p" "$s"
}

# instr MECH PASSWORD - instructions per exchange (callgrind): the
# difference between 201 exchanges and 1, divided by 200
instr() {
	local a b
	command -v valgrind >/dev/null || { echo -; return; }
	a=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$B/bench/bench-auth" -n 1 \
		"$1" relay@example.com "$2" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
	b=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$B/bench/bench-auth" -n 201 \
		"$1" relay@example.com "$2" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
	[ -n "$a" ] && [ -n "$b" ] || { echo -; return; }
	echo $(( (b - a) / 200 ))
}
initfirst() {
	awk '{ for (i = 1; i < NF; i++) { if ($i == "init") a = $(i + 1);
		if ($i == "first") b = $(i + 1) } } END { print a + b }'
}
kinstr() { case $1 in -) echo - ;; *) awk -v i="$1" 'BEGIN { printf "%.1fk", i / 1000 }' ;; esac; }

# --- auth ------------------------------------------------------------------
echo "store_dir = $T/store" >"$SASL_OAUTH2_CONF"
t_record relay@example.com "$(jwt)" 3600 RT
plain=$(pkg-config --variable=libdir libsasl2)/sasl2/libplain.so
N=${BENCH_N:-5000}
x=$("$B/bench/bench-auth" -n "$N" XOAUTH2 relay@example.com "") || t_fail "bench-auth XOAUTH2"
xu=$(echo "$x" | awk '{print $(NF-3)}')
xi=$(instr XOAUTH2 "")
row auth "XOAUTH2 exchange, cached token: time, instructions" "$xu us, $(kinstr "$xi")"
# the same with the core loaded at first use (an unprivileged client)
xl=$(SASL_OAUTH2_LOAD=use "$B/bench/bench-auth" -n "$N" XOAUTH2 relay@example.com "") \
	|| t_fail "bench-auth XOAUTH2 (core loaded at first use)"
row auth "the same, core loaded at first use: time, instructions" \
	"$(echo "$xl" | awk '{print $(NF-3)}') us, $(kinstr "$(SASL_OAUTH2_LOAD=use instr XOAUTH2 "")")"
mkdir -p "$T/plain"
if [ -f "$plain" ]; then
	ln -sf "$plain" "$T/plain/libplain.so"
	p=$(SASL_PATH=$T/plain "$B/bench/bench-auth" -n "$N" PLAIN relay@example.com relaypass) \
		|| t_fail "bench-auth PLAIN"
	pu=$(echo "$p" | awk '{print $(NF-3)}')
	pi=$(SASL_PATH=$T/plain instr PLAIN relaypass)
	row auth "PLAIN exchange (Debian's module): time, instructions" "$pu us, $(kinstr "$pi")"
	if [ "$xi" != - ] && [ "$pi" != - ]; then ir=$(ratio "$xi" "$pi"); else ir=-; fi
	row auth "XOAUTH2 / PLAIN: time, instructions" "$(ratio "$xu" "$pu"), $ir"
fi

# --- load ------------------------------------------------------------------
mkdir -p "$T/empty"
# load_rows WHO RUN... - the load rows, bench-load run through RUN
load_rows() {
	local who=$1 with used without pl
	shift
	with=$("$@" "$B/bench/bench-load" -n 30) || t_fail "bench-load ($who)"
	used=$("$@" "$B/bench/bench-load" -n 30 -m XOAUTH2 -u relay@example.com) \
		|| t_fail "bench-load XOAUTH2 ($who)"
	without=$(SASL_PATH=$T/empty "$@" "$B/bench/bench-load" -n 30) \
		|| t_fail "bench-load empty ($who)"
	pl=$(SASL_PATH=$T/plain "$@" "$B/bench/bench-load" -n 30 -m PLAIN -u relay@example.com \
		-p relaypass) || pl=
	row load "$who: init, unused: module / PLAIN / no plugin" \
		"$(echo "$with" | num init) / $(echo "$pl" | num init) / $(echo "$without" | num init) us"
	row load "$who: RSS added by init, unused: module / PLAIN / none" \
		"+$(echo "$with" | kib rss) / +$(echo "$pl" | kib rss) / +$(echo "$without" \
		| kib rss) KiB"
	row load "$who: init + first exchange, used: module / PLAIN" \
		"$(echo "$used" | initfirst) / $(echo "$pl" | initfirst) us"
	row load "$who: RSS added by init + first exchange: module / PLAIN" \
		"+$(echo "$used" | kib rss-used) / +$(echo "$pl" | kib rss-used) KiB"
}
load_rows "$(id -un)"
if [ "$(id -u)" -eq 0 ]; then
	U=${BENCH_USER:-nobody}
	# the same record in a store the unprivileged user owns
	mkdir -p "$T/ustore" && cp "$T/store/relay@example.com.json" "$T/ustore/"
	chown -R "$U" "$T/ustore" && chmod 700 "$T/ustore"
	echo "store_dir = $T/ustore" >"$T/user.conf"
	chmod 644 "$T/user.conf"
	SASL_OAUTH2_CONF=$T/user.conf load_rows "$U" \
		setpriv --reuid="$U" --regid="$(id -g "$U")" --clear-groups --
fi
maps=$("$B/tests/sasl-server-init" 2>/dev/null) || maps="(sasl_server_init failed)"
heavy=$(echo "$maps" | grep -E -o 'lib(curl|ssl|crypto)[^/]*\.so[^/]*$' | sort -u | tr '\n' ' ')
case $maps in *libsasl-oauth2.so*) mapped=yes ;; *) mapped=no ;; esac
row load "server init with the module: libcurl/OpenSSL mapped" \
	"${heavy:-none} (module mapped: $mapped)"

# --- storm -----------------------------------------------------------------
NS=${BENCH_STORM:-64}
A=relay@example.com
rm -rf "$T/store"
t_store_setup >/dev/null 2>&1
t_rec_expire
before=$(t_idp_refreshes)
st=$("$B/bench/bench-storm" -n "$NS" "$A" 2>"$T/storm.err") || t_fail "bench-storm"
row storm "$NS processes, expired token: refresh requests" "$(( $(t_idp_refreshes) - before ))"
row storm "wall time until all authenticated" "$(echo "$st" | sed -n 's/.*all done in \([0-9]*\) ms.*/\1/p') ms"
row storm "per process p50 / p99" \
	"$(echo "$st" | sed -n 's/.*p50 \([0-9]*\) ms, p99 \([0-9]*\) ms.*/\1 ms \/ \2 ms/p')"
row storm "failed authentications" "$(echo "$st" | sed -n 's/.*; \([0-9]*\) failed.*/\1/p')"

# --- relay -----------------------------------------------------------------
NR=${BENCH_RELAY:-500}
if [ "$NR" -gt 0 ]; then
	declare -A rate rss dirty cpu
	ok=1
	for m in plain xoauth2 static; do
		r=$(bash "$top_srcdir/bench/relay.sh" "$B" "$m" "$NR" 2>>"$T/relay.err") || { ok=0; break; }
		rate[$m]=$(echo "$r" | sed -n 's/.*: \([0-9.]*\) msg\/s.*/\1/p')
		rss[$m]=$(echo "$r" | sed -n 's/.*rss \([0-9]*\) KiB.*/\1/p')
		dirty[$m]=$(echo "$r" | sed -n 's/.*private dirty \([0-9]*\) KiB.*/\1/p')
		cpu[$m]=$(echo "$r" | sed -n 's/.*cpu \([0-9.]*\) ms.*/\1/p')
	done
	if [ $ok = 1 ]; then
		row relay "Postfix, $NR messages, 10 smtp: PLAIN (Debian's module)" "${rate[plain]} msg/s"
		row relay "Postfix, $NR messages, 10 smtp: XOAUTH2, record" "${rate[xoauth2]} msg/s"
		row relay "Postfix, $NR messages, 10 smtp: XOAUTH2, static token" "${rate[static]} msg/s"
		row relay "XOAUTH2 record / PLAIN, / static token" \
			"$(ratio "${rate[xoauth2]}" "${rate[plain]}"), $(ratio "${rate[xoauth2]}" \
			"${rate[static]}")"
		row relay "smtp CPU per message: PLAIN / record / static" \
			"${cpu[plain]} / ${cpu[xoauth2]} / ${cpu[static]} ms"
		row relay "smtp CPU, record / PLAIN, / static token" \
			"$(ratio "${cpu[xoauth2]}" "${cpu[plain]}"), $(ratio "${cpu[xoauth2]}" \
			"${cpu[static]}")"
		row relay "smtp process RSS: PLAIN / record / static (median)" \
			"${rss[plain]} / ${rss[xoauth2]} / ${rss[static]} KiB"
		row relay "smtp private dirty: PLAIN / record / static (median)" \
			"${dirty[plain]} / ${dirty[xoauth2]} / ${dirty[static]} KiB"
	else
		row relay "Postfix relay" "skipped: $(tail -1 "$T/relay.err")"
	fi
fi

echo
printf '%-6s %-58s %s\n' BENCH WHAT FIGURE
printf '%s\n' "${rows[@]}"

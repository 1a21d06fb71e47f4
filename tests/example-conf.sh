#!/bin/bash
# SPDX-License-Identifier: MIT
# example-conf.sh - the example configuration (doc/examples/sasl-oauth2.conf,
# installed as documentation) names every key that token/conf.c accepts and
# sasl-oauth2.conf(5) documents, with the defaults of token/conf.h; as
# shipped, with every global key uncommented, and with its profile
# uncommented, it is a valid configuration for this build's command.
. "${top_srcdir:-.}/tests/lib/common.sh"
t_tmpdir
ex=$top_builddir/doc/examples/sasl-oauth2.conf
[ -f "$ex" ] || t_fail "$ex not built"
t_not_contains "$(cat "$ex")" "@" "substituted @...@ (got an unsubstituted variable)"

# The keys: the table in token/conf.c, the man page, the example.
code_keys=$(sed -n 's/^[[:space:]]*[GP]\(STR\|NUM\|WORD\)(\([a-z_]*\),.*/\2/p' \
	"$top_srcdir/token/conf.c" | sort -u)
man_keys=$(sed -n 's/^\.BI \([a-z_]*\) " = .*/\1/p' "$top_srcdir/doc/sasl-oauth2.conf.5" | sort -u)
ex_keys=$(sed -n 's/^#\([a-z_]*\) = .*/\1/p' "$ex" | sort -u)
[ "$(echo "$code_keys" | wc -l)" -ge 20 ] || t_fail "found only $(echo "$code_keys" | wc -w) keys in token/conf.c"
same_keys() {	# same_keys GOT WHAT - GOT lists the keys of token/conf.c
	[ "$1" = "$code_keys" ] && return 0
	t_fail "$2: missing: $(comm -13 <(echo "$1") <(echo "$code_keys") | xargs)," \
		"not in token/conf.c: $(comm -23 <(echo "$1") <(echo "$code_keys") | xargs)"
}
same_keys "$ex_keys" "keys of the example"
same_keys "$man_keys" "keys of sasl-oauth2.conf(5)"

# The numeric defaults: SO2_DEFAULT_<KEY> in token/conf.h.
for k in refresh_margin connect_timeout http_timeout lock_timeout backoff_min backoff_max \
	max_reply; do
	K=$(echo "$k" | tr a-z A-Z)
	want=$(sed -n "s/^#define SO2_DEFAULT_$K[[:space:]]*\([^/]*\).*/\1/p" \
		"$top_srcdir/token/conf.h")
	[ -n "$want" ] || t_fail "SO2_DEFAULT_$K not found in token/conf.h"
	want=$(( want ))
	got=$(sed -n "s/^#$k = //p" "$ex")
	t_eq "$got" "$want" "default of $k in the example"
done
t_contains "$(cat "$ex")" "#store_dir = /" "store_dir default"

# Valid as shipped, with the global keys uncommented, with the profile too.
mkdir -m 700 "$T/store"
run() {	# run FILE WHAT - sasl-oauth2 --config FILE status on an empty store: exit 0
	"$SO2_CLI" --config "$1" --store "$T/store" status >"$T/out" 2>&1 \
		|| { cat "$T/out" >&2; t_fail "$2: sasl-oauth2 status exited $?"; }
}
run "$ex" "the example as shipped"
sed '/^#\[/q' "$ex" | sed 's/^#\([a-z_]* = \)/\1/' >"$T/global.conf"
[ "$(grep -c '^[a-z]' "$T/global.conf")" -ge 10 ] || t_fail "global keys not uncommented"
run "$T/global.conf" "the example with its global keys uncommented"
sed 's/^#\([a-z_]* = \)/\1/; s/^#\[/[/' "$ex" >"$T/all.conf"
run "$T/all.conf" "the example with every key uncommented"
echo "PASS: example configuration"

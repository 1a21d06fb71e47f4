#!/bin/bash
# plugin-exports.sh - the module and the core export one symbol each, and
# the module depends on libc alone (STYLE 7, DESIGN "the module is thin").
. "${top_srcdir:-.}/tests/lib/common.sh"
command -v nm >/dev/null || t_skip "nm (binutils) not installed"

got=$(nm -D --defined-only "$SO2_PLUGIN" | awk '$2 ~ /[TDBR]/ {print $3}' | sort | tr '\n' ' ')
t_eq "$got" "sasl_client_plug_init " "symbols exported by libsasl-oauth2.so"
got=$(nm -D --defined-only "$SO2_CORE" | awk '$2 ~ /[TDBR]/ {print $3}' | sort | tr '\n' ' ')
t_eq "$got" "so2_core_client_plug_init " "symbols exported by sasl-oauth2-core.so"
# (a sanitizer build adds the sanitizer runtimes, nothing else)
needed=$(objdump -p "$SO2_PLUGIN" | awk '$1 == "NEEDED" && $2 !~ /^lib(a|ub)san/ {print $2}' \
	| sort | tr '\n' ' ')
t_eq "$needed" "libc.so.6 " "libraries the module needs"
echo "PASS: one exported symbol each; module needs libc only"

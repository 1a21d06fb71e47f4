#!/bin/bash
# SPDX-License-Identifier: MIT
# plugin-exports.sh - the module and the core export one symbol each, the
# module depends on libc alone (STYLE 7, DESIGN "the module is thin"), and
# the core holds no code of the command's layers: no PKCE, redirect,
# device, authorization or mail client function (DESIGN "Layers": the core
# links base + token only, so login/ and mail/ are never mapped into Postfix).
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
# The symbol table (not only the dynamic one): hidden functions are there
# too, as local symbols. A stripped core has none: then say so and skip.
all=$(nm "$SO2_CORE" 2>/dev/null | awk '{print $NF}')
case $all in
*so2_grant_refresh*) ;;
*) t_skip "sasl-oauth2-core.so has no symbol table (stripped): cannot look for command code" ;;
esac
command_only='^so2_(pkce|redirect|device|authorize|mail|grant_authorization_code|loopback)'
bad=$(printf '%s\n' "$all" | grep -E "$command_only" | sort -u | tr '\n' ' ')
t_eq "$bad" "" "command-only (login/, mail/) functions in sasl-oauth2-core.so"
# The same pattern finds them in the command, which links every layer.
nm "$SO2_CLI" 2>/dev/null | awk '{print $NF}' | grep -qE "$command_only" \
	|| t_fail "the command-only pattern finds nothing in the command either: check it"
echo "PASS: one exported symbol each; module needs libc only; no command code in the core"

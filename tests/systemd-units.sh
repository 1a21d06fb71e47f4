#!/bin/bash
# SPDX-License-Identifier: MIT
# systemd-units.sh - the refresh timer units (contrib/systemd) are valid for
# systemd (systemd-analyze verify, as instance @postfix or @daemon) and the command they
# run is accepted by this build's sasl-oauth2. Exit 77 without systemd-analyze.
. "${top_srcdir:-.}/tests/lib/common.sh"
t_tmpdir
svc=$top_builddir/contrib/systemd/sasl-oauth2-refresh@.service
tmr=$top_srcdir/contrib/systemd/sasl-oauth2-refresh@.timer
[ -f "$svc" ] || t_fail "$svc not built"
t_not_contains "$(cat "$svc")" "@bindir@" "substituted bindir"
t_not_contains "$(cat "$svc")" "@storedir@" "substituted storedir"
exec_line=$(sed -n 's/^ExecStart=//p' "$svc")
t_contains "$exec_line" "sasl-oauth2 refresh --all --if-expiring-within" "ExecStart"

# The same arguments against this build, on an empty store: exit 0.
mkdir -m 700 "$T/store"
echo "store_dir = $T/store" >"$T/conf"
# shellcheck disable=SC2086
SASL_OAUTH2_CONF=$T/conf "$SO2_CLI" ${exec_line#* } >"$T/out" 2>&1 \
	|| { cat "$T/out"; t_fail "the unit's command line"; }

command -v systemd-analyze >/dev/null || t_skip "systemd-analyze missing (command line checked)"
u=postfix; id postfix >/dev/null 2>&1 || u=daemon
# ExecStart must name an existing program for verify: point it at the build.
sed "s|^ExecStart=[^ ]*|ExecStart=$SO2_CLI|" "$svc" >"$T/sasl-oauth2-refresh@$u.service"
cp "$tmr" "$T/sasl-oauth2-refresh@$u.timer"
out=$(cd "$T" && systemd-analyze verify --man=no sasl-oauth2-refresh@$u.service \
	sasl-oauth2-refresh@$u.timer 2>&1) || { echo "$out"; t_fail "systemd-analyze verify"; }
t_not_contains "$out" "sasl-oauth2-refresh" "systemd-analyze warnings"
echo "PASS: timer units verified"

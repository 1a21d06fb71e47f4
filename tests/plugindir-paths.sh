#!/bin/bash
# SPDX-License-Identifier: MIT
# plugindir-paths.sh - the command knows libsasl2's own module directory
# (pkg-config's libdir/sasl2, where Postfix's smtp looks without SASL_PATH)
# whatever PREFIX the build has: doctor and postfix migrate check that
# directory, not the one this build installs into (LIBDIR/sasl2 unless
# --prefix is libsasl2's).
. "${top_srcdir:-.}/tests/lib/common.sh"
command -v pkg-config >/dev/null || t_skip "pkg-config not installed"
command -v strings >/dev/null || t_skip "strings (binutils) not installed"
want=$(pkg-config --variable=libdir libsasl2)/sasl2
[ -x "$SO2_CLI" ] || t_fail "$SO2_CLI not built"
dirs=$(strings -a "$SO2_CLI" | grep -x -E '/[^ ]*/sasl2' | sort -u | xargs)
t_contains " $dirs " " $want " "the command's libsasl2 module directory"
for d in $dirs; do
	[ "$d" = "$want" ] && continue
	t_fail "the command names another module directory: $d (want only $want)"
done
echo "PASS: libsasl2's module directory in the command: $want"

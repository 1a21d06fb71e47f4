#!/bin/bash
# SPDX-License-Identifier: MIT
# versions.sh - one version everywhere a release names it: configure.ac's
# AC_INIT, the first entry of NEWS, the newest debian/changelog entry (the
# upstream part) and the RPM spec made by configure.
. "${top_srcdir:-.}/tests/lib/common.sh"
want=$(sed -n 's/^AC_INIT(\[sasl-oauth2\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
[ -n "$want" ] || t_fail "no version in configure.ac's AC_INIT"
news=$(sed -n 's/^\* \([0-9][0-9.]*\) .*/\1/p' "$top_srcdir/NEWS" | head -n 1)
t_eq "$news" "$want" "first NEWS entry"
deb=$(sed -n '1s/^sasl-oauth2 (\([^)-]*\)-[^)]*).*/\1/p' "$top_srcdir/debian/changelog")
t_eq "$deb" "$want" "debian/changelog"
spec=$top_builddir/contrib/rpm/sasl-oauth2.spec
[ -f "$spec" ] || t_fail "$spec not made by configure"
t_eq "$(sed -n 's/^Version: *//p' "$spec")" "$want" "the RPM spec's Version"
t_contains "$(sed -n '/^%changelog/,$p' "$spec")" "- $want-1" "the RPM spec's changelog"
echo "PASS: version $want everywhere"

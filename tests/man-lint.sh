#!/bin/bash
# SPDX-License-Identifier: MIT
# man-lint.sh - every man page passes mandoc -Tlint without a warning or
# error (STYLE notes, such as a NAME line longer than 80 bytes, are kept),
# and every page it names in SEE ALSO that belongs to the project exists.
. "${top_srcdir:-.}/tests/lib/common.sh"

command -v mandoc >/dev/null || t_skip "mandoc not installed (scripts/install-deps.sh installs it)"
pages=$(ls "$top_srcdir"/doc/*.[1-8] 2>/dev/null)
[ -n "$pages" ] || t_fail "no man pages in $top_srcdir/doc"
n=0
for p in $pages; do
	out=$(mandoc -Tlint -W warning "$p" 2>&1) || true
	[ -z "$out" ] || { printf '%s\n' "$out" >&2; t_fail "$(basename "$p"): mandoc -Tlint"; }
	# .BR sasl-oauth2-x (7) in SEE ALSO: the page is in doc/
	for ref in $(sed -n '/^\.SH "*SEE ALSO/,/^\.SH/s/^\.BR \(sasl-oauth2[^ ]*\) (\([1-8]\)).*/\1.\2/p' "$p"); do
		[ -f "$top_srcdir/doc/$ref" ] || t_fail "$(basename "$p"): SEE ALSO names $ref, not in doc/"
	done
	n=$((n + 1))
done
echo "PASS: $n man pages"

#!/bin/bash
# SPDX-License-Identifier: MIT
# tracked-outputs.sh - nothing generated is tracked, run by make check.
#   Fails when git tracks an ELF object, an archive, or a configure/make
#   output (configure, Makefile.in, config.status, aclocal.m4, a built unit
#   file with its install paths baked in, ...). Skips (77) outside a git
#   checkout: a release tarball carries configure on purpose.
. "${top_srcdir:-.}/tests/lib/common.sh"
cd "$top_srcdir"
[ "$(git rev-parse --show-toplevel 2>/dev/null)" = "$(pwd -P)" ] ||
	{ echo "not a git checkout: nothing to check"; exit 77; }
bad=0
n=0
while IFS= read -r -d '' f; do
	n=$((n + 1))
	[ -f "$f" ] || continue
	case ${f##*/} in
	configure|Makefile.in|Makefile|config.status|config.h|config.h.in|aclocal.m4|\
	libtool|ltmain.sh|stamp-h1|*.o|*.lo|*.la|*.a|*.so|*.log|*.trs)
		echo "$f: a configure/make output is tracked"; bad=1; continue ;;
	esac
	# A file made from FILE.in by make or configure.
	if git ls-files --error-unmatch "$f.in" >/dev/null 2>&1; then
		echo "$f: generated from $f.in, yet tracked"; bad=1; continue
	fi
	magic=$(head -c 4 "$f" | od -An -c | tr -d ' ')
	case $magic in
	177ELF) echo "$f: an ELF object is tracked"; bad=1 ;;
	'!<ar') echo "$f: an archive is tracked"; bad=1 ;;
	esac
done < <(git ls-files -z)
[ "$n" -gt 50 ] || t_fail "only $n tracked files seen"
[ $bad -eq 0 ] || t_fail "build outputs are tracked: git rm --cached them and extend .gitignore"
echo "tracked-outputs: $n tracked files, none generated"

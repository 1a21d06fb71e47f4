#!/bin/bash
# SPDX-License-Identifier: MIT
# spdx.sh - every source, script, test, man page and build file carries
# "SPDX-License-Identifier: MIT" in its first 5 lines (the licence: LICENSE).
# Checked: C sources and headers, shell and Python scripts, every file that
# starts with "#!", man pages, Makefile.am, configure.ac, *.in templates,
# systemd units, the RPM spec, bash/zsh completions, debian/rules and the
# maintainer scripts. Not checked: data (tests/golden, tests/fuzz), prose
# (*.md, README, NEWS, LICENSE) and debian/'s formatted files.
# Reports FILE: missing SPDX line, exit 1 on any.
. "${top_srcdir:-.}/tests/lib/common.sh"
cd "$top_srcdir"
# The files git tracks, when this is a git checkout of the sources; else
# (a release tarball, make distcheck) every file of the tree but
#   - those autoreconf made, which the tarball carries on purpose under their
#     own licences: configure, Makefile.in, config.h.in, aclocal.m4 and
#     build-aux/ (autoconf's, automake's and libtool's; none is tracked);
#   - a build in the tree: a directory holding config.status (make
#     distcheck builds in _build/sub), or configure's outputs at the top.
if [ "$(git rev-parse --show-toplevel 2>/dev/null)" = "$(pwd -P)" ]; then
	all=$(git ls-files)
else
	made='configure|Makefile\.in|config\.h\.in|aclocal\.m4|build-aux/.*'
	made+='|config\.(status|h|log)|libtool|stamp-h1|Makefile'
	all=$(find . -mindepth 1 -type d \( -name .git -o -exec test -e '{}/config.status' \; \) \
		-prune -o -type f -print | sed 's|^\./||' | grep -v -x -E "$made" | sort)
fi
[ -n "$all" ] || t_fail "no files found"
checked=0 bad=0
while IFS= read -r f; do
	[ -f "$f" ] || continue
	case $f in
	tests/golden/* | tests/fuzz/corpus/* | *.md | LICENSE | NEWS | */README | README \
		| debian/changelog | debian/control | debian/copyright | debian/source/* \
		| debian/tests/control | debian/*.install | debian/*.docs | debian/*.examples \
		| debian/*.lintian-overrides | debian/*.links | debian/*.dirs | debian/*.manpages)
		continue ;;
	*.c | *.h | *.sh | *.py | *.[1-8] | Makefile.am | configure.ac | *.in | *.service \
		| *.timer | *.spec | *.bash | *.zsh | _sasl-oauth2 | debian/rules \
		| debian/*.postinst | debian/*.postrm | debian/*.preinst | debian/*.prerm \
		| debian/tests/* | .ci/run | scripts/*) ;;
	*)
		# any other executable text: a script if it starts with #!
		[ "$(head -c 2 "$f")" = '#!' ] || continue ;;
	esac
	checked=$((checked + 1))
	head -n 5 "$f" | grep -q 'SPDX-License-Identifier: MIT' && continue
	echo "$f: no 'SPDX-License-Identifier: MIT' in its first 5 lines"
	bad=1
done <<<"$all"
[ "$checked" -ge 50 ] || t_fail "only $checked files checked: is this the source tree?"
[ $bad -eq 0 ] || t_fail "files without the licence line (see above)"
echo "PASS: $checked files carry SPDX-License-Identifier: MIT"

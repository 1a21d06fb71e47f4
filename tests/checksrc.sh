#!/bin/bash
# SPDX-License-Identifier: MIT
# checksrc.sh - the project's style checker (STYLE.md point 8), run by make check.
#   - banned functions: sprintf vsprintf strcpy strcat strtok atoi atol gets
#   - lines at most 100 columns (tabs count to the next multiple of 8)
#   - no trailing white space, no CR
#   - every C file opens with a contract comment ("/*" on line 1)
#   - indentation with tabs, not runs of 8 spaces
#   - a module of the layers (base token login mail plugin cli) names itself
#     in its contract comment: " *	FILE.c - what it does" with its own name
# Reports FILE:LINE: problem, exit 1 on any.
. "${top_srcdir:-.}/tests/lib/common.sh"
cd "$top_srcdir"
# The files git tracks, when this is a git checkout of the sources; else
# (a release tarball, make distcheck) every C file of the tree.
if [ "$(git rev-parse --show-toplevel 2>/dev/null)" = "$(pwd -P)" ]; then
	files=$(git ls-files '*.c' '*.h')
else
	files=$(find base token login mail plugin cli tests bench -name '*.[ch]' | sort)
fi
[ -n "$files" ] || t_fail "no C files found"
bad=0
for f in $files; do
	[ -f "$f" ] || continue
	awk -v f="$f" '
	NR == 1 && $0 !~ /^\/\*/ { print f ":1: no contract comment at the top"; bad = 1 }
	/\r/ { print f ":" NR ": carriage return"; bad = 1 }
	/[ \t]+$/ { print f ":" NR ": trailing white space"; bad = 1 }
	/^        / { print f ":" NR ": indented with spaces, use tabs"; bad = 1 }
	{
		line = $0; col = 0
		for (i = 1; i <= length(line); i++) {
			c = substr(line, i, 1)
			if (c == "\t") col = int(col / 8) * 8 + 8; else col++
		}
		if (col > 100) { print f ":" NR ": line longer than 100 columns (" col ")"; bad = 1 }
		code = line
		gsub(/"([^"\\]|\\.)*"/, "\"\"", code)	# ignore string contents
		sub(/\/\/.*/, "", code)
		if (code ~ /(^|[^a-z_0-9])(sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|gets)[ \t]*\(/ \
		    && code !~ /^[ \t]*\*/) {
			print f ":" NR ": banned function: " line; bad = 1
		}
	}
	END { exit bad }' "$f" || bad=1
done
for f in $files; do
	case $f in base/*|token/*|login/*|mail/*|plugin/*|cli/*) ;; *) continue ;; esac
	[ -f "$f" ] || continue
	name=$(grep -m 1 -o -E '^ \*[[:space:]]+[a-z_0-9]+\.[ch] +- ' "$f" |
		sed -E 's/^ \*[[:space:]]+//; s/ +- $//')
	if [ "$name" != "${f##*/}" ]; then
		echo "$f: the contract comment names ${name:-no file} (\" *	${f##*/} - ...\")"
		bad=1
	fi
done
[ $bad -eq 0 ] || t_fail "style problems above"
echo "PASS: style check of $(echo "$files" | wc -w) files"

#!/bin/bash
# SPDX-License-Identifier: MIT
# layers.sh - the code's floors (doc/internals/architecture.md), run by make check.
#   Each layer is a folder and may include only its own headers and the
#   layers below it:
#     base   -> base
#     token  -> base token
#     login  -> base token login
#     mail   -> base token mail
#     plugin -> base token plugin           (the core module: no login, no mail)
#     cli    -> base token login mail cli
#   tests, bench and fuzz targets may include every layer.
# Reports FILE:LINE: problem, exit 1 on any.
. "${top_srcdir:-.}/tests/lib/common.sh"
cd "$top_srcdir"
allowed() {	# allowed LAYER - the layers LAYER may include
	case $1 in
	base) echo "base" ;;
	token) echo "base token" ;;
	login) echo "base token login" ;;
	mail) echo "base token mail" ;;
	plugin) echo "base token plugin" ;;
	cli) echo "base token login mail cli" ;;
	esac
}
bad=0
n=0
for layer in base token login mail plugin cli; do
	[ -d "$layer" ] || t_fail "layer folder $layer/ is missing"
	ok=" $(allowed "$layer") "
	for f in "$layer"/*.[ch]; do
		n=$((n + 1))
		# #include "LAYER/name.h" names a layer; a bare "name.h" must be a
		# header of the same folder (or the build's config.h).
		while IFS=: read -r line inc; do
			case $inc in
			config.h) ;;
			*/*)	case $ok in
				*" ${inc%%/*} "*) ;;
				*) echo "$f:$line: $layer/ may not include $inc" \
					"(allowed: $(allowed "$layer"))"; bad=1 ;;
				esac ;;
			*)	[ -f "$layer/$inc" ] ||
					{ echo "$f:$line: \"$inc\" is not a header of $layer/"; bad=1; } ;;
			esac
		done < <(grep -n -E '^[ \t]*#[ \t]*include[ \t]*"' "$f" | sed -E 's@^([0-9]+):[^"]*"([^"]+)".*@\1:\2@')
	done
done
[ "$n" -gt 20 ] || t_fail "only $n files checked"
[ $bad -eq 0 ] || t_fail "an #include goes against the layers"
echo "layers: $n files, every include follows base <- token <- login/mail <- cli, plugin"

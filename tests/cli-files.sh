#!/bin/bash
# SPDX-License-Identifier: MIT
# cli-files.sh - the command's files use each other in one direction, run by make check.
#   From the built objects of cli/ (nm): which file defines each function
#   another file calls. Fails when
#   - a command file (cmd_*.c) defines a function another file calls,
#     other than its entry point cmd_NAME (shared helpers live in files of
#     their own: options.c, report.c, login*.c, doctor_report.c, ...);
#   - the files call each other in a circle (a -> b -> ... -> a).
#   Skips (77) without the objects (make builds them before the tests).
. "${top_srcdir:-.}/tests/lib/common.sh"
objs=$(ls "${top_builddir:-.}"/cli/*.o 2>/dev/null)
[ -n "$objs" ] || t_skip "no objects in ${top_builddir:-.}/cli"
command -v nm >/dev/null || t_skip "no nm"
# FILE SYMBOL-KIND SYMBOL, one per line ("T": defined, "U": used)
for o in $objs; do
	f=${o##*/}; f=${f#*-}; f=${f%.o}
	nm "$o" | awk -v f="$f" 'NF == 3 && $2 ~ /^[TDBR]$/ { print f, "T", $3 }
		NF == 2 && $1 == "U" { print f, "U", $2 }'
done | python3 -c '
import sys, collections
owner, uses = {}, collections.defaultdict(set)
for line in sys.stdin:
	f, kind, sym = line.split()
	if kind == "T":
		owner[sym] = f
	else:
		uses[f].add(sym)
edges, bad = collections.defaultdict(set), 0
for f, syms in uses.items():
	for s in syms:
		o = owner.get(s)
		if o is None or o == f:
			continue
		edges[f].add(o)
		if o.startswith("cmd_") and s != o:
			print("%s.c calls %s of the command file %s.c" % (f, s, o))
			bad = 1
state = {}
def visit(n, path):
	global bad
	state[n] = 1
	for m in sorted(edges[n]):
		if state.get(m) == 1:
			print("circle: " + " -> ".join(path[path.index(m):] + [m]))
			bad = 1
		elif m not in state:
			visit(m, path + [m])
	state[n] = 2
for n in sorted(edges):
	if n not in state:
		visit(n, [n])
print("cli-files: %d files, %d uses between them" % (len(set(owner.values()) | set(uses)),
      sum(len(e) for e in edges.values())))
sys.exit(bad)
' || t_fail "cli/ files use each other against the direction (see above)"

#!/bin/sh
# SPDX-License-Identifier: MIT
# build.sh - build every libFuzzer target of tests/fuzz (run by make fuzz)
#
# usage: build.sh SRCDIR OUTDIR "LAYER SOURCES" "LIBS" -- CPPFLAGS...
#   SRCDIR       the top of the sources
#   OUTDIR       where objects and targets go (OUTDIR/obj, OUTDIR/fuzz_NAME)
#   LAYER SOURCES the sources of the layer libraries (base token login mail,
#                as Makefile.am lists them; headers are skipped)
#   LIBS         what the layers link (libcurl, jansson, OpenSSL)
#   CPPFLAGS     include paths and defines, as for the libraries
# Environment: FUZZ_CC (clang), FUZZ_CFLAGS (default below; a coverage
# build: see tests/fuzz/README), FUZZ_JOBS (parallel compiles, default 2).
#
# The layers' sources are compiled once with the fuzzer's instrumentation
# into OUTDIR/libso2fuzz.a (again only when a source or a header changed);
# each tests/fuzz/fuzz_NAME.c is linked against it into OUTDIR/fuzz_NAME,
# so a target pulls in only the modules it reaches. Every fuzz_*.c in
# tests/fuzz is a target: a new one needs no change here.
set -eu
[ $# -ge 5 ] && [ "$5" = -- ] || { echo "usage: build.sh SRCDIR OUTDIR SOURCES LIBS -- CPPFLAGS..." >&2; exit 2; }
src=$1 out=$2 sources=$3 libs=$4
shift 5
cc=${FUZZ_CC:-}
flags=${FUZZ_CFLAGS:--g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer}
hint="make fuzz needs clang with libFuzzer and the sanitizer runtimes.
On Debian 12:  apt-get install clang libclang-rt-14-dev
(scripts/install-deps.sh installs them), then run configure again
(or name the compiler: make fuzz FUZZ_CC=clang-14)."

if [ -z "$cc" ] || ! command -v "$cc" >/dev/null 2>&1; then
	echo "make fuzz: no clang found (FUZZ_CC is empty)." >&2
	echo "$hint" >&2
	exit 1
fi
mkdir -p "$out/obj"
probe=$out/obj/probe
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
	> "$probe.c"
# shellcheck disable=SC2086
if ! $cc $flags "$probe.c" -o "$probe" > "$probe.log" 2>&1; then
	echo "make fuzz: $cc cannot link a libFuzzer target:" >&2
	sed 's/^/    /' "$probe.log" | head -n 5 >&2
	echo "$hint" >&2
	exit 1
fi
rm -f "$probe" "$probe.c" "$probe.log"

# objects: one per layer source, rebuilt when it or any header is newer,
# all of them when the flags changed (a coverage build, another compiler)
stamp="$cc $flags $*"
if [ "$(cat "$out/obj/flags" 2>/dev/null)" != "$stamp" ]; then
	rm -f "$out"/obj/*.o
	printf '%s\n' "$stamp" > "$out/obj/flags"
fi
todo=
objs=
for f in $sources; do
	case $f in *.c) ;; *) continue ;; esac
	o=$out/obj/$(echo "$f" | tr / _ | sed 's/\.c$/.o/')
	objs="$objs $o"
	if [ ! -f "$o" ] || [ "$src/$f" -nt "$o" ] ||
	   [ -n "$(find "$src/base" "$src/token" "$src/login" "$src/mail" config.h \
		-name '*.h' -newer "$o" 2>/dev/null | head -n 1)" ]; then
		todo="$todo $f"
	fi
done
[ -n "$objs" ] || { echo "make fuzz: no layer sources given" >&2; exit 2; }
if [ -n "$todo" ]; then
	echo "  FUZZCC   $(echo $todo | wc -w) layer sources"
	export FUZZ_SRC="$src" FUZZ_OUT="$out"
	# shellcheck disable=SC2086,SC2016
	printf '%s\n' $todo | xargs -P "${FUZZ_JOBS:-2}" -I{} sh -c \
		'f=$1; shift; exec "$@" -c "$FUZZ_SRC/$f" \
			-o "$FUZZ_OUT/obj/$(echo "$f" | tr / _ | sed "s/\.c\$/.o/")"' \
		sh {} $cc $flags "$@"
fi
rm -f "$out/libso2fuzz.a"
# shellcheck disable=SC2086
ar rcs "$out/libso2fuzz.a" $objs

n=0
for t in "$src"/tests/fuzz/fuzz_*.c; do
	name=$(basename "$t" .c)
	echo "  FUZZLD   $out/$name"
	# shellcheck disable=SC2086
	$cc $flags "$@" "$t" "$out/libso2fuzz.a" $libs -o "$out/$name"
	n=$((n + 1))
done
echo "make fuzz: $n targets in $out (run them: make fuzz-run, see tests/fuzz/README)"

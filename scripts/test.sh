#!/bin/bash
# SPDX-License-Identifier: MIT
# test.sh - the whole test suite, as CI runs it:
#   1. build in build/ with warnings as errors; make check (unit tests,
#      style check, the module in real libsasl2, the emulator, the CLI,
#      Postfix end to end); make check-long (the allocation sweep over an
#      exchange with a refresh, 1,000 SIGKILLs). make distcheck is not run
#      here (slow: the whole suite again from the tarball); the make dist of
#      step 4 fails when a file git tracks is missing from the tarball.
#   2. build in build-asan/ with AddressSanitizer + UBSan; make check
#      (the end-to-end test skips there: Postfix is not instrumented).
#   3. valgrind over the unit tests and 1,000 client exchanges in one process.
#   4. scripts/build-packages.sh: the .deb and .rpm packages from make dist,
#      lintian, the .debs installed and the demo run from the installed files.
# Prints each test log on failure. Exit 0 when everything passed.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
rc=0

check() {	# check DIR - make check in DIR, show logs of failures
	if ! make -C "$1" -j2 check; then
		find "$1" -name '*.log' -newer "$1/Makefile" -print0 | xargs -0 grep -l -E '^(FAIL|ERROR)' \
			| while read -r f; do echo "===== $f"; cat "$f"; done
		rc=1
	fi
}

echo "===== build (build/)"
scripts/build.sh build
echo "===== make check (build/)"
check build

echo "===== make check-long (build/): every allocation of an exchange with a refresh, 1,000 SIGKILLs"
if ! make -C build check-long; then
	for f in build/tests/alloc-fail.sh.log build/tests/crash.sh.log; do
		echo "===== $f"; cat "$f"
	done
	rc=1
fi

echo "===== build with AddressSanitizer and UBSan (build-asan/)"
scripts/build.sh build-asan --enable-sanitizers
echo "===== make check (build-asan/)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	check build-asan

echo "===== valgrind (build/)"
if ! "$top/tests/valgrind.sh" "$top/build"; then rc=1; fi

# Last: it installs the packages into the system (libsasl2's module directory).
echo "===== packages: Debian and RPM from make dist, lintian, the demo from the installed .debs"
# the suite ran above: not again inside dpkg-buildpackage
if ! DEB_BUILD_OPTIONS="nocheck${DEB_BUILD_OPTIONS:+ $DEB_BUILD_OPTIONS}" scripts/build-packages.sh "$top/build-packages"; then
	rc=1
fi

if [ $rc -eq 0 ]; then echo "ALL TESTS PASSED"; else echo "SOME TESTS FAILED"; fi
exit $rc

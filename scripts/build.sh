#!/bin/sh
# SPDX-License-Identifier: MIT
# build.sh DIR [CONFIGURE-OPTIONS...] - configure (once) and build in DIR,
# a build directory beside the sources (default: build). Warnings are
# errors. Example: scripts/build.sh build-asan --enable-sanitizers
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-build}
[ $# -gt 0 ] && shift
cd "$top"
[ -x ./configure ] || autoreconf -fi
mkdir -p "$dir"
cd "$dir"
[ -f Makefile ] || "$top/configure" --enable-werror "$@"
make -j"$(nproc)"

#!/bin/sh
# SPDX-License-Identifier: MIT
# install-package-deps.sh - install what scripts/build-packages.sh needs on
# top of scripts/install-deps.sh (Debian 12, as root; safe to run again):
# debhelper (dh, dh_autoreconf), lintian, rpm (rpmbuild), and autopkgtest
# to run debian/tests by hand.
set -eu
if [ "$(id -u)" -ne 0 ]; then
	echo "install-package-deps.sh: run as root (it calls apt-get)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt_opts="-o DPkg::Lock::Timeout=600"
apt-get $apt_opts install -y -q --no-install-recommends \
	debhelper dpkg-dev fakeroot lintian rpm autopkgtest

#!/bin/bash
# SPDX-License-Identifier: MIT
# build-packages.sh [OUT] - build the Debian and RPM packages from a clean
# copy of the tree, check them, install the .debs on this machine and run the
# demo against the installed files (Debian 12, as root;
# scripts/install-package-deps.sh installs what it needs).
#   1. OUT/src: the files git tracks (with their changes in the work tree);
#      configure there and `make dist` -> OUT/sasl-oauth2-VERSION.tar.gz
#   2. OUT/deb: dpkg-buildpackage -us -uc -b in the unpacked tarball (the test
#      suite runs unless DEB_BUILD_OPTIONS has nocheck); lintian --pedantic
#      on the result: an error or a warning fails
#   3. OUT/rpm: rpmbuild -ta on the tarball (--nodeps: the build dependencies
#      are Debian packages here; --without check unless RPM_CHECK=1)
#   4. apt-get install the two .debs; check the token store (postinst,
#      trigger, statoverride, purge); scripts/demo.sh --installed OUT/demo;
#      then remove the two packages again (KEEP_PACKAGES=1 keeps them, and so
#      does a machine that had them installed before)
# OUT defaults to build-packages/ beside the sources; it is emptied first.
# Prints the contents of the packages, lintian's output and the time taken.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build-packages}
start=$(date +%s)
step() { echo "===== $* ($(( $(date +%s) - start )) s)"; }
die() { echo "build-packages.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run as root (it installs the .debs)"
for c in dpkg-buildpackage dh lintian rpmbuild git; do
	command -v $c >/dev/null || die "$c missing: run scripts/install-package-deps.sh"
done

case $out in /*) ;; *) out=$(pwd)/$out ;; esac
rm -rf "$out"
mkdir -p "$out/src" "$out/deb" "$out/rpm"
# the demo's directory must be traversable by postfix and dovecot
chmod 755 "$out"

# check_store DEB - the token store made by sasl-oauth2's postinst (mode 0700,
# postfix's when that user exists), handed to postfix by the trigger when
# Postfix comes later, a dpkg-statoverride applied, removed by purge. Only on
# an empty store: records of this machine are never touched.
check_store() {
	local s=/var/lib/sasl-oauth2 want=root:root
	getent passwd postfix >/dev/null && want=postfix:postfix
	if [ -n "$(ls -A "$s")" ] || dpkg-statoverride --list "$s" >/dev/null; then
		echo "store: $s holds records or has a statoverride: not checked"
		return 0
	fi
	[ "$(stat -c '%a %U:%G' "$s")" = "700 $want" ] \
		|| die "store after install: $(stat -c '%a %U:%G' "$s"), want 700 $want"
	if [ "$want" = postfix:postfix ]; then
		chown root:root "$s"
		dpkg-trigger --no-await /usr/sbin/postfix
		dpkg --triggers-only --pending >/dev/null
		[ "$(stat -c %U:%G "$s")" = postfix:postfix ] \
			|| die "the trigger on /usr/sbin/postfix did not hand the empty store to postfix"
	fi
	dpkg-statoverride --add daemon daemon 0750 "$s"
	dpkg --purge sasl-oauth2 >/dev/null
	[ ! -e "$s" ] || { dpkg-statoverride --remove "$s"; die "purge left $s"; }
	dpkg -i "$1" >/dev/null
	local got
	got=$(stat -c '%a %U:%G' "$s")
	dpkg-statoverride --remove "$s"
	[ "$got" = "750 daemon:daemon" ] || die "store with a statoverride: $got, want 750 daemon:daemon"
	dpkg --purge sasl-oauth2 >/dev/null
	dpkg -i "$1" >/dev/null
	echo "store: $(stat -c '%A %U:%G' "$s") $s (trigger, statoverride and purge checked)"
}

step "1. a clean tree in $out/src, make dist"
git -C "$top" ls-files -z | (cd "$top" && xargs -0 tar cf - --no-recursion) | tar xf - -C "$out/src"
(cd "$out/src" && autoreconf -fi >/dev/null 2>&1 && ./configure >/dev/null && make dist >/dev/null) \
	|| die "make dist failed in $out/src"
tarball=$(ls "$out"/src/sasl-oauth2-*.tar.gz)
version=$(basename "$tarball" .tar.gz | sed 's/^sasl-oauth2-//')
cp "$tarball" "$out/"
tarball=$out/sasl-oauth2-$version.tar.gz

step "2. Debian packages in $out/deb (DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-})"
cp "$tarball" "$out/deb/sasl-oauth2_$version.orig.tar.gz"
tar xzf "$tarball" -C "$out/deb"
(cd "$out/deb/sasl-oauth2-$version" && dpkg-buildpackage -us -uc -b) >"$out/deb/build.log" 2>&1 \
	|| { tail -n 60 "$out/deb/build.log"; die "dpkg-buildpackage failed (log: $out/deb/build.log)"; }
changes=$(ls "$out"/deb/sasl-oauth2_*.changes)
for deb in "$out"/deb/libsasl2-modules-oauth2_*.deb "$out"/deb/sasl-oauth2_*.deb; do
	echo "--- dpkg-deb -c $(basename "$deb")"
	dpkg-deb -c "$deb"
done
echo "--- lintian --pedantic"
lintian --pedantic --display-info "$changes" | tee "$out/deb/lintian.log"
if grep -E '^[EW]: ' "$out/deb/lintian.log" >/dev/null; then
	die "lintian reports errors or warnings (above)"
fi

step "3. RPM packages in $out/rpm"
rpm_check=--without=check
[ -n "${RPM_CHECK:-}" ] && rpm_check=
rpmbuild -ta --nodeps $rpm_check --define "_topdir $out/rpm" "$tarball" >"$out/rpm/build.log" 2>&1 \
	|| { tail -n 60 "$out/rpm/build.log"; die "rpmbuild failed (log: $out/rpm/build.log)"; }
for rpmf in "$out"/rpm/RPMS/*/*.rpm; do
	echo "--- rpm -qlp $(basename "$rpmf")"
	rpm -qlp "$rpmf"
done

step "4. install the .debs, the demo against the installed files"
# Removed again at exit (also on failure) unless KEEP_PACKAGES=1 or they were
# installed before: libsasl2 loads every module of its directory into every
# SASL program of the machine, and tests that look there (doctor's) must
# find the machine as it was. Purged when the store is empty, else removed
# (the records stay).
# One test run at a time from here to the removal: two copies of the test
# command on one machine must not install and remove under each other.
exec 9>/run/lock/sasl-oauth2-packages.lock
flock -w 1800 9 || die "another run has held /run/lock/sasl-oauth2-packages.lock for 30 min"
was_installed=
dpkg-query -W -f '${Status}' sasl-oauth2 2>/dev/null | grep -q 'ok installed' && was_installed=1
dpkg-query -W -f '${Status}' libsasl2-modules-oauth2 2>/dev/null | grep -q 'ok installed' \
	&& was_installed=1
remove_packages() {
	local how=--purge
	[ -z "$(ls -A /var/lib/sasl-oauth2 2>/dev/null)" ] || how=--remove
	dpkg $how sasl-oauth2 libsasl2-modules-oauth2 >/dev/null 2>&1 || true
}
[ -n "${KEEP_PACKAGES:-}$was_installed" ] || trap remove_packages EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 install -y -q --allow-downgrades --reinstall \
	"$out"/deb/libsasl2-modules-oauth2_*.deb "$out"/deb/sasl-oauth2_*.deb >"$out/install.log" 2>&1 \
	|| { cat "$out/install.log"; die "installing the .debs failed"; }
check_store "$out"/deb/sasl-oauth2_*.deb
# The demo's directory and its parents must be traversable by postfix,
# dovecot and nobody; OUT may sit in a checkout under a 0700 home (/root).
demo=$out/demo
if ! setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups -- test -x "$out"; then
	demo=$(mktemp -d /var/tmp/sasl-oauth2-package-demo.XXXXXX)
	chmod 755 "$demo"
	echo "(other users cannot reach $out: the demo runs in $demo)"
fi
"$top/scripts/demo.sh" --installed "$demo"

[ -n "${KEEP_PACKAGES:-}$was_installed" ] \
	|| echo "(the packages are removed now; KEEP_PACKAGES=1 keeps them)"
step "done: packages in $out/deb and $out/rpm/RPMS"

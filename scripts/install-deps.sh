#!/bin/sh
# SPDX-License-Identifier: MIT
# install-deps.sh - install what building and testing sasl-oauth2 needs
# (Debian 12 / bookworm, as root). Safe to run again.
#
# Build: compiler, autotools, pkg-config and the -dev packages of libsasl2,
# libcurl, jansson, OpenSSL; Check for the unit tests. Tests: the real
# programs the end-to-end tests start on 127.0.0.1 (Postfix, Dovecot,
# cyrus-clients, sasl2-bin, isync, fetchmail, dovecot-pop3d; msmtp, neomutt,
# mutt for the token command programs), python3 for the identity-provider emulator,
# openssl and curl for the test CA and probes, valgrind, strace (syscall
# fault injection); zsh and
# bash-completion for the completion test; mandoc for the man page lint. make fuzz: clang
# with libFuzzer and the sanitizer runtimes (libclang-rt-14-dev).
set -eu
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: run as root (it calls apt-get)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# No system mail service is configured: the tests run private instances.
if ! dpkg -s postfix >/dev/null 2>&1; then
	echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
fi
# Wait for another apt/dpkg (unattended upgrades) instead of failing.
apt_opts="-o DPkg::Lock::Timeout=600"
apt-get $apt_opts update -q
apt-get $apt_opts install -y -q --no-install-recommends \
	build-essential autoconf automake libtool pkg-config make \
	libsasl2-dev libcurl4-openssl-dev libjansson-dev libssl-dev check \
	postfix postfix-lmdb dovecot-core dovecot-imapd dovecot-lmtpd cyrus-clients \
	sasl2-bin libsasl2-modules \
	dovecot-pop3d \
	isync \
	fetchmail \
	msmtp \
	neomutt \
	mutt \
	iproute2 \
	python3 openssl curl ca-certificates valgrind binutils procps strace \
	clang libclang-rt-14-dev \
	zsh bash-completion \
	mandoc \
	prometheus
# Packaging (scripts/build-packages.sh, run by scripts/test.sh): debhelper, lintian, rpm.
"$(dirname "$0")/install-package-deps.sh"

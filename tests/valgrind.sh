#!/bin/bash
# SPDX-License-Identifier: MIT
# valgrind.sh BUILDDIR - memory checks with valgrind (errors and leaks):
#   - the unit tests (CK_FORK=no, so valgrind sees every test);
#   - 1,000 sasl_client_init .. sasl_dispose .. sasl_done cycles in one
#     process through real libsasl2 and the module (XOAUTH2 and
#     OAUTHBEARER, error challenge included; and with the core loaded at
#     first use, SASL_OAUTH2_LOAD=use);
#   - 1,000 such cycles with a refresh at the emulator in each
#     (tests/refresh-cycles.sh under valgrind).
# Exit 77 when valgrind is missing.
set -u
B=$(cd "${1:?usage: valgrind.sh BUILDDIR}" && pwd)
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
top_builddir=$B
export top_srcdir top_builddir
. "$top_srcdir/tests/lib/common.sh"
command -v valgrind >/dev/null || t_skip "valgrind not installed"
VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"

for u in test-base test-token test-login; do
	[ -x "$B/tests/unit/$u" ] || continue
	CK_FORK=no $VG "$B/libtool" --mode=execute "$B/tests/unit/$u" >/dev/null \
		|| t_fail "valgrind: unit tests $u"
	echo "valgrind: unit tests $u clean"
done
t_tmpdir
t_plugin_env
echo "store_dir = $T/store" > "$SASL_OAUTH2_CONF"
t_record relay@example.com AT-relay 3600 RT-relay
$VG "$SO2_SASL_CLIENT" -n 1000 -m XOAUTH2 -u relay@example.com -p "" >/dev/null 2>&1 \
	|| t_fail "valgrind: 1000 XOAUTH2 client cycles"
$VG "$SO2_SASL_CLIENT" -n 200 -m OAUTHBEARER -u relay@example.com -p "literal.token.that.is.long.enough.for.a.bearer.token.0123456789" \
	"$(t_b64 '{"status":"invalid_token"}')" >/dev/null 2>&1 \
	|| t_fail "valgrind: 200 OAUTHBEARER cycles with an error challenge"
SASL_OAUTH2_LOAD=use $VG "$SO2_SASL_CLIENT" -n 200 -m XOAUTH2 -u relay@example.com -p "" \
	>/dev/null 2>&1 || t_fail "valgrind: 200 XOAUTH2 cycles, core loaded at first use"
echo "valgrind: 1000 + 200 + 200 (core loaded at first use) client cycles clean"
# 1,000 cycles with a refresh through the emulator in each (about 2 minutes).
CYCLES_WRAP=$VG CYCLES=${VG_REFRESH_CYCLES:-1000} bash "$top_srcdir/tests/refresh-cycles.sh" \
	|| t_fail "valgrind: client cycles with a refresh each"
echo "valgrind: 1000 client cycles with a refresh each clean"

#!/bin/bash
# SPDX-License-Identifier: MIT
# refresh-cycles.sh - 1,000 sasl_client_init .. sasl_client_done cycles in one
# process with a refresh in each (issue 3, point 7): refresh_margin is longer
# than the emulator's token lifetime, so every exchange refreshes. Asserts
# exit 0 and 1,000 refreshes. In a sanitizer build (scripts/test.sh) ASan
# and LSan check every cycle; tests/valgrind.sh runs the same under valgrind.
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
. "$top_srcdir/tests/lib/store.sh"
N=${CYCLES:-1000}
t_tmpdir
t_plugin_env
S_CONF_EXTRA="refresh_margin = 86400"
t_store_setup --strict-rotation
n0=$(t_idp_refreshes)
# CYCLES_WRAP: a command to run the client under (tests/valgrind.sh)
# shellcheck disable=SC2086
${CYCLES_WRAP:-} "$SO2_SASL_CLIENT" -n "$N" -m XOAUTH2 -u "$A" -p "" >"$T/out" 2>"$T/err" \
	|| { tail -5 "$T/err"; t_fail "$N cycles with a refresh each"; }
t_eq "$(( $(t_idp_refreshes) - n0 ))" "$N" "refreshes"
t_eq "$(t_rec_get state)" ok "record state"
echo "PASS: $N init/refresh/done cycles"

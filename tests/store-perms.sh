#!/bin/bash
# SPDX-License-Identifier: MIT
# store-perms.sh - permissions and paths of the store (issue 3, point 6),
# through real libsasl2 and the module and the command:
#   - a refreshed record is mode 0600 whatever the umask;
#   - a record readable by group or others: a warning naming the file;
#   - a store directory writable by every user: nothing is written there
#     and no refresh is sent (its result could not be stored; the message
#     says why and what to run);
#   - a record that is a symbolic link is not followed;
#   - a store directory that is a symbolic link, a record owned by another
#     user: a warning naming it and the fix (issue 10, point 9).
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
. "$top_srcdir/tests/lib/store.sh"
t_tmpdir
t_plugin_env
t_store_setup
R=$T/store/$A.json

t_rec_expire
(umask 000; "$SO2_SASL_CLIENT" -m XOAUTH2 -u $A -p "" >/dev/null 2>&1) || t_fail "refresh"
t_eq "$(stat -c %a "$R")" 600 "mode after a refresh under umask 000"
t_eq "$(stat -c %a "$T/store/$A.lock")" 600 "lock file mode"

chmod 640 "$R"
t_run_client -m XOAUTH2 -u $A -p ""
t_eq "$rc" 0 "group-readable: exit"
t_contains "$all" "token record $R is readable by group or others (mode 0640)" "group-readable: warning"
t_contains "$all" "chmod 600 $R" "group-readable: the fix"
out=$("$SO2_CLI" status 2>&1)
t_contains "$out" "readable by group or others" "status warns too"
chmod 600 "$R"

chmod 777 "$T/store"
t_rec_expire
sum=$(sha256sum < "$R")
req=$(t_idp_token_requests)
t_run_client -m XOAUTH2 -u $A -p ""
[ "$rc" != 0 ] || t_fail "world-writable store: an expired token was used ($all)"
t_eq "$(t_idp_token_requests)" "$req" "world-writable store: requests sent (issue 10, point 3)"
t_contains "$all" "no request was sent to the token endpoint" "world-writable store: nothing sent"
t_contains "$all" "refusing to write into token store $T/store: it is writable by every user" \
	"world-writable store: warning"
t_contains "$all" "chmod 700 $T/store" "world-writable store: the fix"
t_eq "$(sha256sum < "$R")" "$sum" "world-writable store: record unchanged"
out=$("$SO2_CLI" status 2>&1)
t_contains "$out" "token store $T/store is writable by every user" "status warns about the store"
chmod 700 "$T/store"

mv "$R" "$T/real.json"
ln -s "$T/real.json" "$R"
t_run_client -m XOAUTH2 -u $A -p ""
t_eq "$rc" 1 "symlinked record: exit"
t_contains "$all" "is a symbolic link, which is never followed" "symlinked record: not followed"
rm -f "$R"; mv "$T/real.json" "$R"

# Store trust (issue 10, point 9): a store directory that is a symbolic
# link, and a record owned by another user, are named with the fix.
mv "$T/store" "$T/store.real"
ln -s "$T/store.real" "$T/store"
t_run_client -m XOAUTH2 -u $A -p ""
t_eq "$rc" 0 "symlinked store: exit"
t_contains "$all" "token store $T/store is a symbolic link (to $T/store.real)" \
	"symlinked store: warning"
t_contains "$all" "set store_dir to $T/store.real" "symlinked store: the fix"
out=$("$SO2_CLI" status 2>&1)
t_contains "$out" "token store $T/store is a symbolic link" "symlinked store: status warns"
rm "$T/store"; mv "$T/store.real" "$T/store"

chown nobody "$R"
t_run_client -m XOAUTH2 -u $A -p ""
t_eq "$rc" 0 "record of another user: exit"
t_contains "$all" "token record $R belongs to uid $(id -u nobody), not to uid 0 that uses it" \
	"record of another user: warning"
t_contains "$all" "run chown 0 $R" "record of another user: the fix"
chown root "$R"
t_run_client -m XOAUTH2 -u $A -p ""
t_not_contains "$all" "belongs to uid" "own record: no warning"
echo "PASS: modes, warnings, world-writable and symlinked stores, foreign records, symlinks"

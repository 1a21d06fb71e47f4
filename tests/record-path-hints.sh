#!/bin/bash
# SPDX-License-Identifier: MIT
# record-path-hints.sh - a record given by its path gets hints that work
# (issue 10, point 12), through real libsasl2 and the module: the SASL
# password /DIR/NAME.json names a record outside the store; every message
# must give the command that works for it ("sasl-oauth2 login NAME --store
# DIR", which the test then runs) and never "sasl-oauth2 login /DIR/..."
# (refused as an account name) nor "set store_dir" (which does not apply).
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
. "$top_srcdir/tests/lib/store.sh"
t_tmpdir
t_plugin_env
t_store_setup
D=$T/relays
P=$D/relay.json

# no_bad_hint WHAT - the message names no unusable command
no_bad_hint() {
	t_not_contains "$all" "sasl-oauth2 login /" "$1: a path as the account"
	t_not_contains "$all" "set store_dir" "$1: store_dir does not apply"
	t_not_contains "$all" "doctor /" "$1: a path for doctor"
}

# The directory does not exist.
t_run_client -m XOAUTH2 -u $A -p "$P"
[ "$rc" != 0 ] || t_fail "missing directory: exit 0"
t_contains "$all" "mkdir -m 700 $D" "missing directory: the fix"
t_contains "$all" "sasl-oauth2 login relay --store $D" "missing directory: the login"
no_bad_hint "missing directory"

# The directory exists, the record does not.
mkdir -m 700 "$D"
t_run_client -m XOAUTH2 -u $A -p "$P"
[ "$rc" != 0 ] || t_fail "missing record: exit 0"
t_contains "$all" "create it with: sasl-oauth2 login relay --store $D" "missing record: the login"
no_bad_hint "missing record"

# The command given works, and the module then uses the record.
cmd=$(printf '%s\n' "$all" | sed -n 's/.*create it with: \(sasl-oauth2 login [^;]*\).*/\1/p' | head -1)
t_eq "$cmd" "sasl-oauth2 login relay --store $D" "the command given"
"$SO2_CLI" login relay --store "$D" >"$T/login2.out" 2>&1 \
	|| { cat "$T/login2.out" >&2; t_fail "the command given does not work"; }
[ -s "$P" ] || t_fail "the command given did not write $P"
t_run_client -m XOAUTH2 -u $A -p "$P"
t_eq "$rc" 0 "the record written by the command given"

# A dead grant: the login command for the path.
t_idp_admin POST /_admin/revoke '{"all": true}' >/dev/null || t_fail "revoke"
python3 - "$P" <<'PY'
import json, os, sys
p = sys.argv[1]; r = json.load(open(p)); r["expires_at"] = 1
open(p + ".t", "w").write(json.dumps(r)); os.chmod(p + ".t", 0o600); os.replace(p + ".t", p)
PY
t_run_client -m XOAUTH2 -u $A -p "$P"
[ "$rc" != 0 ] || t_fail "dead grant: exit 0"
t_contains "$all" "sasl-oauth2 login relay --store $D" "dead grant: the login"
no_bad_hint "dead grant"
t_run_client -m XOAUTH2 -u $A -p "$P"
t_contains "$all" "needs a new login" "dead grant, next attempt"
t_contains "$all" "sasl-oauth2 login relay --store $D" "dead grant, next attempt: the login"
no_bad_hint "dead grant, next attempt"
echo "PASS: hints for a record given by its path name commands that work"

# SPDX-License-Identifier: MIT
# store.sh - the token store tests: a logged-in account and its record
# (sourced after common.sh and idp.sh)
# shellcheck shell=bash
#
#   A                           the account (default relay@example.com)
#   t_store_setup [EMULATOR-ARGS...]
#                               emulator (auto-approving $A), configuration
#                               ($S_CONF_EXTRA in the global part), store,
#                               and a login of $A
#   t_rec_get KEY [FILE]        a member of the record (default: $A's)
#   t_rec_set KEY=JSON...       change members, atomically (temp + rename),
#                               as if time had passed; only between runs
#   t_rec_expire                the access token expired long ago
#   t_run_client ARGS...        tests/sasl-client; sets $out $rc $all

A=${A:-relay@example.com}

t_store_setup() {
	t_start_idp --auto-approve "$A" --interval 1 "$@"
	t_conf "${S_CONF_EXTRA:-}"
	t_store
	t_login "$A"
}

t_rec_get() {
	python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print("" if v is None else v)' \
		"${2:-$T/store/$A.json}" "$1"
}

t_rec_set() {
	python3 - "$T/store/$A.json" "$@" <<'PY'
import json, os, sys
p = sys.argv[1]; r = json.load(open(p))
for kv in sys.argv[2:]:
    k, v = kv.split("=", 1); r[k] = json.loads(v)
with open(p + ".t_rec_set", "w") as f:
    json.dump(r, f)
os.chmod(p + ".t_rec_set", 0o600); os.replace(p + ".t_rec_set", p)
PY
}

t_rec_expire() { t_rec_set expires_at=1; }

t_run_client() {
	out=$("$SO2_SASL_CLIENT" "$@" 2>"$T/stderr"); rc=$?
	all="$out
$(cat "$T/stderr")"
}

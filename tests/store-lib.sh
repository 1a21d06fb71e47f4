# store-lib.sh - helpers of the token store tests (sourced after tests/lib.sh)
# shellcheck shell=bash
#
#   s_setup [EMULATOR-ARGS...]  emulator, config ($S_CONF_EXTRA appended to
#                               the global part), store, and a login of $A
#   s_get KEY [FILE]            a member of the record (default: $A's)
#   s_set KEY=JSON...           change members, atomically (temp + rename),
#                               as if time had passed; only between runs
#   s_expire                    the access token expired long ago
#   s_requests                  token endpoint requests seen by the emulator
#   s_run ARGS...               tests/sasl-client; sets $out $rc $all

A=${A:-relay@example.com}

s_setup() {
	t_start_idp --auto-approve "$A" --interval 1 "$@"
	cat > "$SASL_OAUTH2_CONF" <<EOC
store_dir = $T/store
ca_file = $CA
${S_CONF_EXTRA:-}
[microsoft]
client_id = 11111111-2222-3333-4444-555555555555
tenant = organizations
authority = $IDP_URL
EOC
	mkdir -p "$T/store" && chmod 700 "$T/store"
	"$SO2_CLI" login "$A" >"$T/login.log" 2>&1 || { cat "$T/login.log"; t_fail "login"; }
}

s_get() {
	python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print("" if v is None else v)' \
		"${2:-$T/store/$A.json}" "$1"
}

s_set() {
	python3 - "$T/store/$A.json" "$@" <<'PY'
import json, os, sys
p = sys.argv[1]; r = json.load(open(p))
for kv in sys.argv[2:]:
    k, v = kv.split("=", 1); r[k] = json.loads(v)
with open(p + ".s_set", "w") as f:
    json.dump(r, f)
os.chmod(p + ".s_set", 0o600); os.replace(p + ".s_set", p)
PY
}

s_expire() { s_set expires_at=1; }

s_requests() {
	idp_admin GET /_admin/stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"]["token"])'
}

s_run() {
	out=$("$SO2_SASL_CLIENT" "$@" 2>"$T/stderr"); rc=$?
	all="$out
$(cat "$T/stderr")"
}

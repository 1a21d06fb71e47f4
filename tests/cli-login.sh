#!/bin/bash
# SPDX-License-Identifier: MIT
# cli-login.sh - the sasl-oauth2 command against the identity-provider emulator
#
# Automake test: exit 0 pass, 1 fail, 77 skip (no python3, openssl or curl).
# Makes a throwaway CA and starts tests/idp/idp-emulator.py on 127.0.0.1 with
# --auto-approve and --interval 1 (t_start_idp, tests/lib/idp.sh), and drives login, token, status, refresh
# and logout through a temporary configuration file whose authority is the
# emulator. Checks the record's mode, the token printed, the refresh count
# seen by the emulator, that a placeholder client id fails before any request,
# and the errors and exit codes for an unknown account. About 10 seconds.

. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
SO2=$SO2_CLI
CLIENT=11111111-2222-3333-4444-555555555555
ACCT=relay@example.com

[ -x "$SO2" ] || { echo "FAIL: $SO2 not built"; exit 1; }
t_tmpdir
trap 'exit 1' HUP INT TERM

fails=0
ok()   { echo "ok   $1"; }
fail() { echo "FAIL $1"; echo "     got:  $2"; echo "     want: $3"; fails=$((fails + 1)); }
check() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "$2" "$3"; fi; }
# check_like NAME GOT PATTERN (shell glob)
# shellcheck disable=SC2254 # PATTERN is a glob on purpose
check_like() { case $2 in $3) ok "$1" ;; *) fail "$1" "$2" "$3" ;; esac; }
# run NAME ARGS...: run the command; $rc, $T/out, $T/err
run() {
    _name=$1; shift
    "$SO2" --config "$T/conf" "$@" >"$T/out" 2>"$T/err"
    rc=$?
    printf '%s\n' "--- $_name: sasl-oauth2 $* (exit $rc)" >>"$T/log"
    case " $* " in
    *" token "*) echo "(stdout: $(wc -c <"$T/out") bytes, not shown)" >>"$T/log" ;;
    *) cat "$T/out" >>"$T/log" ;;
    esac
    cat "$T/err" >>"$T/log"
}
dump() { echo "---- command log ----"; cat "$T/log"; echo "---- emulator log ----"; cat "$T/idp.log"; }

# --- a throwaway CA and the emulator ------------------------------------------
t_start_idp --auto-approve "$ACCT" --interval 1
BASE=$IDP_URL

# admin METHOD PATH EXPR [JSON]: ask the emulator; print EXPR over d = reply
admin() {
    python3 - "$BASE$2" "$1" "${4:-}" "$3" "$CA" <<'PY'
import json, ssl, sys, urllib.request
url, method, body, expr, ca = sys.argv[1:6]
ctx = ssl.create_default_context(cafile=ca)
req = urllib.request.Request(url, method=method, data=body.encode() if body else None,
                             headers={"Content-Type": "application/json"})
d = json.load(urllib.request.urlopen(req, context=ctx, timeout=10))
v = eval(expr)
print(v if isinstance(v, str) else json.dumps(v))
PY
}
stats() { admin GET /_admin/stats "$1"; }

cat >"$T/conf" <<EOF
# written by tests/cli-login.sh
store_dir = $T/store
ca_file = $CA
refresh_margin = 300

[microsoft]
client_id = $CLIENT
tenant = organizations
authority = $BASE
EOF
REC=$T/store/$ACCT.json
# records: the record files in the store (lock files stay, by design)
records() { (cd "$T/store" && ls -- *.json 2>/dev/null); }

# --- login --------------------------------------------------------------------
run login login "$ACCT"
check "login: exit code" "$rc" 0
check_like "login: names the config file first" "$(head -n 1 "$T/err")" "Configuration: $T/conf"
check_like "login: names the device endpoint" "$(cat "$T/err")" \
    "*Device authorization endpoint: $BASE/organizations/oauth2/v2.0/devicecode*"
check_like "login: names the token endpoint" "$(cat "$T/err")" \
    "*Token endpoint: $BASE/organizations/oauth2/v2.0/token*"
check_like "login: default scope" "$(cat "$T/err")" \
    "*Scope: https://outlook.office.com/SMTP.Send offline_access*"
check_like "login: sign-in prompt" "$(cat "$T/err")" "*To sign in, open https://* and enter the code ????-????*"
check_like "login: result line" "$(cat "$T/out")" \
    "Logged in $ACCT; access token expires at * (in *); record $REC"
check "record: mode" "$(stat -c %a "$REC" 2>&1)" 600
check "store: mode" "$(stat -c %a "$T/store" 2>&1)" 700
check "record: grant_type" "$(t_rec_get grant_type "$REC")" device_code
check "record: client_auth" "$(t_rec_get client_auth "$REC")" none
check "record: token_endpoint" "$(t_rec_get token_endpoint "$REC")" "$BASE/organizations/oauth2/v2.0/token"
check "emulator: one device code grant" \
    "$(stats 'd["grants"]["urn:ietf:params:oauth:grant-type:device_code"]')" 1

# --- token --------------------------------------------------------------------
run token token "$ACCT"
check "token: exit code" "$rc" 0
check "token: one line on stdout" "$(wc -l <"$T/out")" 1
check "token: equals the record's access token" "$(cat "$T/out")" "$(t_rec_get access_token "$REC")"
check "token: nothing on stderr" "$(cat "$T/err")" ""
check "token: no refresh (token fresh)" "$(stats 'd["grants"]["refresh_token"]')" 0
out=$(SASL_OAUTH2_CONF=$T/conf "$SO2" token "$ACCT" 2>&1)
check "token: SASL_OAUTH2_CONF names the config" "$out" "$(t_rec_get access_token "$REC")"

# --- status -------------------------------------------------------------------
run status status
check "status: exit code" "$rc" 0
check_like "status: header" "$(head -n 1 "$T/out")" "ACCOUNT*STATE*ACCESS TOKEN*LAST REFRESH*LAST ERROR"
check_like "status: row" "$(sed -n 2p "$T/out")" "$ACCT*ok*in *ago*-"
run "status --json" status --json
check "status --json: exit code" "$rc" 0
check "status --json: state" \
    "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d[0]["account"], d[0]["state"], d[0]["has_refresh_token"])' "$T/out" 2>&1)" \
    "$ACCT ok True"
check "status --json: no token in the output" \
    "$(grep -c -F "$(t_rec_get access_token "$REC")" "$T/out")" 0

# --- refresh ------------------------------------------------------------------
old_rt=$(t_rec_get refresh_token "$REC")
old_at=$(t_rec_get access_token "$REC")
run refresh refresh "$ACCT"
check "refresh: exit code" "$rc" 0
check_like "refresh: line" "$(cat "$T/out")" "$ACCT: refreshed; access token expires at * (in *)"
check "refresh: emulator saw one refresh" "$(stats 'd["grants"]["refresh_token"]')" 1
new_rt=$(t_rec_get refresh_token "$REC")
if [ -n "$new_rt" ] && [ "$new_rt" != "$old_rt" ]; then ok "refresh: refresh token rotated"
else fail "refresh: refresh token rotated" "same or empty" "a new refresh token"; fi
if [ "$(t_rec_get access_token "$REC")" != "$old_at" ]; then ok "refresh: new access token"
else fail "refresh: new access token" "the old one" "a new one"; fi
run "token after refresh" token "$ACCT"
check "token after refresh: the new token" "$(cat "$T/out")" "$(t_rec_get access_token "$REC")"
run "refresh --all" refresh --all
check "refresh --all: exit code" "$rc" 0
check "refresh --all: emulator saw two refreshes" "$(stats 'd["grants"]["refresh_token"]')" 2

# --- a placeholder client id fails before any request ---------------------------
before=$(stats 'sum(d["requests"].values())')
run "login placeholder" login other@example.com --client-id YOUR_CLIENT_ID
check "placeholder: exit code (config)" "$rc" 78
check_like "placeholder: message" "$(cat "$T/err")" \
    "*other@example.com: client_id \"YOUR_CLIENT_ID\" looks like a placeholder*section ?microsoft? of $T/conf*"
check "placeholder: no request" "$(stats 'sum(d["requests"].values())')" "$before"
check "placeholder: no record" "$(records)" "$ACCT.json"
run "login empty client id" login other@example.com --client-id ""
check "empty client id: exit code" "$rc" 78
check "empty client id: no request" "$(stats 'sum(d["requests"].values())')" "$before"

# --- a client id the provider does not know: a configuration error -------------
run "login unknown client" login other@example.com --client-id 99999999-8888-7777-6666-555555555555
check "unknown client: exit code (config)" "$rc" 78
check_like "unknown client: message" "$(cat "$T/err")" \
    "*other@example.com: *AADSTS700016*check the client id and the tenant in section ?microsoft? of $T/conf*"
check "unknown client: no record" "$(records)" "$ACCT.json"

# --- a reply without refresh token writes nothing -------------------------------
# (the emulator, like Microsoft, sends one only when offline_access was asked)
# A scope without offline_access is refused before the user signs in.
before=$(admin GET /_admin/stats 'd["requests"].get("devicecode", 0)')
run "login without offline_access" login norefresh@example.com \
    --scope https://outlook.office.com/SMTP.Send
check "no offline_access: exit code (config)" "$rc" 78
check_like "no offline_access: message" "$(cat "$T/err")" "*lacks offline_access*add offline_access*"
after=$(admin GET /_admin/stats 'd["requests"].get("devicecode", 0)')
check "no offline_access: no sign-in started" "$after" "$before"
# A server that sends no refresh token anyway: nothing is written.
admin POST /_admin/config '"ok"' '{"omit_refresh_token_on_grant": true}' >/dev/null
run "login without refresh token" login norefresh@example.com
admin POST /_admin/config '"ok"' '{"omit_refresh_token_on_grant": false}' >/dev/null
check_like "no refresh token: exit code non-zero" "$rc" "[1-9]*"
check_like "no refresh token: message" "$(cat "$T/err")" "*no refresh token*offline_access*"
check "no refresh token: no record" "$(records)" "$ACCT.json"

# --- slow_down adds 5 s and the login still succeeds ---------------------------
admin POST /_admin/fault '"ok"' '{"endpoint": "token", "kind": "slow_down"}' >/dev/null
start=$(date +%s)
run "login with slow_down" -v login slow@example.com --protocol imap --protocol smtp
took=$(( $(date +%s) - start ))
check "slow_down: exit code" "$rc" 0
check_like "slow_down: verbose says so" "$(cat "$T/err")" "*slow_down: polling every 6 s*"
check_like "slow_down: waited the longer interval" "$took" "[6-9]"
check "slow_down: scope for two protocols" "$(t_rec_get scope "$T/store/slow@example.com.json")" \
    "https://outlook.office.com/SMTP.Send https://outlook.office.com/IMAP.AccessAsUser.All offline_access"

# --- nobody signs in: SIGTERM ends the login cleanly; the code expires ----------
admin POST /_admin/config '"ok"' '{"auto_approve": null}' >/dev/null
"$SO2" --config "$T/conf" login waiting@example.com >"$T/out" 2>"$T/err" &
lpid=$!
i=0
while ! grep -q "Waiting for the sign-in" "$T/err" 2>/dev/null && [ $i -lt 50 ]; do
    i=$((i + 1)); sleep 0.1
done
sleep 0.3    # between two polls (interval 1 s), not during a request
kill -TERM "$lpid" 2>/dev/null
wait "$lpid"
rc=$?
{ echo "--- login, then SIGTERM (exit $rc)"; cat "$T/out" "$T/err"; } >>"$T/log"
check "SIGTERM: exit code" "$rc" 130
check_like "SIGTERM: message" "$(cat "$T/err")" "*waiting@example.com: login cancelled; nothing was written*"
check "SIGTERM: no record" "$(records)" "$ACCT.json
slow@example.com.json"
admin POST /_admin/config '"ok"' '{"device_code_lifetime": 2}' >/dev/null
run "login, code expires" login waiting@example.com
admin POST /_admin/config '"ok"' '{"device_code_lifetime": 900, "auto_approve": "'"$ACCT"'"}' >/dev/null
check "code expired: exit code (login needed)" "$rc" 77
check_like "code expired: message" "$(cat "$T/err")" "*waiting@example.com: *expired*"

# --- as root, --user gives the store and the record to a user ----------------
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
    run "login --user" --store "$T/store2" login "$ACCT" --user nobody
    check "--user: exit code" "$rc" 0
    check "--user: store owner and mode" "$(stat -c '%U %a' "$T/store2" 2>&1)" "nobody 700"
    check "--user: record owner and mode" "$(stat -c '%U %a' "$T/store2/$ACCT.json" 2>&1)" \
        "nobody 600"
    run "login --user unknown" --store "$T/store2" login "$ACCT" --user no-such-user-here
    check "--user unknown: exit code" "$rc" 64
else
    echo "skip --user checks (not root)"
fi

# --- unknown accounts -----------------------------------------------------------
run "token unknown" token nobody@example.com
check "token unknown: exit code (not found)" "$rc" 66
check "token unknown: nothing on stdout" "$(cat "$T/out")" ""
check "token unknown: one line on stderr" "$(wc -l <"$T/err")" 1
check_like "token unknown: message" "$(cat "$T/err")" "sasl-oauth2: nobody@example.com: *"
run "status unknown" status nobody@example.com
check "status unknown: exit code (attention)" "$rc" 1
check_like "status unknown: row" "$(sed -n 2p "$T/out")" "nobody@example.com*missing*"
run "refresh unknown" refresh "$ACCT" nobody@example.com
check "refresh unknown: exit code" "$rc" 66
run "logout unknown" logout nobody@example.com
check "logout unknown: exit code" "$rc" 66
run "bad usage" token
check "usage: exit code" "$rc" 64

# --- logout -----------------------------------------------------------------------
run logout logout "$ACCT" slow@example.com
check "logout: exit code" "$rc" 0
check "logout: records gone" "$(records)" ""
run "status empty" status
check "status empty: exit code" "$rc" 0

# CLI_LOGIN_DUMP=1 shows the command and emulator logs even on success.
if [ "$fails" -ne 0 ] || [ -n "${CLI_LOGIN_DUMP:-}" ]; then
    dump
fi
if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "all checks passed"
exit 0

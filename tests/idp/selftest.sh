#!/bin/sh
# SPDX-License-Identifier: MIT
# Self-test of the identity-provider emulator (tests/idp/idp-emulator.py).
# Automake test protocol: exit 0 = pass, 1 = fail, 77 = skip (no python3/openssl/curl).
# Generates a throwaway CA and server certificate, starts the emulator on a
# random port and drives it with curl.  Runs in a few seconds.

set -u
here=$(cd "$(dirname "$0")" && pwd)
for tool in python3 openssl curl; do
    command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not found"; exit 77; }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/idp-selftest.XXXXXX") || exit 1
pid= hpid=
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
    if [ -n "$hpid" ]; then exec 3>&- 4<&-; kill "$hpid" 2>/dev/null; wait "$hpid" 2>/dev/null; fi
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

fails=0
ok()   { echo "ok   $1"; }
fail() { echo "FAIL $1"; echo "     got:  $2"; echo "     want: $3"; fails=$((fails + 1)); }
check() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "$2" "$3"; fi; }
# check_like NAME GOT PATTERN   (shell glob pattern)
check_like() { case $2 in $3) ok "$1" ;; *) fail "$1" "$2" "$3" ;; esac; }

# --- certificates -----------------------------------------------------------
gen() { openssl "$@" >"$T/openssl.log" 2>&1 || { cat "$T/openssl.log"; echo "FAIL: openssl $1"; exit 1; }; }
EC="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
gen req -x509 $EC -keyout "$T/ca.key" -out "$T/ca.pem" -days 2 -subj /CN=idp-selftest-ca \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
gen req $EC -keyout "$T/srv.key" -out "$T/srv.csr" -subj /CN=127.0.0.1
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$T/ext.cnf"
gen x509 -req -in "$T/srv.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial -out "$T/srv.pem" \
    -days 2 -extfile "$T/ext.cnf"
# certificate of a confidential client using client assertions (RSA for RS256/PS256)
gen req -x509 -newkey rsa:2048 -nodes -keyout "$T/app.key" -out "$T/app.pem" -days 2 -subj /CN=idp-selftest-app

# --- start the emulator -------------------------------------------------------
PUB=11111111-2222-3333-4444-555555555555
CONF=22222222-aaaa-bbbb-cccc-000000000001
CERTAPP=22222222-aaaa-bbbb-cccc-000000000002
python3 "$here/idp-emulator.py" --cert "$T/srv.pem" --key "$T/srv.key" --port 0 --port-file "$T/port" \
    --client "$CONF:s3cret:with:colons" --client-cert "$CERTAPP:$T/app.pem" --unknown-tenant nosuchtenant \
    --log "$T/idp.log" &
pid=$!
i=0
while [ ! -s "$T/port" ]; do
    i=$((i + 1))
    if [ $i -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
        echo "FAIL: emulator did not start"; cat "$T/idp.log" 2>/dev/null; exit 1
    fi
    sleep 0.1
done
BASE=https://127.0.0.1:$(cat "$T/port")
TOKEN_URL=$BASE/organizations/oauth2/v2.0/token
echo "emulator at $BASE"

# --- helpers --------------------------------------------------------------------
# req METHOD PATH [curl args]: sets $status; body in $T/body, headers in $T/hdr
req() {
    _m=$1 _p=$2; shift 2
    status=$(curl -sS --max-time 10 --cacert "$T/ca.pem" -X "$_m" -o "$T/body" -D "$T/hdr" \
        -w '%{http_code}' "$@" "$BASE$_p" 2>"$T/curl.err") || status="curl-error($(cat "$T/curl.err"))"
}
token() { req POST /organizations/oauth2/v2.0/token "$@"; }
admin() { req POST "/_admin/$1" -H 'Content-Type: application/json' --data "$2"; }
# j EXPR: evaluate a Python expression in a helper process (one python3 for the
# whole run: starting one per check would be slow).  d = the JSON body of the
# last response, claims(JWT) = its payload, hdr(NAME) = a response header,
# qs(URL) = a URL's query parameters.  Strings print raw, others as JSON.
mkfifo "$T/q" "$T/a" || exit 1
python3 -S -c 'import base64, json, sys, urllib.parse as up
T = sys.argv[1]
def body():
    try:
        with open(T + "/body") as f: return json.load(f)
    except ValueError: return "<not json>"
def claims(tok):
    p = tok.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
def hdr(name):
    with open(T + "/hdr") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k.strip().lower() == name.lower(): return v.strip()
    return ""
def qs(url): return dict(up.parse_qsl(up.urlsplit(url).query))
for line in sys.stdin:
    try: v = eval(line, {"d": body(), "claims": claims, "hdr": hdr, "qs": qs})
    except Exception as e: v = "<%s %s>" % (type(e).__name__, e)
    print((v if isinstance(v, str) else json.dumps(v)).replace("\n", "\\n"), flush=True)' "$T" <"$T/q" >"$T/a" &
hpid=$!
exec 3>"$T/q" 4<"$T/a"
j() { printf '%s\n' "$1" >&3; IFS= read -r _r <&4; printf '%s\n' "$_r"; }
# oauth error summary: "STATUS error code"
err() { echo "$status $(j '"%s %s" % (d["error"], d["error_codes"][0])')"; }
b64u() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

SCOPE='https://outlook.office.com/SMTP.Send offline_access'

# --- device authorization grant ------------------------------------------------------
req POST /organizations/oauth2/v2.0/devicecode -d client_id=$PUB --data-urlencode "scope=$SCOPE"
check "devicecode status" "$status" 200
UC=$(j 'd["user_code"]'); DC=$(j 'd["device_code"]')
check_like "devicecode user_code format" "$UC" '[A-Z][A-Z][A-Z][A-Z]-[A-Z][A-Z][A-Z][A-Z]'
check "devicecode uri/interval/expiry" "$(j '[d["verification_uri"], d["interval"], d["expires_in"]]')" \
    "[\"$BASE/device\", 5, 900]"
check_like "devicecode message" "$(j 'd["message"]')" "To sign in, use a web browser to open the page $BASE/device and enter the code $UC to authenticate."

poll() { token -d grant_type=urn:ietf:params:oauth:grant-type:device_code -d client_id=$PUB -d "device_code=$1"; }
poll "$DC"
check "device poll before approval" "$(err)" "400 authorization_pending 70016"
check_like "error_description shape" "$(j 'd["error_description"]')" "AADSTS70016: *Trace ID: *Correlation ID: *Timestamp: 20*Z"
admin device/approve "{\"user_code\":\"$UC\",\"upn\":\"relay@example.com\"}"
check "approve" "$status $(j 'd["approved"]')" "200 [\"$UC\"]"
poll "$DC"
check "device token" "$status $(j '[d["token_type"], d["scope"], d["expires_in"], "refresh_token" in d]')" \
    '200 ["Bearer", "https://outlook.office.com/SMTP.Send", 3600, true]'
AT1=$(j 'd["access_token"]'); RT1=$(j 'd["refresh_token"]')
check "access token claims" "$(j '[(c["aud"], c["upn"], c["scp"], c["idtyp"], c["ver"]) for c in [claims(d["access_token"])]][0]')" \
    '["https://outlook.office.com", "relay@example.com", "SMTP.Send", "user", "1.0"]'
check_like "access token size ~1.5 KB" "${#AT1}" '1[4-9][0-9][0-9]'
poll "$DC"
check "device code is single use" "$(err)" "400 invalid_grant 54005"
poll "nonsense"
check "unknown device code" "$(err)" "400 bad_verification_code 70018"

# declined device code
req POST /organizations/oauth2/v2.0/devicecode -d client_id=$PUB --data-urlencode "scope=$SCOPE"
DC2=$(j 'd["device_code"]')
admin device/decline '{}'
poll "$DC2"
check "declined device code" "$(err)" "400 authorization_declined 65004"

# --- refresh with rotation ---------------------------------------------------------------
refresh() { _rt=$1; shift; token -d grant_type=refresh_token -d client_id=$PUB --data-urlencode "refresh_token=$_rt" "$@"; }
refresh "$RT1"
RT2=$(j 'd.get("refresh_token", "")')
check "refresh" "$status $(j 'd["scope"]')" "200 https://outlook.office.com/SMTP.Send"
check "refresh rotates the refresh token" "$([ -n "$RT2" ] && [ "$RT2" != "$RT1" ] && echo rotated)" rotated
req GET /_admin/grants
check "grant generation after one refresh" "$(j '[(g["generation"], g["refresh_token_prefix"]) for g in d]')" \
    "[[2, \"$(printf %.6s "$RT2")\"]]"
req GET /_admin/stats
check "refresh counters" "$(j '[d["grants"]["refresh_token"], d["grants"]["urn:ietf:params:oauth:grant-type:device_code"], d["live_refresh_tokens"]]')" \
    "[1, 1, 2]"
refresh "$RT1"
check "rotated-out token still valid (lenient)" "$status" 200
RT3=$(j 'd["refresh_token"]')
refresh "$RT3" --data-urlencode "scope=https://outlook.office.com/IMAP.AccessAsUser.All"
check "refresh with a scope not granted" "$(err) $(j 'd.get("suberror")')" "400 invalid_grant 65001 consent_required"

admin config '{"strict_rotation": true}'
check "config strict_rotation" "$status $(j 'd["strict_rotation"]')" "200 true"
refresh "$RT1"
check "strict rotation rejects an old refresh token" "$(err)" "400 invalid_grant 70000"
refresh "$RT3"
check "strict rotation accepts the newest token" "$status" 200
RT4=$(j 'd["refresh_token"]'); AT4=$(j 'd["access_token"]')
req GET /_admin/stats
check "live refresh tokens under strict rotation" "$(j 'd["live_refresh_tokens"]')" 1

# --- introspection and revocation ----------------------------------------------------------
req POST /introspect --data-urlencode "token=$AT4"
check "introspect live token" "$status $(j '[d["active"], d["upn"], d["scope"], d["client_id"]]')" \
    "200 [true, \"relay@example.com\", \"SMTP.Send\", \"$PUB\"]"
req POST /introspect --data-urlencode "token=$AT4"x
check "introspect tampered token" "$(j 'd')" '{"active": false}'
admin revoke '{"upn": "relay@example.com"}'
check "revoke" "$status $(j 'd["revoked_grants"]')" "200 1"
refresh "$RT4"
check "refresh after revocation" "$(err)" "400 invalid_grant 50173"
req POST /introspect --data-urlencode "token=$AT4"
check "introspect revoked token" "$(j 'd')" '{"active": false}'
req GET /_admin/stats
check "introspect counter" "$(j 'd["requests"]["introspect"]')" 3

# --- fault injection -------------------------------------------------------------------
admin fault '{"endpoint": "token", "kind": "http500"}'
refresh "$RT4"
check "injected http500" "$(err)" "500 server_error 50000"
refresh "$RT4"
check "fault used up after one request" "$(err)" "400 invalid_grant 50173"
admin fault '{"endpoint": "any", "kind": "http429", "retry_after": 7}'
req POST /organizations/oauth2/v2.0/devicecode -d client_id=$PUB --data-urlencode "scope=$SCOPE"
check "injected http429" "$status $(j 'hdr("Retry-After")')" "429 7"
admin fault '{"endpoint": "token", "kind": "close", "count": -1}'
refresh "$RT4"
check_like "injected close" "$status" 'curl-error*'
admin fault/clear '{}'
check "fault clear" "$status $(j 'd["cleared"]')" "200 1"

# --- client credentials -------------------------------------------------------------------
APPSCOPE=https://outlook.office365.com/.default
token -d grant_type=client_credentials -d client_id=$CONF -d client_secret=s3cret:with:colons -d scope=$APPSCOPE
check "client_credentials with secret" "$status $(j '[d["token_type"], "refresh_token" in d]')" '200 ["Bearer", false]'
check "app-only token claims" "$(j '[(c["aud"], c["idtyp"], c["roles"], "scp" in c, "upn" in c) for c in [claims(d["access_token"])]][0]')" \
    '["https://outlook.office365.com", "app", ["SMTP.SendAsApp"], false, false]'
token -d grant_type=client_credentials -d client_id=$CONF -d client_secret=wrong -d scope=$APPSCOPE
check "client_credentials with a wrong secret" "$(err)" "401 invalid_client 7000215"
token -d grant_type=client_credentials -d client_id=$CONF -d scope=$APPSCOPE
check "confidential client without a secret" "$(err)" "401 invalid_client 7000218"
token -d grant_type=client_credentials -d client_id=$CONF -d client_secret=s3cret:with:colons \
    --data-urlencode "scope=https://outlook.office365.com/SMTP.SendAsApp"
check "client_credentials scope without /.default" "$(err)" "400 invalid_scope 1002012"
token -d grant_type=client_credentials -d client_id=$PUB -d client_secret=x -d scope=$APPSCOPE
check "public client sending a secret" "$(err)" "401 invalid_client 700025"

# client assertions (RS256 and PS256, verified against the registered certificate)
THUMB=$(openssl x509 -in "$T/app.pem" -outform DER | openssl dgst -sha256 -binary | b64u)
# assertion ALG EXP_OFFSET [extra openssl dgst options]
assertion() {
    _alg=$1 _exp=$(($(date +%s) + $2)); shift 2
    _h=$(printf '{"alg":"%s","typ":"JWT","x5t#S256":"%s"}' "$_alg" "$THUMB" | b64u)
    _c=$(printf '{"aud":"%s","iss":"%s","sub":"%s","exp":%d,"nbf":%d,"jti":"%s"}' \
        "$TOKEN_URL" "$CERTAPP" "$CERTAPP" "$_exp" "$(($(date +%s) - 5))" "$$-$_exp" | b64u)
    _s=$(printf '%s.%s' "$_h" "$_c" | openssl dgst -sha256 -sign "$T/app.key" "$@" -binary | b64u)
    printf '%s.%s.%s' "$_h" "$_c" "$_s"
}
cc_assert() {
    token -d grant_type=client_credentials -d client_id=$CERTAPP -d scope=$APPSCOPE \
        -d client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer -d "client_assertion=$1"
}
cc_assert "$(assertion RS256 300)"
check "client assertion RS256" "$status $(j 'claims(d["access_token"])["appidacr"]')" "200 2"
cc_assert "$(assertion PS256 300 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest)"
check "client assertion PS256" "$status" 200
A=$(assertion RS256 300)
cc_assert "${A%?????}AAAAA"
check "client assertion with a bad signature" "$(err)" "401 invalid_client 700027"
cc_assert "$(assertion RS256 -60)"
check "expired client assertion" "$(err)" "401 invalid_client 700024"

# --- authorization code + PKCE ------------------------------------------------------------
VERIFIER=selftest-verifier-0123456789-abcdefghijklmnopqrstuvwxyz
CHALLENGE=$(printf %s "$VERIFIER" | openssl dgst -sha256 -binary | b64u)
authorize() {
    req GET "/organizations/oauth2/v2.0/authorize?client_id=$PUB&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A9%2Fcb&scope=https%3A%2F%2Foutlook.office.com%2FIMAP.AccessAsUser.All%20offline_access&state=st8&code_challenge=$CHALLENGE&code_challenge_method=S256$1"
    LOCATION=$(j 'hdr("Location")')
    CODE=$(j 'qs(hdr("Location")).get("code", "")')
}
authorize "&login_hint=alice%40example.net"
check_like "authorize redirects with code and state" "$status $LOCATION" "302 http://localhost:9/cb?code=*&state=st8*"
redeem() { token -d grant_type=authorization_code -d client_id=$PUB --data-urlencode "code=$CODE" \
    --data-urlencode redirect_uri=http://localhost:9/cb -d "code_verifier=$1"; }
redeem "$VERIFIER"
check "authorization_code with PKCE" "$status $(j 'claims(d["access_token"])["upn"]')" "200 alice@example.net"
redeem "$VERIFIER"
check "authorization code is single use" "$(err)" "400 invalid_grant 54005"
authorize "&login_hint=alice%40example.net"
redeem "wrong-verifier-0123456789-abcdefghijklmnopqrstuvwxyz"
check "PKCE mismatch" "$(err)" "400 invalid_grant 501481"
authorize ""
check_like "authorize without a user" "$status $LOCATION" "302 http://localhost:9/cb?error=login_required&*state=st8*"

# --- switches ---------------------------------------------------------------------------------
admin config '{"expires_in_as_string": true, "omit_refresh_token": true, "auto_approve": "relay@example.com", "strict_rotation": false}'
req POST /organizations/oauth2/v2.0/devicecode -d client_id=$PUB --data-urlencode "scope=$SCOPE"
poll "$(j 'd["device_code"]')"
check "auto-approve + expires_in as string" "$status $(j '[d["expires_in"], "refresh_token" in d]')" '200 ["3600", true]'
refresh "$(j 'd["refresh_token"]')"
check "omit_refresh_token" "$status $(j '"refresh_token" in d')" "200 false"

# --- robustness ------------------------------------------------------------------------------
token -d grant_type=refresh_token -d client_id=99999999-0000-0000-0000-000000000000 -d refresh_token=x
check "unknown client" "$(err)" "400 unauthorized_client 700016"
req POST /nosuchtenant/oauth2/v2.0/token -d grant_type=refresh_token
check "unknown tenant" "$(err)" "400 invalid_request 90002"
token -d grant_type=password -d client_id=$PUB
check "unsupported grant type" "$(err)" "400 unsupported_grant_type 70003"
token -d client_id=$PUB
check "missing grant_type" "$(err)" "400 invalid_request 900144"
token --data-binary 'grant_type=refresh_token&client_id=%FF%FE'
check "malformed form" "$(err)" "400 invalid_request 9002313"
token -d grant_type=refresh_token -d grant_type=refresh_token
check "duplicate parameter" "$(err)" "400 invalid_request 9002313"
req GET /no/such/path
check "unknown path" "$status $(j 'd["error"]')" "404 not_found"
head -c 70000 /dev/zero | tr '\0' a >"$T/big"
token --data-binary "@$T/big"
check "oversized body" "$status" 413
req GET /_admin/stats
check "error counters" "$(j '[d["errors"]["invalid_client"], d["errors"]["authorization_pending"], d["faults_injected"]]')" "[5, 1, 3]"

# --- no secrets in the log --------------------------------------------------------------------
leaks=0
for secret in "$RT1" "$RT2" "$AT1" "$AT4" "$DC" "s3cret:with:colons"; do
    [ -n "$secret" ] && grep -qF -- "$secret" "$T/idp.log" && leaks=$((leaks + 1))
done
check "no token or secret in the log" "$leaks" 0

# --- clean shutdown ------------------------------------------------------------------------------
kill -TERM "$pid"
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$pid" 2>/dev/null; then
    check "stops on SIGTERM" running stopped
else
    wait "$pid"; rc=$?; pid=
    check "stops on SIGTERM" "exit $rc" "exit 0"
fi

if [ $fails -ne 0 ]; then
    echo "--- emulator log (tail) ---"; tail -n 40 "$T/idp.log"
    echo "$fails check(s) failed"; exit 1
fi
echo "all checks passed"
exit 0

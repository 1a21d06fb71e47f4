#!/bin/bash
# SPDX-License-Identifier: MIT
# cli-grants.sh - every grant of `sasl-oauth2 login` against the emulator,
# with the failures a mail administrator meets, and `inspect`:
#   - client credentials with a secret (file, standard input), renewed by
#     `token` and by the SASL module when the token expires (one request
#     for many racing processes); AADSTS7000215, 7000222, 700016, 65001;
#     refusals before any request (tenant alias, public client, mode 0644);
#   - client credentials with a certificate: PS256, RS256, an unregistered
#     certificate (AADSTS700027), a key others can read, a key that does not
#     match the certificate;
#   - authorization code with PKCE: loopback listener (a request with a
#     foreign state is ignored), paste mode (good, foreign state, an error
#     redirect), no refresh token without offline_access, Google's extras;
#   - device grant for a confidential (Google-style) client with a secret;
#   - the warnings after login (Graph audience, missing permission, another
#     user, no app role) and inspect / inspect --json.
# About 20 seconds. Exit 0 pass, 1 fail, 77 skip.
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
t_tmpdir
t_plugin_env
command -v openssl >/dev/null || t_skip "openssl not installed"

CC=22222222-aaaa-bbbb-cccc-000000000001		# confidential, secret
CERTC=22222222-aaaa-bbbb-cccc-000000000002	# confidential, certificate
PUB=11111111-2222-3333-4444-555555555555	# the emulator's public client
SECRET='Qx8~s3cr3t.Value_of-the-app'
TENANT=contoso.onmicrosoft.com

# A certificate registered with CERTC, and another one that is not.
for n in app other; do
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/$n.key" -out "$T/$n.pem" \
		-days 2 -subj "/CN=sasl-oauth2 test $n" >/dev/null 2>&1 || t_fail "openssl $n"
	chmod 600 "$T/$n.key"
done
t_start_idp --auto-approve relay@example.com --interval 1 \
	--client "$CC:$SECRET" --client-cert "$CERTC:$T/app.pem"

cat > "$SASL_OAUTH2_CONF" <<EOC
store_dir = $T/store
ca_file = $CA
[microsoft]
client_id = $PUB
tenant = organizations
authority = $IDP_URL
EOC
printf '%s\n' "$SECRET" > "$T/secret" && chmod 600 "$T/secret"
printf 'not-the-secret\n' > "$T/wrong" && chmod 600 "$T/wrong"

# so2 ARGS...: run the command; $rc, $out, $err
so2() {
	"$SO2_CLI" "$@" >"$T/out" 2>"$T/err"; rc=$?
	out=$(cat "$T/out"); err=$(cat "$T/err")
	printf -- '--- sasl-oauth2 %s (exit %s)\n%s\n' "$*" "$rc" "$err" >>"$T/log"
}
requests() {
	t_idp_admin GET /_admin/stats | python3 -c 'import json,sys; print(sum(json.load(sys.stdin)["requests"].values()))'
}
fail_dump() { cat "$T/log" >&2; t_fail "$@"; }
check() { [ "$1" = "$2" ] || fail_dump "$3: got '$1', want '$2'"; }
like() { case "$1" in $2) ;; *) fail_dump "$3: got '$1', want '$2'" ;; esac; }

CCARGS=(--grant client-credentials --client-id "$CC" --tenant "$TENANT")

# --- client credentials with a secret file ---------------------------------
so2 login app@example.com "${CCARGS[@]}" --client-secret-file "$T/secret"
check "$rc" 0 "cc secret: exit"
like "$err" "*Grant: client_credentials*" "cc secret: grant named"
like "$err" "*Token endpoint: $IDP_URL/$TENANT/oauth2/v2.0/token*" "cc secret: endpoint"
like "$err" "*Scope: https://outlook.office365.com/.default*" "cc secret: app scope"
like "$err" "*Client authentication: client secret from $T/secret*" "cc secret: auth named"
t_not_contains "$err$out" "$SECRET" "cc secret: secret shown"
like "$out" "Logged in app@example.com; access token expires at *" "cc secret: result"
check "$(t_rec_get grant_type app@example.com)" client_credentials "cc secret: grant_type"
check "$(t_rec_get client_auth app@example.com)" secret "cc secret: client_auth"
check "$(t_rec_get client_secret_file app@example.com)" "$T/secret" "cc secret: secret file"
check "$(t_rec_get refresh_token app@example.com)" "" "cc secret: no refresh token"
check "$(stat -c %a "$T/store/app@example.com.json")" 600 "cc secret: record mode"
check "$(t_idp_grants client_credentials)" 1 "cc secret: one request"

# renewal with the same grant: token, then 6 racing processes, then the module
t_rec_expire app@example.com
old=$(t_rec_get access_token app@example.com)
so2 token app@example.com
check "$rc" 0 "cc renew by token: exit"
check "$out" "$(t_rec_get access_token app@example.com)" "cc renew: token printed"
[ "$out" != "$old" ] || fail_dump "cc renew: the old token came back"
check "$(t_idp_grants client_credentials)" 2 "cc renew: one new request"
t_rec_expire app@example.com
pids=
for i in 1 2 3 4 5 6; do "$SO2_CLI" token app@example.com >"$T/race.$i" 2>&1 & pids="$pids $!"; done
for p in $pids; do wait "$p"; done
check "$(t_idp_grants client_credentials)" 3 "cc race: one request for six processes"
for i in 1 2 3 4 5 6; do
	check "$(cat "$T/race.$i")" "$(t_rec_get access_token app@example.com)" "cc race $i: token"
done
t_rec_expire app@example.com
r=$("$SO2_SASL_CLIENT" -m XOAUTH2 -u app@example.com -p "" 2>&1) || fail_dump "module: $r"
check "$(t_idp_grants client_credentials)" 4 "cc renew by the module"
like "$r" "*start * *" "module: initial response"
t_rec_expire app@example.com
so2 status app@example.com
check "$rc" 0 "cc expired: status needs no attention"
like "$out" "*app@example.com*refresh_due*" "cc expired: status row"
so2 refresh app@example.com
check "$rc" 0 "cc refresh: exit ($err)"
check "$(t_idp_grants client_credentials)" 5 "cc renewed by refresh"

# secret on standard input: kept in the store, 0600; never on the command line
printf '%s\n' "$SECRET" | "$SO2_CLI" login stdin@example.com "${CCARGS[@]}" \
	--client-secret-stdin >"$T/out" 2>"$T/err"; rc=$?
check "$rc" 0 "cc stdin: exit ($(cat "$T/err"))"
check "$(t_rec_get client_secret_file stdin@example.com)" "stdin@example.com.secret" \
	"cc stdin: secret file"
check "$(stat -c %a "$T/store/stdin@example.com.secret")" 600 "cc stdin: secret mode"
check "$(cat "$T/store/stdin@example.com.secret")" "$SECRET" "cc stdin: secret kept"
check "$(ls -A "$T/store" | grep -c '\.new$')" 0 "cc stdin: no temporary file left"
t_rec_expire stdin@example.com
so2 token stdin@example.com
check "$rc" 0 "cc stdin renewal (secret read through the store's descriptor): exit ($err)"
so2 logout stdin@example.com
like "$out" "Logged out stdin@example.com: removed */stdin@example.com.json and stdin@example.com.secret" \
	"logout: the kept secret goes too"
[ ! -e "$T/store/stdin@example.com.secret" ] || fail_dump "logout left the client secret"
so2 login x@example.com "${CCARGS[@]}" --client-secret "$SECRET"
check "$rc" 64 "secret on the command line: refused"

# failures the administrator meets, with what to do
n0=$(requests)
so2 login a2@example.com --grant client-credentials --client-id "$CC" --client-secret-file "$T/secret"
check "$rc" 78 "cc tenant alias: exit"
like "$err" "*needs your tenant id or domain, not \"organizations\"*" "cc tenant alias: message"
so2 login a2@example.com --grant client-credentials --tenant "$TENANT"
check "$rc" 64 "cc public client: exit"
like "$err" "*needs the client's credentials*" "cc public client: message"
chmod 644 "$T/wrong"
so2 login a2@example.com "${CCARGS[@]}" --client-secret-file "$T/wrong"
check "$rc" 78 "cc secret mode 0644: exit"
like "$err" "*others can read it; run: chmod 600 $T/wrong*" "cc secret mode: message"
chmod 600 "$T/wrong"
check "$(requests)" "$n0" "refusals: no request sent"
so2 login a2@example.com "${CCARGS[@]}" --client-secret-file "$T/wrong"
check "$rc" 78 "AADSTS7000215: exit"
like "$err" "*AADSTS7000215*; fix: put the secret's Value, not its Secret ID, in the client secret file" \
	"AADSTS7000215: message"
# The advice comes from the one table (diagnose.h), once and whole: login's own
# hint table gave it a second time and cut the first copy ("in the clien").
check "$(grep -o 'Secret ID' <<<"$err" | wc -l)" 1 "AADSTS7000215: the advice once"
t_not_contains "$err" "not-the-secret" "AADSTS7000215: secret shown"
t_idp_admin POST /_admin/fault '{"endpoint":"token","kind":"expired_secret"}' >/dev/null
so2 login a2@example.com "${CCARGS[@]}" --client-secret-file "$T/secret"
check "$rc" 78 "AADSTS7000222: exit"
like "$err" "*AADSTS7000222*the client secret has expired*Certificates & secrets*" \
	"AADSTS7000222: message"
so2 login a2@example.com --grant client-credentials --tenant "$TENANT" \
	--client-id 99999999-8888-7777-6666-555555555555 --client-secret-file "$T/secret"
check "$rc" 78 "AADSTS700016: exit"
like "$err" "*AADSTS700016*check the client id and the tenant in section ?microsoft? of*" \
	"AADSTS700016: message"
t_idp_admin POST /_admin/fault '{"endpoint":"token","kind":"consent_required"}' >/dev/null
so2 login a2@example.com "${CCARGS[@]}" --client-secret-file "$T/secret"
check "$rc" 78 "AADSTS65001: exit"
like "$err" "*AADSTS65001*admin consent*" "AADSTS65001: message"
[ ! -e "$T/store/a2@example.com.json" ] || fail_dump "failed logins wrote a record"

# --- client credentials with a certificate ------------------------------------
CERTARGS=(--grant client-credentials --client-id "$CERTC" --tenant "$TENANT")
so2 -v login cert@example.com "${CERTARGS[@]}" --certificate "$T/app.pem" --private-key "$T/app.key"
check "$rc" 0 "cert PS256: exit ($err)"
like "$err" "*Client authentication: certificate $T/app.pem (x5t#S256 *), key $T/app.key, PS256*" \
	"cert: named"
check "$(t_rec_get client_auth cert@example.com)" certificate "cert: client_auth"
check "$(t_rec_get assertion_alg cert@example.com)" PS256 "cert: alg"
check "$(t_rec_get private_key_file cert@example.com)" "$T/app.key" "cert: key file"
t_rec_expire cert@example.com
so2 token cert@example.com
check "$rc" 0 "cert renew: exit ($err)"
so2 login cert-rs@example.com "${CERTARGS[@]}" --certificate "$T/app.pem" \
	--private-key "$T/app.key" --assertion-alg RS256
check "$rc" 0 "cert RS256: exit ($err)"
check "$(grep -c 'client assertion ok' "$T/idp.log")" 3 "emulator verified three assertions"
# key and certificate kept in the store: the record names them relative to it
cp "$T/app.key" "$T/app.pem" "$T/store/" && chmod 600 "$T/store/app.key"
so2 login instore@example.com "${CERTARGS[@]}" --certificate "$T/store/app.pem" \
	--private-key "$T/store/app.key"
check "$rc" 0 "cert in the store: exit ($err)"
check "$(t_rec_get private_key_file instore@example.com)" app.key "cert in the store: relative key"
check "$(t_rec_get certificate_file instore@example.com)" app.pem "cert in the store: relative cert"
t_rec_expire instore@example.com
so2 token instore@example.com
check "$rc" 0 "cert in the store: renewal through the store ($err)"
so2 login bad@example.com "${CERTARGS[@]}" --certificate "$T/other.pem" --private-key "$T/other.key"
check "$rc" 78 "AADSTS700027: exit"
like "$err" "*AADSTS700027*certificate is not registered*upload the certificate*" \
	"AADSTS700027: message"
n0=$(requests)
chmod 644 "$T/app.key"
so2 login bad@example.com "${CERTARGS[@]}" --certificate "$T/app.pem" --private-key "$T/app.key"
check "$rc" 78 "key mode 0644: exit"
like "$err" "*private key file $T/app.key has mode 0644*chmod 600 $T/app.key*" "key mode: message"
chmod 600 "$T/app.key"
so2 login bad@example.com "${CERTARGS[@]}" --certificate "$T/other.pem" --private-key "$T/app.key"
check "$rc" 78 "key/cert mismatch: exit"
like "$err" "*certificate $T/other.pem does not belong to the private key $T/app.key*" \
	"key/cert mismatch: message"
so2 login bad@example.com "${CERTARGS[@]}" --certificate "$T/app.pem"
check "$rc" 64 "cert without key: exit"
check "$(requests)" "$n0" "key problems: no request sent"
chmod 644 "$T/app.key"
t_rec_expire cert@example.com
so2 token cert@example.com
check "$rc" 78 "renewal with a readable key: exit"
like "$err" "*cert@example.com: private key file $T/app.key has mode 0644*" "renewal key mode: message"
chmod 600 "$T/app.key"

# --- authorization code with PKCE, loopback --------------------------------------
# code_login ARGS...: start a code login in the background; $lpid; URL in $url
code_login() {
	: > "$T/cerr"
	"$SO2_CLI" login "$@" --grant code --no-browser --timeout 30 >"$T/cout" 2>"$T/cerr" &
	lpid=$!
	local i
	for i in $(seq 1 100); do
		url=$(grep -m1 '^https://' "$T/cerr")
		[ -n "$url" ] && return 0
		sleep 0.1
	done
	fail_dump "code login printed no URL: $(cat "$T/cerr")"
}
code_login user@example.com
port=$(sed -n 's/^Redirect URI: http:\/\/localhost:\([0-9]*\)\/$/\1/p' "$T/cerr")
[ -n "$port" ] || fail_dump "no redirect URI: $(cat "$T/cerr")"
like "$url" "$IDP_URL/organizations/oauth2/v2.0/authorize?client_id=$PUB&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A$port%2F&scope=*&state=*&code_challenge=*&code_challenge_method=S256&login_hint=user%40example.com" \
	"code: authorization URL"
page=$(curl -s "http://127.0.0.1:$port/favicon.ico")
like "$page" "*Not found*" "loopback: other path"
page=$(curl -s "http://127.0.0.1:$port/?code=forged&state=not-ours")
like "$page" "*does not belong to the login*" "loopback: foreign state page"
page=$(curl -s --cacert "$CA" -L "$url")
like "$page" "*Signed in*" "loopback: browser page"
wait $lpid; rc=$?
cat "$T/cerr" >>"$T/log"
check "$rc" 0 "code loopback: exit"
like "$(cat "$T/cerr")" "*warning: ignored a sign-in response that does not belong to this login*" \
	"loopback: foreign state warned"
check "$(t_rec_get grant_type user@example.com)" authorization_code "code: grant_type"
[ -n "$(t_rec_get refresh_token user@example.com)" ] || fail_dump "code: no refresh token stored"
check "$(t_idp_grants authorization_code)" 1 "code: one redemption"
so2 refresh user@example.com
check "$rc" 0 "code record refreshes"

# --- paste mode ----------------------------------------------------------------------
# paste_login ACCOUNT TRANSFORM ARGS...: paste the redirect after TRANSFORM (sed)
paste_login() {
	local acct=$1 sedexpr=$2 loc
	shift 2
	rm -f "$T/fifo"; mkfifo "$T/fifo"
	"$SO2_CLI" login "$acct" --grant code --paste --timeout 30 "$@" <"$T/fifo" >"$T/cout" 2>"$T/cerr" &
	lpid=$!
	exec 3>"$T/fifo"
	for i in $(seq 1 100); do
		url=$(grep -m1 '^https://' "$T/cerr"); [ -n "$url" ] && break; sleep 0.1
	done
	loc=$(curl -s --cacert "$CA" -o /dev/null -w '%{redirect_url}' "$url")
	printf '%s\n' "$loc" | sed "$sedexpr" >&3
	exec 3>&-
	wait $lpid; rc=$?
	err=$(cat "$T/cerr"); cat "$T/cerr" >>"$T/log"
}
paste_login paste@example.com 's/x/x/'
check "$rc" 0 "paste: exit ($err)"
like "$url" "*redirect_uri=http%3A%2F%2Flocalhost&*" "paste: redirect URI"
like "$err" "*Paste that whole address here*" "paste: prompt"
check "$(t_rec_get grant_type paste@example.com)" authorization_code "paste: record"
paste_login paste2@example.com 's/state=[^&]*/state=someone-else/'
check "$rc" 64 "paste foreign state: exit"
like "$err" "*belongs to another login*" "paste foreign state: message"
paste_login paste2@example.com 's/?.*/?error=access_denied\&error_description=AADSTS65004%3A+User+declined+to+consent.%0D%0ATrace+ID%3A+x\&state=STATE/'
check "$rc" 64 "paste error, foreign state: exit"
# paste_error ACCOUNT QUERY - paste an error redirect with QUERY and this login's
#	state (taken from the URL); sets rc and err
paste_error() {
	rm -f "$T/fifo"; mkfifo "$T/fifo"
	"$SO2_CLI" login "$1" --grant code --paste <"$T/fifo" >"$T/cout" 2>"$T/cerr" &
	lpid=$!; exec 3>"$T/fifo"
	for i in $(seq 1 100); do
		url=$(grep -m1 '^https://' "$T/cerr"); [ -n "$url" ] && break; sleep 0.1
	done
	st=$(printf '%s' "$url" | sed 's/.*[?&]state=\([^&]*\).*/\1/')
	printf 'http://localhost/?%s&state=%s\n' "$2" "$st" >&3
	exec 3>&-; wait $lpid; rc=$?; err=$(cat "$T/cerr")
}
paste_error paste2@example.com 'error=access_denied&error_description=AADSTS65004%3A+User+declined.'
check "$rc" 77 "paste access_denied: exit"
like "$err" "*the sign-in failed: access_denied: AADSTS65004: User declined.*" "paste access_denied: message"
like "$err" "*; fix: sign in again and accept the permissions" "paste access_denied: the table's advice"
# the redirect's other errors are classed as the token endpoint's: temporary is 75
paste_error paste2@example.com 'error=temporarily_unavailable&error_description=try+later'
check "$rc" 75 "paste temporarily_unavailable: exit"
like "$err" "*the sign-in failed: temporarily_unavailable: try later*" \
	"paste temporarily_unavailable: message"
err=$("$SO2_CLI" login paste3@example.com --grant code --paste \
	--scope https://outlook.office.com/SMTP.Send </dev/null 2>&1 >/dev/null); rc=$?
check "$rc" 78 "code without offline_access: refused before sign-in"
like "$err" "*lacks offline_access*" "code without offline_access: message"
t_idp_admin POST /_admin/config '{"omit_refresh_token_on_grant": true}' >/dev/null
paste_login paste2@example.com 's/x/x/'
t_idp_admin POST /_admin/config '{"omit_refresh_token_on_grant": false}' >/dev/null
like "$rc" "[1-9]*" "code reply without refresh token: exit"
like "$err" "*no refresh token*offline_access*" "code reply without refresh token: message"
[ ! -e "$T/store/paste2@example.com.json" ] || fail_dump "failed paste logins wrote a record"

# Google: offline access with consent is asked for in the URL
code_login g@example.com --provider google --client-id "$PUB" \
	--token-endpoint "$IDP_URL/g/oauth2/v2.0/token" \
	--device-endpoint "$IDP_URL/g/oauth2/v2.0/devicecode" \
	--authorization-endpoint "$IDP_URL/g/oauth2/v2.0/authorize" \
	--scope "https://outlook.office.com/SMTP.Send offline_access"
like "$url" "*&access_type=offline&prompt=consent" "google: offline access and consent"
curl -s --cacert "$CA" -L "$url" >/dev/null
wait $lpid; rc=$?
check "$rc" 0 "google code: exit ($(cat "$T/cerr"))"

# --- device grant with a client secret (Google's limited-input clients) ------------
so2 login dev@example.com --client-id "$CC" --client-secret-file "$T/secret"
check "$rc" 0 "device with secret: exit ($err)"
check "$(t_rec_get client_auth dev@example.com)" secret "device with secret: client_auth"
so2 refresh dev@example.com
check "$rc" 0 "device with secret: refresh with the secret"

# the user declines the device code (authorization_declined, AADSTS65004)
t_idp_admin POST /_admin/config '{"auto_approve": null}' >/dev/null
"$SO2_CLI" login declined@example.com >"$T/out" 2>"$T/err" &
lpid=$!
for i in $(seq 1 100); do grep -q "Waiting for the sign-in" "$T/err" && break; sleep 0.1; done
t_idp_admin POST /_admin/device/decline '{}' >/dev/null || fail_dump "emulator: decline"
wait $lpid; rc=$?; err=$(cat "$T/err")
t_idp_admin POST /_admin/config '{"auto_approve": "relay@example.com"}' >/dev/null
check "$rc" 77 "device declined: exit"
like "$err" "*declined@example.com: the sign-in was declined*" "device declined: message"
[ ! -e "$T/store/declined@example.com.json" ] || fail_dump "a declined login wrote a record"

# --- warnings after login, inspect ---------------------------------------------------
so2 login graph@example.com --scope "User.Read offline_access"
check "$rc" 0 "graph login: exit"
like "$err" "*graph@example.com: warning: the access token is for Microsoft Graph*535 5.7.3*" \
	"warning: Graph audience"
so2 login shared@example.com
like "$err" "*warning: the token belongs to relay@example.com, not shared@example.com*shared mailbox*" \
	"warning: other user"
so2 login imap@example.com --protocol imap --scope "https://outlook.office.com/SMTP.Send offline_access"
like "$err" "*warning: the token lacks IMAP's permission IMAP.AccessAsUser.All*" \
	"warning: missing permission"
so2 login relay@example.com
t_not_contains "$err" "warning:" "no warning for a good delegated login"
t_not_contains "$(cat "$T/log" | sed -n '/login app@example.com/,/---/p')" "warning:" \
	"no warning for a good app-only login"
t_idp_admin POST /_admin/config '{"app_roles": []}' >/dev/null
so2 login noroles@example.com "${CCARGS[@]}" --client-secret-file "$T/secret"
like "$err" "*warning: the app-only token has no role*New-ServicePrincipal*Add-MailboxPermission*" \
	"warning: no app role"

so2 inspect app@example.com
check "$rc" 0 "inspect: exit"
like "$out" "*aud:*https://outlook.office365.com*" "inspect: aud"
like "$out" "*roles:*SMTP.SendAsApp*" "inspect: roles"
like "$out" "*idtyp:*app*" "inspect: idtyp"
like "$out" "*appid:*$CC*" "inspect: appid"
t_not_contains "$out" "$(t_rec_get access_token app@example.com)" "inspect: token shown"
so2 inspect relay@example.com --json
check "$rc" 0 "inspect --json: exit"
check "$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); c=d["claims"]; print(c["upn"], c["aud"], "SMTP.Send" in c["scp"], d["opaque"], d["warnings"])')" \
	"relay@example.com https://outlook.office.com True False []" "inspect --json: claims"
so2 inspect graph@example.com --json
like "$out" "*Microsoft Graph*" "inspect --json: warnings"
cp "$T/store/relay@example.com.json" "$T/opaque.json"
python3 - "$T/opaque.json" <<'PY'
import json, sys
p = sys.argv[1]; r = json.load(open(p)); r["access_token"] = "EwBAAl3BAAUopaquetoken"; r["account"] = "opaque"
json.dump(r, open(p, "w"))
PY
chmod 600 "$T/opaque.json"
so2 inspect "$T/opaque.json"
check "$rc" 0 "inspect opaque: exit"
like "$out" "*opaque (not a JWT*" "inspect opaque"
so2 inspect nobody@example.com
check "$rc" 66 "inspect unknown: exit"
like "$err" "*no token record*sasl-oauth2 login nobody@example.com*" "inspect unknown: message"

echo "PASS: every grant and its failures"

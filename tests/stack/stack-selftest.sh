#!/bin/bash
# SPDX-License-Identifier: MIT
# stack-selftest.sh -- automake-style test of the e2e mail stack itself,
# WITHOUT the sasl-oauth2 plugin:
#  (i)  relay with RELAY_MECH=plain delivers a message to alice end to end;
#  (ii) with the idp emulator: a token from the device flow (curl) is accepted
#       by the mx's submission port (AUTH XOAUTH2 / OAUTHBEARER after
#       STARTTLS: 235), a bad token is refused (535), Dovecot IMAP
#       AUTHENTICATE XOAUTH2 works, and a real-size (2.5 KB) token fits.
# Exit 0 pass, 1 fail, 77 skip (not root / packages missing).
# KEEP_STACK=1 keeps the temp dir (logs) after the run.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/stackctl.sh"

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "stack-selftest needs root (private Postfix/Dovecot instances)"
for cmd in postfix postconf postmap dovecot doveconf python3 openssl curl; do
    command -v "$cmd" >/dev/null 2>&1 || skip "$cmd not installed"
done
[ -x /usr/lib/dovecot/imap ] || skip "dovecot-imapd not installed"
[ -x /usr/lib/dovecot/lmtp ] || skip "dovecot-lmtpd not installed"
getent passwd postfix >/dev/null || skip "user postfix missing"

T=$(mktemp -d /tmp/saslo2-stack.XXXXXX)
pass=0
fail=0
finish() {
    rc=$?
    "$here/stop.sh" "$T" || echo "stack-selftest: stop.sh failed" >&2
    if [ "${KEEP_STACK:-0}" = 1 ]; then
        echo "stack-selftest: kept $T"
    else
        rm -rf "$T"
    fi
    exit $rc
}
trap finish EXIT
trap 'exit 1' INT TERM

ok() { pass=$((pass + 1)); echo "ok $((pass + fail)) - $* [${SECONDS}s]"; }
not_ok() {
    fail=$((fail + 1))
    echo "not ok $((pass + fail)) - $*"
}
# check DESCRIPTION COMMAND...: run a check with a bounded time (shell
# functions bound their own time: curl --max-time, socket timeouts)
check() {
    local desc=$1
    shift
    if [ "$(type -t "$1")" = function ]; then
        if "$@"; then ok "$desc"; else not_ok "$desc"; fi
    elif timeout 30 "$@"; then
        ok "$desc"
    else
        not_ok "$desc"
    fi
}

SECONDS=0
if ! RELAY_MECH=plain timeout 45 "$here/start.sh" "$T"; then
    not_ok "stack starts"
    echo "$pass passed, $fail failed"
    exit 1
fi
ok "stack starts (RELAY_MECH=plain)"
. "$T/env"

# ---------------------------------------------------------------- (i)
subj="stack selftest plain $$ $RANDOM"
check_plain_delivery() {
    local qid out
    qid=$("$here/send.sh" "$T" sender@example.org alice@example.net "$subj") || return 1
    [ -n "$qid" ] || return 1
    out=$("$here/wait-delivered.sh" "$T" "$subj" 20) || return 1
    echo "$out" | sed 's/^/# /'
    grep -q "sasl_method=PLAIN, sasl_username=relay@example.com" "$MX_LOG" || {
        echo "# mx log does not show the relay's PLAIN authentication" >&2
        return 1
    }
    grep -q "Authenticated sender: relay@example.com" "$(echo "$out" | tail -n 1)"
}
check "(i) relay delivers to alice via PLAIN over STARTTLS" check_plain_delivery

check "mx does not offer AUTH before STARTTLS" python3 - "$SUB_PORT" <<'PY'
import smtplib, sys
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10) as s:
    s.ehlo("selftest.test")
    sys.exit(1 if s.has_extn("auth") else 0)
PY

check "mx refuses unauthenticated mail to alice" python3 - "$SUB_PORT" "$CA" <<'PY'
import smtplib, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10) as s:
    s.starttls(context=ctx)
    s.ehlo("selftest.test")
    s.mail("x@example.org")
    code, _ = s.rcpt("alice@example.net")
    sys.exit(0 if code >= 500 else 1)
PY

# ---------------------------------------------------------------- (ii)
if [ -z "$IDP_PORT" ]; then
    echo "# idp emulator not present: XOAUTH2 checks skipped"
else
    CLIENT_ID=11111111-2222-3333-4444-555555555555
    get_token() { # SCOPE -> prints an access token (device flow with curl)
        local dc dev tok i
        dc=$(curl -sS --max-time 10 --cacert "$CA" \
            --data-urlencode "client_id=$CLIENT_ID" --data-urlencode "scope=$1" \
            "$IDP_URL/organizations/oauth2/v2.0/devicecode") || return 1
        dev=$(printf '%s' "$dc" | python3 -c 'import json,sys; print(json.load(sys.stdin)["device_code"])') || {
            echo "# devicecode reply: $dc" >&2
            return 1
        }
        for ((i = 0; i < 10; i++)); do
            tok=$(curl -sS --max-time 5 --cacert "$CA" \
                --data-urlencode "client_id=$CLIENT_ID" \
                --data-urlencode "grant_type=urn:ietf:params:oauth:grant-type:device_code" \
                --data-urlencode "device_code=$dev" \
                "$IDP_URL/organizations/oauth2/v2.0/token" \
                | python3 -c 'import json,sys; print(json.load(sys.stdin).get("access_token", ""))') || true
            if [ -n "$tok" ]; then
                printf '%s\n' "$tok"
                return 0
            fi
            sleep 1
        done
        echo "# no token from the device flow" >&2
        return 1
    }
    SMTP_TOKEN=
    IMAP_TOKEN=
    if SMTP_TOKEN=$(get_token "https://outlook.office.com/SMTP.Send offline_access") \
        && [ -n "$SMTP_TOKEN" ]; then
        ok "device flow token for SMTP.Send (${#SMTP_TOKEN} chars)"
    else
        not_ok "device flow token for SMTP.Send"
    fi
    if IMAP_TOKEN=$(get_token "https://outlook.office.com/IMAP.AccessAsUser.All offline_access") \
        && [ -n "$IMAP_TOKEN" ]; then
        ok "device flow token for IMAP.AccessAsUser.All"
    else
        not_ok "device flow token for IMAP.AccessAsUser.All"
    fi

    # smtp_auth MECH USER TOKEN EXPECTED_CODE
    smtp_auth() {
        python3 - "$SUB_PORT" "$CA" "$@" <<'PY'
import base64, smtplib, ssl, sys
port, ca, mech, user, token, want = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])
if mech == "XOAUTH2":
    raw = "user=%s\x01auth=Bearer %s\x01\x01" % (user, token)
else:
    raw = "n,a=%s,\x01host=127.0.0.1\x01port=%d\x01auth=Bearer %s\x01\x01" % (user, port, token)
ctx = ssl.create_default_context(cafile=ca)
with smtplib.SMTP("127.0.0.1", port, timeout=20) as s:
    s.starttls(context=ctx)
    s.ehlo("selftest.test")
    mechs = s.esmtp_features.get("auth", "").upper().split()
    if mech not in mechs:
        sys.exit("AUTH %s not offered after STARTTLS (offered: %s)" % (mech, mechs))
    code, resp = s.docmd("AUTH", "%s %s" % (mech, base64.b64encode(raw.encode()).decode()))
    if code == 334:   # error challenge (JSON status); the client answers with an empty line
        code, resp = s.docmd("")
    text = resp.decode(errors="replace")
    print("# AUTH %s (%d byte response) -> %d %s" % (mech, len(raw), code, text))
    if "base64" in text.lower():
        sys.exit("the AUTH line was mangled (line length limit?)")
    sys.exit(0 if code == want else 1)
PY
    }
    if [ -n "$SMTP_TOKEN" ]; then
        check "(ii) mx submission: AUTH XOAUTH2 with an emulator token -> 235" \
            smtp_auth XOAUTH2 relay@example.com "$SMTP_TOKEN" 235
        check "mx submission: AUTH OAUTHBEARER with an emulator token -> 235" \
            smtp_auth OAUTHBEARER relay@example.com "$SMTP_TOKEN" 235
        check "mx submission: token of another user -> 535" \
            smtp_auth XOAUTH2 alice@example.net "$SMTP_TOKEN" 535
    fi
    check "mx submission: AUTH XOAUTH2 with an invalid token -> 535" \
        smtp_auth XOAUTH2 relay@example.com "not-a-token.$RANDOM" 535
    big=$(python3 -c 'import secrets; print("eyJ0eXAiOiJKV1QifQ." + secrets.token_urlsafe(1900) + ".sig")')
    check "mx submission: unknown real-size token (${#big} chars) -> 535, not a line-length error" \
        smtp_auth XOAUTH2 relay@example.com "$big" 535

    # imap_auth USER TOKEN EXPECT(ok|no)
    imap_auth() {
        python3 - "$IMAP_PORT" "$CA" "$@" <<'PY'
import imaplib, ssl, sys
port, ca, user, token, want = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
ctx = ssl.create_default_context(cafile=ca)
m = imaplib.IMAP4("127.0.0.1", port, timeout=20)
m.starttls(ssl_context=ctx)
calls = []
def respond(challenge):
    calls.append(challenge)
    if len(calls) == 1:
        return ("user=%s\x01auth=Bearer %s\x01\x01" % (user, token)).encode()
    return b""          # answer the error challenge with an empty response
try:
    typ, data = m.authenticate("XOAUTH2", respond)
    got = "ok"
    typ, data = m.select("INBOX")
    print("# IMAP AUTHENTICATE XOAUTH2 ok, INBOX has %s messages" % data[0].decode())
    m.logout()
except imaplib.IMAP4.error as e:
    got = "no"
    print("# IMAP AUTHENTICATE XOAUTH2 refused: %s" % e)
sys.exit(0 if got == want else 1)
PY
    }
    if [ -n "$IMAP_TOKEN" ]; then
        check "(ii) Dovecot IMAP: AUTHENTICATE XOAUTH2 with an emulator token" \
            imap_auth relay@example.com "$IMAP_TOKEN" ok
    fi
    check "Dovecot IMAP: AUTHENTICATE XOAUTH2 with an invalid token is refused" \
        imap_auth relay@example.com "not-a-token.$RANDOM" no
fi

# Dovecot counts connections whose source IP equals the local IP as secured
# (plaintext allowed), so these checks connect from 127.0.0.2.
imap_plain() { # STARTTLS(yes|no) EXPECT(ok|no)
    python3 - "$IMAP_PORT" "$CA" "$@" <<'PY'
import imaplib, socket, ssl, sys
port, ca, tls, want = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
class IMAP(imaplib.IMAP4):
    def _create_socket(self, timeout):
        return socket.create_connection((self.host, self.port), timeout,
                                        source_address=("127.0.0.2", 0))
m = IMAP("127.0.0.1", port, timeout=10)
if tls == "yes":
    m.starttls(ssl_context=ssl.create_default_context(cafile=ca))
try:
    m.login("relay@example.com", "relaypass")
    got = "ok"
    m.logout()
except imaplib.IMAP4.error as e:
    print("# IMAP LOGIN refused: %s" % e)
    got = "no"
sys.exit(0 if got == want else 1)
PY
}
check "Dovecot IMAP: static password refused without TLS" imap_plain no no
check "Dovecot IMAP: static password accepted after STARTTLS" imap_plain yes ok

echo "# stack selftest ran in ${SECONDS}s"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

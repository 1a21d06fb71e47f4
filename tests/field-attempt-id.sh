#!/bin/bash
# SPDX-License-Identifier: MIT
# field-attempt-id.sh - every line the module logs for one authentication
# carries the same short attempt id, and another attempt another one
# (issue 11: correlating log lines of Postfix's many smtp processes).
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/jwt.sh"
t_tmpdir
t_plugin_env
echo "store_dir = $T/store" > "$SASL_OAUTH2_CONF"
U=relay@example.com
EXO=https://outlook.office.com

# A token due for a refresh (60 s left) while refreshing is backing off (a warning line at the
# start), then refused by the server (an error line at the end): two lines.
t_record_jwt $U "$(t_claims_user $U $EXO SMTP.Send)" 60 RT-1
python3 - "$T/store/$U.json" <<'PY'
import json, sys, time
p = sys.argv[1]
r = json.load(open(p))
r.update(failures=2, retry_after=int(time.time()) + 600, last_error="HTTP 503")
json.dump(r, open(p, "w"))
PY
chal=$(printf '{"status":"invalid_token"}' | base64 -w0)
ids() { grep -o 'sasl-oauth2: XOAUTH2 #[0-9a-f]\{6\}:' <<<"$1" | sed 's/.*#//; s/://'; }
out=$("$SO2_SASL_CLIENT" -m XOAUTH2 -u $U -p "" "$chal" 2>&1)
t_contains "$out" "next refresh attempt" "the back-off warning is logged"
t_contains "$out" "the server says the token is invalid" "the refusal is logged"
n=$(ids "$out" | wc -l)
[ "$n" -ge 2 ] || t_fail "want at least 2 lines with an attempt id, got $n: $out"
t_eq "$(ids "$out" | sort -u | wc -l)" 1 "one attempt, one id: $out"
first=$(ids "$out" | head -1)
out=$("$SO2_SASL_CLIENT" -m XOAUTH2 -u $U -p "" "$chal" 2>&1)
second=$(ids "$out" | head -1)
[ -n "$second" ] && [ "$second" != "$first" ] || t_fail "another attempt, another id: $first $second"
echo "PASS: one attempt id per authentication"

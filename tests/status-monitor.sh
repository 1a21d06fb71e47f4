#!/bin/bash
# SPDX-License-Identifier: MIT
# status-monitor.sh - sasl-oauth2 status --nagios and --prometheus over
# records in every state: the Nagios plugin's exit code (0/1/2/3), its one
# line and its performance data; the Prometheus text format checked by
# promtool (when installed) and by a strict reading of the exposition format
# 0.0.4 here; the alert rules of sasl-oauth2-monitoring(7) checked by
# promtool check rules. No network, about 2 seconds.
. "${top_srcdir:-.}/tests/lib/common.sh"
t_tmpdir
S=$SO2_CLI
now=$(date +%s)
DAY=86400

# rec ACCOUNT KEY=JSON... - a record in $T/store; times are given relative
# to now (expires_at=+3000, refreshed_at=-600)
rec() {
	mkdir -p "$T/store"
	chmod 700 "$T/store"
	python3 - "$T/store" "$now" "$@" <<'PY'
import json, os, sys
store, now, acct = sys.argv[1], int(sys.argv[2]), sys.argv[3]
r = {"version": 1, "account": acct, "provider": "microsoft",
     "token_endpoint": "https://127.0.0.1:9/organizations/oauth2/v2.0/token",
     "client_id": "11111111-2222-3333-4444-555555555555", "client_auth": "none",
     "scope": "https://outlook.office.com/SMTP.Send offline_access", "token_type": "Bearer",
     "access_token": "at-secret", "refresh_token": "rt-secret", "state": "ok",
     "expires_at": now + 3000, "obtained_at": now - 86400, "refreshed_at": now - 600}
for kv in sys.argv[4:]:
    k, v = kv.split("=", 1)
    r[k] = now + int(v) if v[:1] in "+-" and k.endswith(("_at", "_after")) else json.loads(v)
p = os.path.join(store, acct + ".json")
with open(p, "w") as f:
    json.dump(r, f)
os.chmod(p, 0o600)
PY
}
# nagios [ARGS...] - run status --nagios; $rc, $out (stdout), $err
nagios() {
	"$S" --store "$T/store" status --nagios "$@" >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}
# one_line WHAT - stdout is exactly one line
one_line() { t_eq "$(wc -l <"$T/out")" 1 "$1: one line on stdout"; }
PERF="'[^'=]+ [a-z_]+'=-?[0-9]+s?;[0-9]*;[0-9]*;[0-9]*"	# one perfdata item

# --- Nagios -------------------------------------------------------------------
printf 'store_dir = %s\n' "$T/store" >"$T/conf"
"$S" --config "$T/conf" status --nagios >"$T/out" 2>/dev/null
t_eq "$?" 3 "store missing: UNKNOWN"
t_contains "$(cat "$T/out")" "SASL-OAUTH2 UNKNOWN - token store $T/store" "store missing: the line"
printf 'no_such_key = 1\n' >"$T/bad.conf"
"$S" --config "$T/bad.conf" status --nagios >"$T/out" 2>/dev/null
t_eq "$?" 3 "configuration broken: UNKNOWN"
t_contains "$(cat "$T/out")" "SASL-OAUTH2 UNKNOWN - " "configuration broken: the line"
one_line "configuration broken"

mkdir -p "$T/store" && chmod 700 "$T/store"
nagios
t_eq "$rc" 3 "empty store: UNKNOWN"
t_eq "$out" "SASL-OAUTH2 UNKNOWN - no token records in $T/store" "empty store: the line"

rec relay@example.com expires_at=+3000 refreshed_at=-600
nagios
t_eq "$rc" 0 "ok: OK"
# a second may pass between writing the record and reading it
out=$(printf '%s' "$out" | sed -E "s/expiry'=(299[0-9]|3000)s/expiry'=3000s/; s/age'=(60[0-9]|61[0-9])s/age'=600s/")
t_eq "$out" "SASL-OAUTH2 OK - 1 account ok | 'relay@example.com expiry'=3000s;;; 'relay@example.com failures'=0;1;;0 'relay@example.com refresh_token_age'=600s;6912000;7776000;0" \
	"ok: the line with its performance data"
one_line ok
t_not_contains "$out$err" "secret" "no token in the output"

# the page's sample line has this shape
mkdir -p "$T/blocks"
python3 "$top_srcdir/tests/lib/guide-blocks.py" "$top_srcdir/doc/sasl-oauth2-monitoring.7" \
	"$T/blocks" >/dev/null || t_fail "guide-blocks: sasl-oauth2-monitoring(7)"
sample=$(mandoc -Tascii "$top_srcdir/doc/sasl-oauth2-monitoring.7" 2>/dev/null | col -b \
	| grep -m1 "SASL-OAUTH2 OK - " | sed 's/^[[:space:]]*//')
[ -z "$sample" ] || t_eq "$sample" "$out" "sasl-oauth2-monitoring(7): the sample line is what the command prints"

rec warn@example.com failures=2 'last_error="HTTP 503"' last_error_at=-60 retry_after=+100
nagios
t_eq "$rc" 1 "failing, token valid: WARNING"
t_contains "$out" "SASL-OAUTH2 WARNING - 1 of 2 accounts: warn@example.com failing |" "failing: summary"
t_contains "$out" "'warn@example.com failures'=2;1;;0" "failing: failures perfdata"
one_line failing
[[ $out =~ ^SASL-OAUTH2\ [A-Z]+\ -\ [^|]+\ \|(\ $PERF)+$ ]] || t_fail "perfdata syntax: $out"

rec idle@example.com refreshed_at=-$((85 * DAY)) obtained_at=-$((85 * DAY))
nagios idle@example.com
t_eq "$rc" 1 "idle 85 days: WARNING"
[[ $out =~ "'idle@example.com refresh_token_age'="73440[0-9][0-9]"s;6912000;7776000;0" ]] \
	|| t_fail "idle: refresh token age: $out"
rec idle@example.com refreshed_at=-$((95 * DAY)) obtained_at=-$((95 * DAY))
nagios idle@example.com
t_eq "$rc" 2 "idle 95 days: CRITICAL"

rec down@example.com expires_at=-60 failures=3 retry_after=+100
nagios down@example.com
t_eq "$rc" 2 "failing, token expired: CRITICAL"
rec dead@example.com 'state="needs_login"'
nagios
t_eq "$rc" 2 "needs_login among others: CRITICAL"
t_contains "$out" "dead@example.com needs_login" "needs_login: named"
t_contains "$out" "warn@example.com failing" "the warning still named"
t_not_contains "${out%%|*}" "relay@example.com" "an ok account is not in the summary"
one_line "several"
nagios nobody@example.com
t_eq "$rc" 2 "a named account without a record: CRITICAL"
t_contains "$out" "nobody@example.com missing" "missing: named"
rec app@example.com 'refresh_token=""' 'grant_type="client_credentials"'
nagios app@example.com
t_eq "$rc" 0 "client credentials: OK"
t_not_contains "$out" "refresh_token_age" "client credentials: no refresh token age"

# --- Prometheus -----------------------------------------------------------------
rec 'q"uote\back@example.com'
"$S" --store "$T/store" status --prometheus >"$T/prom" 2>"$T/err"
t_eq "$?" 0 "prometheus: exit 0 although accounts need attention"
t_not_contains "$(cat "$T/prom")" "secret" "prometheus: no token"

# prom_strict FILE - the text exposition format 0.0.4, read strictly: each
# family's HELP then TYPE gauge, then only its samples, names by the naming
# rules, label values escaped, integer values, no family twice
prom_strict() {
	python3 - "$1" <<'PY'
import re, sys
name_re = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
label = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\\\|\\"|\\n)*"'
sample = re.compile(r'^(%s)(\{%s(?:,%s)*\})? (-?[0-9]+)$' % (name_re, label, label))
seen, fam, typed, errs = set(), None, False, []
lines = open(sys.argv[1]).read().split("\n")
if lines[-1] != "":
    errs.append("no newline at the end")
for n, l in enumerate(lines[:-1], 1):
    m = re.match(r'^# HELP (%s) (.+)$' % name_re, l)
    if m:
        fam, typed = m.group(1), False
        if fam in seen: errs.append("%d: family %s twice" % (n, fam))
        if not fam.startswith("sasl_oauth2_"): errs.append("%d: prefix" % n)
        seen.add(fam)
        continue
    m = re.match(r'^# TYPE (%s) (gauge|counter)$' % name_re, l)
    if m:
        if m.group(1) != fam or typed: errs.append("%d: TYPE not after its HELP" % n)
        if m.group(2) == "counter" and not fam.endswith("_total"): errs.append("%d: counter without _total" % n)
        if "timestamp" in fam and not fam.endswith("_timestamp_seconds"): errs.append("%d: unit" % n)
        typed = True
        continue
    m = sample.match(l)
    if not m or m.group(1) != fam or not typed:
        errs.append("%d: not a sample of %s: %r" % (n, fam, l))
for e in errs:
    print(e)
sys.exit(1 if errs else 0)
PY
}
prom_strict "$T/prom" || t_fail "prometheus: exposition format (see above)"
p=$(cat "$T/prom")
t_contains "$p" 'sasl_oauth2_account_state{account="q\"uote\\back@example.com",state="ok"} 1' \
	"prometheus: label value escaped"
t_contains "$p" 'sasl_oauth2_account_state{account="dead@example.com",state="needs_login"} 1' \
	"prometheus: needs_login"
t_contains "$p" 'sasl_oauth2_account_attention{account="dead@example.com"} 1' "prometheus: attention"
t_contains "$p" 'sasl_oauth2_account_attention{account="relay@example.com"} 0' "prometheus: no attention"
t_contains "$p" 'sasl_oauth2_refresh_failures{account="warn@example.com"} 2' "prometheus: failures"
t_contains "$p" "sasl_oauth2_access_token_expiry_timestamp_seconds{account=\"relay@example.com\"} $((now + 3000))
" \
	"prometheus: expiry timestamp"
t_contains "$p" "sasl_oauth2_records 7" "prometheus: records"
t_eq "$(grep -c '^sasl_oauth2_account_state{account="relay@example.com",state=".*"} 1$' "$T/prom")" 1 \
	"prometheus: one current state per account"
t_not_contains "$p" 'sasl_oauth2_refresh_token_age_seconds{account="app@example.com"}' \
	"prometheus: no refresh token age without a refresh token"
"$S" --store "$T/nostore" status --prometheus >"$T/prom0" 2>/dev/null
t_eq "$?" 0 "prometheus, store missing: exit 0"
t_contains "$(cat "$T/prom0")" "sasl_oauth2_store_readable 0" "prometheus, store missing: store_readable 0"
prom_strict "$T/prom0" || t_fail "prometheus, store missing: exposition format"
if command -v promtool >/dev/null; then
	promtool check metrics <"$T/prom" || t_fail "promtool check metrics"
	promtool check metrics <"$T/prom0" || t_fail "promtool check metrics (store missing)"
	rules=$(awk '$2 == "file" && $3 == "sasl-oauth2-rules.yml" {print $1}' "$T/blocks/list")
	[ -n "$rules" ] || t_fail "sasl-oauth2-monitoring(7): no alert rules block"
	cp "$T/blocks/$rules" "$T/rules.yml"
	promtool check rules "$T/rules.yml" >"$T/rules.out" 2>&1 \
		|| { cat "$T/rules.out"; t_fail "promtool check rules: the page's alert rules"; }
else
	echo "promtool not installed: the strict reading only"
fi

"$S" --store "$T/store" status --json --nagios >/dev/null 2>&1
t_eq "$?" 64 "two formats: usage error"
echo "PASS: status --nagios and --prometheus"

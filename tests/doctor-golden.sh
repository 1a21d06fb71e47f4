#!/bin/bash
# SPDX-License-Identifier: MIT
# doctor-golden.sh - golden-file tests of "sasl-oauth2 doctor" for the
# misconfigurations behind "535 5.7.3" and friends.
#
# Each scenario sets up a record (tokens are unsigned JWTs with chosen
# claims), a configuration, optionally a private Postfix configuration
# directory (postconf -c / postmap -c; no Postfix is started) and the
# scripted SMTP/IMAP server (tests/scripted-server.py) playing one reply of
# Exchange Online or Gmail, runs doctor and compares its output, with the
# temp dir, ports and times normalised, to tests/golden/NAME.txt.
# UPDATE_GOLDEN=1 rewrites the golden files instead (review the diff).
# Also checks exit codes, --json, and what a verdict does to the record.
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
. "$top_srcdir/tests/lib/jwt.sh"
. "$top_srcdir/tests/lib/scripted.sh"
[ -x "$SO2_CLI" ] || t_fail "sasl-oauth2 not built: $SO2_CLI"
t_tmpdir
t_plugin_env
t_start_idp
export TOKEN_ENDPOINT=$IDP_URL/organizations/oauth2/v2.0/token
GOLDEN=$top_srcdir/tests/golden
U=relay@example.com
EXO=https://outlook.office.com
GRAPH=00000003-0000-0000-c000-000000000000
fails=0
HAVE_POSTFIX=1
command -v postconf >/dev/null && command -v postmap >/dev/null || HAVE_POSTFIX=0

conf() {
	printf 'store_dir = %s\nca_file = %s\n%s' "$T/store" "${1:-$CA}" "${2:-}" > "$SASL_OAUTH2_CONF"
}

# normalise - stable text: temp dir, ports, times
normalise() {
	sed -E -e "s|$T|\$T|g" \
		-e 's/127\.0\.0\.1:[0-9]+/127.0.0.1:PORT/g' -e 's/localhost:[0-9]+/localhost:PORT/g' \
		-e 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [A-Z]+/DATE/g' \
		-e 's/\((in|expired) [0-9]+ (s|min|h)( [0-9]+ min)?( ago)?\)/(\1 N\4)/g' \
		-e 's/\(-?[0-9]+ s ago\)/(N s ago)/g'
}

# golden NAME WANT-EXIT DOCTOR-ARGS... - run doctor, compare with the golden file
golden() {
	local name=$1 want=$2 out rc
	shift 2
	out=$("$SO2_CLI" doctor "$@" 2>&1); rc=$?
	out=$(printf '%s\n' "$out" | normalise)
	if [ "$rc" != "$want" ]; then
		echo "FAIL: $name: exit status: got $rc, want $want" >&2
		printf '%s\n' "$out" >&2
		fails=$((fails + 1))
	fi
	if [ -n "${UPDATE_GOLDEN:-}" ]; then
		printf '%s\n' "$out" > "$GOLDEN/$name.txt"
	elif ! diff -u "$GOLDEN/$name.txt" - <<<"$out" >&2; then
		echo "FAIL: $name: output differs from tests/golden/$name.txt (got: +)" >&2
		fails=$((fails + 1))
	fi
	case "$out" in *eyJ0eXAi*.*.*) echo "FAIL: $name: a token in the output" >&2;
		fails=$((fails + 1)) ;; esac
}

good() { t_record_jwt $U "$(t_claims_user $U $EXO "SMTP.Send")" 3600 RT-1; }
SMTP_ARGS() { echo "--no-postfix --user root --smtp=127.0.0.1:$SCRIPTED_PORT"; }

conf
echo accept > "$T/scenario"
t_start_scripted smtp --scenario-file "$T/scenario"

# 1. all good: 235.
good
golden smtp-accepted 0 $U --no-postfix --user root --smtp 127.0.0.1:$SCRIPTED_PORT

# 2. 535 5.7.3 with a Microsoft Graph token: the verdict is the scope.
t_record_jwt $U "$(t_claims_user $U $GRAPH "SMTP.Send")" 3600 RT-1
echo 5.7.3 > "$T/scenario"
golden graph-audience 1 $U $(SMTP_ARGS)
t_eq "$(t_rec_get state "$U")" ok "a scope problem leaves the record alone"

# 3. 535 5.7.3 with another user's token (shared mailbox).
t_record_jwt $U "$(t_claims_user boss@example.com $EXO "SMTP.Send")" 3600 RT-1
golden other-user 1 $U $(SMTP_ARGS)

# 4. 535 5.7.3 with a token that looks right: the settings remain.
good
golden token-looks-right 1 $U $(SMTP_ARGS)

# 5. SMTP AUTH off for the tenant / 6. for the mailbox: nothing is refreshed.
echo tenant > "$T/scenario"
golden smtp-auth-tenant 1 $U $(SMTP_ARGS)
t_eq "$(t_rec_get state "$U")" ok "5.7.139 does not mark the record"
echo mailbox > "$T/scenario"
golden smtp-auth-mailbox 1 $U $(SMTP_ARGS)

# 7. an app-only token whose service principal cannot open the mailbox (430 4.2.0).
t_record_jwt $U "{\"aud\":\"https://outlook.office365.com\",\"roles\":[\"SMTP.SendAsApp\"],\"appid\":\"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee\",\"idtyp\":\"app\",\"tid\":\"72f988bf-0000-0000-0000-000000000001\",\"exp\":$(( $(date +%s) + 3600 ))}" 3600
echo logon > "$T/scenario"
golden app-only 1 $U $(SMTP_ARGS)

# 8. 501 5.5.127: the token is stale, the next use refreshes first.
good
echo expiring > "$T/scenario"
golden token-expires-soon 1 $U $(SMTP_ARGS)
t_eq "$(t_rec_get state "$U")" stale "5.5.127 marks the record for a refresh"

# 9. Gmail: error challenge, then 535 5.7.8; opaque token.
t_record $U "ya29.a0AfH6SMBopaquegoogletoken" 3600 RT-1
echo gmail > "$T/scenario"
golden gmail-challenge 1 $U $(SMTP_ARGS)

# Every scripted reply reaches its row of the table over the wire
# (good token, so the reply's own row decides; 5.7.3 refines to token-looks-right).
good
# rows PROTO SCOPE - for each "SCENARIO ROW" line read: the scripted server
# (already started, --scenario-file) plays SCENARIO to a token with SCOPE, and
# doctor's probe.PROTO line must name ROW (PROTO-accepted for a pass)
rows() {
	local scen want got
	while read -r scen want; do
		echo "$scen" > "$T/scenario"
		t_record_jwt $U "$(t_claims_user $U $EXO "$2")" 3600 RT-1
		got=$("$SO2_CLI" doctor $U --no-postfix --user root \
			--$1=127.0.0.1:$SCRIPTED_PORT --json | python3 -c '
import json, re, sys
for c in json.load(sys.stdin)["checks"]:
    if c["id"] == "probe." + sys.argv[1]:
        m = re.search(r"\(([a-z0-9.-]+): ", c["text"])
        print(m.group(1) if m else (sys.argv[1] + "-accepted" if c["status"] == "pass" else "?"))' "$1")
		t_eq "$got" "$want" "scripted $1 answer $scen classified"
	done
}
rows smtp SMTP.Send <<'ROWS'
accept smtp-accepted
5.7.3 token-looks-right
tenant smtp-auth-tenant
mailbox smtp-auth-mailbox
basic smtp-basic-disabled
secdefaults smtp-security-defaults
criteria smtp-policy-criteria
5.7.57 smtp-not-authenticated
5.7.30 smtp-basic-retired
5.7.60 smtp-send-as-denied
sendas smtp-send-as-denied-submit
logon smtp-mailbox-logon
concurrency smtp-concurrency
tls smtp-legacy-tls
4.7.500 smtp-access-denied-temp
5.1.8 smtp-restricted-user
expiring smtp-token-expires-soon
gmail gmail-535-5.7.8
gmail-throttle gmail-too-many-logins
ROWS

# 10. the server offers no XOAUTH2 after TLS.
t_stop_scripted
t_start_scripted smtp --scenario accept --mechs "LOGIN PLAIN"
good
golden no-xoauth2 1 $U $(SMTP_ARGS)
t_stop_scripted

# 10b. STARTTLS not announced (SMTP, then IMAP): said as such, no AUTH tried.
: > "$T/scripted.log"
t_start_scripted smtp --scenario accept --no-starttls
golden no-starttls 1 $U $(SMTP_ARGS)
t_stop_scripted
t_start_scripted imap --scenario accept --no-starttls
golden imap-no-starttls 1 $U --no-postfix --user root --imap=127.0.0.1:$SCRIPTED_PORT
t_stop_scripted
t_not_contains "$(cat "$T/scripted.log")" "scenario=" "no AUTH without STARTTLS"

# Every scripted IMAP answer reaches its row (a token with the IMAP scope).
t_start_scripted imap --scenario-file "$T/scenario"
rows imap IMAP.AccessAsUser.All <<'ROWS'
accept imap-accepted
failed token-looks-right
not-connected imap-not-connected
gmail gmail-imap-invalid
ROWS
t_stop_scripted
good

# 11. IMAP: a token without the IMAP scope, "NO AUTHENTICATE failed."
t_start_scripted imap --scenario failed
golden imap-scope 1 $U --no-postfix --user root --imap=127.0.0.1:$SCRIPTED_PORT
t_stop_scripted

# 12. a CA bundle that does not sign the servers: TLS verification named.
mkdir -p "$T/otherca"
"$top_srcdir/tests/stack/testca.sh" "$T/otherca" >/dev/null 2>&1 || t_fail "second test CA"
t_start_scripted smtp --scenario accept
conf "$T/otherca/ca.pem"
t_record_jwt $U "$(t_claims_user $U $EXO "SMTP.Send")" 3600 RT-1
golden tls-untrusted 1 $U $(SMTP_ARGS)
t_stop_scripted
# 12b. no ca_file: the endpoint is checked with the bundle the module reads (its
#      default, named), through the module's HTTP client; doctor used to build its
#      own libcurl handle trusting "libcurl's default", whatever the module used.
printf 'store_dir = %s\n' "$T/store" > "$SASL_OAUTH2_CONF"
out=$("$SO2_CLI" doctor $U --no-postfix --user root 2>&1)
case "$out" in
*"[info] CA bundle: /"*", the default (ca_file not set)"*"token endpoint "*"(trusting /"*) ;;
*) echo "FAIL: no ca_file: doctor does not name the module's CA bundle:" >&2
	printf '%s\n' "$out" >&2; fails=$((fails + 1)) ;;
esac
case "$out" in *"libcurl's default"*)
	echo "FAIL: no ca_file: doctor trusts libcurl's default, not the module's bundle" >&2
	fails=$((fails + 1)) ;;
esac
conf

# 13. an expired token and no refresh token.
t_record_jwt $U "$(t_claims_user $U $EXO "SMTP.Send")" -60
golden expired-no-refresh 1 $U --no-postfix --user root

# 14. a configuration error: file, line, column.
printf 'store_dir = %s\nrefresh_margin = soon\n' "$T/store" > "$SASL_OAUTH2_CONF"
golden config-error 1 $U --no-postfix --user root
conf

# 15. a reply copied from Postfix's log.
good
golden reply-from-log 1 $U --no-postfix --user root --reply "Nov 29 10:00:00 relay postfix/smtp[42]: 4AB: SASL authentication failed; server smtp.office365.com[52.97.1.2] said: 535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information."

# 16. the record readable by others and owned by the wrong user.
if [ "$(id -u)" -eq 0 ] && id postfix >/dev/null 2>&1; then
	good
	chmod 644 "$T/store/$U.json"
	chown postfix "$T/store"
	golden record-permissions 1 $U --no-postfix --user postfix
	chown root "$T/store"
else
	echo "note: not root or no postfix user: record-permissions skipped" >&2
fi

# --- Postfix ----------------------------------------------------------------
if [ $HAVE_POSTFIX = 1 ]; then
	P=$T/postfix
	mkdir -p "$P"
	touch "$P/master.cf"
	printf 'smtp      unix  -       -       y       -       -       smtp\n' > "$P/master.cf"
	# pf_main EXTRA - a relay configuration in $P plus EXTRA lines
	pf_main() {
		cat > "$P/main.cf" <<EOM
compatibility_level = 3.6
relayhost = [smtp.office365.com]:587
smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = hash:$P/sasl_passwd
smtp_sasl_mechanism_filter = xoauth2
smtp_sasl_tls_security_options = noanonymous
smtp_tls_security_level = encrypt
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C SASL_PATH=$T/sasl2
$1
EOM
	}
	pf_map() { printf '%s\n' "$1" > "$P/sasl_passwd"; postmap -c "$P" "hash:$P/sasl_passwd"; }
	good
	# 17. all right (our module found through the SASL_PATH smtp imports).
	pf_main ""
	pf_map "[smtp.office365.com]:587 $U:"
	golden postfix-good 0 $U --postfix-config "$P" --user root
	# 18. the map key lacks the port: no credentials are sent.
	pf_map "[smtp.office365.com] $U:"
	golden postfix-wrong-key 1 $U --postfix-config "$P" --user root
	# 19. the map source changed after postmap.
	pf_map "[smtp.office365.com]:587 $U:"
	sleep 1
	printf '[smtp.office365.com]:587 other@example.com:\n' > "$P/sasl_passwd"
	touch -d '+2 seconds' "$P/sasl_passwd"
	golden postfix-map-stale 1 $U --postfix-config "$P" --user root
	pf_map "[smtp.office365.com]:587 $U:"
	# 20. a mechanism filter without xoauth2 and the default noplaintext.
	pf_main "smtp_sasl_mechanism_filter = plain, login"
	sed -i '/^smtp_sasl_tls_security_options/d; /^smtp_sasl_mechanism_filter = xoauth2/d' "$P/main.cf"
	golden postfix-filter 1 $U --postfix-config "$P" --user root
	# 21. another module also registers XOAUTH2; TLS only "may".
	pf_main "smtp_tls_security_level = may"
	sed -i '/^smtp_tls_security_level = encrypt/d' "$P/main.cf"
	printf 'fake module\0XOAUTH2\0' > "$T/sasl2/libsasl-xoauth2.so"
	golden postfix-shadow 1 $U --postfix-config "$P" --user root
	# ... and a refused login: the other module is named first.
	out=$("$SO2_CLI" doctor $U --postfix-config "$P" --user root --reply \
		"535 5.7.3 Authentication unsuccessful" 2>&1)
	t_contains "$(sed -n 2p <<<"$out")" "[fail] the login was refused while another module also registers XOAUTH2" \
		"the other module comes first for a refused login"
	rm -f "$T/sasl2/libsasl-xoauth2.so"
	# 22. the module only in this shell's SASL_PATH, not in smtp's environment:
	# Postfix would log "No worthy mechs found", doctor must not pass it.
	# With a module installed in libsasl2's directory (the package, or a
	# make install with libsasl2's prefix) smtp finds that one: not this case.
	pf_main ""
	sed -i '/^import_environment/d' "$P/main.cf"
	sysdir=${SO2_LIBSASL2_PLUGINDIR:-/usr/lib/$(gcc -print-multiarch 2>/dev/null)/sasl2}
	if [ -e "$sysdir/libsasl-oauth2.so" ]; then
		echo "note: $sysdir/libsasl-oauth2.so is installed: case 22 (module in this shell's SASL_PATH only) skipped" >&2
	else
		out=$("$SO2_CLI" doctor $U --postfix-config "$P" --user root 2>&1)
		t_contains "$out" "[fail] libsasl2: libsasl-oauth2.so not found in" \
			"the shell's SASL_PATH is not smtp's"
		t_contains "$out" "SASL_PATH=$T/sasl2 of this shell is not what smtp uses" "said so"
		# the fix names where this build's make install put the module (make check
		# gives SO2_MODULEDIR), which is libsasl2's directory only with its prefix
		if [ -n "${SO2_MODULEDIR:-}" ]; then
			if [ "$SO2_MODULEDIR" = "$SO2_LIBSASL2_PLUGINDIR" ]; then
				want="make install or the package put it into $SO2_MODULEDIR)"
			else
				want="make install put it into $SO2_MODULEDIR, where libsasl2 does not look by default; the package puts it into $SO2_LIBSASL2_PLUGINDIR)"
			fi
			t_contains "$out" "fix: install it into $SO2_LIBSASL2_PLUGINDIR ($want, or name its directory for smtp" \
				"the fix says where make install put the module"
		else
			echo "note: SO2_MODULEDIR not set (not run by make check): install-directory fix not checked" >&2
		fi
	fi
	# 23. a master.cf override for smtp wins over main.cf.
	pf_main ""
	printf 'smtp      unix  -       -       y       -       -       smtp\n  -o import_environment=MAIL_CONFIG,SASL_PATH=%s\n' \
		"$T/nowhere" > "$P/master.cf"
	out=$("$SO2_CLI" doctor $U --postfix-config "$P" --user root 2>&1)
	t_contains "$out" "looks in $T/nowhere (SASL_PATH from master.cf: smtp -o import_environment)" \
		"master.cf override read"
	t_contains "$out" "postfix stop; postfix start" "import_environment needs a restart"
	printf 'smtp      unix  -       -       y       -       -       smtp\n' > "$P/master.cf"
	# 24. a record path in the map: as the chrooted smtp sees it.
	pf_main "queue_directory = $T/queue"
	pf_map "[smtp.office365.com]:587 $U:$T/store/$U.json"
	out=$("$SO2_CLI" doctor $U --postfix-config "$P" --user root 2>&1)
	t_contains "$out" "[fail] postfix: smtp runs chrooted in $T/queue, so the record path $T/store/$U.json of the map is $T/queue$T/store/$U.json on the host, which does not exist (the path exists outside the chroot only)" \
		"a record path wrong inside the chroot"
	mkdir -p "$T/queue$T/store"
	cp "$T/store/$U.json" "$T/queue$T/store/"
	out=$("$SO2_CLI" doctor $U --postfix-config "$P" --user root 2>&1)
	t_contains "$out" "[pass] postfix: the chrooted smtp opens the record $T/store/$U.json" \
		"a record path right inside the chroot"
	pf_map "[smtp.office365.com]:587 $U:"
	# JSON carries the same checks.
	pf_main ""
	json=$("$SO2_CLI" doctor $U --postfix-config "$P" --user root --json)
	t_eq "$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["ok"], d["failed"], any(c["id"]=="postfix.map-key" and c["status"]=="pass" for c in d["checks"]))' "$json")" \
		"True 0 True" "--json summary"
else
	echo "note: postconf/postmap not installed: Postfix scenarios skipped" >&2
fi

[ $fails -eq 0 ] || t_fail "$fails golden comparison(s) failed"
echo "PASS: doctor golden files"

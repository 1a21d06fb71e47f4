#!/bin/bash
# SPDX-License-Identifier: MIT
# postfix-migrate-scan.sh - what "sasl-oauth2 postfix migrate --dry-run" finds
# and refuses, on Postfix configurations made here (postconf -c DIR; no
# Postfix runs, nothing is written):
#   - refused with the reason, exit 78: proxy:, a database, inline: (the
#     password never shown), an unknown type, an entry over two lines, a
#     key given twice, another server that keeps a password; the plan of
#     what could be read is printed first, marked as not applied;
#   - found: relayhost, transport_maps, sender-dependent relays and
#     authentication (Microsoft and Google senders, each with its account
#     and grant), hash, btree, texthash and (when installed) lmdb maps;
#     ports 25/465/587; already migrated entries; another port is not ours.
. "${top_srcdir:-.}/tests/lib/common.sh"

command -v postconf >/dev/null || t_skip "postfix not installed"
[ -x "$SO2_CLI" ] || t_fail "sasl-oauth2 not built: $SO2_CLI"
t_tmpdir
t_plugin_env
mkdir -p "$T/store"
printf '%s\n' "store_dir = $T/store" "[microsoft]" \
	"client_id = 11111111-2222-3333-4444-555555555555" > "$SASL_OAUTH2_CONF"

PW='Pa55-w0rd-never-shown'
n=0
# config MAIN_CF_LINES - a fresh configuration directory in $CF
config() {
	n=$((n + 1))
	CF=$T/pf$n
	mkdir -p "$CF"
	printf '%s\n' "compatibility_level = 3.6" "smtp_sasl_auth_enable = yes" "$@" > "$CF/main.cf"
}
# map FILE LINES... - a map source in $CF, built for hash:
map() {
	local f=$CF/$1
	shift
	printf '%s\n' "$@" > "$f"
	chmod 600 "$f"
	postmap -c "$CF" "hash:$f" 2>/dev/null || true
}
# plan [ARGS] - the dry run; $out and $rc
plan() {
	rc=0
	out=$("$SO2_CLI" postfix migrate -c "$CF" --dry-run "$@" 2>&1) || rc=$?
	t_not_contains "$out" "$PW" "the password is never printed"
}
refused() {
	plan
	t_eq "$rc" 78 "$1: exit status"
	t_contains "$out" "$2" "$1: the reason"
}

# --- refusals
# Postfix installed, not set up (no main.cf; MAIL_CONFIG stands for
# /etc/postfix): postconf's own reason and the way on, not "is Postfix
# installed?"
mkdir -p "$T/unset"
rc=0
out=$(MAIL_CONFIG=$T/unset "$SO2_CLI" postfix migrate --dry-run 2>&1) || rc=$?
t_eq "$rc" 66 "no main.cf: exit status"
t_contains "$out" "open $T/unset/main.cf: No such file or directory" "no main.cf: postconf's reason"
t_contains "$out" "or give -c DIR" "no main.cf: another instance"
t_not_contains "$out" "is Postfix installed?" "no main.cf: Postfix is installed"
rc=0
out=$(MAIL_CONFIG=$T/unset "$SO2_CLI" doctor a@example.com --postfix 2>&1) || rc=$?
t_contains "$out" "open $T/unset/main.cf: No such file or directory" "doctor, no main.cf: postconf's reason"
t_contains "$out" "or give --postfix-config DIR" "doctor, no main.cf: another instance"
t_not_contains "$out" "install Postfix" "doctor, no main.cf: Postfix is installed"

config "relayhost = [smtp.office365.com]:587" \
	"smtp_sasl_password_maps = proxy:hash:$T/pf1/sasl_passwd"
map sasl_passwd "[smtp.office365.com]:587 a@example.com:$PW"
refused "proxy:" "is read through proxymap(8)"

config "relayhost = [smtp.office365.com]:587" "smtp_sasl_password_maps = mysql:$T/pf2/my.cf"
refused "mysql:" "is a database, which this command does not change"

config "relayhost = [smtp.office365.com]:587" \
	"smtp_sasl_password_maps = inline:{ [smtp.office365.com]:587=a@example.com:$PW }"
refused "inline:" "keeps the password in main.cf"

config "relayhost = [smtp.office365.com]:587" "smtp_sasl_password_maps = pcre:$T/pf4/x.pcre"
refused "pcre:" "rewrites hash:, btree:, lmdb: and texthash: files only"

config "relayhost = [smtp.office365.com]:587" "smtp_sasl_password_maps = hash:$T/pf5/sasl_passwd"
map sasl_passwd "[smtp.office365.com]:587 a@example.com:" "	$PW"
refused "continuation" "goes on over the next line"

config "relayhost = [smtp.office365.com]:587" "smtp_sasl_password_maps = hash:$T/pf6/sasl_passwd"
map sasl_passwd "[smtp.office365.com]:587 a@example.com:$PW" "# again" \
	"[SMTP.office365.com]:587 b@example.com:$PW"
refused "duplicate" "is given twice (lines 1 and 3)"

config "relayhost = [smtp.office365.com]:587" "smtp_sasl_password_maps = hash:$T/pf7/sasl_passwd"
map sasl_passwd "[smtp.office365.com]:587 a@example.com:$PW" \
	"[mail.other.example]:587 u@other.example:$PW"
refused "another server" "other servers keep a password: \"[mail.other.example]:587\""
# ... after the plan of what could be read, marked as not applied
t_contains "$out" "Not applied: the migration is refused" "refused: the plan is marked"
before_reason=${out%%cannot migrate*}
t_contains "$before_reason" "hash:$CF/sasl_passwd line 1: [smtp.office365.com]:587, account a@example.com: migrate" \
	"refused: the entry read is shown before the reason"
t_contains "$before_reason" "Not applied: nothing was changed." "refused: nothing changed, said"
# ... and a port that is not a submission port is another server
config "relayhost = [smtp.office365.com]:2525" "smtp_sasl_password_maps = hash:$T/pf8/sasl_passwd"
map sasl_passwd "[smtp.office365.com]:587 a@example.com:$PW" \
	"[smtp.office365.com]:2525 a@example.com:$PW"
refused "port 2525" "\"[smtp.office365.com]:2525\""

# --- found
config "relayhost = [smtp.office365.com]:587" "smtp_tls_security_level = may" \
	"smtp_sasl_security_options = noplaintext, noanonymous" \
	"smtp_sasl_password_maps = texthash:$T/pf9/sasl_passwd, btree:$T/pf9/more"
printf '%s\n' "# Microsoft 365" "[smtp.office365.com]:587	a@example.com:$PW" > "$CF/sasl_passwd"
printf '%s\n' "smtp-hve.office365.com b@example.com:$PW" > "$CF/more"
postmap -c "$CF" "btree:$CF/more"
plan
t_eq "$rc" 0 "texthash+btree: exit status"
t_contains "$out" "texthash:$CF/sasl_passwd line 2: [smtp.office365.com]:587, account a@example.com: migrate (microsoft, delegated, device code)" "texthash entry"
t_contains "$out" "btree:$CF/more line 1: smtp-hve.office365.com, account b@example.com: migrate" "btree entry"
t_contains "$out" "-[smtp.office365.com]:587	a@example.com:<password hidden>
+[smtp.office365.com]:587	a@example.com:
" "texthash diff keeps the tab"
t_contains "$out" "+smtp_tls_security_level = encrypt" "TLS enforced for relayhost"
t_contains "$out" "+smtp_sasl_tls_security_options = noanonymous" "noplaintext dropped"
t_contains "$out" "Then: postmap btree:$CF/more" "btree rebuilt"
t_not_contains "$out" "Then: postmap texthash" "texthash is not built"

config "transport_maps = hash:$T/pf10/transport" "smtp_tls_security_level = may" \
	"smtp_sasl_password_maps = hash:$T/pf10/sasl_passwd"
map transport "example.com smtp:[smtp.gmail.com]:465" "example.org smtp:[mx.example.org]" \
	"example.net relay:[smtp.office365.com]:587"
map sasl_passwd "[smtp.gmail.com]:465 g@example.com:$PW"
plan
t_eq "$rc" 0 "transport_maps: exit status"
t_contains "$out" "transport_maps hash:$CF/transport: example.com -> [smtp.gmail.com]:465 (google)" \
	"transport entry found"
t_not_contains "$out" "mx.example.org" "other transports are not relays"
t_contains "$out" "account g@example.com: migrate (google, delegated, sign-in in a browser)" \
	"Google signs in in a browser"
t_contains "$out" "smtp_tls_security_level = may is left alone" "TLS level only noted"
t_not_contains "$out" "+smtp_tls_security_level" "TLS level not changed"
t_contains "$out" "example.net -> [smtp.office365.com]:587: no password entry" \
	"a relay without a password entry is pointed out"

# many mailboxes: sender-dependent relays and authentication
config "relayhost = [smtp.office365.com]:587" "smtp_sender_dependent_authentication = yes" \
	"sender_dependent_relayhost_maps = hash:$T/pf11/sender_relay" \
	"smtp_sasl_password_maps = hash:$T/pf11/sasl_passwd"
map sender_relay "bob@example.com [smtp.gmail.com]:587" "@example.net [smtp.office365.com]:25"
map sasl_passwd "alice@example.com alice@example.com:$PW" "bob@example.com bob@example.com:$PW" \
	"carol@example.net carol@example.net:$PW" "dave@example.org dave@example.org:" \
	"[smtp.office365.com]:587 relay@example.com:"
plan
t_eq "$rc" 0 "sender-dependent: exit status"
t_contains "$out" "sender_dependent_relayhost_maps hash:$CF/sender_relay: bob@example.com -> [smtp.gmail.com]:587 (google)" "sender relay found"
t_contains "$out" "line 1: sender alice@example.com -> [smtp.office365.com]:587, account alice@example.com: migrate (microsoft" "sender through relayhost"
t_contains "$out" "line 2: sender bob@example.com -> [smtp.gmail.com]:587, account bob@example.com: migrate (google" "sender through Gmail"
t_contains "$out" "line 3: sender carol@example.net -> [smtp.office365.com]:25, account carol@example.net: migrate" "sender by @domain"
t_contains "$out" "line 5: [smtp.office365.com]:587, account relay@example.com: already OAuth2" "migrated entry"
t_contains "$out" "+bob@example.com bob@example.com:
" "sender entry rewritten"
t_eq "$(printf '%s\n' "$out" | grep -c '^-.*<password hidden>')" 3 "three entries rewritten"

# app-only: the plan says so
plan --client-secret-file /dev/null
t_contains "$out" "account alice@example.com: migrate (microsoft, app-only, client credentials)" \
	"--client-secret-file: app-only"
# ... but an account with a usable record keeps it (the run says "used as it
# is"): the plan must not promise a sign-in that will not happen
t_record alice@example.com AT-alice 3600 RT-alice
plan --client-secret-file /dev/null
t_contains "$out" "account alice@example.com: migrate (microsoft, its record in the store is kept; to sign it in again, sasl-oauth2 logout alice@example.com first)" \
	"a usable record: kept, not app-only"
t_not_contains "$out" "alice@example.com: migrate (microsoft, app-only" "a usable record: no app-only sign-in promised"
rm -f "$T/store/alice@example.com.json"

# nothing to do
config "relayhost = [smtp.office365.com]:587" "smtp_sasl_mechanism_filter = xoauth2" \
	"smtp_tls_security_level = encrypt" "smtp_sasl_tls_security_options = noanonymous" \
	"import_environment = SASL_PATH=$SASL_PATH SASL_OAUTH2_CONF=$SASL_OAUTH2_CONF SASL_OAUTH2_CORE=$SASL_OAUTH2_CORE" \
	"smtp_sasl_password_maps = hash:$T/pf12/sasl_passwd"
map sasl_passwd "[smtp.office365.com]:587 relay@example.com:"
plan
t_eq "$rc" 0 "migrated: exit status"
t_contains "$out" "Nothing to migrate: every entry already uses OAuth2." "migrated: nothing to do"

# lmdb (postfix-lmdb)
if postconf -m 2>/dev/null | grep -qx lmdb || postconf -c "$CF" -m 2>/dev/null | grep -qx lmdb; then
	config "relayhost = [smtp-mail.outlook.com]:587" "smtp_sasl_password_maps = lmdb:$T/pf13/sasl_passwd"
	printf '%s\n' "[smtp-mail.outlook.com]:587 me@outlook.com:$PW" > "$CF/sasl_passwd"
	postmap -c "$CF" "lmdb:$CF/sasl_passwd"
	plan
	t_eq "$rc" 0 "lmdb: exit status"
	t_contains "$out" "lmdb:$CF/sasl_passwd line 1: [smtp-mail.outlook.com]:587, account me@outlook.com: migrate" "lmdb entry"
	t_contains "$out" "Then: postmap lmdb:$CF/sasl_passwd" "lmdb rebuilt"
else
	echo "note: postfix-lmdb not installed, lmdb part skipped" >&2
fi

# a map that cannot be read: the reason, readable (the message was once
# formatted over itself)
config "relayhost = [smtp.office365.com]:587" "smtp_sasl_password_maps = hash:$T/nowhere/missing"
refused "missing map" "cannot read the source of hash:$T/nowhere/missing: cannot open $T/nowhere/missing: No such file or directory"

# A relay under a name the command does not know (here, a gateway): nothing
# found is said as such, with --server, not as main.cf changes (nor as a
# refusal about where the module is, for a configuration it will not touch)
config "relayhost = [gw.example.net]:587" "smtp_sasl_password_maps = hash:$T/pf$((n + 1))/sasl_passwd"
map sasl_passwd "[gw.example.net]:587 a@example.com:$PW"
rc=0
out=$(SASL_PATH=$T/nowhere "$SO2_CLI" postfix migrate -c "$CF" --dry-run 2>&1) || rc=$?
t_eq "$rc" 0 "unknown relay: exit status"
t_contains "$out" "Nothing to migrate: no password entry for Microsoft 365 or Gmail" "unknown relay: said"
t_contains "$out" "--server NEXTHOP=PROVIDER" "unknown relay: how to name it"
t_not_contains "$out" "main.cf changes" "unknown relay: no changes listed"
t_not_contains "$out" "cannot migrate" "unknown relay: no refusal"

# no file was written by any dry run
[ -z "$(find "$T" -name 'sasl-oauth2-backup*')" ] || t_fail "a dry run made a backup"
echo "PASS: refusals with reasons; relays and entries found in every layout"

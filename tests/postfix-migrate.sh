#!/bin/bash
# SPDX-License-Identifier: MIT
# postfix-migrate.sh - sasl-oauth2 postfix migrate against the private stack:
#
# The stack's relay starts as today's Microsoft 365 relays are: PLAIN with a
# password in sasl_passwd for the submission server (RELAY_MECH=plain). The
# command (with --server naming the stack's submission server as a Microsoft
# one) must:
#   - with --dry-run print the plan as a diff, never the password, and
#     change no byte;
#   - when a step fails (the login refused, the store not writable or not
#     the mail owner's, postmap, postfix check) leave every file
#     byte-identical (contents, owner, mode, time);
#   - migrate: log the account in through the login code (device grant,
#     the emulator approves), probe it live, rewrite; afterwards the relay
#     relays a message with XOAUTH2;
#   - find nothing to do the second time;
#   - --rollback: every file back byte for byte, PLAIN works again; a
#     second rollback changes nothing (not even a modification time).
. "${top_srcdir:-.}/tests/lib/common.sh"
. "$top_srcdir/tests/lib/idp.sh"
. "$top_srcdir/tests/lib/stack.sh"

t_need_stack
t_sanitized && t_skip "sanitizer build: Postfix cannot load an ASan-instrumented module"

t_tmpdir
t_plugin_env
t_store postfix:
t_start_stack RELAY_MECH=plain
t_conf

CF=$RELAY_CONFIG_DIR
FILES="$CF/main.cf $CF/sasl_passwd $CF/sasl_passwd.db"
SERVER="[127.0.0.1]:$SUB_PORT=microsoft"

# snapshot - contents, mode, owner and modification time of the relay's files
snapshot() {
	local f
	for f in $FILES; do
		printf '%s %s %s\n' "$f" "$(stat -c '%a %U:%G %Y' "$f")" \
			"$(sha256sum < "$f" | cut -c1-64)"
	done
}
# migrate ARGS - the command on the relay; output in $T/mig.out, status in $rc
migrate() {
	rc=0
	"$SO2_CLI" postfix migrate -c "$CF" --server "$SERVER" --restart "$@" > "$T/mig.out" 2>&1 || rc=$?
	if grep -q relaypass "$T/mig.out"; then
		cat "$T/mig.out" >&2
		t_fail "the password was printed"
	fi
}
# send_one SUBJECT - a message through the relay, delivered
send_one() {
	"$top_srcdir/tests/stack/send.sh" "$S" "$ACCOUNT" alice@example.net "$1" >/dev/null \
		|| t_fail "could not inject '$1'"
	"$top_srcdir/tests/stack/wait-delivered.sh" "$S" "$1" 60 > "$T/delivered" \
		|| { tail -n 20 "$RELAY_LOG" >&2; t_fail "'$1' was not delivered"; }
}

send_one "before migration $$"
grep -q 'sasl_method=PLAIN' "$MX_LOG" || t_fail "the relay did not start with PLAIN"
before=$(snapshot)
mkdir -p "$T/before" "$T/after"
cp -p "$CF/main.cf" "$CF/sasl_passwd" "$T/before/"

# 1. The plan, and no byte changed.
migrate --dry-run
[ $rc -eq 0 ] || { cat "$T/mig.out" >&2; t_fail "dry run: exit $rc"; }
out=$(cat "$T/mig.out")
t_contains "$out" "-[127.0.0.1]:$SUB_PORT relay@example.com:<password hidden>" "plan: old entry"
t_contains "$out" "+[127.0.0.1]:$SUB_PORT relay@example.com:
" "plan: new entry, empty password"
t_contains "$out" "+smtp_sasl_mechanism_filter = xoauth2" "plan: mechanism filter"
t_contains "$out" "-smtp_sasl_mechanism_filter = plain" "plan: old mechanism filter"
t_contains "$out" "Dry run: nothing was changed." "dry run said so"
t_eq "$(snapshot)" "$before" "files after --dry-run"
[ ! -e "$CF/sasl-oauth2-backup" ] || t_fail "--dry-run made a backup"
cp "$T/mig.out" "$T/plan.out"

# 2. A failing step leaves every file as it was.
# the login refused (AADSTS65001 at the first token request)
t_idp_admin POST /_admin/fault '{"endpoint":"token","kind":"consent_required"}' >/dev/null \
	|| t_fail "could not set the emulator's fault"
migrate
[ $rc -ne 0 ] || t_fail "login refused: the migration succeeded"
t_contains "$(cat "$T/mig.out")" "relay@example.com: login:" "login refused: said so"
t_eq "$(snapshot)" "$before" "files after the login was refused"
[ ! -e "$T/store/$ACCOUNT.json" ] || t_fail "login refused: a record was written"
# the store cannot be created (its parent is a file)
: > "$T/notadir"
sed "s|^store_dir = .*|store_dir = $T/notadir/store|" "$SASL_OAUTH2_CONF" > "$T/bad.conf"
migrate --config "$T/bad.conf"
[ $rc -ne 0 ] || t_fail "store not writable: the migration succeeded"
t_contains "$(cat "$T/mig.out")" "cannot create the token store" "store not writable: said so"
t_eq "$(snapshot)" "$before" "files after the store was not writable"
mkdir -p "$T/fakebin"
real_postmap=$(command -v postmap)
real_postfix=$(command -v postfix)
cat > "$T/fakebin/postmap" <<EOF
#!/bin/sh
# queries go through; building a map fails
case " \$* " in *" -q "*) exec $real_postmap "\$@" ;; esac
echo "postmap: fatal: injected failure" >&2
exit 1
EOF
cat > "$T/fakebin/postfix" <<EOF
#!/bin/sh
case " \$* " in *" check "*) echo "postfix: fatal: injected check failure" >&2; exit 1 ;; esac
exec $real_postfix "\$@"
EOF
chmod +x "$T/fakebin/postmap" "$T/fakebin/postfix"
# the first of these logs in (the record stays for the next runs)
for fake in postmap postfix; do
	mkdir -p "$T/fake-$fake"
	ln -sf "$T/fakebin/$fake" "$T/fake-$fake/$fake"
	PATH=$T/fake-$fake:$PATH migrate
	[ $rc -ne 0 ] || t_fail "$fake failing: the migration succeeded"
	t_contains "$(cat "$T/mig.out")" "injected" "$fake failing: its message shown"
	t_contains "$(cat "$T/mig.out")" "every file was put back" "$fake failing: restored"
	t_eq "$(snapshot)" "$before" "files after $fake failed"
done
chown root "$T/store"
migrate
chown postfix "$T/store"
t_eq "$rc" 78 "store not usable by postfix: refused"
t_contains "$(cat "$T/mig.out")" "chown -R postfix $T/store" "store: the fix"
t_eq "$(snapshot)" "$before" "files after the store was refused"
send_one "still PLAIN $$"

t_eq "$(stat -c '%U %a' "$T/store/$ACCOUNT.json")" "postfix 600" "record made by the migration"

# 3. The migration, then mail with XOAUTH2.
rm -f "$T/store/$ACCOUNT.json"
migrate
[ $rc -eq 0 ] || { cat "$T/mig.out" >&2; t_fail "migration: exit $rc"; }
t_contains "$(cat "$T/mig.out")" "Logged in relay@example.com" "the migration logged the account in"
t_contains "$(cat "$T/mig.out")" "XOAUTH2 offered after TLS" "the live probe ran"
t_eq "$(stat -c '%U %a' "$T/store/$ACCOUNT.json")" "postfix 600" "record owner and mode"
cp "$T/mig.out" "$T/migrate.out"
t_eq "$(grep -c "^\[127.0.0.1\]:$SUB_PORT relay@example.com:\$" "$CF/sasl_passwd")" 1 \
	"sasl_passwd entry now has the empty password"
t_eq "$(postconf -c "$CF" -h smtp_sasl_mechanism_filter)" xoauth2 "mechanism filter"
t_eq "$(stat -c %a "$CF/sasl-oauth2-backup/2")" 600 "backup copy mode"
t_eq "$(stat -c '%a %U' "$CF/sasl_passwd")" "600 root" "sasl_passwd keeps mode and owner"
cp -p "$CF/main.cf" "$CF/sasl_passwd" "$T/after/"
mark=$(wc -l < "$MX_LOG")
send_one "after migration $$"
tail -n +"$((mark + 1))" "$MX_LOG" | grep -q 'sasl_method=XOAUTH2, sasl_username=relay@example.com' \
	|| { tail -n 20 "$MX_LOG" >&2; t_fail "the relay did not authenticate with XOAUTH2"; }

# 4. Nothing left to do.
after=$(snapshot)
migrate
t_eq "$rc" 0 "second migration"
t_contains "$(cat "$T/mig.out")" "Nothing to migrate" "second migration finds nothing"
t_eq "$(snapshot)" "$after" "files after the second migration"

# 5. Roll back: a damaged manifest restores nothing (not the files before
# the damaged line); then for real, twice.
cp -p "$CF/sasl-oauth2-backup/manifest" "$T/manifest"
echo "garbage" >> "$CF/sasl-oauth2-backup/manifest"
migrate --rollback
t_eq "$rc" 1 "damaged manifest: exit status"
t_contains "$(cat "$T/mig.out")" "nothing was restored" "damaged manifest: said so"
t_eq "$(snapshot)" "$after" "damaged manifest: files untouched"
cp -p "$T/manifest" "$CF/sasl-oauth2-backup/manifest"
migrate --rollback
[ $rc -eq 0 ] || { cat "$T/mig.out" >&2; t_fail "rollback: exit $rc"; }
t_contains "$(cat "$T/mig.out")" "Restored 3 files" "rollback restored"
# byte for byte, owner, mode and modification time
t_eq "$(snapshot)" "$before" "files after rollback"
rolled=$(snapshot)
sleep 1
migrate --rollback
t_eq "$rc" 0 "second rollback"
t_contains "$(cat "$T/mig.out")" "Nothing to roll back" "second rollback finds nothing"
t_eq "$(snapshot)" "$rolled" "second rollback changed nothing"
mark=$(wc -l < "$MX_LOG")
send_one "rolled back $$"
tail -n +"$((mark + 1))" "$MX_LOG" | grep -q 'sasl_method=PLAIN' \
	|| t_fail "after the rollback the relay does not use PLAIN again"

echo "--- plan (dry run)"; cat "$T/plan.out"
echo "--- migration"; cat "$T/migrate.out"
echo "--- the files before and after (the test password shown as <relaypass>)"
(cd "$T" && diff -u before/main.cf after/main.cf; diff -u before/sasl_passwd after/sasl_passwd) \
	| sed 's/relaypass/<relaypass>/'
echo "PASS: dry run, failures restored, migrated to XOAUTH2, rolled back byte for byte"

#!/bin/bash
# SPDX-License-Identifier: MIT
# postfix-migrate-hostile.sh - "sasl-oauth2 postfix migrate" as root on unusual
# or hostile files (no Postfix runs: a stand-in "postfix" answers check/status,
# the real postconf and postmap do the rest):
#   - an entry whose password goes on after a comment or a blank line
#     (Postfix's readlline joins them) is refused, not half-migrated;
#   - a password map holding a NUL byte is refused (the rewrite would drop
#     every entry after it);
#   - --backup-dir naming an existing directory that is not a backup is
#     refused and not one of its files removed;
#   - links planted where the backup is built (DIR.new.PID, DIR.old.PID)
#     are removed, never followed: the directories they lead to keep their
#     files;
#   - a map that is a symbolic link stays one: the file it leads to is
#     migrated and, by --rollback, restored;
#   - --rollback refuses a backup another user could have written;
#   - a second run while one is running is refused (exit 75), nothing
#     restored under the first one's feet;
#   - a second migration while the first one's backup holds the files from
#     before it (the passwords) is refused, the backup kept; after
#     --rollback the migration runs again, also once the files were edited
#     since the rollback;
#   - the password is never printed.
. "${top_srcdir:-.}/tests/lib/common.sh"

[ "$(id -u)" = 0 ] || t_skip "needs root (files owned by the mail owner)"
command -v postconf >/dev/null || t_skip "postfix not installed"
id postfix >/dev/null 2>&1 || t_skip "no postfix user"
[ -x "$SO2_CLI" ] || t_fail "sasl-oauth2 not built: $SO2_CLI"
t_tmpdir
t_plugin_env
mkdir -p "$T/store"
printf '%s\n' "store_dir = $T/store" "[microsoft]" \
	"client_id = 11111111-2222-3333-4444-555555555555" > "$SASL_OAUTH2_CONF"
t_record a@example.com AT-a 3600 RT-a
chown -R postfix "$T/store"

# A stand-in postfix: check passes (or waits for $T/go when $T/hold exists),
# status says "not running".
mkdir -p "$T/bin"
cat > "$T/bin/postfix" <<EOF
#!/bin/sh
case " \$* " in *" status "*) exit 1 ;; esac
if [ -e "$T/hold" ]; then
	: > "$T/held"
	while [ ! -e "$T/go" ]; do sleep 0.1; done
fi
exit 0
EOF
chmod +x "$T/bin/postfix"
PATH=$T/bin:$PATH

PW='Pa55-w0rd-never-shown'
n=0
# config - a fresh configuration directory $CF whose map $MAP holds "$@"
config() {
	n=$((n + 1))
	CF=$T/pf$n
	MAP=$CF/sasl_passwd
	mkdir -p "$CF"
	printf '%s\n' "compatibility_level = 3.6" "relayhost = [smtp.office365.com]:587" \
		"smtp_sasl_password_maps = hash:$MAP" > "$CF/main.cf"
	printf '%s\n' "$@" > "$MAP"
	chmod 600 "$MAP"
	postmap -c "$CF" "hash:$MAP"
}
# migrate ARGS - the command; $out and $rc
migrate() {
	rc=0
	out=$("$SO2_CLI" postfix migrate -c "$CF" --no-probe "$@" 2>&1) || rc=$?
	t_not_contains "$out" "$PW" "the password is never printed"
}

# --- a logical line over a comment and a blank line
config "[smtp.office365.com]:587 a@example.com:$PW" "# the rest of it" "" "	-tail"
t_eq "$(postmap -c "$CF" -q '[smtp.office365.com]:587' "hash:$MAP")" \
	"a@example.com:$PW	-tail" "Postfix joins the lines"
before=$(sha256sum "$MAP" "$MAP.db")
migrate
t_eq "$rc" 78 "continued over a comment: refused"
t_contains "$out" "goes on over the next line" "continued over a comment: the reason"
t_eq "$(sha256sum "$MAP" "$MAP.db")" "$before" "continued over a comment: map untouched"

# --- a NUL byte
config "[smtp.office365.com]:587 a@example.com:$PW"
printf 'junk\0junk\nsmtp.example.net u@example.net:\n' >> "$MAP"
before=$(sha256sum "$MAP")
migrate
t_eq "$rc" 78 "NUL byte: refused"
t_contains "$out" "holds a NUL byte" "NUL byte: the reason"
t_eq "$(sha256sum "$MAP")" "$before" "NUL byte: map untouched"

# --- --backup-dir naming a directory that is not a backup
config "[smtp.office365.com]:587 a@example.com:$PW"
mkdir -p "$T/mine"
echo precious > "$T/mine/notes.txt"
before=$(sha256sum "$CF/main.cf" "$MAP")
migrate --backup-dir "$T/mine"
t_eq "$rc" 78 "existing directory as --backup-dir: refused"
t_contains "$out" "not part of a backup made by this command" "existing directory: the reason"
t_eq "$(cat "$T/mine/notes.txt" 2>/dev/null)" precious "existing directory: its file kept"
t_eq "$(sha256sum "$CF/main.cf" "$MAP")" "$before" "existing directory: nothing changed"
[ -z "$(ls -d "$T"/mine.* 2>/dev/null)" ] || t_fail "existing directory: moved aside"

# --- links planted where the backup is built: never followed
config "[smtp.office365.com]:587 a@example.com:$PW"
mkdir -p "$T/victim1" "$T/victim2"
echo one > "$T/victim1/file"
echo two > "$T/victim2/file"
rc=0
out=$(
	ln -s "$T/victim1" "$T/bk.new.$BASHPID"
	ln -s "$T/victim2" "$T/bk.old.$BASHPID"
	exec "$SO2_CLI" postfix migrate -c "$CF" --no-probe --backup-dir "$T/bk" 2>&1
) || rc=$?
t_not_contains "$out" "$PW" "planted links: the password is never printed"
t_eq "$(cat "$T/victim1/file" 2>/dev/null)" one "link at DIR.new.PID not followed"
t_eq "$(cat "$T/victim2/file" 2>/dev/null)" two "link at DIR.old.PID not followed"
t_eq "$rc" 0 "planted links: the migration went on"
t_eq "$(stat -c %F "$T/bk")" directory "planted links: the backup is a directory"

# --- a map that is a symbolic link
config "[smtp.office365.com]:587 a@example.com:$PW"
mkdir -p "$CF/real"
mv "$MAP" "$CF/real/sasl_passwd"
ln -s real/sasl_passwd "$MAP"
before=$(sha256sum "$CF/real/sasl_passwd")
migrate
t_eq "$rc" 0 "linked map: migrated"
[ -L "$MAP" ] || t_fail "linked map: the link was replaced by a file"
t_eq "$(cat "$CF/real/sasl_passwd")" "[smtp.office365.com]:587 a@example.com:" \
	"linked map: the file it leads to migrated"
t_eq "$(postmap -c "$CF" -q '[smtp.office365.com]:587' "hash:$MAP")" "a@example.com:" \
	"linked map: rebuilt"
migrate --rollback
t_eq "$rc" 0 "linked map: rolled back"
[ -L "$MAP" ] || t_fail "linked map: rollback replaced the link by a file"
t_eq "$(sha256sum "$CF/real/sasl_passwd")" "$before" "linked map: the file restored"

# --- --rollback trusts only its own backup
config "[smtp.office365.com]:587 a@example.com:$PW"
migrate
t_eq "$rc" 0 "migrated"
after=$(sha256sum "$CF/main.cf" "$MAP")
chmod 666 "$CF/sasl-oauth2-backup/manifest"
migrate --rollback
t_eq "$rc" 1 "manifest writable by others: refused"
t_contains "$out" "writable by no one else" "manifest writable by others: the reason"
t_eq "$(sha256sum "$CF/main.cf" "$MAP")" "$after" \
	"manifest writable by others: nothing restored"
chmod 600 "$CF/sasl-oauth2-backup/manifest"
chown nobody "$CF/sasl-oauth2-backup"
migrate --rollback
t_eq "$rc" 1 "backup of another user: refused"
t_contains "$out" "belongs to uid" "backup of another user: the reason"
t_eq "$(sha256sum "$CF/main.cf" "$MAP")" "$after" \
	"backup of another user: nothing restored"
chown root "$CF/sasl-oauth2-backup"

# --- one run at a time
config "[smtp.office365.com]:587 a@example.com:$PW"
t_on_exit ': > "$T/go"'	# a failure must not leave the first one waiting
: > "$T/hold"
"$SO2_CLI" postfix migrate -c "$CF" --no-probe > "$T/first.out" 2>&1 &
first=$!
for _ in $(seq 600); do [ -e "$T/held" ] && break; sleep 0.1; done
[ -e "$T/held" ] || { kill "$first"; t_fail "the first migration never reached postfix check"; }
migrated=$(sha256sum "$CF/main.cf" "$MAP")
migrate --rollback
t_eq "$rc" 75 "rollback during a migration: refused"
t_contains "$out" "is running on $CF" "rollback during a migration: the reason"
t_eq "$(sha256sum "$CF/main.cf" "$MAP")" "$migrated" "rollback during a migration: no change"
migrate
t_eq "$rc" 75 "second migration during a migration: refused"
: > "$T/go"
wait "$first" || { cat "$T/first.out" >&2; t_fail "the first migration failed"; }
rm -f "$T/hold"
migrate --rollback
t_eq "$rc" 0 "rollback afterwards"
t_contains "$(cat "$MAP")" "a@example.com:$PW" "rollback afterwards: the password is back"

# --- a login refused before any request: told in the migration's words
# (MANY RELAYS with the configuration's default tenant): no "login: :", and
# no --tenant, which postfix migrate does not take
config "[smtp.office365.com]:587 b@example.com:$PW"
printf 'app-secret\n' > "$T/secret" && chmod 600 "$T/secret"
migrate --client-secret-file "$T/secret"
t_eq "$rc" 78 "app-only without a tenant: refused"
t_contains "$out" "b@example.com: login: the client credentials grant needs your tenant" \
	"app-only without a tenant: the reason"
t_not_contains "$out" "login: :" "app-only without a tenant: one colon"
t_not_contains "$out" "--tenant" "app-only without a tenant: no option migrate lacks"

# --- a second migration must not replace the first one's backup
config "[smtp.office365.com]:587 a@example.com:$PW"
orig=$(sha256sum "$CF/main.cf" "$MAP")
migrate
t_eq "$rc" 0 "first migration"
backup=$(cd "$CF/sasl-oauth2-backup" && sha256sum -- *)
echo "[smtp-mail.outlook.com]:587 a@example.com:$PW" >> "$MAP"
postmap -c "$CF" "hash:$MAP"
migrate --dry-run
t_eq "$rc" 0 "second migration, dry run"
t_contains "$out" "Note: the migration itself would stop here" "dry run: the refusal foretold"
migrate
t_eq "$rc" 78 "second migration while the first backup holds the passwords: refused"
t_contains "$out" "holds the backup of an earlier migration" "second migration: the reason"
t_contains "$out" "postfix migrate --rollback -c $CF" "second migration: how to roll back"
t_eq "$(cd "$CF/sasl-oauth2-backup" && sha256sum -- *)" "$backup" "the first backup kept"
t_contains "$(cat "$MAP")" "[smtp-mail.outlook.com]:587 a@example.com:$PW" \
	"second migration: the map untouched"
migrate --rollback
t_eq "$rc" 0 "rollback to before the first migration"
t_eq "$(sha256sum "$CF/main.cf" "$MAP")" "$orig" "the files from before the first migration"
migrate
t_eq "$rc" 0 "after the rollback the migration runs again"
# Rolled back, then edited (an entry added): the backup is the rolled-back
# migration's, not one in effect; rolling back "first", as a refusal would
# say, would throw the edit away.
migrate --rollback
t_eq "$rc" 0 "rollback of the second migration"
echo "[smtp-mail.outlook.com]:587 a@example.com:$PW" >> "$MAP"
postmap -c "$CF" "hash:$MAP"
migrate --dry-run
t_not_contains "$out" "would stop here" "edited after a rollback: no refusal foretold"
migrate
t_eq "$rc" 0 "edited after a rollback: the migration runs"
t_not_contains "$(cat "$MAP")" "$PW" "edited after a rollback: both entries migrated"
migrate --rollback
t_eq "$rc" 0 "rollback of the edited configuration"
t_contains "$(cat "$MAP")" "[smtp-mail.outlook.com]:587 a@example.com:$PW" \
	"rollback: the edit made after the first rollback is back, with its password"

# A backup whose manifest was emptied or removed still holds the copies of
# the files from before the migration (the passwords): a second migration
# replaced them (an empty manifest lists no file that differs).
for damage in empty removed; do
	config "[smtp.office365.com]:587 a@example.com:$PW"
	migrate
	t_eq "$rc" 0 "first migration ($damage manifest)"
	B=$CF/sasl-oauth2-backup
	if [ "$damage" = empty ]; then : > "$B/manifest"; else rm "$B/manifest"; fi
	copies=$(cd "$B" && sha256sum -- [0-9]*)
	echo "[smtp-mail.outlook.com]:587 a@example.com:$PW" >> "$MAP"
	postmap -c "$CF" "hash:$MAP"
	migrate
	t_eq "$rc" 78 "second migration over a backup with its manifest $damage: refused ($out)"
	t_eq "$(cd "$B" && sha256sum -- [0-9]*)" "$copies" "manifest $damage: the copies kept"
done

echo "PASS: continuations, NUL, backup directory, planted links, linked maps, trust, one at a time, one backup"

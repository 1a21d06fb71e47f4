/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	cmd_postfix.c - sasl-oauth2 postfix migrate: a password relay to OAuth2
 * SYNOPSIS
 *	sasl-oauth2 postfix migrate [-c DIR] [--dry-run] [--backup-dir DIR]
 *	sasl-oauth2 postfix migrate --rollback [-c DIR] [--backup-dir DIR]
 * DESCRIPTION
 *	migrate, in this order; a step that fails stops the migration, and
 *	once a file was changed every file is put back from the backup:
 *	1. read the configuration (migrate_scan.c) and refuse, with the
 *	   reason, what cannot be rewritten safely (after printing what
 *	   could be read, marked as not applied);
 *	2. print the plan: relays, accounts and how each signs in, the
 *	   main.cf and map changes as a diff (migrate_plan.c); --dry-run
 *	   stops here, having written nothing;
 *	3. make sure every account has a record in the store, readable by
 *	   the user smtp(8) runs as (mail_owner);
 *	4. back up every file it will change (migrate_files.c), 0600;
 *	5. replace main.cf and the map sources, postmap each indexed map,
 *	   postfix check, postfix reload when Postfix runs: the daemons a
 *	   reload starts read main.cf and the maps anew. import_environment
 *	   is different: master(8) sets the daemons' environment once, at
 *	   start; when it changed the command says that a restart is
 *	   needed, or with --restart stops and starts Postfix.
 *	A backup whose files are no longer the live ones (a migration in
 *	effect) is never replaced: a second migration is refused until it
 *	is rolled back or removed (pfm_backup_pending).
 *	--rollback puts every file of the backup back byte for byte, then
 *	checks and reloads; a second rollback finds nothing to change.
 *	One run at a time per configuration directory (lock_config).
 *	Exit: 0 done (or nothing to do), 78 refused (the reason on standard
 *	error), 64 usage, 66 no backup to roll back, 74 a step failed
 *	(everything was restored), 75 another migration or rollback of the
 *	same configuration is running, 1 restoring failed too.
 * SEE ALSO
 *	sasl-oauth2(1), sasl-oauth2-postfix(7), migrate.h
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "base/secret.h"
#include "token/store.h"

#include "cli.h"
#include "doctor.h"
#include "login.h"
#include "migrate.h"
#include "run.h"

enum {
	OPT_DRY_RUN = CLI_OPT_COMMAND,
	OPT_ROLLBACK,
	OPT_BACKUP_DIR,
	OPT_SERVER,
	OPT_RESTART,
	OPT_NO_PROBE,
	OPT_PROFILE,
	OPT_SECRET_FILE,
	OPT_CERTIFICATE,
	OPT_PRIVATE_KEY,
	OPT_GRANT
};

/* postfix_usage - the help text */
static void
postfix_usage(FILE *fp)
{
	fprintf(fp,
		"Usage: %s postfix migrate [-c DIR] [--dry-run] [--backup-dir DIR]\n"
		"       %s postfix migrate --rollback [-c DIR] [--backup-dir DIR]\n"
		"Move a Postfix relay that sends a password to Microsoft 365 or Gmail\n"
		"to OAuth2: print the plan as a diff, back up each file it changes,\n"
		"rewrite the password entries to the empty password (the account's\n"
		"record), set main.cf, postmap, postfix check, reload.\n"
		"  -c DIR, --config-directory DIR   the Postfix configuration directory\n"
		"  --dry-run          print the plan and stop; nothing is written\n"
		"  --rollback         restore the files of the last migration\n"
		"  --restart          stop and start Postfix when import_environment\n"
		"                     changes (a reload does not apply it)\n"
		"  --backup-dir DIR   where backups go (default DIR/%s)\n"
		"  --server NEXTHOP=microsoft|google   another submission server of\n"
		"                     that provider (a gateway, a test server)\n"
		"Accounts without a record sign in first, as \"%s login\" does:\n"
		"  --grant device|code|client-credentials   (default: device for\n"
		"                     Microsoft, code for Google; client-credentials\n"
		"                     with a secret or a certificate)\n"
		"  --profile NAME     the configuration's profile to log in with\n"
		"  --client-secret-file FILE, --certificate FILE --private-key FILE\n"
		"                     app-only credentials (Microsoft)\n"
		"  --no-probe         skip the live AUTH probe of each account\n",
		CLI_PROG, CLI_PROG, PFM_BACKUP_DIR, CLI_PROG);
}

/* migrate_opts - the command line */
struct migrate_opts {
	int dry_run, rollback, restart, no_probe;
	int grant_set;			/* --grant given */
	cli_grant grant;
	const char *profile;		/* --profile */
	const char *secret_file, *certificate, *private_key;
};

/* run_step - run a program; on failure say what it said */
static so2_status
run_step(const pfm *p, const char *prog, const char *const words[], const char *what,
	 so2_err *err)
{
	const char *argv[16];
	char out[2048];

	pfm_argv(p, prog, words, argv);
	if (cli_run(argv, out, sizeof(out), CLI_RUN_STDERR) != 0)
		return so2_err_set(err, SO2_ERR_IO, "%s failed: %s", what, out[0] ? out
				   : "(no output: its messages are in the mail log)");
	return SO2_OK;
}

/* postfix_running - does the Postfix of this configuration run? */
static int
postfix_running(const pfm *p)
{
	const char *words[] = { "status", NULL };
	const char *argv[16];

	pfm_argv(p, "postfix", words, argv);
	return cli_run(argv, NULL, 0, 0) == 0;
}

/* check_and_reload - postfix check, then reload (restart: stop and start)
 *	when it runs; *reloading set when a reload or restart was tried */
static so2_status
check_and_reload(const pfm *p, int restart, int *reloading, so2_err *err)
{
	const char *check[] = { "check", NULL }, *reload[] = { "reload", NULL };
	const char *stop[] = { "stop", NULL }, *start[] = { "start", NULL };
	so2_status result;

	if ((result = run_step(p, "postfix", check, "postfix check", err)) != SO2_OK)
		return result;
	if (!postfix_running(p)) {
		cli_msg("Postfix (%s) is not running: the changes apply when it starts "
			"(postfix%s%s start)", p->dir, p->config_dir ? " -c " : "",
			p->config_dir ? p->config_dir : "");
		return SO2_OK;
	}
	if (reloading != NULL)
		*reloading = 1;
	if (restart) {
		if ((result = run_step(p, "postfix", stop, "postfix stop", err)) != SO2_OK
		    || (result = run_step(p, "postfix", start, "postfix start", err)) != SO2_OK)
			return result;
		cli_msg("Postfix stopped and started: import_environment is read at start only");
		return SO2_OK;
	}
	if ((result = run_step(p, "postfix", reload, "postfix reload", err)) != SO2_OK)
		return result;
	cli_msg("Postfix reloaded: new smtp(8) processes use the new settings");
	return SO2_OK;
}

/* env_changes - does import_environment differ from before? Then a reload is
 *	not enough: master(8) sets the environment of the daemons at start. */
static int
env_changes(const pfm *p, const char *before)
{
	char now[PFM_VALUE_MAX];

	if (pfm_postconf(p, "import_environment", 0, now, sizeof(now)) != 0)
		return 1;
	return strcmp(now, before) != 0;
}

/* restart_advice - a restart is needed and was not asked for */
static void
restart_advice(const pfm *p)
{
	cli_msg("import_environment changed, which Postfix reads at start only: restart it "
		"when convenient (postfix%s%s stop; postfix%s%s start), or run this "
		"command with --restart", p->config_dir ? " -c " : "",
		p->config_dir ? p->config_dir : "", p->config_dir ? " -c " : "",
		p->config_dir ? p->config_dir : "");
}

/* NOTHING_FOUND - no password entry for a known server, and the way to name one */
#define NOTHING_FOUND	"Nothing to migrate: no password entry for Microsoft 365 or Gmail " \
			"(a submission server under another name, such as a gateway in front " \
			"of Microsoft 365: --server NEXTHOP=PROVIDER)."

/* lock_config - one migration or rollback per Postfix configuration at a time
 *	flock(2) on the configuration directory (-c DIR, else postconf's),
 *	held until the command exits; the kernel releases it when the command
 *	is killed, so nothing is left to clean. Two runs at once would back up
 *	each other's half-changed files: the second backup, without the
 *	passwords, would replace the first, and --rollback could no longer
 *	bring them back. Returns 0 (locked, or no directory to lock: the
 *	scan says why), -1 when another run holds it (said). */
static int
lock_config(pfm *p)
{
	char dir[PFM_PATH_MAX];
	int fd;

	if (p->config_dir != NULL)
		so2_format(dir, sizeof(dir), "%s", p->config_dir);
	else if (pfm_postconf(p, "config_directory", 0, dir, sizeof(dir)) != 0 || !dir[0])
		return 0;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return 0;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0;	/* fd stays open: the lock lasts until exit */
	close(fd);
	cli_msg("another \"%s postfix migrate\" (or --rollback) is running on %s: let it "
		"finish, then try again", CLI_PROG, dir);
	return -1;
}

/* rollback - every file of the backup back, then check and reload */
static int
rollback(pfm *p, int restart)
{
	char env[PFM_VALUE_MAX] = "";
	size_t changed = 0;
	int need_restart;
	so2_status result;
	so2_err err;

	so2_err_clear(&err);
	if (p->backup_dir[0] == '\0') {
		if (pfm_postconf(p, "config_directory", 0, p->dir, sizeof(p->dir)) != 0) {
			cli_msg("postconf found no Postfix configuration");
			return EX_CONFIG;
		}
		if (p->config_dir != NULL)
			so2_format(p->dir, sizeof(p->dir), "%s", p->config_dir);
		so2_format(p->backup_dir, sizeof(p->backup_dir), "%s/%s", p->dir,
			   PFM_BACKUP_DIR);
	}
	if (pfm_postconf(p, "import_environment", 0, env, sizeof(env)) != 0)
		env[0] = '\0';
	if ((result = pfm_restore(p->backup_dir, &changed, &err)) != SO2_OK) {
		cli_fail(NULL, &err);
		return result == SO2_ERR_NOTFOUND ? EX_NOINPUT : EXIT_FAILURE;
	}
	if (changed == 0) {
		printf("Nothing to roll back: every file is as in the backup %s\n",
		       p->backup_dir);
		return EXIT_SUCCESS;
	}
	printf("Restored %zu file%s from %s\n", changed, changed == 1 ? "" : "s",
	       p->backup_dir);
	need_restart = env_changes(p, env);
	if (check_and_reload(p, need_restart && restart, NULL, &err) != SO2_OK)
		return cli_fail(NULL, &err);
	if (need_restart && !restart)
		restart_advice(p);
	printf("The token records stay in the store; \"%s logout ACCOUNT\" removes one.\n",
	       CLI_PROG);
	return EXIT_SUCCESS;
}

/* user_of - the uid of the mail owner */
static int
user_of(const char *name, uid_t *uid)
{
	struct passwd *pw = getpwnam(name);

	if (pw == NULL)
		return -1;
	*uid = pw->pw_uid;
	return 0;
}

/* first_of - is e the first entry to migrate for its account? */
static int
first_of(const pfm *p, size_t k)
{
	size_t i;

	for (i = 0; i < k; i++)
		if (p->entries[i].what == PFM_MIGRATE
		    && strcmp(p->entries[i].user, p->entries[k].user) == 0)
			return 0;
	return 1;
}

/* probe_hostport - the next hop as HOST:PORT for the probe (Postfix's
 *	default port is 25, the smtp service) */
static void
probe_hostport(const char *nexthop, char *out, size_t size)
{
	static const struct { const char *name, *port; } services[] = {
		{ "smtp", "25" }, { "submission", "587" }, { "submissions", "465" },
		{ "smtps", "465" },
	};
	const char *close = nexthop[0] == '[' ? strchr(nexthop, ']') : NULL;
	const char *colon = strrchr(close != NULL ? close : nexthop, ':');
	size_t i, hl = colon != NULL ? (size_t)(colon - nexthop) : strlen(nexthop);
	const char *port = colon != NULL ? colon + 1 : "25";

	for (i = 0; i < sizeof(services) / sizeof(services[0]); i++)
		if (strcmp(port, services[i].name) == 0)
			port = services[i].port;
	so2_format(out, size, "%.*s:%s", (int)hl, nexthop, port);
}

/* probe - doctor's live SMTP probe of one account: AUTH XOAUTH2, no mail */
static so2_status
probe(cli_ctx *ctx, const pfm_entry *e, so2_err *err)
{
	char hostport[PFM_KEY_MAX + 8];
	so2_token_info info;
	so2_status result = SO2_OK;
	doctor d;
	size_t i;

	memset(&d, 0, sizeof(d));
	d.ctx = ctx;
	d.account = e->user;
	so2_format(d.sasl_user, sizeof(d.sasl_user), "%s", e->user);
	d.protocols[0] = "smtp";
	if ((result = so2_cache_open(ctx->conf, &d.cache, err)) != SO2_OK)
		return result;
	if ((result = so2_cache_get(d.cache, e->user, 0, &d.token, &info, err)) != SO2_OK)
		goto out;
	d.have_claims = so2_jwt_read(d.token.data, d.token.len, &d.claims, err) == SO2_OK
	    && !d.claims.opaque;
	so2_err_clear(err);
	probe_hostport(e->relay, hostport, sizeof(hostport));
	doc_probe(&d, "smtp", hostport);
	for (i = 0; i < d.n; i++) {
		const doc_check *c = &d.checks[i];

		fprintf(stderr, "  %s %s%s%s\n", c->level == DOC_FAIL ? "FAIL"
			: c->level == DOC_WARN ? "warn" : c->level == DOC_PASS ? "pass" : "info",
			c->text, c->fix[0] ? "\n       fix: " : "", c->fix);
		if (c->level == DOC_FAIL && result == SO2_OK)
			result = so2_err_set(err, SO2_ERR_AUTH, "%s: the live probe of %s "
					     "failed: %s", e->user, hostport, c->text);
	}
	if (d.nomem)
		result = so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
out:
	so2_secret_clear(&d.token);
	so2_record_free(d.rec);
	so2_cache_close(d.cache);
	free(d.checks);
	return result;
}

/* has_record - a usable record of the account in the store? */
static int
has_record(cli_ctx *ctx, const char *account)
{
	so2_store *st = NULL;
	so2_record *rec = NULL;
	char name[SO2_ACCOUNT_MAX + 16], warn[SO2_ERR_MSG_MAX];
	so2_err err;
	int ok;

	if (so2_store_file_name(account, name, sizeof(name), &err) != SO2_OK
	    || so2_store_open(ctx->conf->store_dir, &st, &err) != SO2_OK)
		return 0;
	ok = so2_store_read(st, name, &rec, warn, &err) == SO2_OK
	    && !so2_record_has_state(rec, SO2_STATE_NEEDS_LOGIN);
	so2_record_free(rec);
	so2_store_close(st);
	return ok;
}

/* prepare_accounts - every account logged in (the login command's own flow),
 *	its record the mail owner's, and probed live */
static so2_status
prepare_accounts(cli_ctx *ctx, const pfm *p, const struct migrate_opts *o, so2_err *err)
{
	char file[SO2_ACCOUNT_MAX + 16], path[PFM_PATH_MAX + SO2_ACCOUNT_MAX + 16];
	struct stat st;
	so2_status result;
	uid_t uid;
	size_t i;

	if (user_of(p->mail_owner, &uid) != 0)
		return so2_err_set(err, SO2_ERR_CONFIG, "mail_owner %s: no such user",
				   p->mail_owner);
	if (stat(p->store_dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid != uid)
		return so2_err_set(err, SO2_ERR_CONFIG, "the token store %s is not owned by "
				   "%s, the user smtp(8) runs as, which must refresh the records "
				   "there: chown -R %s %s", p->store_dir, p->mail_owner,
				   p->mail_owner, p->store_dir);
	for (i = 0; i < p->nentries; i++) {
		const pfm_entry *e = &p->entries[i];
		cli_login_req req;

		if (e->what != PFM_MIGRATE || !first_of(p, i))
			continue;
		if (has_record(ctx, e->user)) {
			cli_msg("%s: the record in %s is used as it is", e->user, p->store_dir);
		} else {
			memset(&req, 0, sizeof(req));
			req.account = e->user;
			req.provider = o->profile != NULL ? o->profile : e->provider;
			req.protocols = SO2_PROTO_SMTP;
			req.user = geteuid() == 0 ? p->mail_owner : NULL;
			req.grant = o->grant_set ? o->grant : strcmp(e->provider, "google") == 0
			    ? CLI_GRANT_CODE : CLI_GRANT_DEVICE;
			req.over.client_secret_file = (char *)o->secret_file;
			req.over.certificate_file = (char *)o->certificate;
			req.over.private_key_file = (char *)o->private_key;
			req.code.timeout = 300;
			req.no_options = 1;	/* no --tenant or --scope here */
			cli_msg("%s: signing in (%s)", e->user, req.grant == CLI_GRANT_DEVICE
				? "device code" : req.grant == CLI_GRANT_CODE ? "browser"
				: "client credentials");
			fflush(stdout);
			if ((result = cli_login_account(ctx, &req, err)) != SO2_OK)
				return so2_err_prefix(err, "%s: login", e->user);
		}
		if (so2_store_file_name(e->user, file, sizeof(file), err) != SO2_OK)
			return err->status;
		so2_format(path, sizeof(path), "%s/%s", p->store_dir, file);
		if (stat(path, &st) != 0 || st.st_uid != uid)
			return so2_err_set(err, SO2_ERR_CONFIG, "%s is not owned by %s, the user "
					   "smtp(8) runs as, which must refresh it: chown %s %s",
					   path, p->mail_owner, p->mail_owner, path);
		if (!o->no_probe) {
			cli_msg("%s: live probe of %s (AUTH only, no mail is sent)", e->user,
				e->relay);
			if ((result = probe(ctx, e, err)) != SO2_OK)
				return result;
		}
	}
	return SO2_OK;
}

/* apply - back up, replace, postmap, check, reload; restore on failure */
static int
apply(pfm *p, int restart, char *main_cf, size_t main_len, char **maps, size_t *map_lens)
{
	char env[PFM_VALUE_MAX];
	int need_restart = 0;
	const char *paths[1 + 2 * PFM_MAPS_MAX];
	char main_path[PFM_PATH_MAX + 16];
	size_t n = 0, i, changed = 0;
	so2_status result = SO2_OK;
	int reloading = 0;
	so2_err err, rerr;

	so2_err_clear(&err);
	so2_format(main_path, sizeof(main_path), "%s/main.cf", p->dir);
	if (p->nsettings > 0)
		paths[n++] = main_path;
	for (i = 0; i < p->nmaps; i++)
		if (p->maps[i].rewrite) {
			paths[n++] = p->maps[i].src;
			paths[n++] = p->maps[i].db[0] ? p->maps[i].db : NULL;
		}
	if ((result = pfm_backup(p, paths, n, &err)) != SO2_OK)
		return cli_fail(NULL, &err);
	cli_msg("backup of %zu file%s in %s (mode 0600)", n, n == 1 ? "" : "s", p->backup_dir);
	if (pfm_postconf(p, "import_environment", 0, env, sizeof(env)) != 0)
		env[0] = '\0';
	if (p->nsettings > 0)
		result = pfm_replace(main_path, main_cf, main_len, &err);
	for (i = 0; result == SO2_OK && i < p->nmaps; i++) {
		const char *words[] = { NULL, NULL };
		char spec[PFM_PATH_MAX + 32], what[PFM_PATH_MAX + 40];

		if (!p->maps[i].rewrite)
			continue;
		if ((result = pfm_replace(p->maps[i].src, maps[i], map_lens[i], &err)) != SO2_OK)
			break;
		if (p->maps[i].db[0] == '\0')
			continue;	/* texthash: read at each daemon start */
		so2_format(spec, sizeof(spec), "%s:%s", p->maps[i].type, p->maps[i].src);
		so2_format(what, sizeof(what), "postmap %s", spec);
		words[0] = spec;
		result = run_step(p, "postmap", words, what, &err);
	}
	if (result == SO2_OK) {
		need_restart = env_changes(p, env);
		result = check_and_reload(p, need_restart && restart, &reloading, &err);
	}
	if (result == SO2_OK) {
		if (need_restart && !restart)
			restart_advice(p);
		return EXIT_SUCCESS;
	}

	cli_fail(NULL, &err);
	so2_err_clear(&rerr);
	if (pfm_restore(p->backup_dir, &changed, &rerr) != SO2_OK) {
		cli_msg("RESTORING FAILED: %s; the backup is in %s: copy its files back by hand "
			"(the manifest lists them)", rerr.msg, p->backup_dir);
		return EXIT_FAILURE;
	}
	/* Postfix read nothing new unless the reload was tried */
	if (reloading && check_and_reload(p, need_restart, NULL, &rerr) != SO2_OK)
		cli_msg("after restoring: %s", rerr.msg);
	cli_msg("every file was put back as it was (%zu restored from %s)", changed,
		p->backup_dir);
	return cli_exit_code(err.status);
}

/* migrate - plan, then apply */
static int
migrate(cli_ctx *ctx, pfm *p, const struct migrate_opts *o)
{
	char *main_cf = NULL, *maps[PFM_MAPS_MAX];
	size_t main_len = 0, map_lens[PFM_MAPS_MAX], i, nmig = 0;
	so2_status result;
	so2_err err;
	int code = EXIT_SUCCESS, pending = 0;

	so2_err_clear(&err);
	memset(maps, 0, sizeof(maps));
	if (cli_load_config(ctx, &err) != SO2_OK)
		return cli_fail(NULL, &err);
	p->store_dir = ctx->conf->store_dir;
	p->sasl_conf = ctx->config_path;
	result = pfm_scan(p, &err);
	/* The plan tells what prepare_accounts will do: a usable record is kept. */
	for (i = 0; p->entries != NULL && i < p->nentries; i++)
		p->entries[i].kept = p->entries[i].what == PFM_MIGRATE
				     && has_record(ctx, p->entries[i].user);
	/* Nothing found: no settings to weigh (nor a module to look for) for a
	 * configuration this command leaves alone. */
	if (result == SO2_OK && p->nentries == 0) {
		pfm_print_plan(p, o->grant_set ? (int)o->grant : -1);
		printf("%s\n", NOTHING_FOUND);
		return EXIT_SUCCESS;
	}
	if (result != SO2_OK || (result = pfm_settings(p, &err)) != SO2_OK) {
		/* What was read before the refusal, so that one run shows the whole
		 * picture; nothing of it is applied. */
		if (result == SO2_ERR_CONFIG && p->dir[0] != '\0' && p->entries != NULL) {
			printf("Not applied: the migration is refused (the reason follows); this "
			       "is what could be read:\n");
			pfm_print_plan(p, o->grant_set ? (int)o->grant : -1);
			printf("Not applied: nothing was changed.\n");
			fflush(stdout);
		}
		cli_msg("cannot migrate: %s", err.msg);
		return result == SO2_ERR_CONFIG ? EX_CONFIG : cli_exit_code(result);
	}
	for (i = 0; i < p->nentries; i++)
		nmig += p->entries[i].what == PFM_MIGRATE;
	pfm_print_plan(p, o->grant_set ? (int)o->grant : -1);
	if (nmig == 0 && p->nentries == 0) {
		printf("%s\n", NOTHING_FOUND);
		return EXIT_SUCCESS;
	}
	if (nmig == 0 && p->nsettings == 0) {
		printf("Nothing to migrate: every entry already uses OAuth2.\n");
		return EXIT_SUCCESS;
	}
	if ((result = pfm_new_main_cf(p, &main_cf, &main_len, stdout, &err)) != SO2_OK)
		goto fail;
	for (i = 0; i < p->nmaps; i++)
		if (p->maps[i].rewrite
		    && (result = pfm_new_map(p, i, &maps[i], &map_lens[i], stdout, &err))
		    != SO2_OK)
			goto fail;
	for (i = 0; i < p->nmaps; i++)
		if (p->maps[i].rewrite && p->maps[i].db[0] != '\0')
			printf("Then: postmap %s:%s\n", p->maps[i].type, p->maps[i].src);
	for (i = 0; i < p->nsettings; i++)
		if (strcmp(p->settings[i].name, "import_environment") == 0)
			break;
	printf("Then: postfix check; %s\n", i < p->nsettings ? "postfix stop; postfix start "
	       "(import_environment is read at start only; with --restart, else you are "
	       "told to)" : "postfix reload (when Postfix runs)");
	printf("Backups: %s (mode 0600); undo with: %s postfix migrate --rollback%s%s\n",
	       p->backup_dir, CLI_PROG, p->config_dir ? " -c " : "",
	       p->config_dir ? p->config_dir : "");
	/* The backup of an earlier migration holds the files from before it (the
	 * passwords); a new backup would replace it with migrated files. */
	if ((result = pfm_backup_pending(p->backup_dir, &pending, &err)) != SO2_OK)
		goto fail;
	if (pending) {
		so2_err_set(&err, SO2_ERR_CONFIG, "%s holds the backup of an earlier migration "
			    "(the files from before it), and they are not the live files: a new "
			    "backup would replace it. Roll that migration back first (%s postfix "
			    "migrate --rollback%s%s; it puts back the files from before it, so "
			    "a change made since, such as an entry added, is to be made again "
			    "after it), or, once mail flows with OAuth2 and the old files are "
			    "not needed, remove %s; then migrate again",
			    p->backup_dir, CLI_PROG, p->config_dir ? " -c " : "",
			    p->config_dir ? p->config_dir : "", p->backup_dir);
		if (!o->dry_run)
			goto fail;
		printf("Note: the migration itself would stop here: %s\n", err.msg);
	}
	if (o->dry_run) {
		printf("Dry run: nothing was changed.\n");
		goto out;
	}
	fflush(stdout);
	if ((result = prepare_accounts(ctx, p, o, &err)) != SO2_OK)
		goto fail;
	/* From the backup on, Ctrl-C only sets a flag: the files end up either all
	 * migrated or all restored, never in between. */
	cli_catch_signals(1);
	code = apply(p, o->restart, main_cf, main_len, maps, map_lens);
	cli_catch_signals(0);
	if (code == EXIT_SUCCESS)
		printf("Migrated %zu entr%s; the relay now authenticates with OAuth2.\n"
		       "The backup holds the old password%s: once mail flows, remove %s and "
		       "retire the password%s.\n", nmig, nmig == 1 ? "y" : "ies",
		       nmig == 1 ? "" : "s", p->backup_dir, nmig == 1 ? "" : "s");
	goto out;
fail:
	code = cli_fail(NULL, &err);
out:
	if (main_cf != NULL)
		so2_wipe_free(main_cf, main_len + 1);
	for (i = 0; i < p->nmaps; i++)
		if (maps[i] != NULL)
			so2_wipe_free(maps[i], map_lens[i] + 1);
	return code;
}

/* cmd_postfix - the postfix command: "postfix migrate" */
int
cmd_postfix(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_GLOBAL_LONGOPTS,
		{ "config-directory", required_argument, NULL, 'c' },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "rollback", no_argument, NULL, OPT_ROLLBACK },
		{ "backup-dir", required_argument, NULL, OPT_BACKUP_DIR },
		{ "server", required_argument, NULL, OPT_SERVER },
		{ "restart", no_argument, NULL, OPT_RESTART },
		{ "no-probe", no_argument, NULL, OPT_NO_PROBE },
		{ "grant", required_argument, NULL, OPT_GRANT },
		{ "profile", required_argument, NULL, OPT_PROFILE },
		{ "client-secret-file", required_argument, NULL, OPT_SECRET_FILE },
		{ "certificate", required_argument, NULL, OPT_CERTIFICATE },
		{ "private-key", required_argument, NULL, OPT_PRIVATE_KEY },
		{ NULL, 0, NULL, 0 }
	};
	struct migrate_opts o;
	pfm *p;
	int c, code;

	memset(&o, 0, sizeof(o));
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		cli_msg("out of memory");
		return EXIT_FAILURE;
	}
	while ((c = getopt_long(argc, argv, "c:" CLI_GLOBAL_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case 'c':		p->config_dir = optarg; break;
		case OPT_DRY_RUN:	o.dry_run = 1; break;
		case OPT_ROLLBACK:	o.rollback = 1; break;
		case OPT_RESTART:	o.restart = 1; break;
		case OPT_NO_PROBE:	o.no_probe = 1; break;
		case OPT_PROFILE:	o.profile = optarg; break;
		case OPT_SECRET_FILE:	o.secret_file = optarg; break;
		case OPT_CERTIFICATE:	o.certificate = optarg; break;
		case OPT_PRIVATE_KEY:	o.private_key = optarg; break;
		case OPT_GRANT:
			if (cli_grant_parse(optarg, &o.grant) != 0) {
				free(p);
				return cli_usage_error("postfix", "--grant must be device, code "
						       "or client-credentials");
			}
			o.grant_set = 1;
			break;
		case OPT_BACKUP_DIR:
			so2_format(p->backup_dir, sizeof(p->backup_dir), "%s", optarg);
			break;
		case OPT_SERVER:
			if (pfm_add_server(p, optarg) != 0) {
				free(p);
				return cli_usage_error("postfix", "--server %s: give NEXTHOP="
						       "microsoft or NEXTHOP=google (at most %d)",
						       optarg, PFM_SERVERS_MAX);
			}
			break;
		default:
			if (!cli_global_option(ctx, c, optarg)) {
				free(p);
				return cli_usage_error("postfix", NULL);
			}
		}
	}
	if (ctx->help) {
		postfix_usage(stdout);
		free(p);
		return 0;
	}
	if (argc - optind != 1 || strcmp(argv[optind], "migrate") != 0) {
		free(p);
		return cli_usage_error("postfix", "postfix takes one subcommand: migrate");
	}
	if (!o.grant_set && (o.secret_file != NULL || o.certificate != NULL)) {
		o.grant = CLI_GRANT_CLIENT_CREDENTIALS;
		o.grant_set = 1;
	}
	if ((o.certificate == NULL) != (o.private_key == NULL)) {
		free(p);
		return cli_usage_error("postfix", "--certificate and --private-key go together");
	}
	if (o.rollback && o.dry_run) {
		free(p);
		return cli_usage_error("postfix", "--rollback and --dry-run exclude each other");
	}
	if (p->config_dir != NULL && p->config_dir[0] != '/') {
		free(p);
		return cli_usage_error("postfix", "-c DIR must be an absolute path");
	}
	if (!o.dry_run && lock_config(p) != 0)
		code = EX_TEMPFAIL;
	else
		code = o.rollback ? rollback(p, o.restart) : migrate(ctx, p, &o);
	pfm_free(p);
	free(p);
	return code;
}

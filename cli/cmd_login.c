/*
 * NAME
 *	cmd_login.c - sasl-oauth2 login: device authorization grant
 * SYNOPSIS
 *	sasl-oauth2 login ACCOUNT [--provider NAME] [--tenant T] [--cloud C]
 *		[--client-id ID] [--authority URL] [--token-endpoint URL]
 *		[--device-endpoint URL] [--scope "S1 S2"]
 *		[--protocol smtp|imap|pop|all]... [--user NAME]
 * DESCRIPTION
 *	Signs an account in with the OAuth 2.0 device authorization grant
 *	(RFC 8628) and writes its token record into the store:
 *
 *	1. Pick the provider profile and merge the command line into it;
 *	   resolve endpoints and scope (provider.h). A missing or
 *	   placeholder client id stops here, before any request.
 *	2. Make sure the store directory exists (0700; with --user, as
 *	   root, it and the record are given to that user).
 *	3. Device authorization request; tell the user where to go and
 *	   which code to enter (standard error).
 *	4. Poll the token endpoint every interval seconds (RFC 8628 3.4,
 *	   3.5): authorization_pending keeps polling, slow_down adds 5
 *	   seconds, expired_token and access_denied end the login, and
 *	   so does the device code's expires_in. Transient failures
 *	   (network, 5xx) back off and keep polling. Ctrl-C ends the
 *	   login; nothing is written.
 *	5. A reply without a refresh token is refused (the record could
 *	   not be renewed); else the record is written, under the
 *	   record's lock, atomically, mode 0600.
 *
 *	Signals: from the prompt on, between requests, SIGINT, SIGTERM and
 *	SIGHUP only set a flag (a wait ends at once, the login ends with
 *	CLI_EXIT_INTERRUPTED); during an HTTP request they keep their
 *	default action (nothing has been written yet); during the write
 *	they are caught, so the record is complete.
 * SEE ALSO
 *	sasl-oauth2(1), RFC 8628, provider.h, endpoint.h, store.h
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <sasl-oauth2/cache.h>
#include <sasl-oauth2/endpoint.h>
#include <sasl-oauth2/provider.h>
#include <sasl-oauth2/record.h>
#include <sasl-oauth2/store.h>

#include "cli.h"

#define POLL_INTERVAL_DEFAULT	5	/* seconds, RFC 8628 3.2 */
#define POLL_SLOW_DOWN		5	/* seconds added by slow_down, 3.5 */
#define POLL_BACKOFF_MAX	60	/* seconds between polls at most */
#define DEVICE_LIFETIME_DEFAULT	900	/* seconds, when expires_in is 0 */
#define SHOW_MAX		1024	/* bytes of server text shown */

enum {
	OPT_PROVIDER = CLI_OPT_COMMAND,
	OPT_TENANT,
	OPT_CLOUD,
	OPT_CLIENT_ID,
	OPT_AUTHORITY,
	OPT_TOKEN_ENDPOINT,
	OPT_DEVICE_ENDPOINT,
	OPT_SCOPE,
	OPT_PROTOCOL,
	OPT_USER
};

/* login_opts - the command line of login */
struct login_opts {
	const char *account;
	const char *provider;
	so2_profile over;	/* borrowed strings; NULL: not given */
	unsigned protocols;
	const char *user;	/* --user */
};

static volatile sig_atomic_t login_interrupted;

/* login_usage - the help text */
static void
login_usage(FILE *fp)
{
	fprintf(fp,
		"Usage: %s login ACCOUNT [OPTIONS]\n"
		"Sign ACCOUNT in with a device code (RFC 8628) and store its "
		"token record.\n\n"
		"  --provider NAME        profile [NAME] of the configuration, "
		"or microsoft,\n"
		"                         google, generic (default: [microsoft] or "
		"the only one)\n"
		"  --tenant T             Microsoft tenant (default %s)\n"
		"  --cloud C              global, usgov, dod or china\n"
		"  --client-id ID         application (client) ID\n"
		"  --authority URL        login host base URL\n"
		"  --token-endpoint URL   token endpoint (overrides the derived "
		"one)\n"
		"  --device-endpoint URL  device authorization endpoint\n"
		"  --scope \"S1 S2\"        scope (overrides the derived one)\n"
		"  --protocol P           smtp, imap, pop or all; repeatable "
		"(default smtp)\n"
		"  --user NAME            (root) give the store and the record to "
		"NAME\n", CLI_PROG, SO2_MS_DEFAULT_TENANT);
}

/* on_signal - remember that the user wants to stop */
static void
on_signal(int sig)
{
	(void)sig;
	login_interrupted = 1;
}

/* catch_signals - catch (1) or restore (0) SIGINT, SIGTERM, SIGHUP
 *	A signal ignored when the command started (nohup, a background
 *	job of a shell without job control) stays ignored. */
static void
catch_signals(int on)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	static struct sigaction saved[sizeof(sigs) / sizeof(sigs[0])];
	static int have_saved;
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: end the wait at once */
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (!have_saved && sigaction(sigs[i], NULL, &saved[i]) != 0) {
			cli_msg("sigaction: %s", strerror(errno));
			return;
		}
		if (saved[i].sa_handler == SIG_IGN)
			continue;
		if (sigaction(sigs[i], on ? &sa : &saved[i], NULL) != 0)
			cli_msg("sigaction: %s", strerror(errno));
	}
	have_saved = 1;
}

/* wait_seconds - sleep, ending early on a caught signal; -1 when interrupted */
static int
wait_seconds(long seconds)
{
	struct timespec left;

	left.tv_sec = seconds;
	left.tv_nsec = 0;
	while (!login_interrupted && nanosleep(&left, &left) != 0 &&
	       errno == EINTR)
		;
	return login_interrupted ? -1 : 0;
}

/* safe_text - s with control bytes replaced, for a terminal */
static const char *
safe_text(const char *s, char *buf, size_t size)
{
	size_t i;

	if (s == NULL)
		s = "";
	for (i = 0; s[i] != '\0' && i + 1 < size; i++)
		buf[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	buf[i] = '\0';
	return buf;
}

/* is_provider_word - 1 for microsoft, google, generic */
static int
is_provider_word(const char *s)
{
	return strcmp(s, "microsoft") == 0 || strcmp(s, "google") == 0 ||
	    strcmp(s, "generic") == 0;
}

/* pick_profile - the profile to start from; *where: where to fix it */
static so2_status
pick_profile(const cli_ctx *ctx, const char *name, so2_profile *prof,
	     char *where, size_t wsize, so2_err *err)
{
	const so2_config *conf = ctx->conf;
	const so2_profile *p = NULL, *q;
	const char *file = conf->path != NULL ? conf->path : ctx->conf_tried;
	char names[256];
	size_t used = 0;
	int count = 0;

	memset(prof, 0, sizeof(*prof));
	if (name != NULL) {
		p = so2_config_profile(conf, name);
		for (q = conf->profiles; p == NULL && q != NULL; q = q->next)
			if (strcmp(q->provider, name) == 0)
				p = q;
		if (p == NULL && !is_provider_word(name))
			return so2_err_set(err, SO2_ERR_CONFIG,
					   "no provider profile [%s] in %s, and %s "
					   "is not microsoft, google or generic",
					   name, file, name);
	} else {
		p = so2_config_profile(conf, "microsoft");
		for (q = conf->profiles; q != NULL; q = q->next) {
			count++;
			if (used + strlen(q->name) + 4 < sizeof(names))
				used += (size_t)snprintf(names + used,
							 sizeof(names) - used,
							 "%s[%s]", used ? ", " : "",
							 q->name);
		}
		if (p == NULL && count == 1)
			p = conf->profiles;
		if (p == NULL && count > 1)
			return so2_err_set(err, SO2_ERR_PARAM,
					   "%s has several provider profiles (%s) "
					   "and none is [microsoft]: choose one with "
					   "--provider NAME", file, names);
	}
	if (p != NULL) {
		*prof = *p;
		prof->next = NULL;
		snprintf(where, wsize, "section [%s] of %s", p->name, file);
	} else {
		prof->name = NULL;
		prof->provider = (char *)(name != NULL ? name : "microsoft");
		snprintf(where, wsize, "a [%s] section of %s", prof->provider,
			 file);
	}
	return SO2_OK;
}

/* merge - the command line's settings over the profile's */
static void
merge(so2_profile *prof, const so2_profile *over)
{
#define OVER(m) do { if (over->m != NULL) prof->m = over->m; } while (0)
	OVER(client_id);
	OVER(tenant);
	OVER(cloud);
	OVER(authority);
	OVER(token_endpoint);
	OVER(device_authorization_endpoint);
	OVER(scope);
#undef OVER
}

/* prepare_store - create the store directory; chown it for --user */
static so2_status
prepare_store(const char *dir, const struct passwd *pw, so2_err *err)
{
	struct stat sb;
	int e;

	if (mkdir(dir, 0700) == 0) {
		cli_msg("created the token store %s (mode 0700)", dir);
	} else if (errno != EEXIST) {
		e = errno;
		return so2_err_set(err, SO2_ERR_IO, "cannot create the token "
				   "store %s: %s%s", dir, strerror(e),
				   e == ENOENT ? " (its parent directory must "
				   "exist)" : "");
	}
	if (stat(dir, &sb) != 0)
		return so2_err_set(err, SO2_ERR_IO, "token store %s: %s", dir,
				   strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return so2_err_set(err, SO2_ERR_IO, "token store %s is not a "
				   "directory", dir);
	if (pw != NULL && (sb.st_uid != pw->pw_uid || sb.st_gid != pw->pw_gid) &&
	    chown(dir, pw->pw_uid, pw->pw_gid) != 0)
		return so2_err_set(err, SO2_ERR_IO, "cannot give the token store "
				   "%s to %s: %s", dir, pw->pw_name,
				   strerror(errno));
	return SO2_OK;
}

/* give_record - chown the record file (no symlink followed) to --user */
static so2_status
give_record(const char *path, const struct passwd *pw, so2_err *err)
{
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return so2_err_set(err, SO2_ERR_IO, "cannot open %s: %s", path,
				   strerror(errno));
	if (fchown(fd, pw->pw_uid, pw->pw_gid) != 0) {
		so2_err_set(err, SO2_ERR_IO, "cannot give %s to %s: %s", path,
			    pw->pw_name, strerror(errno));
		close(fd);
		return SO2_ERR_IO;
	}
	close(fd);
	return SO2_OK;
}

/* poll_token - poll until the user signed in or the login ends */
static so2_status
poll_token(cli_ctx *ctx, const so2_http_conf *hc, const so2_login_plan *plan,
	   const so2_device_auth *da, so2_token_reply *rep, so2_err *err)
{
	so2_oauth_error oerr;
	long interval, lifetime, wait;
	time_t deadline, now;
	so2_status result;

	interval = da->interval > 0 ? da->interval : POLL_INTERVAL_DEFAULT;
	lifetime = da->expires_in > 0 ? da->expires_in : DEVICE_LIFETIME_DEFAULT;
	deadline = time(NULL) + lifetime;
	for (;;) {
		now = time(NULL);
		if (now >= deadline)
			return so2_err_set(err, SO2_ERR_GRANT,
					   "the code expired (after %ld s) before "
					   "the sign-in was completed; run the "
					   "login command again", lifetime);
		wait = interval;
		if (wait > deadline - now)
			wait = (long)(deadline - now);
		if (wait_seconds(wait) != 0)
			return SO2_ERR_PENDING;		/* interrupted */
		catch_signals(0);
		result = so2_device_poll(hc, plan->token_endpoint,
					 plan->client_id, &da->device_code, rep,
					 &oerr, err);
		catch_signals(1);
		switch (result) {
		case SO2_OK:
			return SO2_OK;
		case SO2_ERR_PENDING:
			cli_verbose(ctx, "authorization pending");
			break;
		case SO2_ERR_SLOW_DOWN:
			interval += POLL_SLOW_DOWN;
			cli_verbose(ctx, "slow_down: polling every %ld s now",
				    interval);
			break;
		case SO2_ERR_TEMP:
			interval = interval * 2 > POLL_BACKOFF_MAX ?
			    POLL_BACKOFF_MAX : interval * 2;
			if (oerr.retry_after > interval &&
			    oerr.retry_after <= POLL_BACKOFF_MAX)
				interval = oerr.retry_after;
			cli_msg("%s; trying again in %ld s", err->msg, interval);
			break;
		default:
			return result;
		}
		so2_token_reply_clear(rep);
	}
}

/* no_refresh_token - the error for a reply without a refresh token */
static so2_status
no_refresh_token(const so2_login_plan *plan, so2_err *err)
{
	const char *how;

	if (strcmp(plan->provider, "microsoft") == 0)
		how = "the scope must include offline_access (it is added "
		    "unless --scope or scope = replaces the derived scope)";
	else if (strcmp(plan->provider, "google") == 0)
		how = "Google returns one only for offline access: check the "
		    "OAuth client and consent settings";
	else
		how = "ask the provider for offline access (often the "
		    "offline_access scope)";
	return so2_err_set(err, SO2_ERR_OAUTH,
			   "the token endpoint returned no refresh token, so "
			   "the record could not be renewed and was not written; "
			   "%s", how);
}

/* build_record - the new record of a successful login */
static so2_status
build_record(const char *account, const so2_login_plan *plan,
	     const so2_token_reply *rep, so2_record **out, so2_err *err)
{
	so2_record *rec;
	time_t now = time(NULL);
	so2_status result;

	*out = NULL;
	rec = so2_record_new();
	if (rec == NULL)
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	if (so2_record_set_str(&rec->account, account) != SO2_OK ||
	    so2_record_set_str(&rec->provider, plan->provider) != SO2_OK ||
	    so2_record_set_str(&rec->token_endpoint, plan->token_endpoint) != SO2_OK ||
	    so2_record_set_str(&rec->client_id, plan->client_id) != SO2_OK ||
	    so2_record_set_str(&rec->client_auth, SO2_CLIENT_AUTH_NONE) != SO2_OK ||
	    so2_record_set_str(&rec->grant_type, "device_code") != SO2_OK ||
	    so2_record_set_str(&rec->scope, plan->scope) != SO2_OK) {
		result = so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
		goto out;
	}
	result = so2_record_apply_reply(rec, rep, now, err);
	if (result != SO2_OK)
		goto out;
	rec->obtained_at = now;
	*out = rec;
	rec = NULL;
out:
	so2_record_free(rec);
	return result;
}

/* write_record - write rec under its lock; chown for --user */
static so2_status
write_record(cli_ctx *ctx, so2_store *st, const char *name,
	     const so2_record *rec, const struct passwd *pw, char *path,
	     size_t psize, so2_err *err)
{
	so2_status result;
	int lockfd = -1;

	snprintf(path, psize, "%s/%s", so2_store_dir(st), name);
	catch_signals(1);
	/* Under the lock, so that a refresh of the old record running
	 * at the same moment cannot overwrite the new one. */
	result = so2_store_lock(st, name, ctx->conf->lock_timeout, &lockfd, err);
	if (result != SO2_OK)
		goto out;
	result = so2_store_write(st, name, rec, err);
	if (result != SO2_OK)
		goto out;
	if (pw != NULL)
		result = give_record(path, pw, err);
out:
	so2_store_unlock(lockfd);
	login_interrupted = 0;	/* the login is complete: report it */
	catch_signals(0);
	return result;
}

/* parse_login_options - the command line; an exit code, -1 to go on */
static int
parse_login_options(cli_ctx *ctx, int argc, char **argv, struct login_opts *o)
{
	static const struct option longopts[] = {
		{ "provider", required_argument, NULL, OPT_PROVIDER },
		{ "tenant", required_argument, NULL, OPT_TENANT },
		{ "cloud", required_argument, NULL, OPT_CLOUD },
		{ "client-id", required_argument, NULL, OPT_CLIENT_ID },
		{ "authority", required_argument, NULL, OPT_AUTHORITY },
		{ "token-endpoint", required_argument, NULL, OPT_TOKEN_ENDPOINT },
		{ "device-endpoint", required_argument, NULL, OPT_DEVICE_ENDPOINT },
		{ "scope", required_argument, NULL, OPT_SCOPE },
		{ "protocol", required_argument, NULL, OPT_PROTOCOL },
		{ "user", required_argument, NULL, OPT_USER },
		CLI_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	so2_err err;
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, CLI_GLOBAL_SHORTOPTS, longopts,
				NULL)) != -1) {
		switch (c) {
		case OPT_PROVIDER:
			o->provider = optarg;
			break;
		case OPT_TENANT:
			o->over.tenant = optarg;
			break;
		case OPT_CLOUD:
			o->over.cloud = optarg;
			break;
		case OPT_CLIENT_ID:
			o->over.client_id = optarg;
			break;
		case OPT_AUTHORITY:
			o->over.authority = optarg;
			break;
		case OPT_TOKEN_ENDPOINT:
			o->over.token_endpoint = optarg;
			break;
		case OPT_DEVICE_ENDPOINT:
			o->over.device_authorization_endpoint = optarg;
			break;
		case OPT_SCOPE:
			o->over.scope = optarg;
			break;
		case OPT_PROTOCOL:
			if (so2_protocol_parse(optarg, &o->protocols, &err) != SO2_OK)
				return cli_usage_error("login", "%s", err.msg);
			break;
		case OPT_USER:
			o->user = optarg;
			break;
		default:
			if (!cli_global_option(ctx, c, optarg))
				return cli_usage_error("login", NULL);
		}
	}
	if (ctx->help) {
		login_usage(stdout);
		return 0;
	}
	if (argc - optind != 1)
		return cli_usage_error("login", "login takes one ACCOUNT");
	o->account = argv[optind];
	if (!so2_account_valid(o->account))
		return cli_usage_error("login", "\"%s\" is not a valid account name "
				       "(no \"/\", no control characters, not "
				       "starting with \".\")", o->account);
	if (o->user != NULL && geteuid() != 0)
		return cli_usage_error("login", "--user needs root");
	return -1;
}

/* cmd_login - the login command */
int
cmd_login(cli_ctx *ctx, int argc, char **argv)
{
	struct login_opts o;
	so2_login_plan plan;
	so2_device_auth da;
	so2_token_reply rep;
	so2_oauth_error oerr;
	so2_profile prof;
	so2_cache *cache = NULL;
	so2_store *st = NULL;
	so2_record *rec = NULL;
	struct passwd *pw = NULL;
	char where[CLI_TEXT_MAX], conf_text[CLI_TEXT_MAX], show[SHOW_MAX];
	char name[SO2_ACCOUNT_MAX + 16], path[PATH_MAX + 16];
	char when[CLI_TIME_MAX], rel[CLI_TIME_MAX], desc[64];
	so2_err err;
	so2_status result;
	int code;

	code = parse_login_options(ctx, argc, argv, &o);
	if (code >= 0)
		return code;
	code = 0;
	memset(&plan, 0, sizeof(plan));
	memset(&da, 0, sizeof(da));
	memset(&rep, 0, sizeof(rep));
	so2_err_clear(&err);

	/* 1. configuration, profile, endpoints: no request yet */
	result = cli_load_config(ctx, &err);
	if (result != SO2_OK)
		goto out;
	cli_describe_config(ctx, conf_text, sizeof(conf_text));
	fprintf(stderr, "Configuration: %s\n", conf_text);
	result = pick_profile(ctx, o.provider, &prof, where, sizeof(where), &err);
	if (result != SO2_OK)
		goto out;
	merge(&prof, &o.over);
	result = so2_provider_resolve(&prof, o.protocols, where, &plan, &err);
	if (result != SO2_OK)
		goto out;
	fprintf(stderr,
		"Provider: %s%s%s%s, client id %s\n"
		"Device authorization endpoint: %s\n"
		"Token endpoint: %s\n"
		"Scope: %s\n",
		plan.provider, prof.name ? " (profile [" : "",
		prof.name ? prof.name : "", prof.name ? "])" : "",
		plan.client_id, plan.device_authorization_endpoint,
		plan.token_endpoint, plan.scope);

	/* 2. the store */
	if (o.user != NULL) {
		errno = 0;
		pw = getpwnam(o.user);
		if (pw == NULL) {
			result = so2_err_set(&err, SO2_ERR_PARAM, "--user %s: %s",
					     o.user, errno ? strerror(errno) :
					     "no such user");
			goto out;
		}
	}
	result = so2_store_file_name(o.account, name, sizeof(name), &err);
	if (result != SO2_OK)
		goto out;
	result = prepare_store(ctx->conf->store_dir, pw, &err);
	if (result != SO2_OK)
		goto out;
	result = so2_cache_open(ctx->conf, &cache, &err);
	if (result != SO2_OK)
		goto out;
	result = so2_store_open(ctx->conf->store_dir, &st, &err);
	if (result != SO2_OK)
		goto out;
	if (so2_store_exists(st, name))
		fprintf(stderr, "The record %s/%s exists; it is replaced after "
			"the sign-in.\n", so2_store_dir(st), name);

	/* 3. device authorization request */
	result = so2_device_authorize(so2_cache_http(cache),
				      plan.device_authorization_endpoint,
				      plan.client_id, plan.scope, &da, &oerr, &err);
	if (result == SO2_ERR_GRANT) {
		/* unauthorized_client here (AADSTS700016: no such
		 * application in the tenant) is no dead grant, as no grant
		 * exists yet: the client id or the tenant is wrong. */
		memcpy(show, err.msg, sizeof(show) < sizeof(err.msg) ?
		       sizeof(show) : sizeof(err.msg));
		show[sizeof(show) - 1] = '\0';
		result = so2_err_set(&err, SO2_ERR_CONFIG, "%.600s; check the "
				     "client id and the tenant in %.300s", show,
				     where);
	}
	if (result != SO2_OK)
		goto out;
	catch_signals(1);	/* until the next request */
	fprintf(stderr, "To sign in, open %s", safe_text(da.verification_uri,
							  show, sizeof(show)));
	fprintf(stderr, " and enter the code %s\n",
		safe_text(da.user_code, show, sizeof(show)));
	if (da.verification_uri_complete != NULL)
		fprintf(stderr, "(or open %s)\n",
			safe_text(da.verification_uri_complete, show,
				  sizeof(show)));
	if (da.message != NULL)
		fprintf(stderr, "%s\n", safe_text(da.message, show, sizeof(show)));
	cli_verbose(ctx, "device code %s, poll every %ld s, expires in %ld s",
		    so2_secret_describe(da.device_code.data, da.device_code.len,
					desc, sizeof(desc)),
		    da.interval, da.expires_in);
	fprintf(stderr, "Waiting for the sign-in as %s (Ctrl-C to cancel)...\n",
		o.account);

	/* 4. poll */
	result = poll_token(ctx, so2_cache_http(cache), &plan, &da, &rep, &err);
	catch_signals(0);
	if (login_interrupted) {
		cli_msg("%s: login cancelled; nothing was written", o.account);
		code = CLI_EXIT_INTERRUPTED;
		goto out;
	}
	if (result != SO2_OK)
		goto out;

	/* 5. the record */
	if (so2_secret_empty(&rep.refresh_token)) {
		result = no_refresh_token(&plan, &err);
		goto out;
	}
	result = build_record(o.account, &plan, &rep, &rec, &err);
	if (result != SO2_OK)
		goto out;
	result = write_record(ctx, st, name, rec, pw, path, sizeof(path), &err);
	if (result != SO2_OK)
		goto out;
	printf("Logged in %s; access token expires at %s (%s); record %s\n",
	       o.account, cli_local_time(rec->expires_at, when, sizeof(when)),
	       cli_expiry(rec->expires_at, time(NULL), rel, sizeof(rel)), path);

out:
	if (code == 0 && result != SO2_OK)
		code = cli_fail(o.account, &err);
	so2_record_free(rec);
	so2_token_reply_clear(&rep);
	so2_device_auth_clear(&da);
	so2_login_plan_clear(&plan);
	so2_store_close(st);
	so2_cache_close(cache);
	return code;
}

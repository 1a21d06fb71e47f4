/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	login.c - the login flow: one account signed in, its record written
 * DESCRIPTION
 *	cli_login_account() runs the steps of login.h in order and prints
 *	what it uses (configuration, provider, grant, endpoints, scope) on
 *	standard error before the user is asked for anything:
 *
 *	1. configuration, profile, endpoints, client: no request yet;
 *	2. the store (created when missing) and the new record's client
 *	   part; an existing record is replaced only after the sign-in;
 *	3. the grant, through the table below (one function per grant, one
 *	   shape);
 *	4. a delegated reply without a refresh token is refused (the record
 *	   could not be renewed); else the record is written and the
 *	   token's claims are checked (token_checks.c).
 *
 *	A secret read from standard input is saved as a temporary file and
 *	renamed only when the record is about to be written; on any failure
 *	it is removed.
 * SEE ALSO
 *	login.h, sasl-oauth2(1), RFC 8628, RFC 6749, RFC 7636, RFC 7523
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "token/cache.h"

#include "login.h"

/* The grants, as --grant names them, as records name them, and who runs them. */
static const struct {
	const char *option;
	const char *record;
	cli_grant_fn *run;
} grants[] = {
	[CLI_GRANT_DEVICE] = { "device", SO2_RECORD_GRANT_DEVICE, cli_grant_device },
	[CLI_GRANT_CODE] = { "code", SO2_RECORD_GRANT_CODE, cli_grant_code },
	[CLI_GRANT_CLIENT_CREDENTIALS] = { "client-credentials",
		SO2_RECORD_GRANT_CLIENT_CREDENTIALS, cli_grant_client_credentials },
};

#define N_GRANTS (sizeof(grants) / sizeof(grants[0]))

/* cli_grant_parse - --grant NAME */
int
cli_grant_parse(const char *name, cli_grant *g)
{
	size_t i;

	for (i = 0; i < N_GRANTS; i++)
		if (strcmp(name, grants[i].option) == 0 || strcmp(name, grants[i].record) == 0) {
			*g = (cli_grant)i;
			return 0;
		}
	return -1;
}

/* cli_grant_client_credentials - one token request with the client's
 *	credentials; the record has no refresh token and is renewed the
 *	same way */
so2_status
cli_grant_client_credentials(const cli_login *l, so2_token_reply *rep,
			     so2_oauth_error *oerr, so2_err *err)
{
	return so2_grant_refresh(l->hc, l->client, rep, oerr, err);
}

/* show_plan - what the login will use, on stderr */
static void
show_plan(const cli_login_req *req, const so2_profile *prof, const so2_login_plan *plan)
{
	fprintf(stderr,
		"Provider: %s%s%s%s, client id %s\n"
		"Grant: %s\n",
		plan->provider, prof->name ? " (profile [" : "",
		prof->name ? prof->name : "", prof->name ? "])" : "",
		plan->client_id, grants[req->grant].record);
	if (req->grant == CLI_GRANT_DEVICE)
		fprintf(stderr, "Device authorization endpoint: %s\n",
			plan->device_authorization_endpoint);
	if (req->grant == CLI_GRANT_CODE)
		fprintf(stderr, "Authorization endpoint: %s\n",
			plan->authorization_endpoint);
	fprintf(stderr, "Token endpoint: %s\nScope: %s\n", plan->token_endpoint,
		req->grant == CLI_GRANT_CLIENT_CREDENTIALS ? plan->app_scope : plan->scope);
}

/* cli_login_account - sign req->account in and write its record */
so2_status
cli_login_account(cli_ctx *ctx, const cli_login_req *req, so2_err *err)
{
	so2_login_plan plan;
	so2_token_reply rep;
	so2_oauth_error oerr;
	so2_profile prof;
	so2_cache *cache = NULL;
	so2_store *st = NULL;
	so2_record *rec = NULL;
	struct passwd *pw = NULL;
	cli_login l;
	char where[CLI_TEXT_MAX], conf_text[CLI_TEXT_MAX];
	char name[SO2_ACCOUNT_MAX + 16], path[PATH_MAX + 16];
	char tmp_secret[PATH_MAX], final_secret[PATH_MAX];
	char when[CLI_TIME_MAX], rel[CLI_TIME_MAX];
	time_t now;
	so2_status result;

	tmp_secret[0] = '\0';
	memset(&plan, 0, sizeof(plan));
	memset(&rep, 0, sizeof(rep));
	memset(&oerr, 0, sizeof(oerr));
	so2_err_clear(err);

	/* 1. configuration, profile, endpoints, client: no request yet */
	result = cli_load_config(ctx, err);
	if (result != SO2_OK)
		goto out;
	cli_describe_config(ctx, conf_text, sizeof(conf_text));
	fprintf(stderr, "Configuration: %s\n", conf_text);
	result = cli_login_plan(ctx, req, &prof, where, sizeof(where), &plan, err);
	if (result != SO2_OK)
		goto out;
	show_plan(req, &prof, &plan);

	/* 2. the store */
	if (req->user != NULL) {
		char *end;
		unsigned long uid;

		errno = 0;
		pw = getpwnam(req->user);
		/* A uid, as the module's messages give it (the user database may
		 * not be inside the chroot it runs in). */
		if (pw == NULL && req->user[0] >= '0' && req->user[0] <= '9') {
			uid = strtoul(req->user, &end, 10);
			if (*end == '\0' && uid <= (unsigned long)(uid_t)-1) {
				errno = 0;
				pw = getpwuid((uid_t)uid);
			}
		}
		if (pw == NULL) {
			result = so2_err_set(err, SO2_ERR_PARAM, "--user %s: %s",
					     req->user, errno ? strerror(errno) :
					     "no such user");
			goto out;
		}
	}
	result = so2_store_file_name(req->account, name, sizeof(name), err);
	if (result != SO2_OK)
		goto out;
	result = cli_login_prepare_store(ctx->conf->store_dir, pw, err);
	if (result != SO2_OK)
		goto out;
	if ((rec = so2_record_new()) == NULL) {
		result = so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
		goto out;
	}
	result = cli_login_client(ctx, req, &prof, &plan, ctx->conf->store_dir, pw, rec,
				  tmp_secret, final_secret, sizeof(tmp_secret), err);
	if (result != SO2_OK)
		goto out;
	if (so2_record_set_str(&rec->grant_type, grants[req->grant].record) != SO2_OK ||
	    so2_record_set_str(&rec->scope, req->grant == CLI_GRANT_CLIENT_CREDENTIALS ?
			       plan.app_scope : plan.scope) != SO2_OK) {
		result = so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
		goto out;
	}
	result = so2_cache_open(ctx->conf, &cache, err);
	if (result != SO2_OK)
		goto out;
	result = so2_store_open(ctx->conf->store_dir, &st, err);
	if (result != SO2_OK)
		goto out;
	if (so2_store_exists(st, name))
		fprintf(stderr, "The record %s/%s exists; it is replaced after "
			"the sign-in.\n", so2_store_dir(st), name);

	/* 3. the grant */
	l.ctx = ctx;
	l.req = req;
	l.plan = &plan;
	l.hc = so2_cache_http(cache);
	l.client = rec;
	result = grants[req->grant].run(&l, &rep, &oerr, err);
	if (cli_interrupted) {
		result = so2_err_set(err, SO2_ERR_PENDING, "login cancelled; nothing "
				     "was written");
		goto out;
	}
	result = cli_login_explain(result, &oerr, where, err);
	if (result != SO2_OK)
		goto out;

	/* 4. the record */
	if (req->grant != CLI_GRANT_CLIENT_CREDENTIALS &&
	    so2_secret_empty(&rep.refresh_token)) {
		result = cli_login_no_refresh(&plan, err);
		goto out;
	}
	now = time(NULL);
	result = so2_record_apply_reply(rec, &rep, now, err);
	if (result != SO2_OK)
		goto out;
	rec->obtained_at = now;
	if (tmp_secret[0] != '\0') {
		if (rename(tmp_secret, final_secret) != 0) {
			result = so2_err_set(err, SO2_ERR_IO, "cannot rename %s to %s: %s",
					     tmp_secret, final_secret, strerror(errno));
			goto out;
		}
		tmp_secret[0] = '\0';
		if (so2_record_set_str(&rec->client_secret_file, final_secret) != SO2_OK) {
			result = so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	result = cli_login_store_paths(rec, ctx->conf->store_dir, err);
	if (result != SO2_OK)
		goto out;
	result = cli_login_write(ctx, st, name, rec, pw, path, sizeof(path), err);
	if (result != SO2_OK)
		goto out;
	printf("Logged in %s; access token expires at %s (%s); record %s\n",
	       req->account, cli_local_time(rec->expires_at, when, sizeof(when)),
	       cli_expiry(rec->expires_at, time(NULL), rel, sizeof(rel)), path);
	cli_token_checks(rec, req->protocols);

out:
	if (tmp_secret[0] != '\0')
		(void)unlink(tmp_secret);
	so2_record_free(rec);
	so2_token_reply_clear(&rep);
	so2_login_plan_clear(&plan);
	so2_store_close(st);
	so2_cache_close(cache);
	return result;
}

/*
 * NAME
 *	cmd_refresh.c - sasl-oauth2 refresh: refresh access tokens now
 * SYNOPSIS
 *	sasl-oauth2 refresh ACCOUNT...
 *	sasl-oauth2 refresh --all
 * DESCRIPTION
 *	Forces a refresh grant for each account (so2_cache_get with
 *	force), under the record's lock like any other refresh. Run from
 *	a timer it keeps refresh tokens alive: Microsoft lets an unused
 *	one die after 90 days. One line per account: on standard output
 *	for a success, on standard error for a failure. The exit code is
 *	that of the first failure, 0 when all succeeded.
 * SEE ALSO
 *	sasl-oauth2(1), cache.h
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sasl-oauth2/cache.h>
#include <sasl-oauth2/secret.h>
#include <sasl-oauth2/store.h>

#include "cli.h"

enum { OPT_ALL = CLI_OPT_COMMAND };

/* refresh_usage - the help text */
static void
refresh_usage(FILE *fp)
{
	fprintf(fp,
		"Usage: %s refresh ACCOUNT...\n"
		"       %s refresh --all\n"
		"Refresh the access tokens of the accounts now (--all: every "
		"record in the\nstore), whether they are about to expire or "
		"not.\n", CLI_PROG, CLI_PROG);
}

/* refresh_one - refresh one account; its exit code */
static int
refresh_one(cli_ctx *ctx, so2_cache *cache, const char *account)
{
	so2_secret token = SO2_SECRET_INIT;
	so2_token_info info;
	char when[CLI_TIME_MAX], rel[CLI_TIME_MAX];
	so2_err err;

	so2_err_clear(&err);
	memset(&info, 0, sizeof(info));
	if (so2_cache_get(cache, account, 1, &token, &info, &err) != SO2_OK)
		return cli_fail(account, &err);
	so2_secret_clear(&token);
	if (info.warning[0] != '\0')
		cli_msg("%s: warning: %s", account, info.warning);
	printf("%s: %s; access token expires at %s (%s)\n", account,
	       info.refreshed ? "refreshed" : "already fresh",
	       cli_local_time(info.expires_at, when, sizeof(when)),
	       cli_expiry(info.expires_at, time(NULL), rel, sizeof(rel)));
	cli_verbose(ctx, "%s: record %s", account, info.path);
	return 0;
}

/* cmd_refresh - the refresh command */
int
cmd_refresh(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, OPT_ALL },
		CLI_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	so2_cache *cache = NULL;
	so2_store *st = NULL;
	char **names = NULL;
	char account[SO2_ACCOUNT_MAX + 1];
	so2_err err;
	int c, i, all = 0, code = 0, one;

	while ((c = getopt_long(argc, argv, CLI_GLOBAL_SHORTOPTS, longopts,
				NULL)) != -1) {
		if (c == OPT_ALL)
			all = 1;
		else if (!cli_global_option(ctx, c, optarg))
			return cli_usage_error("refresh", NULL);
	}
	if (ctx->help) {
		refresh_usage(stdout);
		return 0;
	}
	if (all == (optind < argc))
		return cli_usage_error("refresh", "give ACCOUNT... or --all");

	so2_err_clear(&err);
	if (cli_load_config(ctx, &err) != SO2_OK ||
	    so2_cache_open(ctx->conf, &cache, &err) != SO2_OK) {
		code = cli_fail(NULL, &err);
		goto out;
	}
	if (!all) {
		for (i = optind; i < argc; i++) {
			one = refresh_one(ctx, cache, argv[i]);
			if (code == 0)
				code = one;
		}
		goto out;
	}

	/* --all: the cache keeps its store to itself when it could not
	 * open it; open it here to get the reason. */
	if (so2_store_open(ctx->conf->store_dir, &st, &err) != SO2_OK ||
	    so2_store_list(st, &names, &err) != SO2_OK) {
		code = cli_fail(NULL, &err);
		goto out;
	}
	if (names[0] == NULL)
		cli_msg("no token records in %s", ctx->conf->store_dir);
	for (i = 0; names[i] != NULL; i++) {
		one = refresh_one(ctx, cache, cli_account_of(names[i], account,
							     sizeof(account)));
		if (code == 0)
			code = one;
	}

out:
	so2_store_list_free(names);
	so2_store_close(st);
	so2_cache_close(cache);
	return code;
}

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	cmd_refresh.c - sasl-oauth2 refresh: refresh access tokens now
 * SYNOPSIS
 *	sasl-oauth2 refresh [--if-expiring-within SECONDS] [--keepalive DAYS]
 *		ACCOUNT... | --all
 * DESCRIPTION
 *	Without conditions: forces a refresh grant for each account, even
 *	during a back-off (a person asked for it). With conditions (for a
 *	timer): refreshes only an access token expiring within SECONDS, or
 *	a record not refreshed for DAYS (Microsoft lets a refresh token
 *	unused for 90 days die), and respects the back-off. Either way the
 *	refresh runs under the record's lock like any other
 *	(so2_cache_get_opts). One line per account: on standard output for
 *	a success or "not due", on standard error for a failure. The exit
 *	code is that of the first failure (75 while backing off, 74 when a
 *	new token was obtained but the record could not be written), 0
 *	when all succeeded: never 0 when a record that was due was not
 *	updated.
 * SEE ALSO
 *	sasl-oauth2(1), cache.h
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "token/cache.h"
#include "base/secret.h"
#include "token/store.h"

#include "cli.h"

enum { OPT_ALL = CLI_OPT_COMMAND, OPT_WITHIN, OPT_KEEPALIVE };

#define WITHIN_MAX	(7L * 86400)	/* seconds: --if-expiring-within */
#define KEEPALIVE_MAX	3650L		/* days: --keepalive */

/* refresh_usage - the help text */
static void
refresh_usage(FILE *fp)
{
	fprintf(fp,
		"Usage: %s refresh [OPTIONS] ACCOUNT...\n"
		"       %s refresh [OPTIONS] --all\n"
		"Refresh the access tokens of the accounts (--all: every record "
		"in the store).\nWithout options: now, whatever their expiry. "
		"With options (for a timer), only\nwhat is due, respecting the "
		"back-off of failing accounts:\n"
		"  --if-expiring-within SECONDS  access tokens expiring within "
		"SECONDS\n"
		"  --keepalive DAYS              records not refreshed for DAYS "
		"(Microsoft\n"
		"                                refresh tokens die after 90 days "
		"unused)\n", CLI_PROG, CLI_PROG);
}

/* refresh_one - refresh one account if due; its exit code */
static int
refresh_one(cli_ctx *ctx, so2_cache *cache, const char *account, const so2_get_opts *opts)
{
	so2_secret token = SO2_SECRET_INIT;
	so2_token_info info;
	char when[CLI_TIME_MAX], rel[CLI_TIME_MAX];
	so2_err err;

	so2_err_clear(&err);
	memset(&info, 0, sizeof(info));
	if (so2_cache_get_opts(cache, account, opts, &token, &info, &err) != SO2_OK)
		return cli_fail(account, &err);
	so2_secret_clear(&token);
	if (info.warning[0] != '\0')
		cli_msg("%s: warning: %s", account, info.warning);
	/* Exit 0 only when the record holds the result (issue 10, point 3):
	 * not when the refresh was due and could not be sent either. */
	if (info.not_saved)
		return EX_IOERR;
	if (info.not_updated != SO2_OK)
		return cli_exit_code(info.not_updated);
	if (info.backing_off)
		return EX_TEMPFAIL;
	printf("%s: %s; access token expires at %s (%s)\n", account,
	       info.refreshed ? "refreshed" : opts->force ? "already fresh" : "not due",
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
		{ "if-expiring-within", required_argument, NULL, OPT_WITHIN },
		{ "keepalive", required_argument, NULL, OPT_KEEPALIVE },
		CLI_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	so2_cache *cache = NULL;
	so2_store *st = NULL;
	char **names = NULL;
	char account[SO2_ACCOUNT_MAX + 1];
	so2_get_opts opts;
	so2_err err;
	long within = -1, days = -1;
	int c, i, all = 0, code = 0, one;

	while ((c = getopt_long(argc, argv, CLI_GLOBAL_SHORTOPTS, longopts,
				NULL)) != -1) {
		if (c == OPT_ALL) {
			all = 1;
		} else if (c == OPT_WITHIN) {
			if (cli_number(optarg, 0, WITHIN_MAX, &within) != 0)
				return cli_usage_error("refresh", "--if-expiring-within"
						       " takes seconds, 0 to %ld, not \"%s\"",
						       WITHIN_MAX, optarg);
		} else if (c == OPT_KEEPALIVE) {
			if (cli_number(optarg, 1, KEEPALIVE_MAX, &days) != 0)
				return cli_usage_error("refresh", "--keepalive takes days,"
						       " 1 to %ld, not \"%s\"",
						       KEEPALIVE_MAX, optarg);
		} else if (!cli_global_option(ctx, c, optarg)) {
			return cli_usage_error("refresh", NULL);
		}
	}
	if (ctx->help) {
		refresh_usage(stdout);
		return 0;
	}
	if (all == (optind < argc))
		return cli_usage_error("refresh", "give ACCOUNT... or --all");

	memset(&opts, 0, sizeof(opts));
	opts.force = within < 0 && days < 0;
	opts.ignore_backoff = opts.force;
	opts.margin = within;
	opts.stale_before = days > 0 ? time(NULL) - (time_t)days * 86400 : 0;

	so2_err_clear(&err);
	if (cli_load_config(ctx, &err) != SO2_OK ||
	    so2_cache_open(ctx->conf, &cache, &err) != SO2_OK) {
		code = cli_fail(NULL, &err);
		goto out;
	}
	if (!all) {
		for (i = optind; i < argc; i++) {
			one = refresh_one(ctx, cache, argv[i], &opts);
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
							     sizeof(account)), &opts);
		if (code == 0)
			code = one;
	}

out:
	so2_store_list_free(names);
	so2_store_close(st);
	so2_cache_close(cache);
	return code;
}

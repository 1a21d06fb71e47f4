/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	cmd_token.c - sasl-oauth2 token: print a valid access token
 * SYNOPSIS
 *	sasl-oauth2 token ACCOUNT
 * DESCRIPTION
 *	For msmtp's passwordeval, mutt's oauth_refresh_command, isync's
 *	PassCmd: the access token of ACCOUNT (refreshed first when it
 *	expires within refresh_margin) and a newline on standard output,
 *	nothing else. On failure standard output stays empty and standard
 *	error gets one line, "sasl-oauth2: ACCOUNT: what is wrong".
 *
 *	This is the one place where a token is printed in clear.
 * SEE ALSO
 *	sasl-oauth2(1), cache.h
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "token/cache.h"
#include "base/secret.h"

#include "cli.h"

/* token_usage - the help text */
static void
token_usage(FILE *fp)
{
	fprintf(fp,
		"Usage: %s token ACCOUNT\n"
		"Print the access token of ACCOUNT and a newline on standard "
		"output,\nrefreshing it first when it is about to expire. "
		"ACCOUNT may also be\nthe absolute path of a record file.\n",
		CLI_PROG);
}

/* cmd_token - the token command */
int
cmd_token(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	so2_secret token = SO2_SECRET_INIT;
	so2_token_info info;
	so2_cache *cache = NULL;
	const char *account;
	char shown[64], when[CLI_TIME_MAX];
	so2_err err;
	int c, code;

	while ((c = getopt_long(argc, argv, CLI_GLOBAL_SHORTOPTS, longopts,
				NULL)) != -1)
		if (!cli_global_option(ctx, c, optarg))
			return cli_usage_error("token", NULL);
	if (ctx->help) {
		token_usage(stdout);
		return 0;
	}
	if (argc - optind != 1)
		return cli_usage_error("token", "token takes one ACCOUNT");
	account = argv[optind];

	so2_err_clear(&err);
	memset(&info, 0, sizeof(info));
	if (cli_load_config(ctx, &err) != SO2_OK ||
	    so2_cache_open(ctx->conf, &cache, &err) != SO2_OK ||
	    so2_cache_get(cache, account, 0, &token, &info, &err) != SO2_OK) {
		code = cli_fail(account, &err);
		goto out;
	}
	if (info.warning[0] != '\0')
		cli_msg("%s: warning: %s", account, info.warning);
	cli_verbose(ctx, "%s: token %s, expires %s%s", account,
		    so2_secret_describe(token.data, token.len, shown,
					sizeof(shown)),
		    cli_local_time(info.expires_at, when, sizeof(when)),
		    info.refreshed ? " (just refreshed)" : "");
	if (fflush(stdout) != 0 || so2_write_all(STDOUT_FILENO, token.data,
						 token.len) != 0 ||
	    so2_write_all(STDOUT_FILENO, "\n", 1) != 0) {
		so2_err_set(&err, SO2_ERR_IO, "cannot write the token to "
			    "standard output: %s", strerror(errno));
		code = cli_fail(account, &err);
		goto out;
	}
	code = 0;

out:
	so2_secret_clear(&token);
	so2_cache_close(cache);
	return code;
}

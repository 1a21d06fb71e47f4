/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	cmd_logout.c - sasl-oauth2 logout: remove token records
 * SYNOPSIS
 *	sasl-oauth2 logout ACCOUNT...
 * DESCRIPTION
 *	Deletes each account's record file and lock file from the store.
 *	The grant itself is not revoked at the provider (Microsoft has no
 *	revocation endpoint for one refresh token); the tokens simply
 *	stop being used. Exit code of the first failure, 0 when all were
 *	removed.
 * SEE ALSO
 *	sasl-oauth2(1), store.h
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "token/store.h"

#include "cli.h"

/* logout_usage - the help text */
static void
logout_usage(FILE *fp)
{
	fprintf(fp,
		"Usage: %s logout ACCOUNT...\n"
		"Remove the token records of the accounts from the store. The "
		"tokens are\nnot revoked at the provider.\n", CLI_PROG);
}

/* cmd_logout - the logout command */
int
cmd_logout(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	so2_store *st = NULL;
	char name[SO2_ACCOUNT_MAX + 16];
	so2_err err;
	int c, i, code = 0;

	while ((c = getopt_long(argc, argv, CLI_GLOBAL_SHORTOPTS, longopts,
				NULL)) != -1)
		if (!cli_global_option(ctx, c, optarg))
			return cli_usage_error("logout", NULL);
	if (ctx->help) {
		logout_usage(stdout);
		return 0;
	}
	if (optind >= argc)
		return cli_usage_error("logout", "logout takes ACCOUNT...");

	so2_err_clear(&err);
	if (cli_load_config(ctx, &err) != SO2_OK ||
	    so2_store_open(ctx->conf->store_dir, &st, &err) != SO2_OK) {
		code = cli_fail(NULL, &err);
		goto out;
	}
	for (i = optind; i < argc; i++) {
		if (so2_store_file_name(argv[i], name, sizeof(name), &err) != SO2_OK ||
		    so2_store_remove(st, name, &err) != SO2_OK) {
			c = cli_fail(argv[i], &err);
			if (code == 0)
				code = c;
			continue;
		}
		printf("Logged out %s: removed %s/%s", argv[i],
		       so2_store_dir(st), name);
		/* the client secret login kept from standard input */
		so2_format(name, sizeof(name), "%s.secret", argv[i]);
		if (unlinkat(so2_store_dirfd(st), name, 0) == 0)
			printf(" and %s", name);
		printf("\n");
	}

out:
	so2_store_close(st);
	return code;
}

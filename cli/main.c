/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	main.c - the sasl-oauth2 command: global options and dispatch
 * SYNOPSIS
 *	sasl-oauth2 [--config FILE] [--store DIR] [--ca-file FILE] [-v]
 *		COMMAND [ARGS]
 *	sasl-oauth2 help [COMMAND]
 *	sasl-oauth2 -V | --version
 * DESCRIPTION
 *	Parses the global options up to the command name, initialises
 *	libcurl once, runs the command and checks that standard output
 *	was written. The exit codes are cli_exit_code()'s (report.c).
 *	"help" prints the general usage, "help COMMAND" the command's
 *	(what COMMAND --help prints), both on stdout with exit 0.
 * SEE ALSO
 *	sasl-oauth2(1), cli.h
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <curl/curl.h>

#include "cli.h"

static int cmd_help(cli_ctx *ctx, int argc, char **argv);

static const cli_cmd commands[] = {
	{ "login", cmd_login,
	  "login ACCOUNT [OPTIONS]     sign in (device code, browser, client "
	  "credentials)" },
	{ "token", cmd_token,
	  "token ACCOUNT               print a valid access token" },
	{ "refresh", cmd_refresh,
	  "refresh ACCOUNT... | --all  refresh access tokens now" },
	{ "status", cmd_status,
	  "status [OPTIONS] [ACCOUNT...] the records and what they need; JSON, "
	  "Nagios, Prometheus" },
	{ "inspect", cmd_inspect,
	  "inspect ACCOUNT [--json] [--endpoint E]\n"
	  "                              show the access token's claims and problems" },
	{ "logout", cmd_logout,
	  "logout ACCOUNT...           remove records" },
	{ "connect", cmd_connect,
	  "connect ACCOUNT HOST [PORT] authenticated IMAP/POP3 session on stdio" },
	{ "doctor", cmd_doctor,
	  "doctor ACCOUNT [OPTIONS]    explain why a login fails, with fixes" },
	{ "postfix", cmd_postfix,
	  "postfix migrate [-c DIR] [--dry-run | --rollback]\n"
	  "                              move a Postfix relay from a password to OAuth2" },
	{ "help", cmd_help,
	  "help [COMMAND]              this text, or the usage of COMMAND" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* usage - the general help text */
static void
usage(FILE *fp)
{
	size_t i;

	fprintf(fp,
		"Usage: %s [GLOBAL OPTIONS] COMMAND [ARGS]\n"
		"OAuth 2.0 tokens for SMTP, IMAP and POP (XOAUTH2, OAUTHBEARER).\n"
		"\nCommands:\n", CLI_PROG);
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(fp, "  %s\n", commands[i].synopsis);
	fprintf(fp,
		"\nGlobal options (also accepted after the command):\n"
		"  --config FILE    configuration file (default $SASL_OAUTH2_CONF,\n"
		"                   else %s)\n"
		"  --store DIR      token store directory (default: store_dir)\n"
		"  --ca-file FILE   CA bundle for HTTPS (default: ca_file)\n"
		"  -v, --verbose    say more on standard error\n"
		"  -h, --help       this text; COMMAND --help for a command\n"
		"  -V, --version    print the version\n"
		"\nSee sasl-oauth2(1) and sasl-oauth2.conf(5).\n", SO2_CONF_PATH);
}

/* find_command - the command called name, NULL when there is none */
static const cli_cmd *
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++)
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
	return NULL;
}

/* cmd_help - "help": the general usage, or "help COMMAND": COMMAND --help */
static int
cmd_help(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static char progname[64];
	const cli_cmd *cmd;
	char *args[2];
	int c;

	while ((c = getopt_long(argc, argv, CLI_GLOBAL_SHORTOPTS, longopts,
				NULL)) != -1)
		if (!cli_global_option(ctx, c, optarg))
			return cli_usage_error(NULL, NULL);
	if (argc - optind > 1)
		return cli_usage_error(NULL, "help takes one command at most");
	if (optind >= argc || strcmp(argv[optind], "help") == 0) {
		usage(stdout);
		return EXIT_SUCCESS;
	}
	cmd = find_command(argv[optind]);
	if (cmd == NULL)
		return cli_usage_error(NULL, "unknown command \"%s\"", argv[optind]);
	snprintf(progname, sizeof(progname), "%s %s", CLI_PROG, cmd->name);
	args[0] = progname;
	args[1] = NULL;
	ctx->help = 1;
	optind = 0;
	return cmd->run(ctx, 1, args);
}

/* main - parse the global options, run the command, check stdout */
int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static char progname[64];
	const cli_cmd *cmd = NULL;
	cli_ctx ctx;
	int c, code;

	memset(&ctx, 0, sizeof(ctx));
	snprintf(progname, sizeof(progname), "%s", CLI_PROG);
	argv[0] = progname;	/* for getopt's messages */
	while ((c = getopt_long(argc, argv, "+" CLI_GLOBAL_SHORTOPTS, longopts,
				NULL)) != -1)
		if (!cli_global_option(&ctx, c, optarg))
			return cli_usage_error(NULL, NULL);
	if (ctx.version) {
		printf("%s %s\n", CLI_PROG, PACKAGE_VERSION);
		return fflush(stdout) == 0 ? EXIT_SUCCESS : EX_IOERR;
	}
	if (optind >= argc) {
		if (ctx.help) {
			usage(stdout);
			return fflush(stdout) == 0 ? EXIT_SUCCESS : EX_IOERR;
		}
		usage(stderr);
		return EX_USAGE;
	}
	cmd = find_command(argv[optind]);
	if (cmd == NULL)
		return cli_usage_error(NULL, "unknown command \"%s\"", argv[optind]);

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		cli_msg("cannot initialise libcurl");
		return EXIT_FAILURE;
	}
	argc -= optind;
	argv += optind;
	/* getopt's messages then read "sasl-oauth2 token: ..." */
	snprintf(progname, sizeof(progname), "%s %s", CLI_PROG, cmd->name);
	argv[0] = progname;
	optind = 0;		/* glibc: start the command's getopt afresh */
	code = cmd->run(&ctx, argc, argv);
	so2_config_free(ctx.conf);
	curl_global_cleanup();

	/* A full disk or a closed pipe must not pass for success. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_msg("error writing to standard output: %s", strerror(errno));
		if (code == EXIT_SUCCESS)
			code = EX_IOERR;
	}
	return code;
}

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	options.c - the command line: global options, usage errors, numbers
 * DESCRIPTION
 *	Every command takes the global options too (cli_global_option);
 *	a wrong command line is reported with cli_usage_error (exit 64).
 *	cli_number is the one parser of numeric option values.
 * SEE ALSO
 *	cli.h, sasl-oauth2(1)
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sysexits.h>

#include "mail/mail.h"

#include "cli.h"

/* cli_global_option - take a global option; 1 when c was one */
int
cli_global_option(cli_ctx *ctx, int c, const char *arg)
{
	switch (c) {
	case CLI_OPT_CONFIG:
		ctx->config_path = arg;
		cli_msg_context(ctx);
		return 1;
	case CLI_OPT_STORE:
		ctx->store_dir = arg;
		cli_msg_context(ctx);
		return 1;
	case CLI_OPT_CA_FILE:
		ctx->ca_file = arg;
		return 1;
	case 'v':
		ctx->verbose++;
		return 1;
	case 'h':
		ctx->help = 1;
		return 1;
	case 'V':
	case CLI_OPT_VERSION:
		ctx->version = 1;
		return 1;
	}
	return 0;
}

/* cli_tls_mode - the value of --tls (connect and doctor alike); -1 when wrong */
int
cli_tls_mode(const char *arg)
{
	if (strcasecmp(arg, "starttls") == 0)
		return SO2_MAIL_TLS_STARTTLS;
	if (strcasecmp(arg, "implicit") == 0)
		return SO2_MAIL_TLS_IMPLICIT;
	return -1;
}

/* cli_usage_error - say what is wrong with the command line; EX_USAGE */
int
cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	if (fmt != NULL && *fmt != '\0') {
		fprintf(stderr, "%s: ", CLI_PROG);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fprintf(stderr, "Try '%s%s%s --help'.\n", CLI_PROG, cmd ? " " : "",
		cmd ? cmd : "");
	return EX_USAGE;
}

/* cli_number - a whole decimal number from min to max */
int
cli_number(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

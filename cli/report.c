/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	report.c - how the sasl-oauth2 command speaks: messages and exit codes
 * DESCRIPTION
 *	Messages go to standard error as "sasl-oauth2: TEXT"; a failure
 *	of an account as "sasl-oauth2: ACCOUNT: message". cli_exit_code()
 *	is the one place where an so2_status becomes an exit code
 *	(sysexits(3) values, see sasl-oauth2(1)).
 * SEE ALSO
 *	cli.h, sasl-oauth2(1)
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"

/* cli_exit_code - the exit code of a status (the only such mapping) */
int
cli_exit_code(so2_status status)
{
	switch (status) {
	case SO2_OK:
		return EXIT_SUCCESS;
	case SO2_ERR_PARAM:
		return EX_USAGE;		/* 64 */
	case SO2_ERR_NOTFOUND:
	case SO2_ERR_RECORD:
		return EX_NOINPUT;		/* 66 */
	case SO2_ERR_OAUTH:
		return EX_UNAVAILABLE;		/* 69 */
	case SO2_ERR_IO:
		return EX_IOERR;		/* 74 */
	case SO2_ERR_TEMP:
	case SO2_ERR_LOCK:
		return EX_TEMPFAIL;		/* 75 */
	case SO2_ERR_GRANT:
		return EX_NOPERM;		/* 77: log in again */
	case SO2_ERR_CONFIG:
		return EX_CONFIG;		/* 78 */
	case SO2_ERR_NOMEM:
	case SO2_ERR_PENDING:
	case SO2_ERR_SLOW_DOWN:
	case SO2_ERR_PROTO:
	case SO2_ERR_AUTH:
		break;
	}
	return EXIT_FAILURE;
}

/* The options a command named in a message must carry (--config, --store). */
static const cli_ctx *msg_ctx;

/* cli_msg_context - the context whose --config and --store messages carry */
void
cli_msg_context(const cli_ctx *ctx)
{
	msg_ctx = ctx;
}

/* cli_fill_globals - add the --config and --store in use to every command in buf
 *	"sasl-oauth2 login A" becomes "sasl-oauth2 login --config F A", so
 *	that a fix printed by a run with another configuration or store
 *	acts on the same one. buf is size bytes; cut when it grows. */
void
cli_fill_globals(char *buf, size_t size)
{
	static const char *const cmds[] = { "login", "refresh", "token", "status", "doctor",
					    "logout", "inspect", "connect", NULL };
	char opts[2 * CLI_TEXT_MAX], out[4 * CLI_TEXT_MAX], word[32];
	const char *p = buf, *hit;
	size_t n = 0, i, len;

	if (msg_ctx == NULL || (msg_ctx->config_path == NULL && msg_ctx->store_dir == NULL))
		return;
	so2_format(opts, sizeof(opts), "%s%s%s%s",
		   msg_ctx->config_path ? " --config " : "",
		   msg_ctx->config_path ? msg_ctx->config_path : "",
		   msg_ctx->store_dir ? " --store " : "",
		   msg_ctx->store_dir ? msg_ctx->store_dir : "");
	while ((hit = strstr(p, CLI_PROG " ")) != NULL) {
		const char *w = hit + strlen(CLI_PROG) + 1;

		len = strspn(w, "abcdefghijklmnopqrstuvwxyz");
		so2_format(word, sizeof(word), "%.*s", (int)len, w);
		for (i = 0; cmds[i] != NULL && strcmp(cmds[i], word) != 0; i++)
			;
		len = (size_t)(w + len - p);
		if (n + len + strlen(opts) + 1 >= sizeof(out))
			break;
		memcpy(out + n, p, len);
		n += len;
		p += len;
		if (cmds[i] != NULL && strncmp(p, opts, strlen(opts)) != 0) {
			memcpy(out + n, opts, strlen(opts));
			n += strlen(opts);
		}
	}
	so2_format(out + n, sizeof(out) - n, "%s", p);
	so2_format(buf, size, "%s", out);
}

/* cli_msg - "sasl-oauth2: TEXT" on standard error */
void
cli_msg(const char *fmt, ...)
{
	char text[4 * CLI_TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	cli_fill_globals(text, sizeof(text));
	fprintf(stderr, "%s: %s\n", CLI_PROG, text);
}

/* cli_verbose - cli_msg when -v was given */
void
cli_verbose(const cli_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (!ctx->verbose)
		return;
	fprintf(stderr, "%s: ", CLI_PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* cli_fail - report a failure, "sasl-oauth2: ACCOUNT: message"; exit code */
int
cli_fail(const char *account, const so2_err *err)
{
	const char *msg = err->msg[0] != '\0' ? err->msg :
	    so2_status_name(err->status);
	size_t n;

	if (account == NULL) {
		cli_msg("%s", msg);
		return cli_exit_code(err->status);
	}
	/* The core's messages often begin "account A: "; say it once. */
	n = strlen(account);
	if (strncmp(msg, "account ", 8) == 0 && strncmp(msg + 8, account, n) == 0 &&
	    strncmp(msg + 8 + n, ": ", 2) == 0)
		msg += 8 + n + 2;
	cli_msg("%s: %s", account, msg);
	return cli_exit_code(err->status);
}

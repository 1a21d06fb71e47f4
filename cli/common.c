/*
 * NAME
 *	common.c - what the sasl-oauth2 commands share
 * DESCRIPTION
 *	Loading the configuration with the global option overrides,
 *	messages on standard error, and times for people ("in 52 min",
 *	"3 min ago", local time).
 * SEE ALSO
 *	cli.h
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define SECS_MIN	60L
#define SECS_HOUR	3600L
#define SECS_DAY	86400L

/* replace - *member = strdup(value); 0 or -1 */
static int
replace(char **member, const char *value)
{
	char *copy;

	copy = strdup(value);
	if (copy == NULL)
		return -1;
	free(*member);
	*member = copy;
	return 0;
}

/* cli_load_config - read the configuration and apply --store, --ca-file */
so2_status
cli_load_config(cli_ctx *ctx, so2_err *err)
{
	const char *path;
	so2_status result;
	int must_exist;

	if (ctx->conf != NULL)
		return SO2_OK;
	/* A file the user named (--config or SASL_OAUTH2_CONF) must
	 * exist; the built-in default may be missing. */
	path = ctx->config_path != NULL ? ctx->config_path :
	    so2_config_default_path();
	must_exist = ctx->config_path != NULL || strcmp(path, SO2_CONF_PATH) != 0;
	ctx->conf_tried = path;
	result = so2_config_load(path, must_exist, &ctx->conf, err);
	if (result != SO2_OK)
		return result;
	if (ctx->verbose) {
		char desc[CLI_TEXT_MAX];

		cli_describe_config(ctx, desc, sizeof(desc));
		cli_verbose(ctx, "configuration: %s", desc);
	}
	if ((ctx->store_dir != NULL && replace(&ctx->conf->store_dir,
					       ctx->store_dir) != 0) ||
	    (ctx->ca_file != NULL && replace(&ctx->conf->ca_file,
					     ctx->ca_file) != 0))
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	return SO2_OK;
}

/* cli_describe_config - which configuration file was read, for people */
void
cli_describe_config(const cli_ctx *ctx, char *buf, size_t size)
{
	if (ctx->conf != NULL && ctx->conf->path != NULL)
		snprintf(buf, size, "%s", ctx->conf->path);
	else
		snprintf(buf, size, "none (%s not found), built-in defaults",
			 ctx->conf_tried ? ctx->conf_tried : SO2_CONF_PATH);
}

/* cli_msg - "sasl-oauth2: TEXT" on standard error */
void
cli_msg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", CLI_PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
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

/* cli_local_time - t as local time, "2026-05-04 13:02:11 CEST" */
char *
cli_local_time(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (size == 0)
		return buf;
	if (t == 0 || localtime_r(&t, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
		snprintf(buf, size, "%s", t == 0 ? "unknown" : "?");
	return buf;
}

/* cli_duration - a length of time: "45 s", "75 min", "3 h 5 min", "4 d"
 *	Minutes up to two hours: access tokens live 60 to 90 minutes. */
char *
cli_duration(long s, char *buf, size_t size)
{
	if (s < 0)
		s = -s;
	if (s < SECS_MIN)
		snprintf(buf, size, "%ld s", s);
	else if (s < 2 * SECS_HOUR)
		snprintf(buf, size, "%ld min", s / SECS_MIN);
	else if (s < 2 * SECS_DAY && (s % SECS_HOUR) / SECS_MIN != 0)
		snprintf(buf, size, "%ld h %ld min", s / SECS_HOUR,
			 (s % SECS_HOUR) / SECS_MIN);
	else if (s < 2 * SECS_DAY)
		snprintf(buf, size, "%ld h", s / SECS_HOUR);
	else
		snprintf(buf, size, "%ld d", s / SECS_DAY);
	return buf;
}

/* cli_expiry - "in 52 min", "expired 3 min ago" or "unknown" */
char *
cli_expiry(time_t t, time_t now, char *buf, size_t size)
{
	char d[CLI_TIME_MAX];

	if (t == 0)
		snprintf(buf, size, "unknown");
	else if (t > now)
		snprintf(buf, size, "in %s", cli_duration((long)(t - now), d,
							sizeof(d)));
	else
		snprintf(buf, size, "expired %s ago",
			 cli_duration((long)(now - t), d, sizeof(d)));
	return buf;
}

/* cli_ago - "12 min ago", or "never" for 0 */
char *
cli_ago(time_t t, time_t now, char *buf, size_t size)
{
	char d[CLI_TIME_MAX];

	if (t == 0)
		snprintf(buf, size, "never");
	else if (t > now)	/* clock skew between writers */
		snprintf(buf, size, "in %s", cli_duration((long)(t - now), d,
							sizeof(d)));
	else
		snprintf(buf, size, "%s ago", cli_duration((long)(now - t), d,
							  sizeof(d)));
	return buf;
}

/* cli_account_of - the account of a record file name ("A.json" -> "A") */
const char *
cli_account_of(const char *file, char *buf, size_t size)
{
	static const char suffix[] = ".json";
	size_t n = strlen(file), sl = sizeof(suffix) - 1;

	if (size == 0)
		return "";
	if (n > sl && strcmp(file + n - sl, suffix) == 0)
		n -= sl;
	if (n >= size)
		n = size - 1;
	memcpy(buf, file, n);
	buf[n] = '\0';
	return buf;
}

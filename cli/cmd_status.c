/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	cmd_status.c - sasl-oauth2 status: what the records hold and need
 * SYNOPSIS
 *	sasl-oauth2 status [--json] [ACCOUNT...]
 * DESCRIPTION
 *	Reads each record (every record of the store when no account is
 *	named) without a lock and without the network, and shows one row:
 *	account, state, access token expiry, last refresh, last error.
 *	--json prints the same as a JSON array instead, also when the store
 *	cannot be read (an empty array, or the named accounts as missing).
 *	--nagios and --prometheus print the formats of monitoring systems
 *	(status_monitor.c). Tokens are never shown, not even in part.
 *
 *	States: ok; refresh_due (the next use refreshes first); stale (the
 *	server rejected the access token, the next use refreshes); failing
 *	(refreshes failed, back-off until the next attempt); idle (not
 *	refreshed for IDLE_DAYS: a Microsoft refresh token dies after 90
 *	days unused); needs_login (the grant is dead); expired (expired
 *	and no refresh token); unreadable (the record could not be read or
 *	parsed); missing (a named account has no record). needs_login,
 *	expired, unreadable, missing, idle, and failing with an expired
 *	access token (mail waits) need a person: the exit code is then 1,
 *	else 0, so that monitoring can alert on it.
 * SEE ALSO
 *	sasl-oauth2(1), record.h
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "token/diagnose.h"
#include "token/record.h"
#include "token/store.h"

#include "cli.h"
#include "status.h"

enum { OPT_JSON = CLI_OPT_COMMAND, OPT_NAGIOS, OPT_PROMETHEUS };
enum { FMT_TABLE, FMT_JSON, FMT_NAGIOS, FMT_PROMETHEUS };

#define ACCOUNT_COL_MIN	7	/* width of the account column */
#define ACCOUNT_COL_MAX	40
#define ERROR_COL_MAX	100	/* bytes of last error in the table */
#define IDLE_DAYS	STATUS_IDLE_DAYS

/* status_usage - the help text */
static void
status_usage(FILE *fp)
{
	fprintf(fp,
		"Usage: %s status [--json | --nagios | --prometheus] [ACCOUNT...]\n"
		"Show the token records (all of the store when no ACCOUNT is "
		"given): state,\naccess token expiry, last refresh, last "
		"error. Exit 1 when an account\nneeds attention (needs_login, "
		"expired, unreadable, missing, idle, failing\nwith an expired "
		"token), else 0.\n"
		"  --json        print a JSON array instead of the table\n"
		"  --nagios      a Nagios/Icinga plugin: one line with performance "
		"data,\n                exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN\n"
		"  --prometheus  Prometheus text format for node_exporter's textfile\n"
		"                collector (exit 0 once printed)\n", CLI_PROG);
}

/* classify - the state of a row */
static void
classify(struct status_row *row, time_t now, long margin)
{
	const so2_record *rec = row->rec;

	if (rec == NULL) {
		row->state = row->err.status == SO2_ERR_NOTFOUND ? "missing" :
		    "unreadable";
		row->attention = 1;
	} else if (so2_record_has_state(rec, SO2_STATE_NEEDS_LOGIN)) {
		row->state = "needs_login";
		row->attention = 1;
	} else if (so2_secret_empty(&rec->refresh_token) &&
		   (rec->grant_type == NULL ||
		    strcmp(rec->grant_type, SO2_RECORD_GRANT_CLIENT_CREDENTIALS) != 0) &&
		   rec->expires_at <= now) {
		/* (a client_credentials record renews without one) */
		row->state = "expired";
		row->attention = 1;
	} else if (rec->failures > 0) {
		row->state = "failing";
		row->attention = rec->expires_at <= now;
	} else if (now - (rec->refreshed_at ? rec->refreshed_at : rec->obtained_at)
		   > IDLE_DAYS * 86400L && !so2_secret_empty(&rec->refresh_token)) {
		row->state = "idle";
		row->attention = 1;
	} else if (so2_record_has_state(rec, SO2_STATE_STALE)) {
		row->state = "stale";
	} else if (so2_record_needs_refresh(rec, now, margin)) {
		row->state = "refresh_due";
	} else {
		row->state = "ok";
	}
}

/* first_line - the first line of s, at most max bytes, into buf */
static const char *
first_line(const char *s, size_t max, char *buf, size_t size)
{
	size_t n = strcspn(s, "\r\n");

	if (n > max)
		n = max;
	if (n >= size)
		n = size - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (n < strlen(s) && n >= 3)
		memcpy(buf + n - 3, "...", 3);
	return buf;
}

/* print_table - the rows as a table on stdout */
static void
print_table(const struct status_row *rows, size_t n, time_t now)
{
	char exp[CLI_TIME_MAX], ref[CLI_TIME_MAX], ago[CLI_TIME_MAX];
	char line[ERROR_COL_MAX + 1];
	const char *last;
	int width = ACCOUNT_COL_MIN;
	size_t i, len;

	for (i = 0; i < n; i++) {
		len = strlen(rows[i].account);
		if (len > (size_t)width)
			width = len > ACCOUNT_COL_MAX ? ACCOUNT_COL_MAX : (int)len;
	}
	printf("%-*s  %-11s  %-22s  %-14s  %s\n", width, "ACCOUNT", "STATE",
	       "ACCESS TOKEN", "LAST REFRESH", "LAST ERROR");
	for (i = 0; i < n; i++) {
		const so2_record *rec = rows[i].rec;

		if (rec == NULL) {
			printf("%-*s  %-11s  %-22s  %-14s  %s\n", width,
			       rows[i].account, rows[i].state, "-", "-",
			       first_line(rows[i].err.msg, ERROR_COL_MAX, line,
					  sizeof(line)));
			continue;
		}
		last = "-";
		if (rec->last_error != NULL && rec->last_error[0] != '\0') {
			char sum[SO2_ERR_MSG_MAX];

			/* The code and the cause, not the first bytes of a URL. */
			so2_diag_summary(rec->last_error, sum, sizeof(sum));
			first_line(sum, ERROR_COL_MAX, line, sizeof(line));
			last = line;
		}
		printf("%-*s  %-11s  %-22s  %-14s  %s", width, rows[i].account,
		       rows[i].state,
		       cli_expiry(rec->expires_at, now, exp, sizeof(exp)),
		       cli_ago(rec->refreshed_at, now, ref, sizeof(ref)), last);
		if (rec->last_error_at != 0 && strcmp(last, "-") != 0)
			printf(" (%s)", cli_ago(rec->last_error_at, now, ago,
						sizeof(ago)));
		if (rec->failures > 0)
			printf(" [%ld failure%s, next attempt %s]", rec->failures,
			       rec->failures == 1 ? "" : "s",
			       rec->retry_after > now ? cli_expiry(rec->retry_after, now,
								   ago, sizeof(ago))
						      : "at next use");
		putchar('\n');
	}
}

/* json_str - a string member, null for NULL; -1 on ENOMEM */
static int
json_str(json_t *obj, const char *key, const char *value)
{
	return json_object_set_new(obj, key, value != NULL ?
				   json_string(value) : json_null());
}

/* row_json - one row as a JSON object; NULL on ENOMEM */
static json_t *
row_json(const struct status_row *row, time_t now)
{
	const so2_record *rec = row->rec;
	json_t *o;
	int bad = 0;

	o = json_object();
	if (o == NULL)
		return NULL;
	bad |= json_str(o, "account", row->account);
	bad |= json_str(o, "state", row->state);
	bad |= json_object_set_new(o, "attention", json_boolean(row->attention));
	bad |= json_str(o, "warning", row->warn[0] != '\0' ? row->warn : NULL);
	if (rec == NULL) {
		bad |= json_str(o, "error", row->err.msg);
		goto out;
	}
	bad |= json_str(o, "provider", rec->provider);
	bad |= json_str(o, "client_id", rec->client_id);
	bad |= json_str(o, "token_endpoint", rec->token_endpoint);
	bad |= json_str(o, "scope", rec->scope);
	bad |= json_object_set_new(o, "expires_at",
				   json_integer((json_int_t)rec->expires_at));
	bad |= json_object_set_new(o, "expires_in",
				   json_integer((json_int_t)(rec->expires_at - now)));
	bad |= json_object_set_new(o, "has_refresh_token",
				   json_boolean(!so2_secret_empty(&rec->refresh_token)));
	bad |= json_object_set_new(o, "obtained_at",
				   json_integer((json_int_t)rec->obtained_at));
	bad |= json_object_set_new(o, "refreshed_at",
				   json_integer((json_int_t)rec->refreshed_at));
	bad |= json_str(o, "last_error", rec->last_error);
	bad |= json_object_set_new(o, "last_error_at",
				   json_integer((json_int_t)rec->last_error_at));
	bad |= json_object_set_new(o, "failures", json_integer(rec->failures));
	bad |= json_object_set_new(o, "retry_after",
				   json_integer((json_int_t)rec->retry_after));
out:
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* print_json - the rows as a JSON array on stdout; -1 on ENOMEM */
static int
print_json(const struct status_row *rows, size_t n, time_t now)
{
	json_t *arr, *o;
	char *text = NULL;
	size_t i;
	int result = -1;

	arr = json_array();
	if (arr == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		o = row_json(&rows[i], now);
		if (o == NULL || json_array_append_new(arr, o) != 0)
			goto out;
	}
	text = json_dumps(arr, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	if (text == NULL)
		goto out;
	printf("%s\n", text);
	result = 0;
out:
	free(text);
	json_decref(arr);
	return result;
}

/* cmd_status - the status command */
int
cmd_status(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "nagios", no_argument, NULL, OPT_NAGIOS },
		{ "prometheus", no_argument, NULL, OPT_PROMETHEUS },
		CLI_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct status_row *rows = NULL;
	so2_store *st = NULL;
	char **names = NULL;
	char file[SO2_ACCOUNT_MAX + 16];
	size_t i, n = 0;
	time_t now;
	so2_err err, store_err;
	const so2_err *st_err = NULL;	/* the store could not be read */
	int c, fmt = FMT_TABLE, formats = 0, code = 0;

	while ((c = getopt_long(argc, argv, CLI_GLOBAL_SHORTOPTS, longopts,
				NULL)) != -1) {
		if (c == OPT_JSON || c == OPT_NAGIOS || c == OPT_PROMETHEUS) {
			fmt = c == OPT_JSON ? FMT_JSON : c == OPT_NAGIOS ?
			    FMT_NAGIOS : FMT_PROMETHEUS;
			formats++;
		} else if (!cli_global_option(ctx, c, optarg)) {
			return cli_usage_error("status", NULL);
		}
	}
	if (ctx->help) {
		status_usage(stdout);
		return 0;
	}
	if (formats > 1)
		return cli_usage_error("status", "--json, --nagios and --prometheus "
				       "exclude each other");

	so2_err_clear(&err);
	so2_err_clear(&store_err);
	if (cli_load_config(ctx, &err) != SO2_OK) {
		if (fmt == FMT_NAGIOS) {
			printf("SASL-OAUTH2 UNKNOWN - %s\n", err.msg);
			return STATUS_NAGIOS_UNKNOWN;
		}
		code = cli_fail(NULL, &err);
		goto out;
	}
	if (so2_store_open(ctx->conf->store_dir, &st, &store_err) != SO2_OK) {
		/* A table needs the store; the formats programs read say so in
		 * their own terms (JSON: the array, exit code as for the table). */
		code = cli_fail(NULL, &store_err);
		if (fmt == FMT_TABLE)
			goto out;
		st_err = &store_err;
	}
	if (optind < argc) {
		n = (size_t)(argc - optind);
	} else if (st != NULL) {
		if (so2_store_list(st, &names, &err) != SO2_OK) {
			if (fmt == FMT_NAGIOS) {
				printf("SASL-OAUTH2 UNKNOWN - %s\n", err.msg);
				code = STATUS_NAGIOS_UNKNOWN;
				goto out;
			}
			code = cli_fail(NULL, &err);
			goto out;
		}
		while (names[n] != NULL)
			n++;
	}
	rows = calloc(n + 1, sizeof(*rows));
	if (rows == NULL) {
		so2_err_set(&err, SO2_ERR_NOMEM, "out of memory");
		code = cli_fail(NULL, &err);
		goto out;
	}

	now = time(NULL);
	for (i = 0; i < n; i++) {
		struct status_row *row = &rows[i];
		so2_status r;

		so2_err_clear(&row->err);
		if (names != NULL) {
			cli_account_of(names[i], row->account, sizeof(row->account));
			snprintf(file, sizeof(file), "%s", names[i]);
			r = SO2_OK;
		} else {
			snprintf(row->account, sizeof(row->account), "%s",
				 argv[optind + (int)i]);
			r = so2_store_file_name(row->account, file, sizeof(file),
						&row->err);
		}
		if (r == SO2_OK && st == NULL)
			so2_err_set(&row->err, SO2_ERR_NOTFOUND, "%s", store_err.msg);
		else if (r == SO2_OK)
			so2_store_read(st, file, &row->rec, row->warn, &row->err);
		if (row->warn[0] != '\0')
			cli_msg("%s: warning: %s", row->account, row->warn);
		classify(row, now, ctx->conf->refresh_margin);
		if (row->rec != NULL && row->warn[0] == '\0'
		    && so2_diag_margin(ctx->conf->refresh_margin, so2_record_lifetime(row->rec),
				       row->warn, sizeof(row->warn)))
			cli_msg("%s: warning: %s", row->account, row->warn);
		if (row->attention && code == 0)
			code = 1;
	}

	if (fmt == FMT_NAGIOS) {
		code = status_nagios(rows, n, now, ctx->conf->store_dir, st_err);
	} else if (fmt == FMT_PROMETHEUS) {
		code = status_prometheus(rows, n, now, st_err);
	} else if (fmt == FMT_JSON) {
		if (print_json(rows, n, now) != 0) {
			so2_err_set(&err, SO2_ERR_NOMEM, "out of memory");
			code = cli_fail(NULL, &err);
		}
	} else if (n == 0) {
		cli_msg("no token records in %s (see: %s login ACCOUNT)",
			ctx->conf->store_dir, CLI_PROG);
	} else {
		print_table(rows, n, now);
	}

out:
	if (rows != NULL)
		for (i = 0; i < n; i++)
			so2_record_free(rows[i].rec);
	free(rows);
	so2_store_list_free(names);
	so2_store_close(st);
	return code;
}

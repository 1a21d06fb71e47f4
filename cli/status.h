/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	status.h - sasl-oauth2 status: one row per record, and the monitoring
 *	formats
 * DESCRIPTION
 *	cmd_status.c reads the records into rows and classifies them; it
 *	prints the table and --json itself. status_monitor.c prints the two
 *	formats monitoring systems read:
 *
 *	status_nagios: a Nagios/Icinga plugin's output (Nagios Plugin
 *	Development Guidelines, "Plugin Output" and "Performance data"):
 *	one line "SASL-OAUTH2 STATE - summary | perfdata" on stdout and the
 *	plugin exit code, 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
 *
 *	status_prometheus: the Prometheus text exposition format 0.0.4 for
 *	node_exporter's textfile collector: # HELP and # TYPE lines, then
 *	the samples, names and units by the Prometheus naming conventions
 *	(base unit seconds, *_timestamp_seconds since the epoch).
 *
 *	Neither ever shows a token.
 * SEE ALSO
 *	sasl-oauth2(1), sasl-oauth2-monitoring(7), cmd_status.c
 */
#ifndef SO2_CLI_STATUS_H
#define SO2_CLI_STATUS_H

#include <stddef.h>
#include <time.h>

#include "base/error.h"
#include "token/record.h"
#include "token/store.h"

#include "cli.h"

#define STATUS_IDLE_DAYS	80	/* warn before the 90 days of Microsoft */
#define STATUS_DEAD_DAYS	90	/* a Microsoft refresh token unused: dead */

/* status_row - what one line shows */
struct status_row {
	char account[SO2_ACCOUNT_MAX + 1];
	const char *state;
	int attention;		/* a person must act */
	so2_record *rec;	/* NULL when unreadable or missing */
	so2_err err;		/* why rec is NULL */
	char warn[SO2_ERR_MSG_MAX];
};

/* Nagios plugin exit codes (Nagios Plugin Development Guidelines). */
enum {
	STATUS_NAGIOS_OK = 0,
	STATUS_NAGIOS_WARNING = 1,
	STATUS_NAGIOS_CRITICAL = 2,
	STATUS_NAGIOS_UNKNOWN = 3
};

/*
 * status_nagios - the rows (n of them, read at now) as a Nagios plugin
 *	line on stdout. store_err: why the store could not be read, NULL
 *	when it was; store_dir: the store, for messages. Returns the
 *	plugin exit code: UNKNOWN when the store is unreadable or holds no
 *	record, CRITICAL when an account's mail fails or will fail without
 *	a person (needs_login, expired, unreadable, missing, failing with
 *	an expired access token, refresh token unused for STATUS_DEAD_DAYS),
 *	WARNING when it may (failing, idle), else OK.
 */
int status_nagios(const struct status_row *rows, size_t n, time_t now,
		  const char *store_dir, const so2_err *store_err);

/*
 * status_prometheus - the rows as Prometheus text exposition on stdout:
 *	sasl_oauth2_store_readable, sasl_oauth2_records, and per account
 *	(label account) the state (one sample per state, 1 for the current
 *	one), attention, access token expiry (seconds left and timestamp),
 *	refresh token age, last refresh, login, last error and next attempt
 *	times, consecutive failures. A time the record does not know (0) is
 *	left out. store_err as for status_nagios. Returns 0.
 */
int status_prometheus(const struct status_row *rows, size_t n, time_t now,
		      const so2_err *store_err);

#endif

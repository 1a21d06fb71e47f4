/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	status_monitor.c - sasl-oauth2 status --nagios and --prometheus
 * DESCRIPTION
 *	The rows cmd_status.c read, in the two formats monitoring systems
 *	read (status.h). Pure printing: no file is opened, nothing is sent,
 *	no token is ever shown.
 *
 *	Nagios: the Nagios Plugin Development Guidelines
 *	(https://nagios-plugins.org/doc/guidelines.html), "Plugin Return
 *	Codes", "Plugin Output" (one line on stdout) and "Performance data"
 *	('label'=value[UOM];[warn];[crit];[min];[max], labels quoted, a
 *	single quote in a label doubled, no '=' in a label).
 *
 *	Prometheus: the text exposition format 0.0.4
 *	(https://prometheus.io/docs/instrumenting/exposition_formats/) with
 *	label values escaped (\\, \", \n), and the naming conventions
 *	(https://prometheus.io/docs/practices/naming/): prefix sasl_oauth2_,
 *	seconds as the unit, *_timestamp_seconds for times since the epoch.
 *	No counter is printed: the record keeps consecutive failures, which
 *	fall back to 0 after a success (a gauge), not a total.
 * SEE ALSO
 *	status.h, sasl-oauth2-monitoring(7)
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "base/secret.h"

#include "status.h"

#define SUMMARY_MAX	1024	/* bytes of the Nagios status text */
#define LABEL_MAX	(2 * SO2_ACCOUNT_MAX + 64)
#define DAY		86400L

/* every state classify() in cmd_status.c gives, for the state samples */
static const char *const states[] = {
	"ok", "refresh_due", "stale", "failing", "idle", "needs_login",
	"expired", "unreadable", "missing", NULL
};

/* rt_age - seconds since the refresh token was last used or obtained;
 *	-1 when the record has none */
static long
rt_age(const so2_record *rec, time_t now)
{
	time_t since;

	if (so2_secret_empty(&rec->refresh_token))
		return -1;
	since = rec->refreshed_at != 0 ? rec->refreshed_at : rec->obtained_at;
	return since != 0 && since <= now ? (long)(now - since) : 0;
}

/* row_severity - the Nagios state of one row */
static int
row_severity(const struct status_row *row, time_t now)
{
	if (row->attention) {
		/* idle alone is a warning until the refresh token is likely dead */
		if (strcmp(row->state, "idle") == 0 &&
		    rt_age(row->rec, now) < STATUS_DEAD_DAYS * DAY)
			return STATUS_NAGIOS_WARNING;
		return STATUS_NAGIOS_CRITICAL;
	}
	if (strcmp(row->state, "failing") == 0)
		return STATUS_NAGIOS_WARNING;
	return STATUS_NAGIOS_OK;
}

/* nagios_label - an account and a metric as a perfdata label, quoted */
static const char *
nagios_label(const char *account, const char *metric, char *buf, size_t size)
{
	size_t o = 0;
	const char *p;

	buf[o++] = '\'';
	for (p = account; *p != '\0' && o + 4 < size; p++) {
		if (*p == '=' || (unsigned char)*p < 0x20)
			buf[o++] = '_';
		else if (*p == '\'') {
			buf[o++] = '\'';
			buf[o++] = '\'';
		} else
			buf[o++] = *p;
	}
	snprintf(buf + o, size - o, " %s'", metric);
	return buf;
}

/* append - add text to the summary, "..." once it is full */
static void
append(char *buf, size_t size, const char *text)
{
	size_t len = strlen(buf);

	if (len + strlen(text) + 4 >= size) {
		if (len + 4 < size)
			memcpy(buf + len, "...", 4);
		return;
	}
	memcpy(buf + len, text, strlen(text) + 1);
}

/* status_nagios - one plugin line and the plugin exit code */
int
status_nagios(const struct status_row *rows, size_t n, time_t now,
	      const char *store_dir, const so2_err *store_err)
{
	static const char *const names[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };
	char summary[SUMMARY_MAX], item[SO2_ACCOUNT_MAX + 64];
	char label[LABEL_MAX];
	size_t i, bad = 0;
	int worst = STATUS_NAGIOS_OK, sev;
	long age;

	summary[0] = '\0';
	if (store_err != NULL && n == 0) {
		printf("SASL-OAUTH2 UNKNOWN - %s\n", store_err->msg);
		return STATUS_NAGIOS_UNKNOWN;
	}
	if (n == 0) {
		printf("SASL-OAUTH2 UNKNOWN - no token records in %s\n", store_dir);
		return STATUS_NAGIOS_UNKNOWN;
	}
	for (i = 0; i < n; i++) {
		sev = row_severity(&rows[i], now);
		if (sev > worst)
			worst = sev;
		if (sev == STATUS_NAGIOS_OK)
			continue;
		snprintf(item, sizeof(item), "%s%s %s", bad++ ? ", " : "",
			 rows[i].account, rows[i].state);
		append(summary, sizeof(summary), item);
	}
	printf("SASL-OAUTH2 %s - ", names[worst]);
	if (bad == 0)
		printf("%zu account%s ok", n, n == 1 ? "" : "s");
	else
		printf("%zu of %zu account%s: %s", bad, n, n == 1 ? "" : "s",
		       summary);
	printf(" |");
	for (i = 0; i < n; i++) {
		const so2_record *rec = rows[i].rec;

		if (rec == NULL)
			continue;
		printf(" %s=%llds;;;", nagios_label(rows[i].account, "expiry",
						    label, sizeof(label)),
		       (long long)(rec->expires_at - now));
		printf(" %s=%ld;1;;0", nagios_label(rows[i].account, "failures",
						    label, sizeof(label)),
		       rec->failures);
		age = rt_age(rec, now);
		if (age >= 0)
			printf(" %s=%lds;%ld;%ld;0",
			       nagios_label(rows[i].account, "refresh_token_age",
					    label, sizeof(label)),
			       age, STATUS_IDLE_DAYS * DAY, STATUS_DEAD_DAYS * DAY);
	}
	putchar('\n');
	return worst;
}

/* prom_value - a label value escaped by the exposition format */
static const char *
prom_value(const char *s, char *buf, size_t size)
{
	size_t o = 0;

	for (; *s != '\0' && o + 3 < size; s++) {
		if (*s == '\\' || *s == '"') {
			buf[o++] = '\\';
			buf[o++] = *s;
		} else if (*s == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else {
			buf[o++] = *s;
		}
	}
	buf[o] = '\0';
	return buf;
}

/* prom_head - the # HELP and # TYPE lines of a gauge */
static void
prom_head(const char *name, const char *help)
{
	printf("# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* struct prom_metric - one per-account gauge: its name, help, and how to
 *	get its value from a readable record (0: leave the sample out) */
struct prom_metric {
	const char *name;
	const char *help;
	int (*value)(const so2_record *rec, time_t now, long long *v);
};

/* the value functions of struct prom_metric */
static int
v_expiry(const so2_record *rec, time_t now, long long *v)
{
	*v = (long long)(rec->expires_at - now);
	return rec->expires_at != 0;
}

static int
v_expiry_ts(const so2_record *rec, time_t now, long long *v)
{
	(void)now;
	*v = (long long)rec->expires_at;
	return rec->expires_at != 0;
}

static int
v_rt_age(const so2_record *rec, time_t now, long long *v)
{
	*v = rt_age(rec, now);
	return *v >= 0;
}

static int
v_refreshed(const so2_record *rec, time_t now, long long *v)
{
	(void)now;
	*v = (long long)rec->refreshed_at;
	return rec->refreshed_at != 0;
}

static int
v_obtained(const so2_record *rec, time_t now, long long *v)
{
	(void)now;
	*v = (long long)rec->obtained_at;
	return rec->obtained_at != 0;
}

static int
v_failures(const so2_record *rec, time_t now, long long *v)
{
	(void)now;
	*v = rec->failures;
	return 1;
}

static int
v_error_at(const so2_record *rec, time_t now, long long *v)
{
	(void)now;
	*v = (long long)rec->last_error_at;
	return rec->last_error_at != 0;
}

static int
v_retry(const so2_record *rec, time_t now, long long *v)
{
	*v = (long long)rec->retry_after;
	return rec->retry_after > now;
}

static const struct prom_metric metrics[] = {
	{ "sasl_oauth2_access_token_expiry_seconds",
	  "Seconds until the access token expires (negative: expired; the next "
	  "use refreshes it).", v_expiry },
	{ "sasl_oauth2_access_token_expiry_timestamp_seconds",
	  "When the access token expires, seconds since the epoch.", v_expiry_ts },
	{ "sasl_oauth2_refresh_token_age_seconds",
	  "Seconds since the refresh token was last used or obtained "
	  "(Microsoft: dead after 90 days unused).", v_rt_age },
	{ "sasl_oauth2_last_refresh_timestamp_seconds",
	  "Last successful token endpoint reply, seconds since the epoch.",
	  v_refreshed },
	{ "sasl_oauth2_login_timestamp_seconds",
	  "First login, seconds since the epoch.", v_obtained },
	{ "sasl_oauth2_refresh_failures",
	  "Consecutive failed refreshes (0 after a success).", v_failures },
	{ "sasl_oauth2_last_error_timestamp_seconds",
	  "Time of the last failure, seconds since the epoch.", v_error_at },
	{ "sasl_oauth2_next_attempt_timestamp_seconds",
	  "No refresh is tried before this time (back-off), seconds since the "
	  "epoch.", v_retry },
};

/* status_prometheus - the rows as Prometheus text exposition */
int
status_prometheus(const struct status_row *rows, size_t n, time_t now,
		  const so2_err *store_err)
{
	char acct[2 * SO2_ACCOUNT_MAX + 1];
	size_t i, m, s;
	long long v;

	prom_head("sasl_oauth2_store_readable",
		  "1 when the token store could be read, else 0.");
	printf("sasl_oauth2_store_readable %d\n", store_err == NULL);
	prom_head("sasl_oauth2_records", "Token records shown.");
	printf("sasl_oauth2_records %zu\n", n);
	if (n == 0)
		return 0;
	prom_head("sasl_oauth2_account_state",
		  "The account's state, as sasl-oauth2 status shows it (1 for "
		  "the current one).");
	for (i = 0; i < n; i++)
		for (s = 0; states[s] != NULL; s++)
			printf("sasl_oauth2_account_state{account=\"%s\",state=\"%s\"} %d\n",
			       prom_value(rows[i].account, acct, sizeof(acct)),
			       states[s], strcmp(rows[i].state, states[s]) == 0);
	prom_head("sasl_oauth2_account_attention",
		  "1 when a person must act (sasl-oauth2 status exits 1).");
	for (i = 0; i < n; i++)
		printf("sasl_oauth2_account_attention{account=\"%s\"} %d\n",
		       prom_value(rows[i].account, acct, sizeof(acct)),
		       rows[i].attention);
	for (m = 0; m < sizeof(metrics) / sizeof(metrics[0]); m++) {
		for (i = 0; i < n; i++)	/* a family without samples: left out */
			if (rows[i].rec != NULL &&
			    metrics[m].value(rows[i].rec, now, &v))
				break;
		if (i == n)
			continue;
		prom_head(metrics[m].name, metrics[m].help);
		for (i = 0; i < n; i++)
			if (rows[i].rec != NULL &&
			    metrics[m].value(rows[i].rec, now, &v))
				printf("%s{account=\"%s\"} %lld\n", metrics[m].name,
				       prom_value(rows[i].account, acct, sizeof(acct)),
				       v);
	}
	return 0;
}

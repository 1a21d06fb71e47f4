/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	timefmt.c - times for people: "in 52 min", "3 min ago", local time
 * DESCRIPTION
 *	Minutes up to two hours (access tokens live 60 to 90 minutes),
 *	then hours, then days. Every function writes into the caller's
 *	buffer (CLI_TIME_MAX bytes suffice) and returns it.
 * SEE ALSO
 *	cli.h
 */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include "cli.h"

#define SECS_MIN	60L
#define SECS_HOUR	3600L
#define SECS_DAY	86400L

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

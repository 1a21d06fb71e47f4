/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	bench-storm - N processes authenticate at once on one record
 * SYNOPSIS
 *	bench-storm [-n PROCESSES] USER
 * DESCRIPTION
 *	Benchmark (prints figures, asserts nothing): forks PROCESSES children
 *	that wait at a common start line (a pipe the parent closes), then
 *	each runs sasl_client_init, sasl_client_new, sasl_client_start
 *	(XOAUTH2, empty password: the record of USER in the store),
 *	sasl_dispose and sasl_client_done, as a queue flush makes Postfix's
 *	smtp processes do. Prints
 *		N processes: all done in W ms; per process p50 X ms, p99 Y ms;
 *		F failed
 *	run.sh gives it an expired record and counts the refresh requests
 *	at the emulator.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sasl/sasl.h>

#define CB(f) ((int (*)(void))(void (*)(void))(f))
#define PROCS_MAX 1024

static const char *user;

static int
cb_simple(void *ctx, int id, const char **result, unsigned *len)
{
	(void)ctx; (void)id;
	*result = user;
	if (len != NULL)
		*len = (unsigned)strlen(user);
	return SASL_OK;
}

static int
cb_pass(sasl_conn_t *conn, void *ctx, int id, sasl_secret_t **psecret)
{
	static sasl_secret_t empty;

	(void)conn; (void)ctx; (void)id;
	*psecret = &empty;
	return SASL_OK;
}

/* now_us - monotonic microseconds */
static double
now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/* child - wait for the start, authenticate once, report "us ok" on out */
static void
child(int go, int out)
{
	sasl_callback_t cbs[] = {
		{ SASL_CB_AUTHNAME, CB(cb_simple), NULL },
		{ SASL_CB_PASS, CB(cb_pass), NULL },
		{ SASL_CB_LIST_END, NULL, NULL },
	};
	const char *o, *chosen;
	sasl_conn_t *conn = NULL;
	unsigned olen;
	char c, line[64];
	double t0;
	int r, ok = 0, n;

	if (read(go, &c, 1) != 0)
		_exit(1);
	t0 = now_us();
	if (sasl_client_init(cbs) == SASL_OK
	    && sasl_client_new("smtp", "mail.example.com", NULL, NULL, NULL, 0, &conn) == SASL_OK) {
		r = sasl_client_start(conn, "XOAUTH2", NULL, &o, &olen, &chosen);
		ok = r == SASL_CONTINUE || r == SASL_OK;
		if (!ok)
			fprintf(stderr, "bench-storm: %s\n", sasl_errdetail(conn));
		sasl_dispose(&conn);
	}
	sasl_client_done();
	n = snprintf(line, sizeof(line), "%.0f %d\n", now_us() - t0, ok);
	_exit(write(out, line, (size_t)n) == n ? 0 : 1);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	static double lat[PROCS_MAX];
	long nproc = 64, i, got = 0, failed = 0;
	int go[2], res[2], c, ok;
	double start, wall;
	char buf[65536];
	size_t len = 0;
	ssize_t n;
	FILE *f;

	while ((c = getopt(argc, argv, "n:")) != -1) {
		if (c != 'n') {
			fprintf(stderr, "usage: bench-storm [-n PROCESSES] USER\n");
			return 2;
		}
		nproc = strtol(optarg, NULL, 10);
	}
	if (optind != argc - 1 || nproc < 1 || nproc > PROCS_MAX) {
		fprintf(stderr, "usage: bench-storm [-n 1..%d] USER\n", PROCS_MAX);
		return 2;
	}
	user = argv[optind];
	if (pipe(go) != 0 || pipe(res) != 0)
		return 1;
	for (i = 0; i < nproc; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (pid == 0) {
			close(go[1]);
			close(res[0]);
			child(go[0], res[1]);
		}
	}
	close(go[0]);
	close(res[1]);
	usleep(200000);		/* let them all reach the start line */
	start = now_us();
	close(go[1]);
	while ((n = read(res[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	wall = now_us() - start;
	buf[len] = '\0';
	while (wait(NULL) > 0)
		;
	f = fmemopen(buf, len + 1, "r");
	if (f == NULL)
		return 1;
	while (got < nproc && fscanf(f, "%lf %d", &lat[got], &ok) == 2) {
		if (!ok)
			failed++;
		got++;
	}
	fclose(f);
	failed += nproc - got;
	if (got == 0)
		return 1;
	qsort(lat, (size_t)got, sizeof(double), cmp_double);
	printf("%ld processes: all done in %.0f ms; per process p50 %.0f ms, p99 %.0f ms;"
	       " %ld failed\n", nproc, wall / 1e3, lat[got / 2] / 1e3,
	       lat[(got * 99) / 100 < got ? (got * 99) / 100 : got - 1] / 1e3, failed);
	return 0;
}

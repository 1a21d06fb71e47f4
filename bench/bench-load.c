/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	bench-load - what loading the plugins costs a SASL client process
 * SYNOPSIS
 *	bench-load [-n RUNS] [-m MECH -u USER [-p PASSWORD]]
 * DESCRIPTION
 *	Benchmark (prints figures, asserts nothing): RUNS times, a fresh
 *	child process measures sasl_client_init() and sasl_client_done()
 *	(wall time) and the resident memory added by the init (VmRSS from
 *	/proc/self/statm), with the plugins of $SASL_PATH. With -m, the
 *	child also runs one exchange of MECH between the two (the first use:
 *	sasl_client_new, sasl_client_start, sasl_dispose) and measures its
 *	time and the memory added by init and first use together. Prints
 *	the medians:
 *		init US us, done US us, rss +KIB KiB[, first US us,
 *		rss-used +KIB KiB] (RUNS runs)
 *	run.sh runs it with and without the module and prints the difference.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sasl/sasl.h>

#define RUNS_MAX 1000
#define CB(f) ((int (*)(void))(void (*)(void))(f))

static const char *mech, *user, *pass = "";

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
	static sasl_secret_t *secret;
	size_t len = strlen(pass);

	(void)conn; (void)ctx; (void)id;
	if (secret == NULL) {
		secret = malloc(sizeof(*secret) + len + 1);
		if (secret == NULL)
			return SASL_NOMEM;
		secret->len = len;
		memcpy(secret->data, pass, len + 1);
	}
	*psecret = secret;
	return SASL_OK;
}

static sasl_callback_t cbs[] = {
	{ SASL_CB_AUTHNAME, CB(cb_simple), NULL },
	{ SASL_CB_USER, CB(cb_simple), NULL },
	{ SASL_CB_PASS, CB(cb_pass), NULL },
	{ SASL_CB_LIST_END, NULL, NULL },
};

/* rss_kib - resident set size of this process, KiB */
static long
rss_kib(void)
{
	long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return 0;
	if (fscanf(f, "%ld %ld", &size, &res) != 2)
		res = 0;
	fclose(f);
	return res * (sysconf(_SC_PAGESIZE) / 1024);
}

/* us_since - microseconds from t0 to now */
static double
us_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e6 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e3;
}

/* first_use - one exchange of mech; 0 on success */
static int
first_use(void)
{
	sasl_conn_t *conn;
	const char *out, *chosen;
	unsigned outlen;
	int r;

	if (sasl_client_new("smtp", "mail.example.com", NULL, NULL, NULL, 0, &conn) != SASL_OK)
		return -1;
	r = sasl_client_start(conn, mech, NULL, &out, &outlen, &chosen);
	if (r != SASL_OK && r != SASL_CONTINUE)
		fprintf(stderr, "bench-load: %s: %s\n", mech, sasl_errdetail(conn));
	sasl_dispose(&conn);
	return r == SASL_OK || r == SASL_CONTINUE ? 0 : -1;
}

/* one_run - in a child: measure and write "init done rss first rss-used" to fd */
static void
one_run(int fd)
{
	struct timespec t0;
	double init_us, done_us, first_us = 0;
	long rss0, rss1, rss2 = 0;
	char line[128];
	int n;

	rss0 = rss_kib();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (sasl_client_init(cbs) != SASL_OK)
		_exit(1);
	init_us = us_since(&t0);
	rss1 = rss_kib();
	if (mech != NULL) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (first_use() != 0)
			_exit(1);
		first_us = us_since(&t0);
		rss2 = rss_kib();
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sasl_client_done();
	done_us = us_since(&t0);
	n = snprintf(line, sizeof(line), "%.1f %.1f %ld %.1f %ld\n", init_us, done_us,
		     rss1 - rss0, first_us, rss2 - rss0);
	if (write(fd, line, (size_t)n) != n)
		_exit(1);
	_exit(0);
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
	static double init[RUNS_MAX], done[RUNS_MAX], rss[RUNS_MAX], first[RUNS_MAX],
		      used[RUNS_MAX];
	long runs = 30, i;
	char buf[128];
	int c, p[2], status;
	ssize_t n;
	pid_t pid;

	while ((c = getopt(argc, argv, "n:m:u:p:")) != -1) {
		switch (c) {
		case 'n': runs = strtol(optarg, NULL, 10); break;
		case 'm': mech = optarg; break;
		case 'u': user = optarg; break;
		case 'p': pass = optarg; break;
		default:
			fprintf(stderr, "usage: bench-load [-n RUNS]"
				" [-m MECH -u USER [-p PASSWORD]]\n");
			return 2;
		}
	}
	if (mech != NULL && user == NULL) {
		fprintf(stderr, "bench-load: -m needs -u\n");
		return 2;
	}
	if (runs < 1 || runs > RUNS_MAX) {
		fprintf(stderr, "bench-load: RUNS from 1 to %d\n", RUNS_MAX);
		return 2;
	}
	for (i = 0; i < runs; i++) {
		if (pipe(p) != 0 || (pid = fork()) < 0)
			return 1;
		if (pid == 0) {
			close(p[0]);
			one_run(p[1]);
		}
		close(p[1]);
		n = read(p[0], buf, sizeof(buf) - 1);
		close(p[0]);
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0
		    || n <= 0) {
			fprintf(stderr, "bench-load: run %ld failed\n", i);
			return 1;
		}
		buf[n] = '\0';
		if (sscanf(buf, "%lf %lf %lf %lf %lf", &init[i], &done[i], &rss[i], &first[i],
			   &used[i]) != 5)
			return 1;
	}
	qsort(init, (size_t)runs, sizeof(double), cmp_double);
	qsort(done, (size_t)runs, sizeof(double), cmp_double);
	qsort(rss, (size_t)runs, sizeof(double), cmp_double);
	qsort(first, (size_t)runs, sizeof(double), cmp_double);
	qsort(used, (size_t)runs, sizeof(double), cmp_double);
	printf("init %.0f us, done %.0f us, rss +%.0f KiB", init[runs / 2], done[runs / 2],
	       rss[runs / 2]);
	if (mech != NULL)
		printf(", first %.0f us, rss-used +%.0f KiB", first[runs / 2], used[runs / 2]);
	printf(" (%ld runs)\n", runs);
	return 0;
}

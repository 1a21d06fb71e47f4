/*
 * NAME
 *	bench-load - what loading the plugins costs a SASL client process
 * SYNOPSIS
 *	bench-load [-n RUNS]
 * DESCRIPTION
 *	Benchmark (prints figures, asserts nothing): RUNS times, a fresh
 *	child process measures sasl_client_init(NULL) and sasl_client_done()
 *	(wall time) and the resident memory added by the init (VmRSS from
 *	/proc/self/statm), with the plugins of $SASL_PATH. Prints the medians:
 *		init US us, done US us, rss +KIB KiB (RUNS runs)
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

/* one_run - in a child: measure and write "init done rss" to fd */
static void
one_run(int fd)
{
	struct timespec t0;
	double init_us, done_us;
	long rss0, rss1;
	char line[128];
	int n;

	rss0 = rss_kib();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (sasl_client_init(NULL) != SASL_OK)
		_exit(1);
	init_us = us_since(&t0);
	rss1 = rss_kib();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sasl_client_done();
	done_us = us_since(&t0);
	n = snprintf(line, sizeof(line), "%.1f %.1f %ld\n", init_us, done_us, rss1 - rss0);
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
	static double init[RUNS_MAX], done[RUNS_MAX], rss[RUNS_MAX];
	long runs = 30, i;
	char buf[128];
	int c, p[2], status;
	ssize_t n;
	pid_t pid;

	while ((c = getopt(argc, argv, "n:")) != -1) {
		if (c != 'n') {
			fprintf(stderr, "usage: bench-load [-n RUNS]\n");
			return 2;
		}
		runs = strtol(optarg, NULL, 10);
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
		if (sscanf(buf, "%lf %lf %lf", &init[i], &done[i], &rss[i]) != 3)
			return 1;
	}
	qsort(init, (size_t)runs, sizeof(double), cmp_double);
	qsort(done, (size_t)runs, sizeof(double), cmp_double);
	qsort(rss, (size_t)runs, sizeof(double), cmp_double);
	printf("init %.0f us, done %.0f us, rss +%.0f KiB (%ld runs)\n", init[runs / 2],
	       done[runs / 2], rss[runs / 2], runs);
	return 0;
}

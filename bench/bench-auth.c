/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	bench-auth - cost of one SASL client exchange: XOAUTH2 vs PLAIN
 * SYNOPSIS
 *	bench-auth [-n COUNT] MECH USER PASSWORD
 * DESCRIPTION
 *	Benchmark (prints figures, asserts nothing): after one
 *	sasl_client_init, runs COUNT times sasl_client_new,
 *	sasl_client_start (initial response) and sasl_dispose with real
 *	libsasl2 and the plugins of $SASL_PATH, in BATCHES batches, then
 *	prints the median of the batches' means (times on a shared machine
 *	jump; the median of batches ignores the batches a burst hit):
 *		MECH COUNT exchanges, X.X us per exchange
 *	For XOAUTH2 with an empty password each exchange looks up the token
 *	record in the store (valid cached token: no network).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sasl/sasl.h>

#define BATCHES 11
#define CB(f) ((int (*)(void))(void (*)(void))(f))

static const char *user, *pass;

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

/* exchange - sasl_client_new, sasl_client_start, sasl_dispose; 0 on success */
static int
exchange(const char *mech)
{
	const char *out, *chosen;
	unsigned outlen;
	sasl_conn_t *conn;
	int r;

	if ((r = sasl_client_new("smtp", "mail.example.com", NULL, NULL, NULL, 0, &conn))
	    != SASL_OK) {
		fprintf(stderr, "sasl_client_new: %s\n", sasl_errstring(r, NULL, NULL));
		return -1;
	}
	r = sasl_client_start(conn, mech, NULL, &out, &outlen, &chosen);
	if (r != SASL_OK && r != SASL_CONTINUE) {
		fprintf(stderr, "sasl_client_start: %s\n", sasl_errdetail(conn));
		sasl_dispose(&conn);
		return -1;
	}
	sasl_dispose(&conn);
	return 0;
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
	sasl_callback_t cbs[] = {
		{ SASL_CB_AUTHNAME, CB(cb_simple), NULL },
		{ SASL_CB_USER, CB(cb_simple), NULL },
		{ SASL_CB_PASS, CB(cb_pass), NULL },
		{ SASL_CB_LIST_END, NULL, NULL },
	};
	struct timespec t0, t1;
	double batch[BATCHES];
	long i, b, n, per, count = 2000;
	const char *mech;
	double us;
	int c, r;

	while ((c = getopt(argc, argv, "n:")) != -1) {
		if (c != 'n') {
			fprintf(stderr, "usage: bench-auth [-n COUNT] MECH USER PASSWORD\n");
			return 2;
		}
		count = strtol(optarg, NULL, 10);
	}
	if (argc - optind != 3 || count <= 0) {
		fprintf(stderr, "usage: bench-auth [-n COUNT] MECH USER PASSWORD\n");
		return 2;
	}
	mech = argv[optind];
	user = argv[optind + 1];
	pass = argv[optind + 2];
	if ((r = sasl_client_init(cbs)) != SASL_OK) {
		fprintf(stderr, "sasl_client_init: %s\n", sasl_errstring(r, NULL, NULL));
		return 1;
	}
	per = count / BATCHES;	/* the last batch takes the rest */
	for (b = 0; b < BATCHES; b++) {
		n = b < BATCHES - 1 ? per : count - per * (BATCHES - 1);
		if (n <= 0) {
			batch[b] = 0;
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (i = 0; i < n; i++)
			if (exchange(mech) != 0)
				return 1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		batch[b] = ((double)(t1.tv_sec - t0.tv_sec) * 1e6
			    + (double)(t1.tv_nsec - t0.tv_nsec) / 1e3) / (double)n;
	}
	qsort(batch, BATCHES, sizeof(double), cmp_double);
	/* the median of the batches that ran */
	us = count >= BATCHES ? batch[BATCHES / 2] : batch[BATCHES - 1];
	printf("%-12s %7ld exchanges, %8.1f us per exchange\n", mech, count, us);
	sasl_client_done();
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	sasl-threads - many threads sharing one libsasl2 client init
 * SYNOPSIS
 *	sasl-threads [-t THREADS] [-n EXCHANGES] -m MECH -u USER [-p PASSWORD]
 * DESCRIPTION
 *	Test tool for a threaded client (issue 3, point 7): one
 *	sasl_client_init, then THREADS threads released together by a
 *	barrier, each running EXCHANGES times sasl_client_new,
 *	sasl_client_start (initial response) and sasl_dispose on its own
 *	connection, then one sasl_client_done. Prints
 *		threads T exchanges N failures F tokens K
 *	where K is the number of distinct bearer tokens sent (XOAUTH2
 *	"auth=Bearer"); failures are described on stderr. Exit 0 when F is 0.
 *	$SO2_PROBE_LINK_FROM and $SO2_PROBE_LINK_TO make a symbolic link
 *	after the init, before the threads start (a core back after init).
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sasl/sasl.h>

#define CB(f) ((int (*)(void))(void (*)(void))(f))
#define MAX_THREADS	256
#define MAX_TOKENS	64	/* distinct tokens remembered */
#define TOKEN_MAX	8192	/* bytes of a remembered token */

static const char *opt_mech, *opt_user, *opt_pass = "";
static long opt_exchanges = 10;
static pthread_barrier_t start_line;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long failures;
static char *tokens[MAX_TOKENS];
static int ntokens;

static int
cb_log(void *ctx, int level, const char *msg)
{
	(void)ctx;
	if (level <= SASL_LOG_WARN)
		fprintf(stderr, "log %d: %s\n", level, msg);
	return SASL_OK;
}

static int
cb_simple(void *ctx, int id, const char **result, unsigned *len)
{
	(void)ctx; (void)id;
	*result = opt_user;
	if (len != NULL)
		*len = (unsigned)strlen(opt_user);
	return SASL_OK;
}

/* cb_pass - the password; a static secret shared by all threads (read only) */
static int
cb_pass(sasl_conn_t *conn, void *ctx, int id, sasl_secret_t **psecret)
{
	(void)conn; (void)id;
	*psecret = ctx;
	return SASL_OK;
}

/* remember - note the bearer token of an XOAUTH2 initial response */
static void
remember(const char *out, unsigned len)
{
	const char *p = NULL, *end;
	unsigned i;
	int k;

	for (i = 0; i + 12 <= len; i++)
		if (memcmp(out + i, "auth=Bearer ", 12) == 0) {
			p = out + i + 12;
			break;
		}
	if (p == NULL)
		return;
	end = memchr(p, '\001', len - (unsigned)(p - out));
	if (end == NULL || end - p >= TOKEN_MAX)
		return;
	pthread_mutex_lock(&lock);
	for (k = 0; k < ntokens; k++)
		if (strlen(tokens[k]) == (size_t)(end - p) && memcmp(tokens[k], p, end - p) == 0)
			break;
	if (k == ntokens && ntokens < MAX_TOKENS && (tokens[k] = strndup(p, end - p)) != NULL)
		ntokens++;
	pthread_mutex_unlock(&lock);
}

/* worker - EXCHANGES client exchanges on connections of its own */
static void *
worker(void *arg)
{
	const char *out, *chosen;
	sasl_conn_t *conn;
	unsigned outlen;
	long i;
	int r;

	(void)arg;
	pthread_barrier_wait(&start_line);
	for (i = 0; i < opt_exchanges; i++) {
		r = sasl_client_new("smtp", "mail.example.com", NULL, NULL, NULL, 0, &conn);
		if (r == SASL_OK) {
			out = NULL;
			outlen = 0;
			r = sasl_client_start(conn, opt_mech, NULL, &out, &outlen, &chosen);
			if (r == SASL_CONTINUE || r == SASL_OK) {
				remember(out, outlen);
				r = SASL_OK;
			} else {
				fprintf(stderr, "sasl_client_start: %s\n", sasl_errdetail(conn));
			}
			sasl_dispose(&conn);
		}
		if (r != SASL_OK) {
			pthread_mutex_lock(&lock);
			failures++;
			pthread_mutex_unlock(&lock);
		}
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	pthread_t th[MAX_THREADS];
	sasl_secret_t *secret;
	sasl_callback_t cbs[5];
	long nthreads = 8, t;
	int c, r;

	while ((c = getopt(argc, argv, "t:n:m:u:p:")) != -1) {
		switch (c) {
		case 't': nthreads = strtol(optarg, NULL, 10); break;
		case 'n': opt_exchanges = strtol(optarg, NULL, 10); break;
		case 'm': opt_mech = optarg; break;
		case 'u': opt_user = optarg; break;
		case 'p': opt_pass = optarg; break;
		default:
			fprintf(stderr, "usage: sasl-threads [-t T] [-n N] -m MECH -u USER"
				" [-p PASS]\n");
			return 2;
		}
	}
	if (opt_mech == NULL || opt_user == NULL || nthreads < 1 || nthreads > MAX_THREADS) {
		fprintf(stderr, "sasl-threads: need -m, -u and 1 to %d threads\n", MAX_THREADS);
		return 2;
	}
	secret = malloc(sizeof(*secret) + strlen(opt_pass) + 1);
	if (secret == NULL)
		return 1;
	secret->len = strlen(opt_pass);
	memcpy(secret->data, opt_pass, secret->len + 1);
	cbs[0] = (sasl_callback_t){ SASL_CB_LOG, CB(cb_log), NULL };
	cbs[1] = (sasl_callback_t){ SASL_CB_AUTHNAME, CB(cb_simple), NULL };
	cbs[2] = (sasl_callback_t){ SASL_CB_PASS, CB(cb_pass), secret };
	cbs[3] = (sasl_callback_t){ SASL_CB_LIST_END, NULL, NULL };
	if ((r = sasl_client_init(cbs)) != SASL_OK) {
		fprintf(stderr, "sasl_client_init: %s\n", sasl_errstring(r, NULL, NULL));
		return 1;
	}
	if (getenv("SO2_PROBE_LINK_FROM") != NULL && getenv("SO2_PROBE_LINK_TO") != NULL
	    && symlink(getenv("SO2_PROBE_LINK_FROM"), getenv("SO2_PROBE_LINK_TO")) != 0) {
		perror("sasl-threads: symlink");
		return 1;
	}
	pthread_barrier_init(&start_line, NULL, (unsigned)nthreads);
	for (t = 0; t < nthreads; t++)
		if (pthread_create(&th[t], NULL, worker, NULL) != 0) {
			fprintf(stderr, "pthread_create failed\n");
			return 1;
		}
	for (t = 0; t < nthreads; t++)
		pthread_join(th[t], NULL);
	pthread_barrier_destroy(&start_line);
	sasl_client_done();
	printf("threads %ld exchanges %ld failures %ld tokens %d\n", nthreads,
	       nthreads * opt_exchanges, failures, ntokens);
	for (c = 0; c < ntokens; c++)
		free(tokens[c]);
	free(secret);
	return failures == 0 ? 0 : 1;
}

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	sasl-client - drive a real libsasl2 client exchange from the command line
 * SYNOPSIS
 *	sasl-client -m MECH -u USER [-p PASSWORD | -N | -I] [-z AUTHZID]
 *		    [-H SERVERFQDN] [-R IP;PORT] [-S] [-n COUNT] [-w FILE]
 *		    [CHALLENGE...]
 * DESCRIPTION
 *	Test tool: runs sasl_client_init, sasl_client_new, sasl_client_start
 *	and one sasl_client_step per CHALLENGE (base64, "" for an empty
 *	challenge), printing for each call one line
 *		start|step RESULT BASE64-RESPONSE
 *	and at the end "errdetail: ...". Plugins come from libsasl2's path
 *	($SASL_PATH). Log messages go to stderr as "log LEVEL: text", then
 *	"mechanism: NAME" (the one libsasl2 chose from MECH, which may be a
 *	list) and, after a successful exchange, "username: NAME" (the
 *	SASL_USERNAME property the application would see).
 *	-p gives the password through SASL_CB_PASS; -N registers no password
 *	callback; -I answers through SASL_INTERACT prompts (user and
 *	password from -u/-p); -S starts without an initial response (the
 *	server-first order); -n repeats the whole exchange COUNT times (for
 *	benchmarks and leak checks) and prints only the last; -w waits,
 *	after printing the start line, until FILE exists (at most 60 s)
 *	before the first step (a test changes the record in between).
 *	Exit 0 when every call returned SASL_OK or SASL_CONTINUE.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sasl/sasl.h>
#include <sasl/saslutil.h>

#define CB(f) ((int (*)(void))(void (*)(void))(f))

static const char *opt_user, *opt_pass, *opt_authzid;
static int opt_nopass, opt_interact;
static const char *opt_wait;

/* wait_for - wait until path exists, at most 60 s (-w) */
static void
wait_for(const char *path)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	int i;

	fflush(stdout);
	for (i = 0; i < 6000 && access(path, F_OK) != 0; i++)
		nanosleep(&pause, NULL);
}

static int
cb_log(void *ctx, int level, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "log %d: %s\n", level, msg);
	return SASL_OK;
}

static int
cb_simple(void *ctx, int id, const char **result, unsigned *len)
{
	(void)ctx;
	*result = id == SASL_CB_USER ? opt_authzid : opt_user;
	if (*result == NULL)
		return SASL_FAIL;
	if (len != NULL)
		*len = (unsigned)strlen(*result);
	return SASL_OK;
}

static int
cb_pass(sasl_conn_t *conn, void *ctx, int id, sasl_secret_t **psecret)
{
	static sasl_secret_t *secret;
	size_t len = strlen(opt_pass ? opt_pass : "");

	(void)conn; (void)ctx; (void)id;
	free(secret);
	secret = malloc(sizeof(*secret) + len + 1);
	if (secret == NULL)
		return SASL_NOMEM;
	secret->len = len;
	memcpy(secret->data, opt_pass ? opt_pass : "", len + 1);
	*psecret = secret;
	return SASL_OK;
}

/* print_result - "label RESULT BASE64" */
static void
print_result(const char *label, int r, const char *out, unsigned outlen)
{
	char b64[65536];
	unsigned b64len = 0;

	if (out == NULL) {
		printf("%s %s (none)\n", label, sasl_errstring(r, NULL, NULL));
		return;
	}
	if (sasl_encode64(out, outlen, b64, sizeof(b64), &b64len) != SASL_OK)
		snprintf(b64, sizeof(b64), "(encode failed)");
	printf("%s %s %s\n", label, sasl_errstring(r, NULL, NULL), outlen ? b64 : "\"\"");
}

/* answer_prompts - fill interaction prompts from the options */
static void
answer_prompts(sasl_interact_t *p)
{
	for (; p != NULL && p->id != SASL_CB_LIST_END; p++) {
		const char *v = p->id == SASL_CB_PASS ? opt_pass
				: p->id == SASL_CB_USER ? opt_authzid : opt_user;

		fprintf(stderr, "prompt %lu: %s\n", p->id, p->prompt ? p->prompt : "");
		p->result = v ? v : "";
		p->len = (unsigned)strlen(p->result);
	}
}

int
main(int argc, char **argv)
{
	const char *mech = NULL, *fqdn = "mail.example.com", *remote = NULL;
	int c, i, r, ok = 1, count = 1, serverfirst = 0, n;
	sasl_callback_t cbs[6];
	sasl_conn_t *conn = NULL;
	sasl_interact_t *prompts = NULL;
	const char *out, *chosen = NULL;
	unsigned outlen;

	while ((c = getopt(argc, argv, "m:u:p:z:H:R:NISn:w:")) != -1) {
		switch (c) {
		case 'm': mech = optarg; break;
		case 'u': opt_user = optarg; break;
		case 'p': opt_pass = optarg; break;
		case 'z': opt_authzid = optarg; break;
		case 'H': fqdn = optarg; break;
		case 'R': remote = optarg; break;
		case 'N': opt_nopass = 1; break;
		case 'I': opt_interact = 1; break;
		case 'S': serverfirst = 1; break;
		case 'n': count = (int)strtol(optarg, NULL, 10); break;
		case 'w': opt_wait = optarg; break;
		default:
			fprintf(stderr, "usage: sasl-client -m MECH -u USER [-p PASS|-N|-I] ...\n");
			return 2;
		}
	}
	n = 0;
	cbs[n++] = (sasl_callback_t){ SASL_CB_LOG, CB(cb_log), NULL };
	if (!opt_interact) {
		cbs[n++] = (sasl_callback_t){ SASL_CB_AUTHNAME, CB(cb_simple), NULL };
		if (opt_authzid != NULL)
			cbs[n++] = (sasl_callback_t){ SASL_CB_USER, CB(cb_simple), NULL };
		if (!opt_nopass)
			cbs[n++] = (sasl_callback_t){ SASL_CB_PASS, CB(cb_pass), NULL };
	} else {
		cbs[n++] = (sasl_callback_t){ SASL_CB_AUTHNAME, NULL, NULL };
		cbs[n++] = (sasl_callback_t){ SASL_CB_PASS, NULL, NULL };
	}
	cbs[n] = (sasl_callback_t){ SASL_CB_LIST_END, NULL, NULL };

	for (int round = 0; round < count; round++) {
		int last = round == count - 1;

		ok = 1;
		if ((r = sasl_client_init(cbs)) != SASL_OK) {
			fprintf(stderr, "sasl_client_init: %s\n", sasl_errstring(r, NULL, NULL));
			return 1;
		}
		r = sasl_client_new("smtp", fqdn, NULL, remote, NULL, 0, &conn);
		if (r != SASL_OK) {
			fprintf(stderr, "sasl_client_new: %s\n", sasl_errstring(r, NULL, NULL));
			return 1;
		}
		do {
			out = NULL;
			outlen = 0;
			r = sasl_client_start(conn, mech, &prompts, serverfirst ? NULL : &out,
					      serverfirst ? NULL : &outlen, &chosen);
			if (r == SASL_INTERACT)
				answer_prompts(prompts);
		} while (r == SASL_INTERACT);
		if (last)
			print_result("start", r, out, outlen);
		if (r != SASL_OK && r != SASL_CONTINUE)
			ok = 0;
		if (opt_wait != NULL && ok && optind < argc)
			wait_for(opt_wait);
		for (i = optind; ok && i < argc; i++) {
			char in[65536];
			unsigned inlen = 0;

			if (strcmp(argv[i], "\"\"") != 0 && argv[i][0] != '\0'
			    && sasl_decode64(argv[i], (unsigned)strlen(argv[i]), in, sizeof(in),
					     &inlen) != SASL_OK) {
				fprintf(stderr, "bad base64 challenge: %s\n", argv[i]);
				return 2;
			}
			do {
				out = NULL;
				outlen = 0;
				r = sasl_client_step(conn, in, inlen, &prompts, &out, &outlen);
				if (r == SASL_INTERACT)
					answer_prompts(prompts);
			} while (r == SASL_INTERACT);
			if (last)
				print_result("step", r, out, outlen);
			if (r != SASL_OK && r != SASL_CONTINUE)
				ok = 0;
		}
		if (last) {
			const void *name = NULL;

			printf("errdetail: %s\n", sasl_errdetail(conn));
			if (chosen != NULL)
				fprintf(stderr, "mechanism: %s\n", chosen);
			if (ok && sasl_getprop(conn, SASL_USERNAME, &name) == SASL_OK
			    && name != NULL)
				fprintf(stderr, "username: %s\n", (const char *)name);
		}
		sasl_dispose(&conn);
		sasl_client_done();
	}
	return ok ? 0 : 1;
}

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	alloc-sweep - fail every allocation of a SASL exchange in turn
 * SYNOPSIS
 *	LD_PRELOAD=libfailmalloc.so alloc-sweep [-i PLUGIN] -m MECH -u USER
 *		-t TEMPLATE -r RECORD [-f FIRST] [-x MAX]
 * DESCRIPTION
 *	Test tool (issue 10 item 6). For n = FIRST, FIRST+1, ...: copies
 *	the record TEMPLATE (an expired access token, so that the exchange
 *	refreshes it) over RECORD, forks, and in the child makes the n-th
 *	allocation fail (tests/failmalloc.c) during one exchange
 *	(sasl_client_new, sasl_client_start, one step with no input,
 *	sasl_dispose), then runs a second exchange with no failure in the
 *	same process. With -i the failure is armed before the module PLUGIN
 *	is added (sasl_client_add_plugin: the module's start, configuration,
 *	store, CA bundle; SASL_PATH must then hold no copy of it) and the two
 *	exchanges follow. Only the allocations made under the module's entry
 *	points count (tests/failmalloc.c scope), unless SWEEP_ALL is set.
 *
 *	The sweep ends at the first n the armed phase never reaches: then
 *	every allocation of it has failed once. For each n the parent checks
 *	that the child exited (no signal: no crash, no hang, 60 s alarm),
 *	that the second exchange succeeded (the failure left nothing behind,
 *	no configuration error for the life of the process) and that RECORD
 *	is still a JSON object holding a refresh token.
 *
 *	A first exchange must succeed, say "out of memory", or fail as a
 *	transient failure (SASL_TRYAGAIN: a library that reports no memory
 *	as something else, OpenSSL in a TLS handshake); after a transient
 *	failure the second may meet the back-off it set (SASL_TRYAGAIN);
 *	after a failure inside OpenSSL 3.0's one-time set-up the second
 *	says so (OpenSSL never retries it).
 *	Prints "FAIL: ..." lines, one summary line, then the messages of
 *	failed first exchanges that do not say "out of memory" (digits as
 *	N, with the count of each). Exit 0 when nothing failed.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <sasl/sasl.h>
#include <sasl/saslplug.h>

#define CB(f) ((int (*)(void))(void (*)(void))(f))
#define MSG_MAX 900
#define KINDS_MAX 64

static const char *opt_user;
static void (*fm_scope)(int);
static void (*fm_enter)(void);
static void (*fm_leave)(void);
static void (*fm_arm)(unsigned long);
static unsigned long (*fm_count)(void);
static int (*fm_failed)(void);

static int
cb_log(void *ctx, int level, const char *msg)
{
	(void)ctx; (void)level; (void)msg;
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

static int
cb_pass(sasl_conn_t *conn, void *ctx, int id, sasl_secret_t **psecret)
{
	static sasl_secret_t empty;	/* "" : the record of the user */

	(void)conn; (void)ctx; (void)id;
	*psecret = &empty;
	return SASL_OK;
}

static sasl_callback_t cbs[] = {
	{ SASL_CB_LOG, CB(cb_log), NULL },
	{ SASL_CB_AUTHNAME, CB(cb_simple), NULL },
	{ SASL_CB_PASS, CB(cb_pass), NULL },
	{ SASL_CB_LIST_END, NULL, NULL },
};

/*
 * The module's entry points, wrapped so that the shim counts what runs
 * under them (so2_failmalloc_enter/leave): libsasl2 calls the module
 * through its sasl_client_plug_t array, which sasl_client_plugin_info
 * hands out and the module keeps writable.
 */
#define WRAPPED_MAX 2
static sasl_client_plug_t saved[WRAPPED_MAX];
static int nwrapped;

#define WRAP_NEW(i)							\
static int								\
wrap_new##i(void *glob, sasl_client_params_t *params, void **ctx)	\
{									\
	int r;								\
	fm_enter();							\
	r = saved[i].mech_new(glob, params, ctx);			\
	fm_leave();							\
	return r;							\
}									\
static int								\
wrap_step##i(void *ctx, sasl_client_params_t *params, const char *in,	\
	     unsigned inlen, sasl_interact_t **prompts, const char **out,	\
	     unsigned *outlen, sasl_out_params_t *oparams)		\
{									\
	int r;								\
	fm_enter();							\
	r = saved[i].mech_step(ctx, params, in, inlen, prompts, out, outlen, \
			       oparams);				\
	fm_leave();							\
	return r;							\
}									\
static void								\
wrap_dispose##i(void *ctx, const sasl_utils_t *utils)			\
{									\
	fm_enter();							\
	if (saved[i].mech_dispose != NULL)				\
		saved[i].mech_dispose(ctx, utils);			\
	fm_leave();							\
}
WRAP_NEW(0)
WRAP_NEW(1)

/* wrap_one - sasl_client_plugin_info callback: wrap one of our mechanisms */
static void
wrap_one(client_sasl_mechanism_t *m, sasl_info_callback_stage_t stage, void *rock)
{
	sasl_client_plug_t *plug;

	(void)rock;
	if (stage != SASL_INFO_LIST_MECH || m == NULL || m->plug == NULL
	    || strstr(m->plugname, "oauth2") == NULL || nwrapped == WRAPPED_MAX)
		return;
	plug = (sasl_client_plug_t *)m->plug;	/* the module's own array */
	if (plug->mech_step == wrap_step0 || plug->mech_step == wrap_step1)
		return;
	saved[nwrapped] = *plug;
	plug->mech_new = nwrapped == 0 ? wrap_new0 : wrap_new1;
	plug->mech_step = nwrapped == 0 ? wrap_step0 : wrap_step1;
	plug->mech_dispose = nwrapped == 0 ? wrap_dispose0 : wrap_dispose1;
	nwrapped++;
}

static sasl_client_plug_init_t *module_init;

/* wrapped_init - the module's sasl_client_plug_init, counted */
static int
wrapped_init(const sasl_utils_t *utils, int max_version, int *out_version,
	     sasl_client_plug_t **pluglist, int *plugcount)
{
	int r;

	fm_enter();
	r = module_init(utils, max_version, out_version, pluglist, plugcount);
	fm_leave();
	return r;
}

/* exchange - one exchange; its result, errdetail copied into msg */
static int
exchange(const char *mech, char *msg, size_t size)
{
	sasl_conn_t *conn = NULL;
	const char *out = NULL, *chosen = NULL;
	unsigned outlen = 0;
	int r;

	msg[0] = '\0';
	r = sasl_client_new("smtp", "mail.example.com", NULL, NULL, NULL, 0, &conn);
	if (r != SASL_OK) {
		snprintf(msg, size, "sasl_client_new: %s", sasl_errstring(r, NULL, NULL));
		return r;
	}
	r = sasl_client_start(conn, mech, NULL, &out, &outlen, &chosen);
	if (r == SASL_CONTINUE)
		r = sasl_client_step(conn, NULL, 0, NULL, &out, &outlen);
	if (r != SASL_OK)
		snprintf(msg, size, "%s", sasl_errdetail(conn));
	sasl_dispose(&conn);
	return r;
}

/* copy_file - replace dst by the bytes of src (temp + rename, mode 0600) */
static int
copy_file(const char *src, const char *dst)
{
	char tmp[4096], buf[65536];
	ssize_t n;
	int in, out, ok = 1;

	snprintf(tmp, sizeof(tmp), "%s.sweep", dst);
	if ((in = open(src, O_RDONLY)) < 0)
		return -1;
	if ((out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			ok = 0;
	close(in);
	if (close(out) != 0 || n < 0 || !ok)
		return -1;
	return rename(tmp, dst);
}

/* record_ok - RECORD is a JSON object with a non-empty refresh token */
static int
record_ok(const char *path)
{
	json_error_t e;
	json_t *root = json_load_file(path, 0, &e);
	const char *rt;
	int ok;

	if (root == NULL)
		return 0;
	rt = json_string_value(json_object_get(root, "refresh_token"));
	ok = json_is_object(root) && rt != NULL && *rt != '\0';
	json_decref(root);
	return ok;
}

/* child - the armed phase and the second exchange; reports on fd
 *	at_init: SASL_PATH holds no module; the module (plugin, its core
 *	loaded beforehand) is added with sasl_client_add_plugin while armed. */
static void
child(int fd, unsigned long n, const char *plugin, const char *mech)
{
	char msg1[MSG_MAX], msg2[MSG_MAX], line[2 * MSG_MAX + 128];
	unsigned long count;
	int r0 = SASL_OK, r1, r2, failed;
	const char *core;
	void *h;

	alarm(60);
	if (sasl_client_init(cbs) != SASL_OK)
		_exit(4);
	if (plugin != NULL) {
		/* Loaded now, uncounted: a dlopen failing for lack of memory
		 * is glibc's, and the thin loader reports it (plugin.c). */
		core = getenv("SASL_OAUTH2_CORE");
		if (core == NULL || dlopen(core, RTLD_NOW | RTLD_NODELETE) == NULL
		    || (h = dlopen(plugin, RTLD_NOW)) == NULL
		    || (*(void **)&module_init = dlsym(h, "sasl_client_plug_init")) == NULL)
			_exit(6);
		fm_arm(n);
		r0 = sasl_client_add_plugin("sasl-oauth2", wrapped_init);
		sasl_client_plugin_info(NULL, wrap_one, NULL);
	} else {
		sasl_client_plugin_info(NULL, wrap_one, NULL);
		fm_arm(n);
	}
	if (nwrapped == 0 && r0 == SASL_OK)
		_exit(7);
	r1 = r0 == SASL_OK ? exchange(mech, msg1, sizeof(msg1)) : r0;
	if (r0 != SASL_OK)
		snprintf(msg1, sizeof(msg1), "sasl_client_add_plugin: %s",
			 sasl_errstring(r0, NULL, NULL));
	count = fm_count();
	failed = fm_failed();
	fm_arm(0);
	if (r0 != SASL_OK) {
		/* libsasl2 drops a module whose init failed: the host would
		 * load it again at its next sasl_client_init */
		r0 = sasl_client_add_plugin("sasl-oauth2", wrapped_init);
		sasl_client_plugin_info(NULL, wrap_one, NULL);
	}
	r2 = r0 == SASL_OK ? exchange(mech, msg2, sizeof(msg2)) : r0;
	if (r0 != SASL_OK)
		snprintf(msg2, sizeof(msg2), "sasl_client_add_plugin: %s",
			 sasl_errstring(r0, NULL, NULL));
	/* one line: count failed r1 r2 msg1 \t msg2 (messages on one line) */
	for (char *p = msg1; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	for (char *p = msg2; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	snprintf(line, sizeof(line), "%lu %d %d %d %s\t%s\n", count, failed, r1, r2, msg1,
		 msg2);
	if (write(fd, line, strlen(line)) < 0)
		_exit(5);
	_exit(0);
}

struct kind {
	char msg[MSG_MAX];
	unsigned long count, first;
};

/* note_kind - count a message (digits, which vary, as "N") */
static void
note_kind(struct kind *kinds, int *nkinds, const char *text, unsigned long n)
{
	char msg[MSG_MAX];
	size_t i, o = 0;

	for (i = 0; text[i] != '\0' && o + 1 < sizeof(msg); i++)
		if (text[i] < '0' || text[i] > '9')
			msg[o++] = text[i];
		else if (o == 0 || msg[o - 1] != 'N')
			msg[o++] = 'N';
	msg[o] = '\0';

	for (i = 0; i < (size_t)*nkinds; i++)
		if (strcmp(kinds[i].msg, msg) == 0) {
			kinds[i].count++;
			return;
		}
	if (*nkinds == KINDS_MAX)
		return;
	snprintf(kinds[*nkinds].msg, MSG_MAX, "%s", msg);
	kinds[*nkinds].count = 1;
	kinds[*nkinds].first = n;
	(*nkinds)++;
}

int
main(int argc, char **argv)
{
	const char *mech = "XOAUTH2", *tmpl = NULL, *rec = NULL;
	unsigned long n, first = 1, max = 1000000, tried = 0, total = 0;
	unsigned long crashes = 0, hangs = 0, second = 0, badrec = 0, nomem = 0, other = 0;
	unsigned long ok1 = 0, temp = 0, backoff = 0, sslinit = 0;
	struct kind *kinds = calloc(KINDS_MAX, sizeof(*kinds));
	const char *plugin = NULL;
	int c, nkinds = 0, i, bad = 0;

	while ((c = getopt(argc, argv, "i:m:u:t:r:f:x:")) != -1) {
		switch (c) {
		case 'i': plugin = optarg; break;
		case 'm': mech = optarg; break;
		case 'u': opt_user = optarg; break;
		case 't': tmpl = optarg; break;
		case 'r': rec = optarg; break;
		case 'f': first = strtoul(optarg, NULL, 10); break;
		case 'x': max = strtoul(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: alloc-sweep [-i PLUGIN] -m MECH -u USER -t TEMPLATE"
				" -r RECORD [-f FIRST] [-x MAX]\n");
			return 2;
		}
	}
	*(void **)&fm_scope = dlsym(RTLD_DEFAULT, "so2_failmalloc_scope");
	*(void **)&fm_enter = dlsym(RTLD_DEFAULT, "so2_failmalloc_enter");
	*(void **)&fm_leave = dlsym(RTLD_DEFAULT, "so2_failmalloc_leave");
	*(void **)&fm_arm = dlsym(RTLD_DEFAULT, "so2_failmalloc_arm");
	*(void **)&fm_count = dlsym(RTLD_DEFAULT, "so2_failmalloc_count");
	*(void **)&fm_failed = dlsym(RTLD_DEFAULT, "so2_failmalloc_failed");
	if (fm_scope == NULL || fm_enter == NULL || fm_leave == NULL || fm_arm == NULL
	    || fm_count == NULL || fm_failed == NULL || kinds == NULL || opt_user == NULL
	    || tmpl == NULL || rec == NULL) {
		fprintf(stderr, "alloc-sweep: needs LD_PRELOAD=libfailmalloc.so, -u, -t, -r\n");
		return 2;
	}
	/* The module's allocations and those of the libraries it calls, not
	 * libsasl2's or glibc's resolver's in sasl_client_new (their own
	 * defects, see alloc-fail.sh): SWEEP_ALL=1 counts those too. */
	fm_scope(getenv("SWEEP_ALL") == NULL);
	for (n = first; n <= max; n++) {
		char buf[2 * MSG_MAX + 128], msg1[MSG_MAX] = "", *tab;
		unsigned long count = 0;
		int pfd[2], status, failed = 0, r1 = 0, r2 = 0, got;
		ssize_t len = 0, k;
		pid_t pid;

		if (copy_file(tmpl, rec) != 0 || pipe(pfd) != 0) {
			fprintf(stderr, "alloc-sweep: setup: %s\n", strerror(errno));
			return 2;
		}
		fflush(stdout);
		if ((pid = fork()) < 0)
			return 2;
		if (pid == 0) {
			close(pfd[0]);
			child(pfd[1], n, plugin, mech);
		}
		close(pfd[1]);
		while ((k = read(pfd[0], buf + len, sizeof(buf) - 1 - (size_t)len)) > 0)
			len += k;
		buf[len] = '\0';
		close(pfd[0]);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (WIFSIGNALED(status)) {
			if (WTERMSIG(status) == SIGALRM) {
				hangs++;
				printf("FAIL: allocation %lu: the exchange hung (60 s)\n", n);
			} else {
				crashes++;
				printf("FAIL: allocation %lu: crash, signal %d\n", n,
				       WTERMSIG(status));
			}
			tried++;
			continue;
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			printf("FAIL: allocation %lu: child exit %d\n", n, WEXITSTATUS(status));
			bad++;
			tried++;
			continue;
		}
		got = sscanf(buf, "%lu %d %d %d", &count, &failed, &r1, &r2);
		if (got != 4) {
			printf("FAIL: allocation %lu: no report\n", n);
			bad++;
			continue;
		}
		if (count < n)
			break;		/* the phase makes fewer than n allocations */
		tried++;
		total = count;
		tab = strchr(buf, '\t');
		if (tab != NULL) {
			char *sp = buf;

			*tab = '\0';
			for (i = 0; i < 4 && sp != NULL; i++)
				sp = strchr(sp + 1, ' ');
			snprintf(msg1, sizeof(msg1), "%s", sp != NULL ? sp + 1 : "");
		}
		if (r1 == SASL_OK) {
			ok1++;
		} else if (r1 == SASL_NOMEM || strstr(msg1, "out of memory") != NULL) {
			nomem++;
		} else if (r1 == SASL_TRYAGAIN) {
			/* a library that gave no sign of memory (OpenSSL: "TLS
			 * handshake failed"): a transient failure, as it must */
			temp++;
			note_kind(kinds, &nkinds, msg1, n);
		} else {
			other++;
			note_kind(kinds, &nkinds, msg1, n);
			printf("FAIL: allocation %lu: neither out of memory nor transient: %s\n",
			       n, msg1);
		}
		if (r2 == SASL_TRYAGAIN && r1 == SASL_TRYAGAIN) {
			backoff++;	/* the back-off the transient failure set */
		} else if (r2 == SASL_NOMEM && tab != NULL
			   && strstr(tab + 1, "OpenSSL does not retry") != NULL) {
			sslinit++;	/* OpenSSL 3.0 sets itself up once only */
		} else if (r2 != SASL_OK) {
			second++;
			printf("FAIL: allocation %lu: the next attempt failed too: %s\n", n,
			       tab != NULL ? tab + 1 : "");
		}
		if (!record_ok(rec)) {
			badrec++;
			printf("FAIL: allocation %lu: the record is unreadable or lost its"
			       " refresh token\n", n);
		}
	}
	printf("%s: allocations tried %lu (every one, %lu allocations),"
	       " crashes %lu, hangs %lu, next attempt failed %lu, records damaged %lu;"
	       " first attempt: %lu succeeded, %lu out of memory, %lu transient"
	       " (next attempt: back-off %lu), %lu other; OpenSSL's own set-up failed %lu"
	       " times (not retried by OpenSSL 3.0: reported, never called again)\n",
	       plugin ? "start" : "exchange", tried, total, crashes, hangs, second, badrec,
	       ok1, nomem, temp, backoff, other, sslinit);
	for (i = 0; i < nkinds; i++)
		printf("message (%lu times, first at allocation %lu): %s\n", kinds[i].count,
		       kinds[i].first, kinds[i].msg);
	free(kinds);
	return crashes || hangs || second || badrec || bad || other || tried == 0 ? 1 : 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	sasl-server-init - a SASL server process, to see what modules map
 * SYNOPSIS
 *	sasl-server-init [client [MECH USER [PASSWORD]]]
 * DESCRIPTION
 *	Calls sasl_server_init (or, with "client", sasl_client_init) with the
 *	plugin directory from $SASL_PATH, then prints /proc/self/maps lines
 *	of shared objects, one path per line, so a test can check that the
 *	sasl-oauth2 module pulls no libcurl or OpenSSL into a server, or
 *	into a client that never uses its mechanisms. With MECH, the client
 *	first runs one exchange of MECH as USER (sasl_client_new,
 *	sasl_client_start; PASSWORD through SASL_CB_PASS, none without it)
 *	and prints "start OK" or "start CONTINUE" first; exit 1 with the
 *	error detail when the start fails.
 *	Test hooks: $SO2_PROBE_PLUGIN_DIR is given to libsasl2 through
 *	SASL_CB_GETPATH (libsasl2 ignores $SASL_PATH in a set-id process);
 *	$SO2_PROBE_LINK_FROM and $SO2_PROBE_LINK_TO make a symbolic link
 *	after the init, before the exchange (a file that comes back later).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sasl/sasl.h>

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

static int
cb_getpath(void *ctx, const char **path)
{
	(void)ctx;
	*path = getenv("SO2_PROBE_PLUGIN_DIR");
	return *path != NULL ? SASL_OK : SASL_FAIL;
}

/* exchange - one sasl_client_start of mech; 0 when it went on */
static int
exchange(const char *mech)
{
	const char *out, *chosen;
	sasl_conn_t *conn;
	unsigned outlen;
	int r;

	if (sasl_client_new("smtp", "mail.example.com", NULL, NULL, NULL, 0, &conn) != SASL_OK)
		return -1;
	r = sasl_client_start(conn, mech, NULL, &out, &outlen, &chosen);
	if (r != SASL_OK && r != SASL_CONTINUE)
		fprintf(stderr, "start: %s\n", sasl_errdetail(conn));
	else
		printf("start %s\n", r == SASL_OK ? "OK" : "CONTINUE");
	sasl_dispose(&conn);
	return r == SASL_OK || r == SASL_CONTINUE ? 0 : -1;
}

int
main(int argc, char **argv)
{
	sasl_callback_t cbs[] = {
		{ SASL_CB_AUTHNAME, CB(cb_simple), NULL },
		{ SASL_CB_USER, CB(cb_simple), NULL },
		{ SASL_CB_PASS, CB(cb_pass), NULL },
		{ SASL_CB_LIST_END, NULL, NULL },
		{ SASL_CB_LIST_END, NULL, NULL },
	};
	sasl_callback_t path_only[] = {
		{ SASL_CB_GETPATH, CB(cb_getpath), NULL },
		{ SASL_CB_LIST_END, NULL, NULL },
	};
	const char *from = getenv("SO2_PROBE_LINK_FROM"), *to = getenv("SO2_PROBE_LINK_TO");
	int with_path = getenv("SO2_PROBE_PLUGIN_DIR") != NULL;
	char line[4096], last[4096] = "";
	FILE *f;
	int r;

	if (argc > 3) {
		user = argv[3];
		pass = argc > 4 ? argv[4] : NULL;
		if (pass == NULL)
			cbs[2].id = SASL_CB_LIST_END;
	}
	if (with_path) {
		cbs[pass == NULL ? 2 : 3].id = SASL_CB_GETPATH;
		cbs[pass == NULL ? 2 : 3].proc = CB(cb_getpath);
	}
	if (argc > 1 && strcmp(argv[1], "client") == 0)
		r = sasl_client_init(argc > 3 ? cbs : with_path ? path_only : NULL);
	else
		r = sasl_server_init(NULL, "sasl-oauth2-test");
	if (r != SASL_OK) {
		fprintf(stderr, "init: %s\n", sasl_errstring(r, NULL, NULL));
		return 1;
	}
	if (from != NULL && to != NULL && symlink(from, to) != 0) {
		perror("symlink");
		return 1;
	}
	if (argc > 3 && exchange(argv[2]) != 0)
		return 1;
	if ((f = fopen("/proc/self/maps", "r")) == NULL)
		return 1;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *path = strchr(line, '/');

		if (path == NULL || strstr(path, ".so") == NULL || strcmp(path, last) == 0)
			continue;
		snprintf(last, sizeof(last), "%s", path);
		fputs(path, stdout);
	}
	fclose(f);
	return 0;
}

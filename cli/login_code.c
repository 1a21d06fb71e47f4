/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	login_code.c - login with the authorization code grant and PKCE
 * SYNOPSIS
 *	sasl-oauth2 login ACCOUNT --grant code [--port N] [--redirect-uri URI]
 *		[--paste] [--no-browser] [--timeout S]
 * DESCRIPTION
 *	The native-app flow of RFC 8252 with PKCE (RFC 7636, S256):
 *
 *	1. A code_verifier, its challenge and a state value (pkce.h).
 *	2. Loopback mode (default): a listener on 127.0.0.1, on --port or
 *	   the port of --redirect-uri, else any free port (RFC 8252 7.3);
 *	   redirect_uri http://localhost:PORT/ (what Microsoft's "Mobile
 *	   and desktop applications" platform and Google's desktop clients
 *	   register: any port matches). Paste mode (--paste): no listener;
 *	   redirect_uri http://localhost unless --redirect-uri.
 *	3. The authorization URL is printed on standard error and, when
 *	   DISPLAY or WAYLAND_DISPLAY is set and --no-browser is not given,
 *	   opened with xdg-open. Google gets access_type=offline and
 *	   prompt=consent (a refresh token is only issued after consent).
 *	4. Loopback (login/loopback.c): requests to other paths get 404
 *	   and are ignored; a redirect whose state is not ours gets an
 *	   error page, a warning, and is ignored (it may be a stale tab or
 *	   a forgery: RFC 6749 10.12); an error redirect ends the login
 *	   with the server's error. Paste: the user pastes the address the
 *	   browser ended on; its start must be the redirect URI and its
 *	   state ours.
 *	5. The code is redeemed with the verifier (login/code.h).
 *
 *	Nothing but the loopback's one-line reply pages is written to the
 *	browser; the code is never printed.
 * SEE ALSO
 *	RFC 8252, RFC 7636, RFC 6749 4.1, login.h, loopback.h, pkce.h,
 *	sasl-oauth2(1)
 */
#include "config.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "login/code.h"
#include "login/loopback.h"
#include "login/pkce.h"

#include "base/text.h"
#include "token/token_reply.h"

#include "login.h"

#define URI_MAX		SO2_LOOPBACK_URI_MAX	/* bytes of a redirect URI */

extern char **environ;

/* open_browser - run xdg-open URL in the background; -1 when not run */
static pid_t
open_browser(const char *url)
{
	posix_spawn_file_actions_t fa;
	char *argv[3];
	pid_t pid;
	int rc;

	argv[0] = (char *)"xdg-open";
	argv[1] = (char *)url;
	argv[2] = NULL;
	if (posix_spawn_file_actions_init(&fa) != 0)
		return -1;
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(&pid, "xdg-open", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	return rc == 0 ? pid : -1;
}

/* server_error - the error a redirect carried, as a login failure
 *	The AADSTS number and the error's class are token_reply.h's, as
 *	for the token endpoint's errors. */
static so2_status
server_error(const so2_redirect *r, so2_oauth_error *oerr, so2_err *err)
{
	char e[64], d[512];

	so2_printable(r->error, e, sizeof(e));
	so2_printable(r->error_description ? r->error_description : "", d, sizeof(d));
	d[strcspn(d, "?")] = '\0';	/* cut "\r\nTrace ID..." (now "??") */
	so2_format(oerr->error, sizeof(oerr->error), "%s", e);
	oerr->code = so2_aadsts_code(d);
	/* The user said no: a new login may go otherwise (RFC 6749 4.1.2.1);
	 * the other codes as the token endpoint's (temporarily_unavailable
	 * is temporary). */
	return so2_err_set(err, strcmp(e, "access_denied") == 0 ? SO2_ERR_GRANT :
			   so2_oauth_error_class(0, e), "the sign-in failed: %s%s%s", e,
			   d[0] ? ": " : "", d);
}

/* loopback_note - say why the listener ignored a request */
static void
loopback_note(void *arg, so2_loopback_event ev)
{
	const cli_ctx *ctx = arg;

	switch (ev) {
	case SO2_LOOPBACK_OTHER_PATH:
		cli_verbose(ctx, "loopback: ignored a request for another path");
		break;
	case SO2_LOOPBACK_MALFORMED:
		cli_msg("ignored a malformed redirect on the loopback listener");
		break;
	case SO2_LOOPBACK_FOREIGN_STATE:
		cli_msg("warning: ignored a sign-in response that does not belong to "
			"this login (its state differs: an old browser tab, or a "
			"forgery); still waiting");
		break;
	}
}

/* read_pasted - the redirect address the user pastes */
static so2_status
read_pasted(const char *redirect_uri, const so2_pkce *pk, so2_redirect *r,
	    so2_oauth_error *oerr, so2_err *err)
{
	static char line[SO2_REDIRECT_MAX + 2];
	size_t n, base = strlen(redirect_uri);
	char *p;

	fprintf(stderr, "After signing in, the browser goes to an address starting "
		"with %s\n(the page may not load: that is expected). Paste that "
		"whole address here and press Enter:\n", redirect_uri);
	fflush(stderr);
	if (fgets(line, sizeof(line), stdin) == NULL)
		return so2_err_set(err, SO2_ERR_PARAM, "nothing pasted (end of input)");
	n = strcspn(line, "\r\n");
	if (n == strlen(line) && !feof(stdin))
		return so2_err_set(err, SO2_ERR_PARAM, "the pasted address is longer "
				   "than %d bytes", SO2_REDIRECT_MAX);
	line[n] = '\0';
	for (p = line; *p == ' ' || *p == '\t'; p++)
		;
	n = strlen(p);
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		p[--n] = '\0';
	while (base > 0 && redirect_uri[base - 1] == '/')
		base--;
	if (strncmp(p, redirect_uri, base) != 0 ||
	    (p[base] != '\0' && p[base] != '/' && p[base] != '?' && p[base] != ':'))
		return so2_err_set(err, SO2_ERR_PARAM, "the pasted address does not "
				   "start with the redirect URI %s: paste the address "
				   "the browser was sent to after the sign-in",
				   redirect_uri);
	if (so2_redirect_parse(p, n, r, err) != SO2_OK)
		return so2_err_prefix(err, "the pasted address");
	if (so2_secret_empty(&r->code) && r->error == NULL)
		return so2_err_set(err, SO2_ERR_PARAM, "the pasted address has no code "
				   "and no error: paste the address the browser ended "
				   "on after the sign-in");
	if (!so2_state_equal(r->state, pk->state))
		return so2_err_set(err, SO2_ERR_PARAM, "the pasted address belongs to "
				   "another login (its state differs from this one's): "
				   "open the address printed above and paste where it "
				   "ends");
	if (r->error != NULL)
		return server_error(r, oerr, err);
	return SO2_OK;
}

/* cli_grant_code - authorization code grant with PKCE */
so2_status
cli_grant_code(const cli_login *l, so2_token_reply *rep, so2_oauth_error *oerr,
	       so2_err *err)
{
	static const char *const google_extra[] = { "access_type", "offline",
		"prompt", "consent", NULL };
	const struct cli_code_opts *co = &l->req->code;
	const so2_login_plan *plan = l->plan;
	so2_loopback lb;
	so2_authorize_req req;
	so2_redirect r;
	so2_pkce pk;
	char redirect[URI_MAX];
	char *url = NULL;
	pid_t browser = -1;
	so2_status result;

	memset(&r, 0, sizeof(r));
	so2_loopback_init(&lb, co->port);
	if ((result = so2_pkce_new(&pk, err)) != SO2_OK)
		return result;
	if (co->paste) {
		so2_format(redirect, sizeof(redirect), "%s",
			   co->redirect_uri ? co->redirect_uri : "http://localhost");
	} else {
		if (co->redirect_uri != NULL &&
		    (result = so2_loopback_parse_uri(co->redirect_uri, &lb.port, lb.path,
						     sizeof(lb.path), err)) != SO2_OK)
			goto out;
		if ((result = so2_loopback_listen(&lb, err)) != SO2_OK)
			goto out;
		so2_format(redirect, sizeof(redirect), "http://%s:%ld%s",
			   co->redirect_uri != NULL &&
			   strncmp(co->redirect_uri, "http://127.0.0.1", 16) == 0 ?
			   "127.0.0.1" : "localhost", lb.port, lb.path);
		cli_verbose(l->ctx, "listening on 127.0.0.1:%ld", lb.port);
	}
	memset(&req, 0, sizeof(req));
	req.endpoint = plan->authorization_endpoint;
	req.client_id = plan->client_id;
	req.redirect_uri = redirect;
	req.scope = l->client->scope;
	/* an account that is an address is the user's: skip the picker */
	req.login_hint = strchr(l->req->account, '@') != NULL ? l->req->account : NULL;
	req.extra = strcmp(plan->provider, "google") == 0 ? google_extra : NULL;
	if ((result = so2_authorize_url(&req, &pk, &url, err)) != SO2_OK)
		goto out;
	fprintf(stderr, "Redirect URI: %s\nTo sign in, open this address in a "
		"browser:\n\n%s\n\n", redirect, url);
	if (!co->paste && !co->no_browser &&
	    (getenv("DISPLAY") != NULL || getenv("WAYLAND_DISPLAY") != NULL)) {
		browser = open_browser(url);
		if (browser > 0)
			fprintf(stderr, "(opened with xdg-open)\n");
	}
	cli_catch_signals(1);
	if (co->paste) {
		result = read_pasted(redirect, &pk, &r, oerr, err);
	} else {
		fprintf(stderr, "Waiting for the sign-in (up to %ld s; Ctrl-C to "
			"cancel)...\n", co->timeout);
		result = so2_loopback_wait(&lb, pk.state, co->timeout, &cli_interrupted,
					   loopback_note, l->ctx, &r, err);
		if (result == SO2_OK && r.error != NULL)
			result = server_error(&r, oerr, err);
	}
	cli_catch_signals(0);
	if (result != SO2_OK || cli_interrupted)
		goto out;
	result = so2_grant_authorization_code(l->hc, l->client, r.code.data, redirect,
					      pk.verifier, rep, oerr, err);
out:
	so2_loopback_close(&lb);
	if (browser > 0)
		(void)waitpid(browser, NULL, WNOHANG);
	free(url);
	so2_redirect_clear(&r);
	OPENSSL_cleanse(&pk, sizeof(pk));
	return result;
}

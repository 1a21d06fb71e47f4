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
 *	4. Loopback: requests to other paths get 404 and are ignored; a
 *	   redirect whose state is not ours gets an error page, a warning,
 *	   and is ignored (it may be a stale tab or a forgery: RFC 6749
 *	   10.12); an error redirect ends the login with the server's
 *	   error. Paste: the user pastes the address the browser ended
 *	   on; its start must be the redirect URI and its state ours.
 *	5. The code is redeemed with the verifier (endpoint.h).
 *
 *	Nothing but the loopback's one-line reply pages is written to the
 *	browser; the code is never printed.
 * SEE ALSO
 *	RFC 8252, RFC 7636, RFC 6749 4.1, pkce.h, sasl-oauth2(1)
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "login/pkce.h"

#include "cli.h"

#define REQUEST_MAX	(SO2_REDIRECT_MAX + 4096)	/* bytes of a request */
#define REQUEST_TIMEOUT	5000	/* ms to read one request */
#define URI_MAX		512	/* bytes of a redirect URI */
#define DRAIN_TIMEOUT	500	/* ms to read the rest of a request */

extern char **environ;

/* loopback - the listener and what it answers to */
struct loopback {
	int fd;
	long port;
	char path[URI_MAX];	/* the redirect URI's path, "/" by default */
};

/* parse_loopback_uri - host localhost or 127.0.0.1, optional port, path */
static so2_status
parse_loopback_uri(const char *uri, long *port, char *path, size_t psize,
		   so2_err *err)
{
	const char *p, *slash;
	char *end;
	long v;

	if (strncmp(uri, "http://localhost", 16) == 0)
		p = uri + 16;
	else if (strncmp(uri, "http://127.0.0.1", 16) == 0)
		p = uri + 16;
	else
		return so2_err_set(err, SO2_ERR_PARAM, "--redirect-uri %.200s: a "
				   "loopback redirect must be http://localhost[:PORT]"
				   "[/PATH] or http://127.0.0.1[:PORT][/PATH] (or use "
				   "--paste)", uri);
	if (*p == ':') {
		errno = 0;
		v = strtol(p + 1, &end, 10);
		if (errno != 0 || end == p + 1 || v < 1 || v > 65535 ||
		    (*end != '\0' && *end != '/'))
			return so2_err_set(err, SO2_ERR_PARAM, "--redirect-uri %.200s: "
					   "bad port", uri);
		*port = v;
		p = end;
	}
	if (*p != '\0' && *p != '/')
		return so2_err_set(err, SO2_ERR_PARAM, "--redirect-uri %.200s: bad "
				   "host", uri);
	slash = *p == '/' ? p : "/";
	if (strchr(slash, '?') != NULL || strchr(slash, '#') != NULL)
		return so2_err_set(err, SO2_ERR_PARAM, "--redirect-uri %.200s: no "
				   "query or fragment allowed", uri);
	so2_format(path, psize, "%s", slash);
	return SO2_OK;
}

/* listen_loopback - a listening socket on 127.0.0.1:port (0: any) */
static so2_status
listen_loopback(struct loopback *lb, so2_err *err)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int one = 1;

	lb->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lb->fd < 0)
		return so2_err_set(err, SO2_ERR_IO, "socket: %s", strerror(errno));
	(void)setsockopt(lb->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((unsigned short)lb->port);
	if (bind(lb->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(lb->fd, 8) != 0 ||
	    getsockname(lb->fd, (struct sockaddr *)&sa, &len) != 0) {
		so2_err_set(err, SO2_ERR_IO, "cannot listen on 127.0.0.1:%ld: %s%s",
			    lb->port, strerror(errno), errno == EADDRINUSE ?
			    " (choose another --port, or use --paste)" : "");
		close(lb->fd);
		lb->fd = -1;
		return SO2_ERR_IO;
	}
	lb->port = ntohs(sa.sin_port);
	return SO2_OK;
}

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

/* reply_page - answer the browser with a short page and close */
static void
reply_page(int fd, int status, const char *title, const char *text)
{
	char body[1024], head[256], drain[512];
	struct pollfd pfd;
	int blen, hlen, left;

	blen = snprintf(body, sizeof(body), "<!DOCTYPE html><html><head><meta "
			"charset=\"utf-8\"><title>sasl-oauth2</title></head><body>"
			"<h1>%s</h1><p>%s</p></body></html>\n", title, text);
	if (blen < 0 || (size_t)blen >= sizeof(body))
		blen = 0;
	hlen = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\nContent-Type: "
			"text/html; charset=utf-8\r\nContent-Length: %d\r\n"
			"Cache-Control: no-store\r\nConnection: close\r\n\r\n",
			status, status == 200 ? "OK" : status == 404 ? "Not Found" :
			"Bad Request", blen);
	if (hlen > 0 && (size_t)hlen < sizeof(head))
		(void)send(fd, head, (size_t)hlen, MSG_NOSIGNAL);
	(void)send(fd, body, (size_t)blen, MSG_NOSIGNAL);
	/* Closing with unread request bytes would send a reset that can
	 * destroy the page before the browser shows it: say we are done,
	 * then read what is left, briefly. */
	(void)shutdown(fd, SHUT_WR);
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (left = 128; left > 0 && poll(&pfd, 1, DRAIN_TIMEOUT) > 0 &&
	     recv(fd, drain, sizeof(drain), 0) > 0; left--)
		;	/* at most 64 KiB */
	close(fd);
}

/* read_request - the request line's target, read within REQUEST_TIMEOUT
 *	Returns 0 with target (NUL-terminated, inside buf) or -1. */
static int
read_request(int fd, char *buf, size_t size, char **target)
{
	struct pollfd pfd;
	size_t len = 0;
	ssize_t n;
	char *sp, *sp2;

	pfd.fd = fd;
	pfd.events = POLLIN;
	while (len + 1 < size) {
		if (poll(&pfd, 1, REQUEST_TIMEOUT) <= 0)
			return -1;
		n = recv(fd, buf + len, size - 1 - len, 0);
		if (n <= 0)
			return -1;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "\r\n") != NULL || strchr(buf, '\n') != NULL)
			break;
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	if (strncmp(buf, "GET ", 4) != 0)
		return -1;
	sp = buf + 4;
	sp2 = strchr(sp, ' ');
	if (sp2 == NULL)
		return -1;
	*sp2 = '\0';
	*target = sp;
	return 0;
}

/* server_error - the error a redirect carried, as a login failure */
static so2_status
server_error(const so2_redirect *r, so2_oauth_error *oerr, so2_err *err)
{
	char e[64], d[512];
	const char *aadsts;

	cli_safe_text(r->error, e, sizeof(e));
	cli_safe_text(r->error_description ? r->error_description : "", d, sizeof(d));
	d[strcspn(d, "?")] = '\0';	/* cut "\r\nTrace ID..." (now "??") */
	so2_format(oerr->error, sizeof(oerr->error), "%s", e);
	aadsts = strstr(d, "AADSTS");
	if (aadsts != NULL)
		oerr->code = strtol(aadsts + 6, NULL, 10);
	return so2_err_set(err, strcmp(e, "access_denied") == 0 ? SO2_ERR_GRANT :
			   SO2_ERR_OAUTH, "the sign-in failed: %s%s%s", e,
			   d[0] ? ": " : "", d);
}

/* wait_redirect - accept requests until our redirect comes */
static so2_status
wait_redirect(cli_ctx *ctx, struct loopback *lb, const so2_pkce *pk, long timeout,
	      so2_redirect *r, so2_oauth_error *oerr, so2_err *err)
{
	static char buf[REQUEST_MAX];
	struct pollfd pfd;
	time_t deadline = time(NULL) + timeout;
	char *target, *q;
	size_t plen;
	int cfd, rc;

	pfd.fd = lb->fd;
	pfd.events = POLLIN;
	for (;;) {
		if (cli_login_interrupted)
			return SO2_ERR_PENDING;
		if (time(NULL) >= deadline)
			return so2_err_set(err, SO2_ERR_TEMP, "no sign-in came back within "
					   "%ld s; run the login again (--timeout S to wait "
					   "longer, --paste when the browser runs on another "
					   "machine)", timeout);
		rc = poll(&pfd, 1, 1000);
		if (rc <= 0)
			continue;
		cfd = accept4(lb->fd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd < 0)
			continue;
		if (read_request(cfd, buf, sizeof(buf), &target) != 0) {
			close(cfd);
			continue;
		}
		q = strchr(target, '?');
		plen = q != NULL ? (size_t)(q - target) : strlen(target);
		if (plen != strlen(lb->path) || strncmp(target, lb->path, plen) != 0) {
			cli_verbose(ctx, "loopback: ignored a request for another path");
			reply_page(cfd, 404, "Not found", "This is sasl-oauth2's sign-in "
				   "listener.");
			continue;
		}
		so2_redirect_clear(r);
		if (so2_redirect_parse(target, strlen(target), r, err) != SO2_OK ||
		    (so2_secret_empty(&r->code) && r->error == NULL)) {
			cli_msg("ignored a malformed redirect on the loopback listener");
			reply_page(cfd, 400, "Bad request", "This address carries no "
				   "sign-in result.");
			continue;
		}
		if (!so2_state_equal(r->state, pk->state)) {
			cli_msg("warning: ignored a sign-in response that does not belong to "
				"this login (its state differs: an old browser tab, or a "
				"forgery); still waiting");
			reply_page(cfd, 400, "Not this login", "This sign-in response does "
				   "not belong to the login that is waiting; it was ignored. "
				   "Use the address the sasl-oauth2 command printed.");
			continue;
		}
		if (r->error != NULL) {
			reply_page(cfd, 200, "Sign-in failed", "The identity provider "
				   "refused the sign-in; the sasl-oauth2 command says why.");
			return server_error(r, oerr, err);
		}
		reply_page(cfd, 200, "Signed in", "sasl-oauth2 received the sign-in. "
			   "You can close this window.");
		return SO2_OK;
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

/* cli_login_code - authorization code grant with PKCE */
so2_status
cli_login_code(cli_ctx *ctx, const so2_http_conf *hc, const so2_login_plan *plan,
	       const so2_record *client, const struct cli_code_opts *co,
	       so2_token_reply *rep, so2_oauth_error *oerr, so2_err *err)
{
	static const char *const google_extra[] = { "access_type", "offline",
		"prompt", "consent", NULL };
	struct loopback lb;
	so2_authorize_req req;
	so2_redirect r;
	so2_pkce pk;
	char redirect[URI_MAX];
	char *url = NULL;
	pid_t browser = -1;
	so2_status result;

	memset(&r, 0, sizeof(r));
	memset(&lb, 0, sizeof(lb));
	lb.fd = -1;
	lb.port = co->port;
	if ((result = so2_pkce_new(&pk, err)) != SO2_OK)
		return result;
	if (co->paste) {
		so2_format(redirect, sizeof(redirect), "%s",
			   co->redirect_uri ? co->redirect_uri : "http://localhost");
	} else {
		so2_format(lb.path, sizeof(lb.path), "/");
		if (co->redirect_uri != NULL &&
		    (result = parse_loopback_uri(co->redirect_uri, &lb.port, lb.path,
						 sizeof(lb.path), err)) != SO2_OK)
			goto out;
		if ((result = listen_loopback(&lb, err)) != SO2_OK)
			goto out;
		so2_format(redirect, sizeof(redirect), "http://%s:%ld%s",
			   co->redirect_uri != NULL &&
			   strncmp(co->redirect_uri, "http://127.0.0.1", 16) == 0 ?
			   "127.0.0.1" : "localhost", lb.port, lb.path);
		cli_verbose(ctx, "listening on 127.0.0.1:%ld", lb.port);
	}
	memset(&req, 0, sizeof(req));
	req.endpoint = plan->authorization_endpoint;
	req.client_id = plan->client_id;
	req.redirect_uri = redirect;
	req.scope = client->scope;
	req.login_hint = co->login_hint;
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
		result = wait_redirect(ctx, &lb, &pk, co->timeout, &r, oerr, err);
	}
	cli_catch_signals(0);
	if (result != SO2_OK || cli_login_interrupted)
		goto out;
	result = so2_grant_authorization_code(hc, client, r.code.data, redirect,
					      pk.verifier, rep, oerr, err);
out:
	if (lb.fd >= 0)
		close(lb.fd);
	if (browser > 0)
		(void)waitpid(browser, NULL, WNOHANG);
	free(url);
	so2_redirect_clear(&r);
	OPENSSL_cleanse(&pk, sizeof(pk));
	return result;
}

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	loopback.c - the loopback listener of a native app's sign-in (loopback.h)
 * DESCRIPTION
 *	One blocking listener on 127.0.0.1; each connection is read with a
 *	timeout (REQUEST_TIMEOUT), only its request line is looked at, and
 *	it is answered with a short page and closed before the next one is
 *	accepted. The request buffer is static: one login at a time.
 * DIAGNOSTICS
 *	See loopback.h.
 * SEE ALSO
 *	loopback.h, RFC 8252
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/secret.h"
#include "login/loopback.h"

#define REQUEST_MAX	(SO2_REDIRECT_MAX + 4096)	/* bytes of a request */
#define REQUEST_TIMEOUT	5000	/* ms to read one request */
#define DRAIN_TIMEOUT	500	/* ms to read the rest of a request */

/* so2_loopback_init - see loopback.h */
void
so2_loopback_init(so2_loopback *lb, long port)
{
	memset(lb, 0, sizeof(*lb));
	lb->fd = -1;
	lb->port = port;
	so2_format(lb->path, sizeof(lb->path), "/");
}

/* so2_loopback_parse_uri - host localhost or 127.0.0.1, optional port, path */
so2_status
so2_loopback_parse_uri(const char *uri, long *port, char *path, size_t psize,
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

/* so2_loopback_listen - a listening socket on 127.0.0.1:port (0: any) */
so2_status
so2_loopback_listen(so2_loopback *lb, so2_err *err)
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

/* so2_loopback_wait - accept requests until our redirect comes */
so2_status
so2_loopback_wait(so2_loopback *lb, const char *state, long timeout,
		  volatile sig_atomic_t *stop, so2_loopback_note *note, void *arg,
		  so2_redirect *r, so2_err *err)
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
		if (stop != NULL && *stop)
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
			if (note != NULL)
				note(arg, SO2_LOOPBACK_OTHER_PATH);
			reply_page(cfd, 404, "Not found", "This is sasl-oauth2's sign-in "
				   "listener.");
			continue;
		}
		so2_redirect_clear(r);
		if (so2_redirect_parse(target, strlen(target), r, err) != SO2_OK ||
		    (so2_secret_empty(&r->code) && r->error == NULL)) {
			if (note != NULL)
				note(arg, SO2_LOOPBACK_MALFORMED);
			reply_page(cfd, 400, "Bad request", "This address carries no "
				   "sign-in result.");
			continue;
		}
		if (!so2_state_equal(r->state, state)) {
			if (note != NULL)
				note(arg, SO2_LOOPBACK_FOREIGN_STATE);
			reply_page(cfd, 400, "Not this login", "This sign-in response does "
				   "not belong to the login that is waiting; it was ignored. "
				   "Use the address the sasl-oauth2 command printed.");
			continue;
		}
		if (r->error != NULL) {
			reply_page(cfd, 200, "Sign-in failed", "The identity provider "
				   "refused the sign-in; the sasl-oauth2 command says why.");
			return SO2_OK;
		}
		reply_page(cfd, 200, "Signed in", "sasl-oauth2 received the sign-in. "
			   "You can close this window.");
		return SO2_OK;
	}
}

/* so2_loopback_close - see loopback.h */
void
so2_loopback_close(so2_loopback *lb)
{
	if (lb->fd >= 0)
		close(lb->fd);
	lb->fd = -1;
}

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	relay.c - hand an authenticated mail session over to another program
 * DESCRIPTION
 *	so2_mail_relay() copies bytes both ways between the server (through
 *	TLS) and a pair of descriptors (sasl-oauth2 connect: fetchmail's
 *	standard input and output), first whatever the line reader had
 *	already read and not consumed. No timeout: a session may idle (IMAP
 *	IDLE). After the client's end of input the server still answers
 *	what it got (a LOGOUT, say): that is drained for up to 10 seconds.
 * DIAGNOSTICS
 *	SO2_ERR_TEMP with the side that failed ("cannot read from the
 *	client", "imap host:port: TLS read failed: ...").
 * SEE ALSO
 *	mail.h, cmd_connect.c
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include "base/secret.h"
#include "conn.h"

#define RELAY_BUF		16384
#define RELAY_DRAIN_MS		(10 * 1000)	/* wait for the server's last
						 * words after the client's EOF */

/*
 * relay_read - what the server has now, without waiting
 *	1: *n bytes (maybe 0: a TLS record without data, e.g. a session
 *	ticket), 0: the server closed, -1: error (err set). Never blocks:
 *	waiting here for the server could deadlock a client that is
 *	waiting to send.
 */
static int
relay_read(so2_mail_conn *c, char *buf, size_t size, size_t *n, so2_err *err)
{
	char why[200];
	ssize_t r;
	int e;

	*n = 0;
	if (c->ssl == NULL) {
		r = recv(c->fd, buf, size, 0);
		if (r > 0)
			*n = (size_t)r;
		if (r >= 0)
			return r > 0;
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
			return 1;
		so2_err_set(err, SO2_ERR_TEMP, "%s: %s", c->where, strerror(errno));
		return -1;
	}
	ERR_clear_error();
	if (SSL_read_ex(c->ssl, buf, size, n))
		return 1;
	e = SSL_get_error(c->ssl, 0);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 1;
	if (e == SSL_ERROR_ZERO_RETURN ||
	    (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0))
		return 0;
	so2_err_set(err, SO2_ERR_TEMP, "%s: TLS read failed: %s", c->where,
		    mail_tls_error(why, sizeof(why), "error"));
	return -1;
}

/* so2_mail_relay - see mail.h */
so2_status
so2_mail_relay(so2_mail_conn *c, int in_fd, int out_fd, so2_err *err)
{
	char buf[RELAY_BUF];
	struct pollfd p[2];
	so2_status st;
	size_t n;
	ssize_t r;
	int in_open = 1, k;

	c->timeout = 0;		/* no timeout: a session may idle (IMAP IDLE) */
	c->deadline_ms = 0;
	if (c->rlen > 0 && so2_write_all(out_fd, c->rbuf, c->rlen) != 0)
		return so2_err_set(err, SO2_ERR_TEMP, "cannot write to the client: %s",
				   strerror(errno));
	c->rlen = 0;
	for (;;) {
		if (c->ssl == NULL || SSL_pending(c->ssl) == 0) {
			/* After the client's end of input, the server still
			 * answers what it got (a LOGOUT, say): drain that. */
			p[0].fd = in_open ? in_fd : -1;
			p[0].events = POLLIN;
			p[1].fd = c->fd;
			p[1].events = POLLIN;
			p[0].revents = p[1].revents = 0;
			k = poll(p, 2, in_open ? -1 : RELAY_DRAIN_MS);
			if (k < 0) {
				if (errno == EINTR)
					continue;
				return so2_err_set(err, SO2_ERR_TEMP, "poll: %s",
						   strerror(errno));
			}
			if (k == 0)
				return SO2_OK;	/* drained */
		} else {
			p[0].revents = 0;
			p[1].revents = POLLIN;
		}
		if (p[1].revents != 0) {
			int got = relay_read(c, buf, sizeof(buf), &n, err);

			if (got < 0)
				return err->status;
			if (got == 0)
				return SO2_OK;		/* the server closed */
			if (n > 0 && so2_write_all(out_fd, buf, n) != 0)
				return SO2_OK;		/* the client went away */
		}
		if (p[0].revents != 0) {
			r = read(in_fd, buf, sizeof(buf));
			if (r < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (r < 0)
				return so2_err_set(err, SO2_ERR_TEMP, "cannot read from the "
						   "client: %s", strerror(errno));
			if (r == 0) {
				in_open = 0;		/* the client closed */
				continue;
			}
			if ((st = mail_write(c, buf, (size_t)r, err)) != SO2_OK)
				return st;
		}
	}
}

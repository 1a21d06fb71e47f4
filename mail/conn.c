/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	conn.c - the mail client's transport: socket, timed I/O, line reader
 * DESCRIPTION
 *	The socket is non-blocking; every wait goes through poll() until the
 *	current operation's deadline (mail_op_start: now + the timeout), so
 *	a silent server fails with a message instead of hanging the caller,
 *	and so does one that sends a byte now and then (the wait does not
 *	start again with each byte). An operation reads at most
 *	SO2_MAIL_OP_BYTES_MAX bytes: endless data is refused too. Reads and
 *	writes go through the TLS session once there is one (tls.c). Lines are read into a capped
 *	buffer (SO2_MAIL_LINE_MAX); what follows a line stays there for the
 *	next read (and for the STARTTLS injection check, the relay).
 *
 *	Who frees what: so2_mail_close() closes the socket, frees the TLS
 *	session and context, and wipes the connection object before
 *	freeing it.
 * DIAGNOSTICS
 *	mail_fail(): "imap host:port: what", SO2_ERR_TEMP for the network,
 *	SO2_ERR_PROTO for a line the protocol does not allow.
 * SEE ALSO
 *	conn.h, mail.h
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "base/secret.h"
#include "base/text.h"
#include "conn.h"

/* so2_mail_proto_name - the protocol's name for messages */
const char *
so2_mail_proto_name(so2_mail_proto proto)
{
	switch (proto) {
	case SO2_MAIL_IMAP:	return "imap";
	case SO2_MAIL_POP3:	return "pop3";
	case SO2_MAIL_SMTP:	return "smtp";
	}
	return "?";
}

/* mail_ops_of - the dialogue of proto, or NULL */
const mail_ops *
mail_ops_of(so2_mail_proto proto)
{
	switch (proto) {
	case SO2_MAIL_IMAP:	return &mail_imap_ops;
	case SO2_MAIL_POP3:	return &mail_pop3_ops;
	case SO2_MAIL_SMTP:	return &mail_smtp_ops;
	}
	return NULL;
}

/* mail_conn_new - a connection object, not connected */
so2_mail_conn *
mail_conn_new(const so2_mail_opts *o, unsigned port, so2_mail_info *info)
{
	const mail_ops *ops = mail_ops_of(o->proto);
	so2_mail_conn *c;

	if (ops == NULL || (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->fd = -1;
	c->proto = o->proto;
	c->ops = ops;
	c->info = info;
	c->timeout = o->timeout > 0 ? o->timeout : SO2_MAIL_TIMEOUT;
	mail_op_start(c);
	so2_format(c->where, sizeof(c->where), "%s %s:%u", so2_mail_proto_name(o->proto),
		   o->host, port);
	return c;
}

/* mail_fail - set err with the connection's name in front */
so2_status
mail_fail(const so2_mail_conn *c, so2_err *err, so2_status st, const char *what)
{
	if (c->info != NULL)
		so2_format(c->info->detail, sizeof(c->info->detail), "%s", what);
	return so2_err_set(err, st, "%s: %s", c->where, what);
}

/* mail_expect_ok - fail unless ok, with the server's line */
so2_status
mail_expect_ok(so2_mail_conn *c, int ok, const char *what, const char *line,
	       so2_status st, so2_err *err)
{
	char msg[SO2_MAIL_SHOW_MAX + 128];

	if (ok)
		return SO2_OK;
	so2_format(msg, sizeof(msg), "%s: the server answered \"%s\"", what, line);
	return mail_fail(c, err, st, msg);
}

/* mail_set_stage - record the step so2_mail_open_info is at */
void
mail_set_stage(so2_mail_conn *c, so2_mail_stage stage)
{
	if (c->info != NULL)
		c->info->stage = stage;
}

/* mail_note_reply - keep a reply line (printable); first starts a new reply */
void
mail_note_reply(so2_mail_conn *c, const char *line, int first)
{
	size_t used = first ? 0 : strlen(c->last);

	if (used > 0 && used + 1 < sizeof(c->last))
		c->last[used++] = '\n';
	so2_printable(line, c->last + used, sizeof(c->last) - used);
}

/* mail_read_greeting - read the greeting line, keep it as the reply and greeting */
so2_status
mail_read_greeting(so2_mail_conn *c, char *line, size_t size, so2_err *err)
{
	so2_status st;

	if ((st = mail_read_line(c, line, size, err)) != SO2_OK)
		return st;
	mail_note_reply(c, line, 1);
	so2_printable(line, c->greeting, sizeof(c->greeting));
	return SO2_OK;
}

/* now_ms - CLOCK_MONOTONIC in milliseconds */
static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* mail_op_start - the deadline and byte count of a new operation */
void
mail_op_start(so2_mail_conn *c)
{
	c->deadline_ms = c->timeout > 0 ? now_ms() + (long long)c->timeout * 1000 : 0;
	c->op_bytes = 0;
}

/* late - the message when the operation's deadline has passed */
static so2_status
late(so2_mail_conn *c, so2_err *err)
{
	char msg[256];

	if (c->op_bytes == 0 && c->rlen == 0)
		so2_format(msg, sizeof(msg), "no answer within %ld seconds (timeout)",
			   c->timeout);
	else
		so2_format(msg, sizeof(msg), "the server did not finish its answer within %ld"
			   " seconds (timeout for the whole answer, %zu bytes received; a"
			   " server sending a byte now and then is cut off too)", c->timeout,
			   c->op_bytes);
	return mail_fail(c, err, SO2_ERR_TEMP, msg);
}

/* mail_wait - poll the socket for events until the deadline */
so2_status
mail_wait(so2_mail_conn *c, short events, so2_err *err)
{
	struct pollfd p;
	long long left = 0;
	int r;

	p.fd = c->fd;
	p.events = events;
	do {
		if (c->deadline_ms > 0 && (left = c->deadline_ms - now_ms()) <= 0)
			return late(c, err);
		r = poll(&p, 1, c->deadline_ms > 0 ? (int)left : -1);
	} while (r < 0 && errno == EINTR);
	if (r == 0)
		return late(c, err);
	if (r < 0)
		return mail_fail(c, err, SO2_ERR_TEMP, strerror(errno));
	return SO2_OK;
}

/* mail_tls_error - the OpenSSL error queue's first entry, or fallback */
const char *
mail_tls_error(char *buf, size_t size, const char *fallback)
{
	unsigned long e = ERR_get_error();

	if (e == 0)
		so2_format(buf, size, "%s", fallback);
	else
		ERR_error_string_n(e, buf, size);
	ERR_clear_error();
	return buf;
}

/* counted - add n bytes to the operation's count, refused past the cap */
static so2_status
counted(so2_mail_conn *c, size_t n, so2_err *err)
{
	char msg[160];

	c->op_bytes += n;
	if (c->op_bytes <= SO2_MAIL_OP_BYTES_MAX)
		return SO2_OK;
	so2_format(msg, sizeof(msg), "the server sent more than %d bytes in answer to one"
		   " command (endless data)", SO2_MAIL_OP_BYTES_MAX);
	return mail_fail(c, err, SO2_ERR_PROTO, msg);
}

/* binary - the message for bytes that are not text, or NULL for text
 *	Binary: a NUL; a TLS record (handshake 0x16 or alert 0x15, version
 *	3.x: the port wants TLS at once); or at least 8 control bytes that
 *	make more than an eighth of the bytes. A stray control character
 *	in text is not binary: it is shown as "?" (so2_printable). */
static const char *
binary(const char *s, size_t len, char *msg, size_t size)
{
	size_t i, ctl = 0, first = 0;

	if (len >= 2 && (s[0] == 0x16 || s[0] == 0x15) && s[1] == 0x03)
		return so2_format(msg, size, "the server answered with TLS where text was"
				  " expected (the port wants implicit TLS)"), msg;
	if (memchr(s, '\0', len) != NULL)
		return so2_format(msg, size, "the server sent a NUL byte (binary data, not"
				  " protocol text)"), msg;
	for (i = 0; i < len; i++) {
		unsigned char b = (unsigned char)s[i];

		if ((b < 0x20 && b != '\t' && b != '\r' && b != 0x1b) || b == 0x7f) {
			if (ctl++ == 0)
				first = i;
		}
	}
	if (ctl >= 8 && ctl * 8 > len)
		return so2_format(msg, size, "the server sent binary data (%zu control bytes"
				  " in %zu, the first 0x%02x at offset %zu), not protocol text",
				  ctl, len, (unsigned char)s[first], first), msg;
	return NULL;
}

/* io_read - read up to size bytes; *n = 0 at end of stream */
static so2_status
io_read(so2_mail_conn *c, char *buf, size_t size, size_t *n, so2_err *err)
{
	so2_status st;
	ssize_t r;

	if (c->deadline_ms > 0 && now_ms() >= c->deadline_ms)
		return late(c, err);
	for (;;) {
		if (c->ssl != NULL) {
			int sr, e;

			ERR_clear_error();
			sr = SSL_read_ex(c->ssl, buf, size, n) ? 1 : 0;
			if (sr)
				return counted(c, *n, err);
			e = SSL_get_error(c->ssl, 0);
			if (e == SSL_ERROR_ZERO_RETURN) {
				*n = 0;
				return SO2_OK;
			}
			if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
				st = mail_wait(c, e == SSL_ERROR_WANT_READ ? POLLIN
					       : POLLOUT, err);
				if (st != SO2_OK)
					return st;
				continue;
			}
			if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
				*n = 0;		/* closed without close_notify */
				return SO2_OK;
			}
			{
				char msg[256], why[200];

				so2_format(msg, sizeof(msg), "TLS read failed: %s",
					   mail_tls_error(why, sizeof(why), "error"));
				return mail_fail(c, err, SO2_ERR_TEMP, msg);
			}
		}
		r = recv(c->fd, buf, size, 0);
		if (r >= 0) {
			*n = (size_t)r;
			return counted(c, *n, err);
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return mail_fail(c, err, SO2_ERR_TEMP, strerror(errno));
		if ((st = mail_wait(c, POLLIN, err)) != SO2_OK)
			return st;
	}
}

/* mail_write - write all of buf */
so2_status
mail_write(so2_mail_conn *c, const char *buf, size_t len, so2_err *err)
{
	so2_status st;
	size_t n;
	ssize_t r;

	while (len > 0) {
		if (c->ssl != NULL) {
			int e;

			ERR_clear_error();
			if (SSL_write_ex(c->ssl, buf, len, &n)) {
				buf += n;
				len -= n;
				continue;
			}
			e = SSL_get_error(c->ssl, 0);
			if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
				st = mail_wait(c, e == SSL_ERROR_WANT_READ ? POLLIN
					       : POLLOUT, err);
				if (st != SO2_OK)
					return st;
				continue;
			}
			return mail_fail(c, err, SO2_ERR_TEMP, "TLS write failed (the "
					 "server closed the connection?)");
		}
		r = send(c->fd, buf, len, MSG_NOSIGNAL);
		if (r >= 0) {
			buf += r;
			len -= (size_t)r;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return mail_fail(c, err, SO2_ERR_TEMP, strerror(errno));
		if ((st = mail_wait(c, POLLOUT, err)) != SO2_OK)
			return st;
	}
	return SO2_OK;
}

/* mail_send_line - write s and CRLF */
so2_status
mail_send_line(so2_mail_conn *c, const char *s, so2_err *err)
{
	so2_status st = mail_write(c, s, strlen(s), err);

	return st == SO2_OK ? mail_write(c, "\r\n", 2, err) : st;
}

/* mail_read_line - the next line without its CRLF (or LF), into line */
so2_status
mail_read_line(so2_mail_conn *c, char *line, size_t size, so2_err *err)
{
	char *nl, msg[160];
	size_t n, len;
	so2_status st;

	for (;;) {
		nl = memchr(c->rbuf, '\n', c->rlen);
		if (nl != NULL)
			break;
		if (binary(c->rbuf, c->rlen, msg, sizeof(msg)) != NULL)
			return mail_fail(c, err, SO2_ERR_PROTO, msg);
		if (c->rlen >= sizeof(c->rbuf) - 1)
			return mail_fail(c, err, SO2_ERR_PROTO, "the server sent a line "
					 "longer than 16 KB");
		st = io_read(c, c->rbuf + c->rlen, sizeof(c->rbuf) - 1 - c->rlen,
			     &n, err);
		if (st != SO2_OK)
			return st;
		if (n == 0)
			return mail_fail(c, err, SO2_ERR_TEMP, "the server closed the "
					 "connection");
		c->rlen += n;
	}
	len = (size_t)(nl - c->rbuf);
	if (len >= size)
		return mail_fail(c, err, SO2_ERR_PROTO, "the server sent an over-long "
				 "line");
	if (binary(c->rbuf, len, msg, sizeof(msg)) != NULL)
		return mail_fail(c, err, SO2_ERR_PROTO, msg);
	memcpy(line, c->rbuf, len);
	line[len] = '\0';
	if (len > 0 && line[len - 1] == '\r')
		line[len - 1] = '\0';
	c->rlen -= len + 1;
	memmove(c->rbuf, nl + 1, c->rlen);
	return SO2_OK;
}

/* mail_caps_add - append one capability line, printable: capabilities
 *	are shown (doctor, the connect hand-over), a control character
 *	becomes '?' as in every other server text */
void
mail_caps_add(so2_mail_conn *c, const char *cap)
{
	size_t used = strlen(c->caps), n = strlen(cap);

	if (used + n + 2 > sizeof(c->caps))
		return;		/* capped: the rest is dropped */
	so2_printable(cap, c->caps + used, n + 1);
	c->caps[used + n] = '\n';
	c->caps[used + n + 1] = '\0';
}

/* word_in - 1 when the space-separated list has word (any case) */
static int
word_in(const char *list, const char *word)
{
	size_t n = strlen(word), w;

	while (*list != '\0') {
		while (*list == ' ')
			list++;
		w = strcspn(list, " ");
		if (w == n && strncasecmp(list, word, n) == 0)
			return 1;
		list += w;
	}
	return 0;
}

/* mail_cap_words - "KEY a b c" or "KEY=a b c" lists word */
int
mail_cap_words(const char *cap, const char *key, const char *word)
{
	size_t k = strlen(key);

	return strncasecmp(cap, key, k) == 0 && (cap[k] == ' ' || cap[k] == '=') &&
	       word_in(cap + k + 1, word);
}

/* cap_listed - 1 when a capability line starts with the word word */
static int
cap_listed(const so2_mail_conn *c, const char *word)
{
	const char *p = c->caps;
	size_t n = strlen(word);

	while (*p != '\0') {
		if (strncasecmp(p, word, n) == 0 && strchr(" \n", p[n]) != NULL)
			return 1;
		p += strcspn(p, "\n");
		p += *p == '\n';
	}
	return 0;
}

/* mail_starttls_offered - keep the clear capabilities, check STARTTLS */
so2_status
mail_starttls_offered(so2_mail_conn *c, const so2_mail_opts *o, so2_err *err)
{
	int ok;

	if (c->info != NULL)
		so2_format(c->info->caps_clear, sizeof(c->info->caps_clear), "%s", c->caps);
	if (!o->check_starttls)
		return SO2_OK;
	ok = cap_listed(c, c->ops->starttls_cap);
	if (c->info != NULL)
		c->info->starttls_offered = ok;
	return ok ? SO2_OK : mail_fail(c, err, SO2_ERR_PROTO, "the server does not "
				       "offer STARTTLS");
}

/* mail_tcp_connect - the first address of host:port that answers */
so2_status
mail_tcp_connect(so2_mail_conn *c, const char *host, unsigned port, so2_err *err)
{
	struct addrinfo hints, *res = NULL, *ai;
	char service[16], msg[512];
	int r, saved = 0, soerr;
	socklen_t len;
	so2_status st;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	so2_format(service, sizeof(service), "%u", port);
	r = getaddrinfo(host, service, &hints, &res);
	if (r != 0) {
		so2_format(msg, sizeof(msg), "cannot resolve the host name: %s",
			   gai_strerror(r));
		return mail_fail(c, err, SO2_ERR_TEMP, msg);
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
			       SOCK_NONBLOCK, ai->ai_protocol);
		if (c->fd < 0) {
			saved = errno;
			continue;
		}
		if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS) {
			so2_err tmp;

			st = mail_wait(c, POLLOUT, &tmp);
			len = sizeof(soerr);
			if (st == SO2_OK && getsockopt(c->fd, SOL_SOCKET, SO_ERROR,
						       &soerr, &len) == 0 && soerr == 0)
				break;
			saved = st == SO2_OK ? soerr : ETIMEDOUT;
		} else {
			saved = errno;
		}
		close(c->fd);
		c->fd = -1;
	}
	freeaddrinfo(res);
	if (c->fd < 0) {
		so2_format(msg, sizeof(msg), "cannot connect: %s",
			   strerror(saved ? saved : EHOSTUNREACH));
		return mail_fail(c, err, SO2_ERR_TEMP, msg);
	}
	return SO2_OK;
}

/* so2_mail_caps - see mail.h */
const char *
so2_mail_caps(const so2_mail_conn *c)
{
	return c->caps;
}

/* so2_mail_greeting - see mail.h */
const char *
so2_mail_greeting(const so2_mail_conn *c)
{
	return c->greeting;
}

/* so2_mail_close - see mail.h */
void
so2_mail_close(so2_mail_conn *c)
{
	if (c == NULL)
		return;
	if (c->ssl != NULL) {
		(void)SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

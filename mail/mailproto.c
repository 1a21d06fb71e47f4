/*
 * NAME
 *	mailproto.c - IMAP, POP3 and SMTP client up to AUTH (see mailproto.h)
 * DESCRIPTION
 *	One connection object: a socket, an OpenSSL session once TLS is on,
 *	a capped line buffer. The socket is non-blocking; every wait goes
 *	through poll() with the configured timeout, so a silent server
 *	fails with a message instead of hanging the caller.
 *
 *	Who frees what: so2_mail_close() frees everything; the caller
 *	keeps ownership of the response it passes to
 *	so2_mail_authenticate() (the base64 copies made here are wiped).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "mail/mailproto.h"
#include "base/secret.h"

#define SMTP_AUTH_LINE_MAX	512	/* RFC 4954 4: with CRLF */
#define RELAY_BUF		16384
#define RELAY_DRAIN_MS		(10 * 1000)	/* wait for the server's last
						 * words after the client's EOF */

struct so2_mail_conn {
	so2_mail_proto proto;
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;			/* NULL until TLS is on */
	long timeout;			/* seconds */
	char where[300];		/* "imap host:port", for messages */
	char rbuf[SO2_MAIL_LINE_MAX];	/* bytes read, not yet consumed */
	size_t rlen;
	char greeting[SO2_MAIL_SHOW_MAX];
	char caps[SO2_MAIL_CAPS_MAX];
	int sasl_ir;			/* IMAP SASL-IR announced */
	unsigned tag;
	char last[SO2_MAIL_REPLY_MAX];	/* the last reply, printable */
	so2_mail_info *info;		/* during so2_mail_open_info, or NULL */
};

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

/* fail - set err with the connection's name in front */
static so2_status
fail(const so2_mail_conn *c, so2_err *err, so2_status st, const char *what)
{
	if (c->info != NULL)
		so2_format(c->info->detail, sizeof(c->info->detail), "%s", what);
	return so2_err_set(err, st, "%s: %s", c->where, what);
}

/* printable - server text for a message */
static const char *
printable(const char *in, char *buf, size_t size)
{
	return so2_printable(in, buf, size);
}

/* set_stage - record the step so2_mail_open_info is at */
static void
set_stage(so2_mail_conn *c, so2_mail_stage stage)
{
	if (c->info != NULL)
		c->info->stage = stage;
}

/* note_reply - keep a reply line (printable); first starts a new reply */
static void
note_reply(so2_mail_conn *c, const char *line, int first)
{
	size_t used = first ? 0 : strlen(c->last);

	if (used > 0 && used + 1 < sizeof(c->last))
		c->last[used++] = '\n';
	so2_printable(line, c->last + used, sizeof(c->last) - used);
}

/* wait_fd - poll the socket for events; SO2_OK or SO2_ERR_TEMP */
static so2_status
wait_fd(so2_mail_conn *c, short events, so2_err *err)
{
	struct pollfd p;
	int r;

	p.fd = c->fd;
	p.events = events;
	do
		r = poll(&p, 1, c->timeout > 0 ? (int)(c->timeout * 1000) : -1);
	while (r < 0 && errno == EINTR);
	if (r == 0) {
		char msg[128];

		so2_format(msg, sizeof(msg), "no answer within %ld seconds "
			   "(timeout)", c->timeout);
		return fail(c, err, SO2_ERR_TEMP, msg);
	}
	if (r < 0)
		return fail(c, err, SO2_ERR_TEMP, strerror(errno));
	return SO2_OK;
}

/* tls_error - the OpenSSL error queue's first entry, or fallback */
static const char *
tls_error(char *buf, size_t size, const char *fallback)
{
	unsigned long e = ERR_get_error();

	if (e == 0)
		so2_format(buf, size, "%s", fallback);
	else
		ERR_error_string_n(e, buf, size);
	ERR_clear_error();
	return buf;
}

/* io_read - read up to size bytes; *n = 0 at end of stream */
static so2_status
io_read(so2_mail_conn *c, char *buf, size_t size, size_t *n, so2_err *err)
{
	so2_status st;
	ssize_t r;

	for (;;) {
		if (c->ssl != NULL) {
			int sr, e;

			ERR_clear_error();
			sr = SSL_read_ex(c->ssl, buf, size, n) ? 1 : 0;
			if (sr)
				return SO2_OK;
			e = SSL_get_error(c->ssl, 0);
			if (e == SSL_ERROR_ZERO_RETURN) {
				*n = 0;
				return SO2_OK;
			}
			if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
				st = wait_fd(c, e == SSL_ERROR_WANT_READ ? POLLIN
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
					   tls_error(why, sizeof(why), "error"));
				return fail(c, err, SO2_ERR_TEMP, msg);
			}
		}
		r = recv(c->fd, buf, size, 0);
		if (r >= 0) {
			*n = (size_t)r;
			return SO2_OK;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return fail(c, err, SO2_ERR_TEMP, strerror(errno));
		if ((st = wait_fd(c, POLLIN, err)) != SO2_OK)
			return st;
	}
}

/* io_write - write all of buf */
static so2_status
io_write(so2_mail_conn *c, const char *buf, size_t len, so2_err *err)
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
				st = wait_fd(c, e == SSL_ERROR_WANT_READ ? POLLIN
					     : POLLOUT, err);
				if (st != SO2_OK)
					return st;
				continue;
			}
			return fail(c, err, SO2_ERR_TEMP, "TLS write failed (the "
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
			return fail(c, err, SO2_ERR_TEMP, strerror(errno));
		if ((st = wait_fd(c, POLLOUT, err)) != SO2_OK)
			return st;
	}
	return SO2_OK;
}

/* send_line - write s and CRLF */
static so2_status
send_line(so2_mail_conn *c, const char *s, so2_err *err)
{
	so2_status st = io_write(c, s, strlen(s), err);

	return st == SO2_OK ? io_write(c, "\r\n", 2, err) : st;
}

/*
 * read_line - the next line without its CRLF (or LF), into line
 *	Errors: SO2_ERR_PROTO for a line over SO2_MAIL_LINE_MAX or with a
 *	NUL; SO2_ERR_TEMP when the server closed the connection.
 */
static so2_status
read_line(so2_mail_conn *c, char *line, size_t size, so2_err *err)
{
	char *nl;
	size_t n, len;
	so2_status st;

	for (;;) {
		nl = memchr(c->rbuf, '\n', c->rlen);
		if (nl != NULL)
			break;
		if (c->rlen >= sizeof(c->rbuf) - 1)
			return fail(c, err, SO2_ERR_PROTO, "the server sent a line "
				    "longer than 16 KB");
		st = io_read(c, c->rbuf + c->rlen, sizeof(c->rbuf) - 1 - c->rlen,
			     &n, err);
		if (st != SO2_OK)
			return st;
		if (n == 0)
			return fail(c, err, SO2_ERR_TEMP, "the server closed the "
				    "connection");
		c->rlen += n;
	}
	len = (size_t)(nl - c->rbuf);
	if (len >= size)
		return fail(c, err, SO2_ERR_PROTO, "the server sent an over-long line");
	memcpy(line, c->rbuf, len);
	line[len] = '\0';
	if (len > 0 && line[len - 1] == '\r')
		line[len - 1] = '\0';
	if (strlen(line) + 1 < len)
		return fail(c, err, SO2_ERR_PROTO, "the server sent a NUL byte");
	c->rlen -= len + 1;
	memmove(c->rbuf, nl + 1, c->rlen);
	return SO2_OK;
}

/* caps_add - append one capability line */
static void
caps_add(so2_mail_conn *c, const char *cap)
{
	size_t used = strlen(c->caps), n = strlen(cap);

	if (used + n + 2 > sizeof(c->caps))
		return;		/* capped: the rest is dropped */
	memcpy(c->caps + used, cap, n);
	c->caps[used + n] = '\n';
	c->caps[used + n + 1] = '\0';
}

/* imap_caps_from - take the atoms of "CAPABILITY a b c" (text after it) */
static void
imap_caps_from(so2_mail_conn *c, const char *p)
{
	char atom[256];
	size_t n;

	c->caps[0] = '\0';
	c->sasl_ir = 0;
	while (*p != '\0' && *p != ']') {
		while (*p == ' ')
			p++;
		n = strcspn(p, " ]");
		if (n == 0)
			break;
		if (n < sizeof(atom)) {
			memcpy(atom, p, n);
			atom[n] = '\0';
			caps_add(c, atom);
			if (strcasecmp(atom, "SASL-IR") == 0)
				c->sasl_ir = 1;
		}
		p += n;
	}
}

/* imap_resp_caps - [CAPABILITY ...] in a response line, if any */
static void
imap_resp_caps(so2_mail_conn *c, const char *line)
{
	const char *p = strchr(line, '[');

	if (p != NULL && strncasecmp(p + 1, "CAPABILITY ", 11) == 0)
		imap_caps_from(c, p + 12);
}

/*
 * imap_command - send "TAG cmd", read to the tagged reply
 *	Untagged CAPABILITY replies are kept. *ok is 1 for OK. The tagged
 *	line goes to last (printable).
 */
static so2_status
imap_command(so2_mail_conn *c, const char *cmd, int *ok, char *last, size_t lsize,
	     so2_err *err)
{
	char line[SO2_MAIL_LINE_MAX], tag[16], buf[SO2_MAIL_LINE_MAX];
	so2_status st;
	size_t tl;

	so2_format(tag, sizeof(tag), "S%u", ++c->tag);
	so2_format(buf, sizeof(buf), "%s %s", tag, cmd);
	if ((st = send_line(c, buf, err)) != SO2_OK)
		return st;
	tl = strlen(tag);
	for (;;) {
		if ((st = read_line(c, line, sizeof(line), err)) != SO2_OK)
			return st;
		if (strncasecmp(line, "* CAPABILITY ", 13) == 0)
			imap_caps_from(c, line + 13);
		if (strncmp(line, tag, tl) == 0 && line[tl] == ' ')
			break;
		if (strncasecmp(line, "* BYE", 5) == 0) {
			char msg[SO2_MAIL_SHOW_MAX + 64], show[SO2_MAIL_SHOW_MAX];

			so2_format(msg, sizeof(msg), "the server closed the session: %s",
				   printable(line, show, sizeof(show)));
			return fail(c, err, SO2_ERR_TEMP, msg);
		}
	}
	*ok = strncasecmp(line + tl + 1, "OK", 2) == 0;
	note_reply(c, line, 1);
	if (*ok)
		imap_resp_caps(c, line);
	printable(line, last, lsize);
	return SO2_OK;
}

/* smtp_reply - read a (multi-line) reply; *code, caps kept when asked */
static so2_status
smtp_reply(so2_mail_conn *c, int *code, int keep_caps, char *last, size_t lsize,
	   so2_err *err)
{
	char line[SO2_MAIL_LINE_MAX];
	so2_status st;
	int first = -1, n;

	if (keep_caps)
		c->caps[0] = '\0';
	for (n = 0;; n++) {
		if ((st = read_line(c, line, sizeof(line), err)) != SO2_OK)
			return st;
		if (strlen(line) < 3 || line[0] < '2' || line[0] > '5' ||
		    line[1] < '0' || line[1] > '9' || line[2] < '0' || line[2] > '9' ||
		    (line[3] != '\0' && line[3] != ' ' && line[3] != '-'))
			return fail(c, err, SO2_ERR_PROTO, "the server's reply is not "
				    "an SMTP reply");
		if (first < 0)
			first = (line[0] - '0') * 100 + (line[1] - '0') * 10 + line[2] - '0';
		note_reply(c, line, n == 0);
		if (keep_caps && n > 0)
			caps_add(c, line + 4);
		if (line[3] != '-')
			break;
		if (n > 1000)
			return fail(c, err, SO2_ERR_PROTO, "endless multi-line reply");
	}
	*code = first;
	printable(line, last, lsize);
	return SO2_OK;
}

/* pop3_capa - CAPA (RFC 2449); no capabilities when refused */
static so2_status
pop3_capa(so2_mail_conn *c, so2_err *err)
{
	char line[SO2_MAIL_LINE_MAX];
	so2_status st;
	int n;

	c->caps[0] = '\0';
	if ((st = send_line(c, "CAPA", err)) != SO2_OK ||
	    (st = read_line(c, line, sizeof(line), err)) != SO2_OK)
		return st;
	if (strncmp(line, "+OK", 3) != 0)
		return SO2_OK;
	for (n = 0; n < 1000; n++) {
		if ((st = read_line(c, line, sizeof(line), err)) != SO2_OK)
			return st;
		if (strcmp(line, ".") == 0)
			return SO2_OK;
		caps_add(c, line[0] == '.' ? line + 1 : line);
	}
	return fail(c, err, SO2_ERR_PROTO, "endless CAPA list");
}

/* tcp_connect - the first address of host:port that answers */
static so2_status
tcp_connect(so2_mail_conn *c, const char *host, unsigned port, so2_err *err)
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
		return fail(c, err, SO2_ERR_TEMP, msg);
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

			st = wait_fd(c, POLLOUT, &tmp);
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
		return fail(c, err, SO2_ERR_TEMP, msg);
	}
	return SO2_OK;
}

/* is_ip - 1 when host is an IPv4 or IPv6 literal */
static int
is_ip(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* start_tls - TLS handshake with chain and name verification */
static so2_status
start_tls(so2_mail_conn *c, const so2_mail_opts *o, so2_err *err)
{
	char msg[600], why[256];
	so2_status st;
	long vr;
	int r, e;

	set_stage(c, SO2_MAIL_STAGE_TLS_SETUP);
	c->ctx = SSL_CTX_new(TLS_client_method());
	if (c->ctx == NULL)
		return fail(c, err, SO2_ERR_NOMEM, "cannot create a TLS context");
	SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
	/* Many mail servers close without close_notify after LOGOUT/QUIT;
	 * the protocols delimit their own data, so that is an end, not an
	 * error (OpenSSL 3 reports it as one otherwise). */
	SSL_CTX_set_options(c->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
	if (o->ca_file != NULL) {
		if (SSL_CTX_load_verify_locations(c->ctx, o->ca_file, NULL) != 1) {
			so2_format(msg, sizeof(msg), "cannot read the CA bundle %s: %s",
				   o->ca_file, tls_error(why, sizeof(why), "?"));
			return fail(c, err, SO2_ERR_PARAM, msg);
		}
	} else if (SSL_CTX_set_default_verify_paths(c->ctx) != 1) {
		return fail(c, err, SO2_ERR_PARAM, "cannot load the system's CA "
			    "certificates");
	}
	c->ssl = SSL_new(c->ctx);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1)
		return fail(c, err, SO2_ERR_NOMEM, "cannot create a TLS session");
	if (is_ip(o->host)) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), o->host) != 1)
			return fail(c, err, SO2_ERR_PARAM, "bad IP address");
	} else {
		if (SSL_set1_host(c->ssl, o->host) != 1 ||
		    SSL_set_tlsext_host_name(c->ssl, o->host) != 1)
			return fail(c, err, SO2_ERR_PARAM, "bad host name for TLS");
	}
	set_stage(c, SO2_MAIL_STAGE_TLS);
	for (;;) {
		ERR_clear_error();
		r = SSL_connect(c->ssl);
		if (r == 1)
			break;
		e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			if ((st = wait_fd(c, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
					  err)) != SO2_OK)
				return st;
			continue;
		}
		vr = SSL_get_verify_result(c->ssl);
		if (vr != X509_V_OK) {
			if (c->info != NULL) {
				c->info->tls_verify = vr;
				so2_format(c->info->tls_error, sizeof(c->info->tls_error),
					   "%s", X509_verify_cert_error_string(vr));
			}
			so2_format(msg, sizeof(msg), "the server's TLS certificate was "
				   "refused: %s (check the host name, or give the CA "
				   "with --server-ca)", X509_verify_cert_error_string(vr));
			return fail(c, err, SO2_ERR_PROTO, msg);
		}
		tls_error(why, sizeof(why), "the server closed the connection");
		if (c->info != NULL)
			so2_format(c->info->tls_error, sizeof(c->info->tls_error), "%s", why);
		so2_format(msg, sizeof(msg), "TLS handshake failed: %s", why);
		return fail(c, err, SO2_ERR_TEMP, msg);
	}
	if (c->info != NULL)
		so2_format(c->info->tls_version, sizeof(c->info->tls_version), "%s",
			   SSL_get_version(c->ssl));
	return SO2_OK;
}

/* expect_ok - fail unless ok, with the server's line */
static so2_status
expect_ok(so2_mail_conn *c, int ok, const char *what, const char *line,
	  so2_status st, so2_err *err)
{
	char msg[SO2_MAIL_SHOW_MAX + 128];

	if (ok)
		return SO2_OK;
	so2_format(msg, sizeof(msg), "%s: the server answered \"%s\"", what, line);
	return fail(c, err, st, msg);
}

/* greeting - read and check the greeting */
static so2_status
read_greeting(so2_mail_conn *c, so2_err *err)
{
	char line[SO2_MAIL_LINE_MAX], show[SO2_MAIL_SHOW_MAX];
	so2_status st;
	int code;

	if (c->proto == SO2_MAIL_SMTP) {
		if ((st = smtp_reply(c, &code, 0, show, sizeof(show), err)) != SO2_OK)
			return st;
		so2_format(c->greeting, sizeof(c->greeting), "%s", show);
		return expect_ok(c, code == 220, "greeting", show, code / 100 == 4
				 ? SO2_ERR_TEMP : SO2_ERR_PROTO, err);
	}
	if ((st = read_line(c, line, sizeof(line), err)) != SO2_OK)
		return st;
	note_reply(c, line, 1);
	printable(line, c->greeting, sizeof(c->greeting));
	if (c->proto == SO2_MAIL_POP3)
		return expect_ok(c, strncmp(line, "+OK", 3) == 0, "greeting",
				 c->greeting, SO2_ERR_TEMP, err);
	if (strncasecmp(line, "* OK", 4) == 0) {
		imap_resp_caps(c, line);
		return SO2_OK;
	}
	return expect_ok(c, 0, "greeting", c->greeting, strncasecmp(line, "* BYE", 5)
			 == 0 ? SO2_ERR_TEMP : SO2_ERR_PROTO, err);
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

/* clear_caps - capabilities before STARTTLS, when asked to check them */
static so2_status
clear_caps(so2_mail_conn *c, const so2_mail_opts *o, so2_err *err)
{
	char show[SO2_MAIL_SHOW_MAX];
	so2_status st = SO2_OK;
	int ok;

	if (c->proto == SO2_MAIL_IMAP && o->check_starttls && c->caps[0] == '\0') {
		if ((st = imap_command(c, "CAPABILITY", &ok, show, sizeof(show), err))
		    != SO2_OK)
			return st;
		st = expect_ok(c, ok, "CAPABILITY", show, SO2_ERR_PROTO, err);
	} else if (c->proto == SO2_MAIL_POP3 && o->check_starttls) {
		st = pop3_capa(c, err);
	}
	if (st != SO2_OK)
		return st;
	if (c->info != NULL)
		so2_format(c->info->caps_clear, sizeof(c->info->caps_clear), "%s", c->caps);
	if (!o->check_starttls)
		return SO2_OK;
	ok = cap_listed(c, c->proto == SO2_MAIL_POP3 ? "STLS" : "STARTTLS");
	if (c->info != NULL)
		c->info->starttls_offered = ok;
	return ok ? SO2_OK : fail(c, err, SO2_ERR_PROTO, "the server does not offer "
				  "STARTTLS");
}

/* starttls - ask for TLS in the protocol's way, then start it */
static so2_status
starttls(so2_mail_conn *c, const so2_mail_opts *o, so2_err *err)
{
	char line[SO2_MAIL_LINE_MAX], show[SO2_MAIL_SHOW_MAX];
	const char *ehlo = o->ehlo_name ? o->ehlo_name : "localhost";
	so2_status st;
	int ok = 0, code;

	if (c->proto != SO2_MAIL_SMTP && (st = clear_caps(c, o, err)) != SO2_OK)
		return st;
	switch (c->proto) {
	case SO2_MAIL_IMAP:
		st = imap_command(c, "STARTTLS", &ok, show, sizeof(show), err);
		break;
	case SO2_MAIL_POP3:
		if ((st = send_line(c, "STLS", err)) == SO2_OK &&
		    (st = read_line(c, line, sizeof(line), err)) == SO2_OK) {
			ok = strncmp(line, "+OK", 3) == 0;
			note_reply(c, line, 1);
			printable(line, show, sizeof(show));
		}
		break;
	case SO2_MAIL_SMTP:
		so2_format(line, sizeof(line), "EHLO %s", ehlo);
		if ((st = send_line(c, line, err)) != SO2_OK ||
		    (st = smtp_reply(c, &code, 1, show, sizeof(show), err)) != SO2_OK)
			return st;
		if ((st = expect_ok(c, code == 250, "EHLO", show, SO2_ERR_PROTO, err))
		    != SO2_OK || (st = clear_caps(c, o, err)) != SO2_OK)
			return st;
		if ((st = send_line(c, "STARTTLS", err)) == SO2_OK &&
		    (st = smtp_reply(c, &code, 0, show, sizeof(show), err)) == SO2_OK)
			ok = code == 220;
		break;
	default:
		return fail(c, err, SO2_ERR_PARAM, "unknown protocol");
	}
	if (st != SO2_OK)
		return st;
	if ((st = expect_ok(c, ok, "STARTTLS refused", show, SO2_ERR_PROTO, err)) != SO2_OK)
		return st;
	/* Anything after the reply arrived in clear and could have been
	 * injected by a man in the middle: refuse it (CVE-2011-0411). */
	if (c->rlen != 0)
		return fail(c, err, SO2_ERR_PROTO, "the server sent data after its "
			    "STARTTLS reply, before TLS (possible injection); refused");
	c->caps[0] = '\0';	/* what came before TLS is not trusted */
	c->sasl_ir = 0;
	return start_tls(c, o, err);
}

/* read_caps - the capabilities, over TLS */
static so2_status
read_caps(so2_mail_conn *c, const so2_mail_opts *o, so2_err *err)
{
	char line[300], show[SO2_MAIL_SHOW_MAX];
	so2_status st;
	int ok, code;

	switch (c->proto) {
	case SO2_MAIL_IMAP:
		if (c->caps[0] != '\0')
			return SO2_OK;	/* from the greeting, over TLS */
		if ((st = imap_command(c, "CAPABILITY", &ok, show, sizeof(show), err))
		    != SO2_OK)
			return st;
		return expect_ok(c, ok, "CAPABILITY", show, SO2_ERR_PROTO, err);
	case SO2_MAIL_POP3:
		return pop3_capa(c, err);
	case SO2_MAIL_SMTP:
		so2_format(line, sizeof(line), "EHLO %s", o->ehlo_name ? o->ehlo_name
			   : "localhost");
		if ((st = send_line(c, line, err)) != SO2_OK ||
		    (st = smtp_reply(c, &code, 1, show, sizeof(show), err)) != SO2_OK)
			return st;
		return expect_ok(c, code == 250, "EHLO", show, SO2_ERR_PROTO, err);
	}
	return SO2_OK;
}

/* so2_mail_open - see mailproto.h */
so2_status
so2_mail_open(const so2_mail_opts *o, so2_mail_conn **out, so2_err *err)
{
	return so2_mail_open_info(o, out, NULL, err);
}

/* so2_mail_open_info - see mailproto.h */
so2_status
so2_mail_open_info(const so2_mail_opts *o, so2_mail_conn **out, so2_mail_info *info,
		   so2_err *err)
{
	so2_mail_conn *c;
	so2_mail_tls tls;
	so2_status st;
	unsigned port;

	*out = NULL;
	if (info != NULL) {
		memset(info, 0, sizeof(*info));
		info->starttls_offered = -1;
	}
	if (o == NULL || o->host == NULL || *o->host == '\0')
		return so2_err_set(err, SO2_ERR_PARAM, "no mail server host given");
	port = o->port;
	if (port == 0)
		port = o->proto == SO2_MAIL_IMAP ? 993 : o->proto == SO2_MAIL_POP3 ? 995 : 465;
	tls = o->tls;
	if (tls == SO2_MAIL_TLS_AUTO)
		tls = (port == 993 || port == 995 || port == 465) ? SO2_MAIL_TLS_IMPLICIT
		    : SO2_MAIL_TLS_STARTTLS;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	c->fd = -1;
	c->proto = o->proto;
	c->info = info;
	c->timeout = o->timeout > 0 ? o->timeout : SO2_MAIL_TIMEOUT;
	so2_format(c->where, sizeof(c->where), "%s %s:%u", so2_mail_proto_name(o->proto),
		   o->host, port);
	set_stage(c, SO2_MAIL_STAGE_CONNECT);
	if ((st = tcp_connect(c, o->host, port, err)) == SO2_OK &&
	    (tls != SO2_MAIL_TLS_IMPLICIT || (st = start_tls(c, o, err)) == SO2_OK)) {
		set_stage(c, SO2_MAIL_STAGE_GREETING);
		st = read_greeting(c, err);
	}
	if (st == SO2_OK && tls == SO2_MAIL_TLS_STARTTLS) {
		set_stage(c, SO2_MAIL_STAGE_STARTTLS);
		st = starttls(c, o, err);
	}
	if (st == SO2_OK) {
		set_stage(c, SO2_MAIL_STAGE_CAPS);
		st = read_caps(c, o, err);
	}
	if (info != NULL)
		so2_format(info->reply, sizeof(info->reply), "%s", c->last);
	c->info = NULL;
	if (st != SO2_OK) {
		so2_mail_close(c);
		return st;
	}
	if (info != NULL)
		info->stage = SO2_MAIL_STAGE_DONE;
	*out = c;
	return SO2_OK;
}

/* so2_mail_caps - see mailproto.h */
const char *
so2_mail_caps(const so2_mail_conn *c)
{
	return c->caps;
}

/* so2_mail_greeting - see mailproto.h */
const char *
so2_mail_greeting(const so2_mail_conn *c)
{
	return c->greeting;
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

/* so2_mail_offers - see mailproto.h */
int
so2_mail_offers(const so2_mail_conn *c, const char *mech)
{
	const char *p = c->caps, *key;
	char line[SO2_MAIL_CAPS_MAX];
	size_t n, k;

	key = c->proto == SO2_MAIL_POP3 ? "SASL" : "AUTH";
	k = strlen(key);
	while (*p != '\0') {
		n = strcspn(p, "\n");
		if (n < sizeof(line)) {
			memcpy(line, p, n);
			line[n] = '\0';
			if (c->proto == SO2_MAIL_IMAP) {
				if (strncasecmp(line, "AUTH=", 5) == 0 &&
				    strcasecmp(line + 5, mech) == 0)
					return 1;
			} else if (strncasecmp(line, key, k) == 0 &&
				   (line[k] == ' ' || line[k] == '=') &&
				   word_in(line + k + 1, mech)) {
				return 1;
			}
		}
		p += n + (p[n] == '\n');
	}
	return 0;
}

/* b64 - base64 of len bytes; malloc'd, wipe it with so2_wipe_free_str */
static char *
b64(const char *in, size_t len)
{
	size_t size = 4 * ((len + 2) / 3) + 1;
	char *out = malloc(size);

	if (out != NULL)
		EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)in, (int)len);
	return out;
}

/* unb64 - decode a server challenge; -1 when it is not base64 or too long */
static long
unb64(const char *in, char *out, size_t size)
{
	size_t len = strlen(in);
	int n;

	while (len > 0 && in[len - 1] == ' ')
		len--;
	if (len == 0)
		return 0;
	if (len % 4 != 0 || len / 4 * 3 > size)
		return -1;
	n = EVP_DecodeBlock((unsigned char *)out, (const unsigned char *)in, (int)len);
	if (n < 0)
		return -1;
	if (in[len - 1] == '=')
		n--;
	if (in[len - 2] == '=')
		n--;
	return n;
}

/* reply_kind - classify a server line during AUTH */
enum kind { K_CONT, K_OK, K_NO, K_TEMP, K_OTHER };

static enum kind
reply_kind(so2_mail_conn *c, const char *line, const char *tag, const char **text)
{
	size_t tl;

	*text = "";
	switch (c->proto) {
	case SO2_MAIL_IMAP:
		if (line[0] == '+' && (line[1] == ' ' || line[1] == '\0')) {
			*text = line[1] ? line + 2 : "";
			return K_CONT;
		}
		tl = strlen(tag);
		if (strncmp(line, tag, tl) != 0 || line[tl] != ' ')
			return K_OTHER;		/* untagged data */
		if (strncasecmp(line + tl + 1, "OK", 2) == 0)
			return K_OK;
		return K_NO;
	case SO2_MAIL_POP3:
		if (line[0] == '+' && (line[1] == ' ' || line[1] == '\0')) {
			*text = line[1] ? line + 2 : "";
			return K_CONT;
		}
		if (strncmp(line, "+OK", 3) == 0)
			return K_OK;
		if (strncmp(line, "-ERR", 4) == 0)
			return strstr(line, "[SYS/TEMP]") != NULL ? K_TEMP : K_NO;
		return K_OTHER;
	case SO2_MAIL_SMTP:
		if (strncmp(line, "334", 3) == 0 && (line[3] == ' ' || line[3] == '\0')) {
			*text = line[3] ? line + 4 : "";
			return K_CONT;
		}
		if (line[0] == '2')
			return K_OK;
		if (line[0] == '4')
			return K_TEMP;
		if (line[0] == '5')
			return K_NO;
		return K_OTHER;
	}
	return K_OTHER;
}

/* final_text - the whole final reply into res->text (IMAP: without our tag) */
static void
final_text(so2_mail_conn *c, const char *line, const char *tag, so2_mail_result *res)
{
	size_t tl = strlen(tag);

	switch (c->proto) {
	case SO2_MAIL_SMTP:
		so2_format(res->text, sizeof(res->text), "%s", c->last);
		if (strlen(line) >= 3 && line[1] >= '0' && line[1] <= '9' &&
		    line[2] >= '0' && line[2] <= '9')
			res->code = (line[0] - '0') * 100 + (line[1] - '0') * 10 +
				    line[2] - '0';
		break;
	case SO2_MAIL_IMAP:
		if (strncmp(line, tag, tl) == 0 && line[tl] == ' ')
			line += tl + 1;
		printable(line, res->text, sizeof(res->text));
		break;
	case SO2_MAIL_POP3:
		printable(line, res->text, sizeof(res->text));
		break;
	}
}

/* auth_line - read the next line that matters during AUTH */
static so2_status
auth_line(so2_mail_conn *c, char *line, size_t size, so2_err *err)
{
	so2_status st;
	int n;

	if (c->proto == SO2_MAIL_SMTP) {
		/* a multi-line reply keeps its last line */
		for (n = 0; n < 1000; n++) {
			if ((st = read_line(c, line, size, err)) != SO2_OK)
				return st;
			note_reply(c, line, n == 0);
			if (strlen(line) < 4 || line[3] != '-')
				return SO2_OK;
		}
		return fail(c, err, SO2_ERR_PROTO, "endless multi-line reply");
	}
	return read_line(c, line, size, err);
}

/* so2_mail_authenticate - see mailproto.h */
so2_status
so2_mail_authenticate(so2_mail_conn *c, const char *mech, const char *resp,
		      size_t resp_len, so2_mail_result *res, so2_err *err)
{
	char line[SO2_MAIL_LINE_MAX], tag[16], chal[SO2_CHALLENGE_MAX], msg[SO2_ERR_MSG_MAX];
	char *enc = NULL, *cmd = NULL;
	const char *text;
	size_t cmdsize;
	int sent = 0, replied = 0, is_bearer;
	so2_status st;
	enum kind k;
	long n;

	memset(res, 0, sizeof(*res));
	is_bearer = strcasecmp(mech, "OAUTHBEARER") == 0;
	if ((enc = b64(resp, resp_len)) == NULL)
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	cmdsize = strlen(enc) + 64;
	if ((cmd = malloc(cmdsize)) == NULL) {
		so2_wipe_free_str(enc);
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	}
	so2_format(tag, sizeof(tag), "A%u", ++c->tag);
	switch (c->proto) {
	case SO2_MAIL_IMAP:	/* RFC 4959: "=" is an empty initial response */
		if (c->sasl_ir) {
			snprintf(cmd, cmdsize, "%s AUTHENTICATE %s %s", tag, mech,
				 *enc ? enc : "=");
			sent = 1;
		} else {
			snprintf(cmd, cmdsize, "%s AUTHENTICATE %s", tag, mech);
		}
		break;
	case SO2_MAIL_POP3:
		snprintf(cmd, cmdsize, "AUTH %s", mech);
		break;
	case SO2_MAIL_SMTP:
		snprintf(cmd, cmdsize, "AUTH %s %s", mech, *enc ? enc : "=");
		if (strlen(cmd) + 2 <= SMTP_AUTH_LINE_MAX)
			sent = 1;
		else
			snprintf(cmd, cmdsize, "AUTH %s", mech);
		break;
	}
	st = send_line(c, cmd, err);
	while (st == SO2_OK) {
		if ((st = auth_line(c, line, sizeof(line), err)) != SO2_OK)
			break;
		k = reply_kind(c, line, tag, &text);
		if (k == K_OTHER) {
			if (c->proto == SO2_MAIL_IMAP) {
				if (strncasecmp(line, "* CAPABILITY ", 13) == 0)
					imap_caps_from(c, line + 13);
				continue;
			}
			st = fail(c, err, SO2_ERR_PROTO, "unexpected reply to AUTH");
			break;
		}
		if (k != K_CONT) {
			printable(line, res->reply, sizeof(res->reply));
			final_text(c, line, tag, res);
			if (k == K_OK) {
				if (c->proto == SO2_MAIL_IMAP)
					imap_resp_caps(c, line);
				st = SO2_OK;
			} else {
				so2_format(msg, sizeof(msg), "%s refused: \"%s\"%s%s%s", mech,
					   res->reply, res->challenged ? "; error challenge "
					   "status \"" : "", res->challenge.status,
					   res->challenged ? "\"" : "");
				st = fail(c, err, k == K_TEMP ? SO2_ERR_TEMP : SO2_ERR_AUTH, msg);
			}
			break;
		}
		if (!sent) {	/* the empty challenge of the server-first order */
			st = send_line(c, enc, err);
			sent = 1;
			continue;
		}
		/* An error challenge (RFC 7628 3.2.2). */
		n = unb64(text, chal, sizeof(chal) - 1);
		if (replied || n <= 0) {
			so2_format(msg, sizeof(msg), "%s: %s; authentication cancelled", mech,
				   replied ? "a second challenge after the error reply"
				   : n < 0 ? "a challenge that is not base64 (or over the size "
				   "limit)" : "an empty challenge after the response");
			send_line(c, "*", err);
			st = fail(c, err, SO2_ERR_PROTO, msg);
			break;
		}
		chal[n] = '\0';
		if (so2_challenge_parse(chal, (size_t)n, &res->challenge, err) != SO2_OK) {
			so2_format(msg, sizeof(msg), "%s: the server's challenge is not an "
				   "error challenge (%s); authentication cancelled", mech,
				   err->msg);
			send_line(c, "*", err);
			st = fail(c, err, SO2_ERR_PROTO, msg);
			break;
		}
		res->challenged = 1;
		replied = 1;
		st = send_line(c, is_bearer ? "AQ==" : "", err);
	}
	if (st != SO2_OK && res->reply[0] == '\0')
		so2_format(res->reply, sizeof(res->reply), "%s", "(no final reply)");
	so2_wipe_free(cmd, cmdsize);
	so2_wipe_free_str(enc);
	OPENSSL_cleanse(line, sizeof(line));
	return st;
}

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
		    tls_error(why, sizeof(why), "error"));
	return -1;
}

/* so2_mail_relay - see mailproto.h */
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
			if ((st = io_write(c, buf, (size_t)r, err)) != SO2_OK)
				return st;
		}
	}
}

/* so2_mail_quit - LOGOUT / QUIT, answer ignored */
void
so2_mail_quit(so2_mail_conn *c)
{
	char show[SO2_MAIL_SHOW_MAX];
	so2_err err;
	int ok, code;

	if (c == NULL || c->fd < 0)
		return;
	c->timeout = 5;
	switch (c->proto) {
	case SO2_MAIL_IMAP:
		(void)imap_command(c, "LOGOUT", &ok, show, sizeof(show), &err);
		break;
	case SO2_MAIL_POP3:
		if (send_line(c, "QUIT", &err) == SO2_OK)
			(void)read_line(c, show, sizeof(show), &err);
		break;
	case SO2_MAIL_SMTP:
		if (send_line(c, "QUIT", &err) == SO2_OK)
			(void)smtp_reply(c, &code, 0, show, sizeof(show), &err);
		break;
	}
}

/* so2_mail_close - see mailproto.h */
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

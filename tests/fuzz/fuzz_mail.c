/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	fuzz_mail.c - libFuzzer target for the mail client's line and reply
 *	reader (mail/conn.c, imap.c, pop3.c, smtp.c, auth.c, session.c)
 * DESCRIPTION
 *	The input is what a mail server sends: the fuzzer plays the server.
 *	The first byte picks the dialogue, the rest is the server's bytes:
 *		bits 0-1  protocol: 0 IMAP, 1 POP3, 2 and 3 SMTP
 *		bit 2     mechanism: 0 XOAUTH2, 1 OAUTHBEARER
 *		bit 3     check_starttls (capabilities in clear first)
 *		bit 4     ask for STARTTLS; the bytes up to the first "=TLS=\n"
 *		          are what the server sends in clear, the rest what
 *		          it sends after the handshake (which is left out: a
 *		          new socket pair stands for the TLS session)
 *	The bytes wait in a socket pair whose other end was shut for
 *	writing, so every read returns at once and a short input ends in
 *	"the server closed the connection". The session runs as
 *	so2_mail_open_info() runs it (greeting, STARTTLS, capabilities),
 *	then so2_mail_offers(), so2_mail_authenticate() with a fixed
 *	response, so2_mail_quit() and so2_mail_close().
 *
 *	Besides the sanitizers' findings, the target traps when a contract
 *	of mail.h breaks:
 *	- a status outside SO2_OK, SO2_ERR_TEMP, SO2_ERR_PROTO, SO2_ERR_AUTH,
 *	  SO2_ERR_NOMEM; a failure whose message is empty, does not name
 *	  the server first ("imap fuzz:143: ") or holds a control character
 *	  (server text must not forge log lines);
 *	- server text kept for messages or shown that is not printable:
 *	  the greeting, the capabilities, the last reply, the info's
 *	  detail, the result's reply and text (lines joined by "\n" only);
 *	- a result code outside 0..999, or challenge fields not
 *	  NUL-terminated.
 *	See tests/fuzz/README for building and running.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/text.h"
#include "mail/conn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the client's response: what so2_xoauth2_response() makes of a token */
static const char resp[] = "user=alice@example.com\001auth=Bearer eyJ0eXAi.eyJhdWQi.c2ln\001\001";

/* check - stop the fuzzer at a broken contract */
static void
check(int ok)
{
	if (!ok)
		__builtin_trap();
}

/* lines_ok - text whose lines (joined by "\n") are printable */
static int
lines_ok(const char *s)
{
	char buf[SO2_MAIL_CAPS_MAX];	/* the longest: caps; last, text shorter */
	size_t i;

	so2_format(buf, sizeof(buf), "%s", s);
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] == '\n')
			buf[i] = ' ';
	return !so2_has_control(buf);
}

/* terminated - a NUL within the size bytes of buf */
static int
terminated(const char *buf, size_t size)
{
	return memchr(buf, '\0', size) != NULL;
}

/* status_ok - st is documented, and a failure is well reported */
static void
status_ok(const so2_mail_conn *c, so2_status st, const so2_err *err)
{
	size_t n = strlen(c->where);

	check(st == SO2_OK || st == SO2_ERR_TEMP || st == SO2_ERR_PROTO
	    || st == SO2_ERR_AUTH || st == SO2_ERR_NOMEM);
	if (st == SO2_OK || st == SO2_ERR_NOMEM)
		return;
	check(err->status == st && err->msg[0] != '\0' && !so2_has_control(err->msg));
	check(strncmp(err->msg, c->where, n) == 0 && strncmp(err->msg + n, ": ", 2) == 0);
}

/* conn_ok - what the connection keeps for messages is printable */
static void
conn_ok(const so2_mail_conn *c)
{
	check(terminated(c->greeting, sizeof(c->greeting)) && !so2_has_control(c->greeting));
	check(terminated(c->last, sizeof(c->last)) && lines_ok(c->last));
	check(terminated(c->caps, sizeof(c->caps)) && lines_ok(c->caps));
	check(c->rlen < sizeof(c->rbuf));
}

/* feed - a socket pair holding the server's bytes; -1 when they do not fit */
static int
feed(const uint8_t *data, size_t size, int sv[2])
{
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
		return -1;
	while (size > 0) {
		n = send(sv[1], data, size, MSG_NOSIGNAL);
		if (n <= 0) {
			close(sv[0]);
			close(sv[1]);
			return -1;
		}
		data += n;
		size -= (size_t)n;
	}
	shutdown(sv[1], SHUT_WR);
	return 0;
}

#define TLS_MARK "=TLS=\n"

/* session - greeting, STARTTLS, capabilities; as so2_mail_open_info
 *	tls/tls_len: the bytes after the handshake (ask_tls only); sv[1]
 *	the server's end of the socket pair, replaced with the new one */
static so2_status
session(so2_mail_conn *c, const so2_mail_opts *o, int ask_tls, const uint8_t *tls,
	size_t tls_len, int *peer, so2_err *err)
{
	int sv[2];
	char show[SO2_MAIL_SHOW_MAX];
	so2_status st;
	int ok = 0;

	mail_set_stage(c, SO2_MAIL_STAGE_GREETING);
	if ((st = c->ops->greeting(c, err)) != SO2_OK)
		return st;
	conn_ok(c);
	if (ask_tls) {
		mail_set_stage(c, SO2_MAIL_STAGE_STARTTLS);
		show[0] = '\0';
		if ((st = c->ops->starttls(c, o, &ok, show, sizeof(show), err)) != SO2_OK)
			return st;
		check(terminated(show, sizeof(show)) && !so2_has_control(show));
		if (!ok)
			return mail_expect_ok(c, ok, "STARTTLS refused", show, SO2_ERR_PROTO,
					      err);
		if (c->rlen != 0)	/* session.c refuses it: so does this */
			return mail_fail(c, err, SO2_ERR_PROTO, "data after STARTTLS");
		if (feed(tls, tls_len, sv) != 0)
			return mail_fail(c, err, SO2_ERR_TEMP, "no second socket pair");
		close(c->fd);
		close(*peer);
		c->fd = sv[0];
		*peer = sv[1];
		c->caps[0] = '\0';
		c->sasl_ir = 0;
	}
	mail_set_stage(c, SO2_MAIL_STAGE_CAPS);
	return c->ops->caps(c, o, err);
}

/* LLVMFuzzerTestOneInput - one server */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const so2_mail_proto protos[] = {
		SO2_MAIL_IMAP, SO2_MAIL_POP3, SO2_MAIL_SMTP, SO2_MAIL_SMTP
	};
	so2_mail_opts o;
	so2_mail_info info;
	so2_mail_result res;
	so2_mail_conn *c;
	const char *mech;
	so2_status st;
	const uint8_t *tls = NULL;
	size_t clear, tls_len = 0;
	so2_err err;
	int sv[2], mode;

	if (size < 1)
		return 0;
	mode = data[0];
	data++;
	clear = size - 1;
	if (mode & 16) {
		tls = memmem(data, clear, TLS_MARK, strlen(TLS_MARK));
		if (tls != NULL) {
			clear = (size_t)(tls - data);
			tls += strlen(TLS_MARK);
			tls_len = size - 1 - clear - strlen(TLS_MARK);
		} else {
			tls = data + clear;
		}
	}
	if (feed(data, clear, sv) != 0)
		return 0;
	memset(&o, 0, sizeof(o));
	o.proto = protos[mode & 3];
	o.host = "fuzz";
	o.port = 143;
	o.tls = SO2_MAIL_TLS_STARTTLS;
	o.timeout = 1;
	o.check_starttls = (mode & 8) != 0;
	mech = (mode & 4) ? "OAUTHBEARER" : "XOAUTH2";
	memset(&info, 0, sizeof(info));
	info.starttls_offered = -1;
	if ((c = mail_conn_new(&o, o.port, &info)) == NULL) {
		close(sv[0]);
		close(sv[1]);
		return 0;
	}
	c->fd = sv[0];
	so2_err_clear(&err);

	st = session(c, &o, (mode & 16) != 0, tls, tls_len, &sv[1], &err);
	status_ok(c, st, &err);
	conn_ok(c);
	check(terminated(info.detail, sizeof(info.detail)) && !so2_has_control(info.detail));
	check(info.starttls_offered >= -1 && info.starttls_offered <= 1);
	c->info = NULL;
	if (st == SO2_OK) {
		(void)so2_mail_offers(c, mech);
		st = so2_mail_authenticate(c, mech, resp, sizeof(resp) - 1, &res, &err);
		status_ok(c, st, &err);
		conn_ok(c);
		check(terminated(res.reply, sizeof(res.reply)) && !so2_has_control(res.reply));
		check(terminated(res.text, sizeof(res.text)) && lines_ok(res.text));
		check(res.code >= 0 && res.code <= 999);
		check(res.challenged == 0 || res.challenged == 1);
		check(terminated(res.challenge.status, sizeof(res.challenge.status)));
		check(terminated(res.challenge.scope, sizeof(res.challenge.scope)));
		so2_mail_quit(c);
	}
	so2_mail_close(c);
	close(sv[1]);
	return 0;
}

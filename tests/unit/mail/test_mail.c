/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test_mail.c - unit tests of the mail client (mail/) over a socket pair
 * DESCRIPTION
 *	Each test plays a server: its lines wait in one end of a socket pair
 *	(closed for writing afterwards, so a short script ends in "the
 *	server closed the connection"), the client (mail_conn_new, conn.h)
 *	reads from the other end, and what the client wrote is compared
 *	byte for byte with what it must write. TLS is not involved: the
 *	steps run as so2_mail_open_info() runs them after the handshake
 *	(the greeting, the capabilities), then so2_mail_authenticate(),
 *	so2_mail_offers() and so2_mail_quit().
 *
 *	In scripts and transcripts "%R" stands for the base64 of the
 *	client's response and "%C" for the base64 of an error challenge
 *	(RFC 7628 3.2.2, Google's XOAUTH2 form).
 * SEE ALSO
 *	mail/mail.h, mail/conn.h, RFC 3501, RFC 4959, RFC 5034, RFC 4954
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/base64.h"
#include "mail/conn.h"

#include "tests.h"

#define SCRIPT_MAX	(SO2_MAIL_LINE_MAX * 2)

/* the client's response: what so2_xoauth2_response() makes of a token */
static const char resp[] = "user=alice@example.com\001auth=Bearer eyJ0eXAi.eyJhdWQi.c2ln\001\001";
static const char chal[] = "{\"status\":\"400\",\"schemes\":\"Bearer\","
	"\"scope\":\"https://mail.google.com/\"}";

/* dialogue - a connection and the server's end of its socket pair */
struct dialogue {
	so2_mail_conn *c;
	so2_mail_opts o;
	int peer;
};

/* expand - tmpl with %R (the response's base64) and %C (the challenge's) */
static void
expand(const char *tmpl, const char *r, size_t rlen, char *out, size_t size)
{
	char r64[SO2_B64_LEN(4096) + 1], c64[SO2_B64_LEN(sizeof(chal)) + 1];
	size_t used = 0, n;
	const char *add;

	so2_b64_encode((const unsigned char *)r, rlen, r64, sizeof(r64));
	so2_b64_encode((const unsigned char *)chal, sizeof(chal) - 1, c64, sizeof(c64));
	for (; *tmpl != '\0'; tmpl += add == NULL ? 1 : 2) {
		add = NULL;
		if (tmpl[0] == '%' && tmpl[1] == 'R')
			add = r64;
		else if (tmpl[0] == '%' && tmpl[1] == 'C')
			add = c64;
		n = add != NULL ? strlen(add) : 1;
		ck_assert_msg(used + n < size, "script over %zu bytes", size);
		memcpy(out + used, add != NULL ? add : tmpl, n);
		used += n;
	}
	out[used] = '\0';
}

/* start_raw - a client for proto; the server says len bytes of script */
static void
start_raw(struct dialogue *d, so2_mail_proto proto, const char *script, size_t len)
{
	int sv[2];
	ssize_t n;

	memset(d, 0, sizeof(*d));
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
				    sv), 0);
	while (len > 0) {
		n = send(sv[1], script, len, MSG_NOSIGNAL);
		ck_assert_msg(n > 0, "cannot fill the socket pair: %s", strerror(errno));
		script += n;
		len -= (size_t)n;
	}
	ck_assert_int_eq(shutdown(sv[1], SHUT_WR), 0);
	d->o.proto = proto;
	d->o.host = "mail.test";
	d->o.timeout = 5;
	d->c = mail_conn_new(&d->o, 143, NULL);
	ck_assert_ptr_nonnull(d->c);
	d->c->fd = sv[0];
	d->peer = sv[1];
}

/* start - as start_raw, script a template (%R, %C) */
static void
start(struct dialogue *d, so2_mail_proto proto, const char *script)
{
	static char buf[SCRIPT_MAX];

	expand(script, resp, sizeof(resp) - 1, buf, sizeof(buf));
	start_raw(d, proto, buf, strlen(buf));
}

/* sent - everything the client wrote so far, NUL-terminated */
static const char *
sent(struct dialogue *d)
{
	static char buf[SCRIPT_MAX];
	size_t used = 0;
	ssize_t n;

	while (used + 1 < sizeof(buf) &&
	       (n = recv(d->peer, buf + used, sizeof(buf) - 1 - used, MSG_DONTWAIT)) > 0)
		used += (size_t)n;
	buf[used] = '\0';
	return buf;
}

/* check_sent - the client wrote exactly want (a template) */
static void
check_sent(struct dialogue *d, const char *what, const char *want, const char *r,
	   size_t rlen)
{
	static char w[SCRIPT_MAX];
	const char *got = sent(d);

	expand(want, r, rlen, w, sizeof(w));
	ck_assert_msg(strcmp(got, w) == 0, "%s: the client wrote \"%s\", want \"%s\"", what,
		      got, w);
}

/* finish - close both ends */
static void
finish(struct dialogue *d)
{
	so2_mail_close(d->c);
	close(d->peer);
}

/* check_err - st and err as wanted: status, message containing want */
static void
check_err(const char *what, so2_status st, const so2_err *err, so2_status want_st,
	  const char *want)
{
	ck_assert_msg(st == want_st, "%s: status %s (%s), want %s", what, so2_status_name(st),
		      err->msg, so2_status_name(want_st));
	if (want_st == SO2_OK)
		return;
	ck_assert_msg(strncmp(err->msg, "imap mail.test:143: ", 20) == 0 ||
		      strncmp(err->msg, "pop3 mail.test:143: ", 20) == 0 ||
		      strncmp(err->msg, "smtp mail.test:143: ", 20) == 0,
		      "%s: message \"%s\" does not name the server first", what, err->msg);
	ck_assert_msg(strstr(err->msg, want) != NULL, "%s: message \"%s\", want it to hold "
		      "\"%s\"", what, err->msg, want);
}

/* --- the greeting -------------------------------------------------------- */

static const struct greeting_case {
	const char *name;
	so2_mail_proto proto;
	const char *script;
	so2_status status;
	const char *text;	/* the message holds it; on success: the greeting */
	const char *last;	/* the last reply kept, lines joined by "\n" */
} greeting_cases[] = {
	{ "imap ok", SO2_MAIL_IMAP, "* OK ready\r\n", SO2_OK, "* OK ready", "* OK ready" },
	{ "imap LF only", SO2_MAIL_IMAP, "* OK ready\n", SO2_OK, "* OK ready", "* OK ready" },
	{ "imap bye", SO2_MAIL_IMAP, "* BYE too busy\r\n", SO2_ERR_TEMP,
	  "greeting: the server answered \"* BYE too busy\"", "* BYE too busy" },
	{ "imap garbage", SO2_MAIL_IMAP, "hello\r\n", SO2_ERR_PROTO,
	  "greeting: the server answered \"hello\"", "hello" },
	{ "imap control bytes", SO2_MAIL_IMAP, "* OK \033[31mred\r\n", SO2_OK,
	  "* OK ?[31mred", "* OK ?[31mred" },
	{ "pop3 ok", SO2_MAIL_POP3, "+OK POP3 ready\r\n", SO2_OK, "+OK POP3 ready",
	  "+OK POP3 ready" },
	{ "pop3 refused", SO2_MAIL_POP3, "-ERR go away\r\n", SO2_ERR_TEMP,
	  "greeting: the server answered \"-ERR go away\"", "-ERR go away" },
	{ "smtp multi-line", SO2_MAIL_SMTP, "220-mail.test ESMTP\r\n220-more\r\n220 ready\r\n",
	  SO2_OK, "220 ready", "220-mail.test ESMTP\n220-more\n220 ready" },
	{ "smtp 421", SO2_MAIL_SMTP, "421 4.3.2 shutting down\r\n", SO2_ERR_TEMP,
	  "greeting: the server answered \"421 4.3.2 shutting down\"",
	  "421 4.3.2 shutting down" },
	{ "smtp 554", SO2_MAIL_SMTP, "554 5.3.2 no service\r\n", SO2_ERR_PROTO,
	  "greeting: the server answered \"554 5.3.2 no service\"", "554 5.3.2 no service" },
	{ "smtp not smtp", SO2_MAIL_SMTP, "* OK imap here\r\n", SO2_ERR_PROTO,
	  "the server's reply is not an SMTP reply", "" },
	{ "smtp cut reply", SO2_MAIL_SMTP, "220-first\r\n", SO2_ERR_TEMP,
	  "the server closed the connection", "220-first" },
	{ "closed at once", SO2_MAIL_IMAP, "", SO2_ERR_TEMP,
	  "the server closed the connection", "" },
	{ "no line end", SO2_MAIL_POP3, "+OK but no end", SO2_ERR_TEMP,
	  "the server closed the connection", "" },
};

START_TEST(test_greeting)
{
	const struct greeting_case *t = &greeting_cases[_i];
	struct dialogue d;
	so2_status st;
	so2_err err;

	start(&d, t->proto, t->script);
	st = d.c->ops->greeting(d.c, &err);
	check_err(t->name, st, &err, t->status, t->text);
	if (t->status == SO2_OK)
		ck_assert_msg(strcmp(so2_mail_greeting(d.c), t->text) == 0,
			      "%s: greeting \"%s\", want \"%s\"", t->name,
			      so2_mail_greeting(d.c), t->text);
	ck_assert_msg(strcmp(d.c->last, t->last) == 0, "%s: last reply \"%s\", want \"%s\"",
		      t->name, d.c->last, t->last);
	check_sent(&d, t->name, "", resp, 0);
	finish(&d);
}
END_TEST

/* The line reader's caps: a line over 16 KB, a NUL byte. */
START_TEST(test_line_limits)
{
	static char script[SO2_MAIL_LINE_MAX + 64];
	struct dialogue d;
	so2_status st;
	so2_err err;

	memcpy(script, "* OK ", 5);
	memset(script + 5, 'x', SO2_MAIL_LINE_MAX);
	memcpy(script + 5 + SO2_MAIL_LINE_MAX, "\r\n", 2);
	start_raw(&d, SO2_MAIL_IMAP, script, SO2_MAIL_LINE_MAX + 7);
	st = d.c->ops->greeting(d.c, &err);
	check_err("over-long line", st, &err, SO2_ERR_PROTO, "a line longer than 16 KB");
	finish(&d);

	start_raw(&d, SO2_MAIL_IMAP, "* OK a\0b\r\n", 10);
	st = d.c->ops->greeting(d.c, &err);
	check_err("NUL byte", st, &err, SO2_ERR_PROTO, "the server sent a NUL byte");
	finish(&d);
}
END_TEST

/* --- the capabilities ---------------------------------------------------- */

START_TEST(test_imap_caps_in_greeting)
{
	struct dialogue d;
	so2_err err;

	start(&d, SO2_MAIL_IMAP, "* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=XOAUTH2 "
	      "AUTH=OAUTHBEARER] ready\r\n");
	ck_assert_int_eq(d.c->ops->greeting(d.c, &err), SO2_OK);
	ck_assert_int_eq(d.c->ops->caps(d.c, &d.o, &err), SO2_OK);
	check_sent(&d, "caps from the greeting", "", resp, 0);
	ck_assert_str_eq(so2_mail_caps(d.c),
			 "IMAP4rev1\nSASL-IR\nAUTH=XOAUTH2\nAUTH=OAUTHBEARER\n");
	ck_assert_int_eq(d.c->sasl_ir, 1);
	ck_assert_int_eq(so2_mail_offers(d.c, "XOAUTH2"), 1);
	ck_assert_int_eq(so2_mail_offers(d.c, "oauthbearer"), 1);
	ck_assert_int_eq(so2_mail_offers(d.c, "PLAIN"), 0);
	finish(&d);
}
END_TEST

START_TEST(test_imap_capability)
{
	struct dialogue d;
	so2_err err;

	start(&d, SO2_MAIL_IMAP, "* OK ready\r\n* CAPABILITY IMAP4rev1 AUTH=XOAUTH2\r\n"
	      "S1 OK CAPABILITY completed\r\n");
	ck_assert_int_eq(d.c->ops->greeting(d.c, &err), SO2_OK);
	ck_assert_int_eq(d.c->ops->caps(d.c, &d.o, &err), SO2_OK);
	check_sent(&d, "CAPABILITY", "S1 CAPABILITY\r\n", resp, 0);
	ck_assert_str_eq(so2_mail_caps(d.c), "IMAP4rev1\nAUTH=XOAUTH2\n");
	ck_assert_int_eq(d.c->sasl_ir, 0);
	ck_assert_int_eq(so2_mail_offers(d.c, "OAUTHBEARER"), 0);
	finish(&d);

	start(&d, SO2_MAIL_IMAP, "* OK ready\r\nS1 BAD no\r\n");
	ck_assert_int_eq(d.c->ops->greeting(d.c, &err), SO2_OK);
	check_err("CAPABILITY refused", d.c->ops->caps(d.c, &d.o, &err), &err, SO2_ERR_PROTO,
		  "CAPABILITY: the server answered \"S1 BAD no\"");
	finish(&d);

	start(&d, SO2_MAIL_IMAP, "* OK ready\r\n* BYE shutting down\r\n");
	ck_assert_int_eq(d.c->ops->greeting(d.c, &err), SO2_OK);
	check_err("BYE", d.c->ops->caps(d.c, &d.o, &err), &err, SO2_ERR_TEMP,
		  "the server closed the session: * BYE shutting down");
	finish(&d);
}
END_TEST

START_TEST(test_smtp_ehlo)
{
	struct dialogue d;
	so2_err err;

	start(&d, SO2_MAIL_SMTP, "220 ready\r\n250-mail.test hello\r\n250-SIZE 1000\r\n"
	      "250-AUTH LOGIN XOAUTH2\r\n250 8BITMIME\r\n");
	d.o.ehlo_name = "client.test";
	ck_assert_int_eq(d.c->ops->greeting(d.c, &err), SO2_OK);
	ck_assert_int_eq(d.c->ops->caps(d.c, &d.o, &err), SO2_OK);
	check_sent(&d, "EHLO", "EHLO client.test\r\n", resp, 0);
	ck_assert_str_eq(so2_mail_caps(d.c), "SIZE 1000\nAUTH LOGIN XOAUTH2\n8BITMIME\n");
	ck_assert_str_eq(d.c->last, "250-mail.test hello\n250-SIZE 1000\n250-AUTH LOGIN "
			 "XOAUTH2\n250 8BITMIME");
	ck_assert_int_eq(so2_mail_offers(d.c, "XOAUTH2"), 1);
	ck_assert_int_eq(so2_mail_offers(d.c, "LOGIN"), 1);
	ck_assert_int_eq(so2_mail_offers(d.c, "OAUTHBEARER"), 0);
	ck_assert_int_eq(so2_mail_offers(d.c, "8BITMIME"), 0);
	finish(&d);

	start(&d, SO2_MAIL_SMTP, "220 ready\r\n502 5.5.1 no EHLO\r\n");
	ck_assert_int_eq(d.c->ops->greeting(d.c, &err), SO2_OK);
	check_err("EHLO refused", d.c->ops->caps(d.c, &d.o, &err), &err, SO2_ERR_PROTO,
		  "EHLO: the server answered \"502 5.5.1 no EHLO\"");
	check_sent(&d, "EHLO localhost", "EHLO localhost\r\n", resp, 0);
	finish(&d);
}
END_TEST

START_TEST(test_pop3_capa)
{
	struct dialogue d;
	so2_err err;

	start(&d, SO2_MAIL_POP3, "+OK ready\r\n+OK capability list\r\nUSER\r\n"
	      "SASL XOAUTH2 OAUTHBEARER\r\n..dot-stuffed\r\n.\r\n");
	ck_assert_int_eq(d.c->ops->greeting(d.c, &err), SO2_OK);
	ck_assert_int_eq(d.c->ops->caps(d.c, &d.o, &err), SO2_OK);
	check_sent(&d, "CAPA", "CAPA\r\n", resp, 0);
	ck_assert_str_eq(so2_mail_caps(d.c), "USER\nSASL XOAUTH2 OAUTHBEARER\n.dot-stuffed\n");
	ck_assert_int_eq(so2_mail_offers(d.c, "OAUTHBEARER"), 1);
	ck_assert_int_eq(so2_mail_offers(d.c, "USER"), 0);
	finish(&d);

	/* Capabilities are shown (doctor, the connect hand-over): a control
	 * character becomes '?' (found by tests/fuzz/fuzz_mail.c) */
	start(&d, SO2_MAIL_POP3, "+OK ready\r\n+OK\r\nSTLS\005\r\n"
	      "SASL XOAUTH2 \033[2J\r\n.\r\n");
	ck_assert_int_eq(d.c->ops->greeting(d.c, &err), SO2_OK);
	ck_assert_int_eq(d.c->ops->caps(d.c, &d.o, &err), SO2_OK);
	ck_assert_str_eq(so2_mail_caps(d.c), "STLS?\nSASL XOAUTH2 ?[2J\n");
	ck_assert_int_eq(so2_mail_offers(d.c, "XOAUTH2"), 1);
	finish(&d);

	/* RFC 2449: a server without CAPA has no capabilities, not an error */
	start(&d, SO2_MAIL_POP3, "+OK ready\r\n-ERR unknown command\r\n");
	ck_assert_int_eq(d.c->ops->greeting(d.c, &err), SO2_OK);
	ck_assert_int_eq(d.c->ops->caps(d.c, &d.o, &err), SO2_OK);
	ck_assert_str_eq(so2_mail_caps(d.c), "");
	ck_assert_int_eq(so2_mail_offers(d.c, "XOAUTH2"), 0);
	finish(&d);
}
END_TEST

/* --- the AUTH exchange ------------------------------------------------------ */

static const struct auth_case {
	const char *name;
	so2_mail_proto proto;
	int sasl_ir;		/* IMAP: SASL-IR announced */
	const char *mech;
	size_t resp_len;	/* 0: resp; else a response of this many bytes */
	const char *script;	/* the server's lines */
	const char *wrote;	/* the client's lines */
	so2_status status;
	const char *msg;	/* the message holds it (failures) */
	const char *reply;	/* res.reply */
	const char *text;	/* res.text */
	int code;		/* res.code */
	const char *challenge;	/* res.challenge.status; NULL: not challenged */
} auth_cases[] = {
	/* IMAP, RFC 4959: the response on the command line with SASL-IR ... */
	{ "imap sasl-ir", SO2_MAIL_IMAP, 1, "XOAUTH2", 0, "A1 OK done\r\n",
	  "A1 AUTHENTICATE XOAUTH2 %R\r\n", SO2_OK, NULL, "A1 OK done", "OK done", 0, NULL },
	/* ... else after the empty continuation ("+ " or a bare "+") */
	{ "imap continuation", SO2_MAIL_IMAP, 0, "XOAUTH2", 0, "+ \r\nA1 OK done\r\n",
	  "A1 AUTHENTICATE XOAUTH2\r\n%R\r\n", SO2_OK, NULL, "A1 OK done", "OK done", 0, NULL },
	{ "imap bare +", SO2_MAIL_IMAP, 0, "OAUTHBEARER", 0, "+\r\nA1 OK done\r\n",
	  "A1 AUTHENTICATE OAUTHBEARER\r\n%R\r\n", SO2_OK, NULL, "A1 OK done", "OK done", 0,
	  NULL },
	{ "imap untagged data", SO2_MAIL_IMAP, 1, "XOAUTH2", 0,
	  "* CAPABILITY IMAP4rev1 IDLE\r\n* OK still here\r\nA1 OK done\r\n",
	  "A1 AUTHENTICATE XOAUTH2 %R\r\n", SO2_OK, NULL, "A1 OK done", "OK done", 0, NULL },
	{ "imap refused", SO2_MAIL_IMAP, 1, "XOAUTH2", 0,
	  "A1 NO [AUTHENTICATIONFAILED] Invalid credentials\r\n",
	  "A1 AUTHENTICATE XOAUTH2 %R\r\n", SO2_ERR_AUTH,
	  "XOAUTH2 refused: \"A1 NO [AUTHENTICATIONFAILED] Invalid credentials\"",
	  "A1 NO [AUTHENTICATIONFAILED] Invalid credentials",
	  "NO [AUTHENTICATIONFAILED] Invalid credentials", 0, NULL },
	/* An error challenge: XOAUTH2 answers an empty line (Google), ... */
	{ "imap error challenge", SO2_MAIL_IMAP, 1, "XOAUTH2", 0,
	  "+ %C\r\nA1 NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)\r\n",
	  "A1 AUTHENTICATE XOAUTH2 %R\r\n\r\n", SO2_ERR_AUTH,
	  "; error challenge status \"400\"",
	  "A1 NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)",
	  "NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)", 0, "400" },
	/* ... OAUTHBEARER a single 0x01 (RFC 7628 3.2.3) */
	{ "imap oauthbearer challenge", SO2_MAIL_IMAP, 0, "OAUTHBEARER", 0,
	  "+ \r\n+ %C\r\nA1 NO failed\r\n",
	  "A1 AUTHENTICATE OAUTHBEARER\r\n%R\r\nAQ==\r\n", SO2_ERR_AUTH,
	  "OAUTHBEARER refused: \"A1 NO failed\"; error challenge status \"400\"",
	  "A1 NO failed", "NO failed", 0, "400" },
	{ "second challenge", SO2_MAIL_IMAP, 1, "XOAUTH2", 0, "+ %C\r\n+ %C\r\n",
	  "A1 AUTHENTICATE XOAUTH2 %R\r\n\r\n*\r\n", SO2_ERR_PROTO,
	  "XOAUTH2: a second challenge after the error reply; authentication cancelled",
	  "(no final reply)", "", 0, "400" },
	{ "challenge not base64", SO2_MAIL_IMAP, 1, "XOAUTH2", 0, "+ not*base64!\r\n",
	  "A1 AUTHENTICATE XOAUTH2 %R\r\n*\r\n", SO2_ERR_PROTO,
	  "a challenge that is not base64 (or over the size limit); authentication "
	  "cancelled", "(no final reply)", "", 0, NULL },
	{ "challenge not json", SO2_MAIL_IMAP, 1, "XOAUTH2", 0, "+ aGVsbG8=\r\n",
	  "A1 AUTHENTICATE XOAUTH2 %R\r\n*\r\n", SO2_ERR_PROTO,
	  "the server's challenge is not an error challenge", "(no final reply)", "", 0,
	  NULL },
	{ "empty challenge after the response", SO2_MAIL_IMAP, 1, "XOAUTH2", 0, "+ \r\n",
	  "A1 AUTHENTICATE XOAUTH2 %R\r\n*\r\n", SO2_ERR_PROTO,
	  "an empty challenge after the response", "(no final reply)", "", 0, NULL },
	/* SMTP, RFC 4954 4: on the AUTH line when it fits in 512 octets, ... */
	{ "smtp short", SO2_MAIL_SMTP, 0, "XOAUTH2", 0, "235 2.7.0 Accepted\r\n",
	  "AUTH XOAUTH2 %R\r\n", SO2_OK, NULL, "235 2.7.0 Accepted", "235 2.7.0 Accepted",
	  235, NULL },
	/* ... else after 334 (a real token: 600 bytes) */
	{ "smtp long", SO2_MAIL_SMTP, 0, "XOAUTH2", 600, "334 \r\n235 2.7.0 Accepted\r\n",
	  "AUTH XOAUTH2\r\n%R\r\n", SO2_OK, NULL, "235 2.7.0 Accepted", "235 2.7.0 Accepted",
	  235, NULL },
	{ "smtp error challenge", SO2_MAIL_SMTP, 0, "XOAUTH2", 0,
	  "334 %C\r\n535-5.7.3 Authentication unsuccessful\r\n535 5.7.3 see the log\r\n",
	  "AUTH XOAUTH2 %R\r\n\r\n", SO2_ERR_AUTH,
	  "XOAUTH2 refused: \"535 5.7.3 see the log\"; error challenge status \"400\"",
	  "535 5.7.3 see the log",
	  "535-5.7.3 Authentication unsuccessful\n535 5.7.3 see the log", 535, "400" },
	{ "smtp temporary", SO2_MAIL_SMTP, 0, "XOAUTH2", 0, "454 4.7.0 try again later\r\n",
	  "AUTH XOAUTH2 %R\r\n", SO2_ERR_TEMP, "XOAUTH2 refused: \"454 4.7.0 try again later\"",
	  "454 4.7.0 try again later", "454 4.7.0 try again later", 454, NULL },
	{ "smtp garbage", SO2_MAIL_SMTP, 0, "XOAUTH2", 0, "hello there\r\n",
	  "AUTH XOAUTH2 %R\r\n", SO2_ERR_PROTO, "unexpected reply to AUTH",
	  "(no final reply)", "", 0, NULL },
	{ "smtp closed", SO2_MAIL_SMTP, 0, "XOAUTH2", 0, "",
	  "AUTH XOAUTH2 %R\r\n", SO2_ERR_TEMP, "the server closed the connection",
	  "(no final reply)", "", 0, NULL },
	/* POP3, RFC 5034 4: always after the continuation */
	{ "pop3", SO2_MAIL_POP3, 0, "XOAUTH2", 0, "+ \r\n+OK welcome\r\n",
	  "AUTH XOAUTH2\r\n%R\r\n", SO2_OK, NULL, "+OK welcome", "+OK welcome", 0, NULL },
	{ "pop3 sys/temp", SO2_MAIL_POP3, 0, "XOAUTH2", 0,
	  "+ \r\n-ERR [SYS/TEMP] try later\r\n", "AUTH XOAUTH2\r\n%R\r\n", SO2_ERR_TEMP,
	  "XOAUTH2 refused: \"-ERR [SYS/TEMP] try later\"", "-ERR [SYS/TEMP] try later",
	  "-ERR [SYS/TEMP] try later", 0, NULL },
	{ "pop3 refused", SO2_MAIL_POP3, 0, "OAUTHBEARER", 0,
	  "+ \r\n+ %C\r\n-ERR [AUTH] no\r\n", "AUTH OAUTHBEARER\r\n%R\r\nAQ==\r\n",
	  SO2_ERR_AUTH, "OAUTHBEARER refused: \"-ERR [AUTH] no\"; error challenge status",
	  "-ERR [AUTH] no", "-ERR [AUTH] no", 0, "400" },
};

START_TEST(test_authenticate)
{
	const struct auth_case *t = &auth_cases[_i];
	static char big[4096];
	struct dialogue d;
	so2_mail_result res;
	const char *r = resp;
	size_t rlen = sizeof(resp) - 1;
	so2_status st;
	so2_err err;

	if (t->resp_len > 0) {
		ck_assert_uint_lt(t->resp_len, sizeof(big));
		memset(big, 'T', t->resp_len);
		r = big;
		rlen = t->resp_len;
	}
	start(&d, t->proto, t->script);
	d.c->sasl_ir = t->sasl_ir;
	st = so2_mail_authenticate(d.c, t->mech, r, rlen, &res, &err);
	check_err(t->name, st, &err, t->status, t->msg ? t->msg : "");
	check_sent(&d, t->name, t->wrote, r, rlen);
	ck_assert_msg(strcmp(res.reply, t->reply) == 0, "%s: reply \"%s\", want \"%s\"",
		      t->name, res.reply, t->reply);
	ck_assert_msg(strcmp(res.text, t->text) == 0, "%s: text \"%s\", want \"%s\"",
		      t->name, res.text, t->text);
	ck_assert_msg(res.code == t->code, "%s: code %d, want %d", t->name, res.code, t->code);
	ck_assert_msg(res.challenged == (t->challenge != NULL), "%s: challenged %d", t->name,
		      res.challenged);
	if (t->challenge != NULL) {
		ck_assert_str_eq(res.challenge.status, t->challenge);
		ck_assert_str_eq(res.challenge.scope, "https://mail.google.com/");
	}
	finish(&d);
}
END_TEST

/* After the login, IMAP's OK may carry the capabilities: they replace the old. */
START_TEST(test_imap_post_login_caps)
{
	struct dialogue d;
	so2_mail_result res;
	so2_err err;

	start(&d, SO2_MAIL_IMAP, "* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=XOAUTH2] hi\r\n"
	      "A1 OK [CAPABILITY IMAP4rev1 IDLE MOVE] done\r\n");
	ck_assert_int_eq(d.c->ops->greeting(d.c, &err), SO2_OK);
	ck_assert_int_eq(d.c->ops->caps(d.c, &d.o, &err), SO2_OK);
	ck_assert_int_eq(so2_mail_authenticate(d.c, "XOAUTH2", resp, sizeof(resp) - 1, &res,
					       &err), SO2_OK);
	ck_assert_str_eq(so2_mail_caps(d.c), "IMAP4rev1\nIDLE\nMOVE\n");
	check_sent(&d, "post-login", "A1 AUTHENTICATE XOAUTH2 %R\r\n", resp, sizeof(resp) - 1);
	finish(&d);
}
END_TEST

/* The goodbye of each protocol; its answer is read and ignored. */
START_TEST(test_quit)
{
	static const struct {
		so2_mail_proto proto;
		const char *script, *wrote;
	} q[] = {
		{ SO2_MAIL_IMAP, "* BYE bye\r\nS1 OK LOGOUT done\r\n", "S1 LOGOUT\r\n" },
		{ SO2_MAIL_POP3, "+OK bye\r\n", "QUIT\r\n" },
		{ SO2_MAIL_SMTP, "221 2.0.0 bye\r\n", "QUIT\r\n" },
		{ SO2_MAIL_SMTP, "", "QUIT\r\n" },	/* no answer: no matter */
	};
	struct dialogue d;
	size_t i;

	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		start(&d, q[i].proto, q[i].script);
		so2_mail_quit(d.c);
		check_sent(&d, so2_mail_proto_name(q[i].proto), q[i].wrote, resp, 0);
		finish(&d);
	}
	so2_mail_quit(NULL);
}
END_TEST

/* suite_mail - the mail client */
Suite *
suite_mail(void)
{
	Suite *s = suite_create("mail");
	TCase *tc = tcase_create("dialogue");

	tcase_add_loop_test(tc, test_greeting, 0,
			    (int)(sizeof(greeting_cases) / sizeof(greeting_cases[0])));
	tcase_add_test(tc, test_line_limits);
	tcase_add_test(tc, test_imap_caps_in_greeting);
	tcase_add_test(tc, test_imap_capability);
	tcase_add_test(tc, test_smtp_ehlo);
	tcase_add_test(tc, test_pop3_capa);
	tcase_add_loop_test(tc, test_authenticate, 0,
			    (int)(sizeof(auth_cases) / sizeof(auth_cases[0])));
	tcase_add_test(tc, test_imap_post_login_caps);
	tcase_add_test(tc, test_quit);
	suite_add_tcase(s, tc);
	return s;
}

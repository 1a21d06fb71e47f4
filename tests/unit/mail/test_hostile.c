/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test_hostile.c - the mail client against hostile servers
 * DESCRIPTION
 *	Issue 10, point 7: connect (fetchmail's plugin) and doctor read
 *	endless untagged IMAP lines forever, and a server sending one byte
 *	per second kept them alive indefinitely because the wait started
 *	again with every byte. Each test plays such a server on a socket
 *	pair, from a thread when it must go on sending while the client
 *	reads, and checks that the client stops within its bounds with a
 *	message that says what happened:
 *	- endless untagged lines, to a command and to AUTHENTICATE;
 *	- endless bytes (lines under the line cap, more than
 *	  SO2_MAIL_OP_BYTES_MAX in all);
 *	- one byte every 100 ms with a 1-second timeout (the bound checked
 *	  is 5 s: a loaded machine adds delay, never takes it away);
 *	- binary data, a TLS record where text was expected, an SMTP "999".
 * SEE ALSO
 *	mail/conn.h, test_mail.c
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mail/conn.h"

#include "tests.h"

/* the server's side: what it sends, how, until the client hangs up */
struct server {
	int fd;
	const char *head;	/* sent first, whole */
	const char *unit;	/* then sent again and again */
	size_t unit_len;
	long pause_ms;		/* between units; 0: none */
	long max_ms;		/* stop after this long (the test's bound) */
};

/* mono_ms - CLOCK_MONOTONIC in milliseconds */
static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* send_all - blocking send of len bytes; -1 when the client is gone */
static int
send_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* serve - thread: head, then unit forever (paced), until the client closes */
static void *
serve(void *arg)
{
	struct server *s = arg;
	long long end = mono_ms() + s->max_ms;
	struct timespec pause = { s->pause_ms / 1000, (s->pause_ms % 1000) * 1000000 };

	if (send_all(s->fd, s->head, strlen(s->head)) != 0)
		goto out;
	while (mono_ms() < end) {
		if (send_all(s->fd, s->unit, s->unit_len) != 0)
			break;
		if (s->pause_ms > 0)
			nanosleep(&pause, NULL);
	}
out:
	shutdown(s->fd, SHUT_WR);
	return NULL;
}

/* fcntl_nonblock - the client's end is non-blocking, as mail_tcp_connect makes it */
static int
fcntl_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* client - a connection for proto with timeout seconds; *peer: the server's end */
static so2_mail_conn *
client(so2_mail_proto proto, long timeout, int *peer, so2_mail_opts *o)
{
	so2_mail_conn *c;
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	memset(o, 0, sizeof(*o));
	o->proto = proto;
	o->host = "mail.test";
	o->timeout = timeout;
	c = mail_conn_new(o, 143, NULL);
	ck_assert_ptr_nonnull(c);
	c->fd = sv[0];
	ck_assert_int_eq(fcntl_nonblock(sv[0]), 0);
	*peer = sv[1];
	return c;
}

/* run - play s against step (0: greeting, 1: a command, 2: AUTHENTICATE) */
static so2_status
run(so2_mail_proto proto, long timeout, struct server *s, int step, so2_err *err,
    long long *elapsed)
{
	so2_mail_result res;
	so2_mail_opts o;
	so2_mail_conn *c;
	pthread_t th;
	so2_status st;
	char reply[256];
	long long t0;
	int ok;

	c = client(proto, timeout, &s->fd, &o);
	ck_assert_int_eq(pthread_create(&th, NULL, serve, s), 0);
	t0 = mono_ms();
	if (step == 0)
		st = c->ops->greeting(c, err);
	else if (step == 1)
		st = so2_mail_imap_command(c, "NOOP", &ok, reply, sizeof(reply), err);
	else
		st = so2_mail_authenticate(c, "XOAUTH2", "user=a\001auth=Bearer t\001\001", 23,
					   &res, err);
	*elapsed = mono_ms() - t0;
	so2_mail_close(c);	/* the server's sends fail: it stops */
	pthread_join(th, NULL);
	close(s->fd);
	return st;
}

/* expect - status and message as wanted, within max_ms */
static void
expect(const char *what, so2_status st, const so2_err *err, long long elapsed,
       so2_status want, const char *text, long long max_ms)
{
	ck_assert_msg(st == want, "%s: status %s (%s), want %s", what, so2_status_name(st),
		      err->msg, so2_status_name(want));
	ck_assert_msg(strstr(err->msg, text) != NULL, "%s: message \"%s\", want \"%s\"", what,
		      err->msg, text);
	ck_assert_msg(elapsed <= max_ms, "%s: the client took %lld ms, want at most %lld",
		      what, elapsed, max_ms);
}

/* Endless untagged lines, to a command and to AUTHENTICATE. */
START_TEST(test_untagged_flood)
{
	static const char unit[] = "* OK still here\r\n";
	struct server s = { -1, "", unit, sizeof(unit) - 1, 0, 20000 };
	long long ms;
	so2_status st;
	so2_err err;

	st = run(SO2_MAIL_IMAP, 5, &s, 1, &err, &ms);
	expect("untagged lines to NOOP", st, &err, ms, SO2_ERR_PROTO,
	       "more than 1000 untagged lines in answer to NOOP", 15000);
	s.head = "+ \r\n";
	st = run(SO2_MAIL_IMAP, 5, &s, 2, &err, &ms);
	expect("untagged lines to AUTHENTICATE", st, &err, ms, SO2_ERR_PROTO,
	       "more than 1000 untagged lines in answer to AUTHENTICATE", 15000);
}
END_TEST

/* Endless bytes in lines under the line cap: refused past the byte cap. */
START_TEST(test_endless_bytes)
{
	static char unit[12002];
	struct server s = { -1, "", unit, sizeof(unit), 0, 20000 };
	long long ms;
	so2_status st;
	so2_err err;

	memset(unit, 'x', sizeof(unit));
	memcpy(unit, "* OK ", 5);
	memcpy(unit + sizeof(unit) - 2, "\r\n", 2);
	st = run(SO2_MAIL_IMAP, 5, &s, 1, &err, &ms);
	expect("endless bytes", st, &err, ms, SO2_ERR_PROTO, "in answer to one command", 15000);
}
END_TEST

/* One byte every 100 ms never completes a line: the whole answer has the
 * timeout, not each byte. */
START_TEST(test_drip)
{
	struct server s = { -1, "* OK ", "x", 1, 100, 10000 };
	long long ms;
	so2_status st;
	so2_err err;

	st = run(SO2_MAIL_IMAP, 1, &s, 0, &err, &ms);
	expect("a byte every 100 ms", st, &err, ms, SO2_ERR_TEMP,
	       "the server did not finish its answer within 1 seconds", 5000);
	s.head = "220-";
	s.unit = "2";
	st = run(SO2_MAIL_SMTP, 1, &s, 0, &err, &ms);
	expect("smtp, a byte every 100 ms", st, &err, ms, SO2_ERR_TEMP,
	       "did not finish its answer within 1 seconds", 5000);
}
END_TEST

/* Specific messages for what is not protocol text. */
START_TEST(test_not_text)
{
	static const char tls[] = "\026\003\001\000\200\001\000\000\174\003\003";
	static const char bin[] = "\001\002\003\004\005\006\007\010\016\017abc\r\n";
	struct server s = { -1, "", "", 0, 0, 0 };
	long long ms;
	so2_status st;
	so2_err err;

	s.head = tls;	/* a TLS server's first bytes (no line end) */
	st = run(SO2_MAIL_SMTP, 2, &s, 0, &err, &ms);
	expect("TLS where text was expected", st, &err, ms, SO2_ERR_PROTO,
	       "answered with TLS where text was expected", 5000);
	s.head = bin;
	st = run(SO2_MAIL_IMAP, 2, &s, 0, &err, &ms);
	expect("binary data", st, &err, ms, SO2_ERR_PROTO, "the server sent binary data", 5000);
	s.head = "999 what\r\n";
	st = run(SO2_MAIL_SMTP, 2, &s, 0, &err, &ms);
	expect("999", st, &err, ms, SO2_ERR_PROTO,
	       "not an SMTP reply (\"999 what\"; RFC 5321 4.2", 5000);
}
END_TEST

Suite *
suite_mail_hostile(void)
{
	Suite *s = suite_create("mail_hostile");
	TCase *tc = tcase_create("hostile");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_untagged_flood);
	tcase_add_test(tc, test_endless_bytes);
	tcase_add_test(tc, test_drip);
	tcase_add_test(tc, test_not_text);
	suite_add_tcase(s, tc);
	return s;
}

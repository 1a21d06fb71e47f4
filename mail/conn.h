/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	conn.h - the mail client's connection, shared by the files of mail/
 * SYNOPSIS
 *	#include "conn.h"	(mail/ only; the public API is mail.h)
 * DESCRIPTION
 *	One connection object (so2_mail_conn): a non-blocking socket, an
 *	OpenSSL session once TLS is on, a capped read buffer, what the
 *	server announced, and the last reply for messages.
 *
 *	conn.c gives the transport every protocol uses: timed reads and
 *	writes (poll() with the connection's timeout), the line reader
 *	(lines capped at SO2_MAIL_LINE_MAX, NUL refused), the capability
 *	list, and the message helpers (mail_fail puts "imap host:port: "
 *	in front and keeps the detail for so2_mail_open_info).
 *
 *	Each protocol is a mail_ops table (imap.c, pop3.c, smtp.c): the
 *	steps whose wording differs between IMAP, POP3 and SMTP. session.c
 *	and auth.c run the steps in order and never look at the protocol.
 * DIAGNOSTICS
 *	so2_status as in mail.h; every failure goes through mail_fail().
 * SEE ALSO
 *	mail.h
 */
#ifndef SO2_MAIL_CONN_H
#define SO2_MAIL_CONN_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "base/text.h"
#include "mail/mail.h"

typedef struct mail_ops mail_ops;

struct so2_mail_conn {
	so2_mail_proto proto;
	const mail_ops *ops;
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;			/* NULL until TLS is on */
	long timeout;			/* seconds: the whole operation */
	long long deadline_ms;		/* CLOCK_MONOTONIC ms when the current
					 * operation must be over; 0: none */
	size_t op_bytes;		/* bytes read in this operation */
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

/* mail_kind - what a server line means during AUTH */
typedef enum mail_kind {
	MAIL_K_CONT,	/* a continuation: the server waits for our line */
	MAIL_K_OK,	/* accepted */
	MAIL_K_NO,	/* refused */
	MAIL_K_TEMP,	/* refused for now (SMTP 4xx, POP3 [SYS/TEMP]) */
	MAIL_K_SKIP,	/* data that does not end the exchange (IMAP untagged) */
	MAIL_K_OTHER	/* not a reply to AUTH: a protocol error */
} mail_kind;

/*
 * mail_ops - one protocol's dialogue
 *	show/size: a buffer for the server's answer, printable, for
 *	messages. Every step returns SO2_OK or the status of mail_fail().
 */
struct mail_ops {
	unsigned implicit_port;		/* 993, 995, 465 */
	const char *starttls_cap;	/* the capability that announces it */
	/* greeting - read the greeting, check it, keep it in c->greeting */
	so2_status (*greeting)(so2_mail_conn *c, so2_err *err);
	/* starttls - ask for TLS (capabilities in clear first, checked
	 *	with mail_starttls_offered); *ok: the server agreed */
	so2_status (*starttls)(so2_mail_conn *c, const so2_mail_opts *o, int *ok,
			       char *show, size_t size, so2_err *err);
	/* caps - read the capabilities, over TLS */
	so2_status (*caps)(so2_mail_conn *c, const so2_mail_opts *o, so2_err *err);
	/* offers - 1 when the capability line cap announces mech */
	int (*offers)(const char *cap, const char *mech);
	/* auth_command - the AUTH line for mech into cmd (size bytes);
	 *	*sent = 1 when it carries the response enc (base64) */
	void (*auth_command)(so2_mail_conn *c, const char *tag, const char *mech,
			     const char *enc, char *cmd, size_t size, int *sent);
	/* auth_line - the next line that matters during AUTH */
	so2_status (*auth_line)(so2_mail_conn *c, char *line, size_t size,
				so2_err *err);
	/* auth_kind - classify line; *text: a continuation's text */
	mail_kind (*auth_kind)(so2_mail_conn *c, const char *line, const char *tag,
			       const char **text);
	/* final_text - the whole final reply into res->text (and res->code) */
	void (*final_text)(so2_mail_conn *c, const char *line, const char *tag,
			   so2_mail_result *res);
	/* quit - LOGOUT / QUIT, the answer read and ignored */
	void (*quit)(so2_mail_conn *c);
};

extern const mail_ops mail_imap_ops, mail_pop3_ops, mail_smtp_ops;

/* mail_ops_of - the dialogue of proto (conn.c), NULL for an unknown one */
const mail_ops *mail_ops_of(so2_mail_proto proto);

/* --- conn.c ------------------------------------------------------------- */

/*
 * mail_conn_new - a connection object for o->proto, not connected (fd -1)
 *	Named "PROTO HOST:PORT" in messages; timeout o->timeout (<= 0:
 *	SO2_MAIL_TIMEOUT); info (NULL: none) receives what so2_mail_open_info
 *	reports. NULL when out of memory or o->proto is unknown. Free with
 *	so2_mail_close(). (Tests and fuzz targets attach a socket pair to fd.)
 */
so2_mail_conn *mail_conn_new(const so2_mail_opts *o, unsigned port, so2_mail_info *info);

/* mail_fail - set err to "WHERE: what", keep what for the diagnosis */
so2_status mail_fail(const so2_mail_conn *c, so2_err *err, so2_status st,
		     const char *what);

/* mail_expect_ok - SO2_OK when ok, else fail with st: "what: the server
 *	answered "line"" */
so2_status mail_expect_ok(so2_mail_conn *c, int ok, const char *what,
			  const char *line, so2_status st, so2_err *err);

/* mail_set_stage - record the step so2_mail_open_info is at */
void mail_set_stage(so2_mail_conn *c, so2_mail_stage stage);

/* mail_note_reply - keep a reply line (printable) in c->last; first: it
 *	starts a new reply, else it is joined with "\n" */
void mail_note_reply(so2_mail_conn *c, const char *line, int first);

/*
 * mail_read_greeting - read the server's first line into line (size
 *	bytes) and keep it, printable, as the last reply and as c->greeting.
 *	Errors: those of mail_read_line.
 */
so2_status mail_read_greeting(so2_mail_conn *c, char *line, size_t size, so2_err *err);

/*
 * mail_op_start - an operation begins: its deadline (now + c->timeout)
 *	and its byte count start. Every public entry point of mail/ that
 *	talks to the server calls it (open, authenticate, a command, quit),
 *	so a server that sends one byte per second, or endless data, cannot
 *	keep an operation alive past c->timeout or SO2_MAIL_OP_BYTES_MAX.
 */
void mail_op_start(so2_mail_conn *c);

/* mail_wait - poll the socket for events until the operation's deadline;
 *	SO2_OK or SO2_ERR_TEMP (no answer, deadline passed, poll error) */
so2_status mail_wait(so2_mail_conn *c, short events, so2_err *err);

/* mail_tls_error - OpenSSL's first queued error into buf, or fallback;
 *	clears the queue; returns buf */
const char *mail_tls_error(char *buf, size_t size, const char *fallback);

/* mail_write - write all len bytes (TLS when on); SO2_ERR_TEMP on failure */
so2_status mail_write(so2_mail_conn *c, const char *buf, size_t len,
		      so2_err *err);

/* mail_send_line - write s and CRLF */
so2_status mail_send_line(so2_mail_conn *c, const char *s, so2_err *err);

/*
 * mail_read_line - the next line without its CRLF (or LF), into line
 *	A pure function of the bytes the server sent (through c->fd): fuzz
 *	targets attach a socket pair (tests/fuzz/fuzz_mail.c).
 *	Errors: SO2_ERR_PROTO for a line over SO2_MAIL_LINE_MAX (or size),
 *	binary data (a NUL or a control character other than tab; a TLS
 *	record where text was expected is named as such), more than
 *	SO2_MAIL_OP_BYTES_MAX bytes in one operation; SO2_ERR_TEMP when the
 *	server closed the connection or the operation's deadline passed.
 */
so2_status mail_read_line(so2_mail_conn *c, char *line, size_t size,
			  so2_err *err);

/* mail_caps_add - append one capability line to c->caps, printable (control
 *	characters become '?'); dropped when full */
void mail_caps_add(so2_mail_conn *c, const char *cap);

/* mail_cap_words - 1 when cap is "KEY word word ..." (or "KEY=...") and
 *	lists word; case-insensitive (SMTP AUTH, POP3 SASL) */
int mail_cap_words(const char *cap, const char *key, const char *word);

/*
 * mail_starttls_offered - capabilities in clear: keep them for the
 *	diagnosis; with o->check_starttls, fail (SO2_ERR_PROTO) unless a
 *	capability line starts with the word c->ops->starttls_cap
 */
so2_status mail_starttls_offered(so2_mail_conn *c, const so2_mail_opts *o,
				 so2_err *err);

/* mail_tcp_connect - connect c->fd to the first address of host:port that
 *	answers; SO2_ERR_TEMP when none does */
so2_status mail_tcp_connect(so2_mail_conn *c, const char *host, unsigned port,
			    so2_err *err);

/* --- tls.c -------------------------------------------------------------- */

/*
 * mail_start_tls - TLS handshake on c->fd, chain and name verified
 *	Errors: SO2_ERR_PARAM (CA bundle, host name), SO2_ERR_NOMEM,
 *	SO2_ERR_PROTO (certificate refused), SO2_ERR_TEMP (handshake).
 */
so2_status mail_start_tls(so2_mail_conn *c, const so2_mail_opts *o, so2_err *err);

#endif

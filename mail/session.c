/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	session.c - opening a mail session: connect, TLS, greeting,
 *	STARTTLS, capabilities; and saying goodbye
 * DESCRIPTION
 *	so2_mail_open_info() runs the steps of so2_mail_stage in order,
 *	each protocol's wording coming from its mail_ops (imap.c, pop3.c,
 *	smtp.c), and records the step it is at for doctor.
 *
 *	After a STARTTLS reply, anything the server already sent arrived in
 *	clear and could have been injected by a man in the middle: it is
 *	refused (CVE-2011-0411), and the capabilities seen in clear are
 *	forgotten and asked for again over TLS.
 * DIAGNOSTICS
 *	See mail.h. An unknown protocol: SO2_ERR_PARAM. No clear greeting
 *	where STARTTLS was chosen (a timeout, a close: what an implicit TLS
 *	port does): the message also says to use implicit TLS.
 * SEE ALSO
 *	mail.h, conn.h, RFC 3207, RFC 3501 6.2.1, RFC 2595 4
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "conn.h"

/* starttls - ask for TLS in the protocol's way, then start it */
static so2_status
starttls(so2_mail_conn *c, const so2_mail_opts *o, so2_err *err)
{
	char show[SO2_MAIL_SHOW_MAX];
	so2_status st;
	int ok = 0;

	show[0] = '\0';
	if ((st = c->ops->starttls(c, o, &ok, show, sizeof(show), err)) != SO2_OK)
		return st;
	if ((st = mail_expect_ok(c, ok, "STARTTLS refused", show, SO2_ERR_PROTO, err))
	    != SO2_OK)
		return st;
	/* Anything after the reply arrived in clear and could have been
	 * injected by a man in the middle: refuse it (CVE-2011-0411). */
	if (c->rlen != 0)
		return mail_fail(c, err, SO2_ERR_PROTO, "the server sent data after its "
				 "STARTTLS reply, before TLS (possible injection); refused");
	c->caps[0] = '\0';	/* what came before TLS is not trusted */
	c->sasl_ir = 0;
	return mail_start_tls(c, o, err);
}

/* so2_mail_open - see mail.h */
so2_status
so2_mail_open(const so2_mail_opts *o, so2_mail_conn **out, so2_err *err)
{
	return so2_mail_open_info(o, out, NULL, err);
}

/* so2_mail_open_info - see mail.h */
so2_status
so2_mail_open_info(const so2_mail_opts *o, so2_mail_conn **out, so2_mail_info *info,
		   so2_err *err)
{
	const mail_ops *ops;
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
	if ((ops = mail_ops_of(o->proto)) == NULL)
		return so2_err_set(err, SO2_ERR_PARAM, "unknown mail protocol");
	port = o->port;
	if (port == 0)
		port = ops->implicit_port;
	tls = o->tls;
	if (tls == SO2_MAIL_TLS_AUTO)
		tls = (port == 993 || port == 995 || port == 465) ? SO2_MAIL_TLS_IMPLICIT
		    : SO2_MAIL_TLS_STARTTLS;
	if ((c = mail_conn_new(o, port, info)) == NULL)
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	mail_set_stage(c, SO2_MAIL_STAGE_CONNECT);
	if ((st = mail_tcp_connect(c, o->host, port, err)) == SO2_OK &&
	    (tls != SO2_MAIL_TLS_IMPLICIT || (st = mail_start_tls(c, o, err)) == SO2_OK)) {
		mail_set_stage(c, SO2_MAIL_STAGE_GREETING);
		st = ops->greeting(c, err);
		/* A server that expects TLS at once waits for our handshake
		 * while we wait for its clear greeting: say which to change. */
		if (st == SO2_ERR_TEMP && tls == SO2_MAIL_TLS_STARTTLS)
			so2_err_append(err, " (no greeting in clear text: if port %u "
				       "expects TLS at once, as %u does, use implicit "
				       "TLS)", port, ops->implicit_port);
	}
	if (st == SO2_OK && tls == SO2_MAIL_TLS_STARTTLS) {
		mail_set_stage(c, SO2_MAIL_STAGE_STARTTLS);
		st = starttls(c, o, err);
	}
	if (st == SO2_OK) {
		mail_set_stage(c, SO2_MAIL_STAGE_CAPS);
		st = ops->caps(c, o, err);
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

/* so2_mail_offers - see mail.h */
int
so2_mail_offers(const so2_mail_conn *c, const char *mech)
{
	const char *p = c->caps;
	char line[SO2_MAIL_CAPS_MAX];
	size_t n;

	while (*p != '\0') {
		n = strcspn(p, "\n");
		if (n < sizeof(line)) {
			memcpy(line, p, n);
			line[n] = '\0';
			if (c->ops->offers(line, mech))
				return 1;
		}
		p += n + (p[n] == '\n');
	}
	return 0;
}

/* so2_mail_quit - LOGOUT / QUIT, answer ignored */
void
so2_mail_quit(so2_mail_conn *c)
{
	if (c == NULL || c->fd < 0)
		return;
	c->timeout = 5;
	mail_op_start(c);
	c->ops->quit(c);
}

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	pop3.c - the mail client's POP3 dialogue (mail_pop3_ops)
 * DESCRIPTION
 *	Greeting ("+OK"), CAPA (RFC 2449; a server that refuses it has no
 *	capabilities), STLS (RFC 2595 4), AUTH with the response always
 *	after the "+" continuation (RFC 5034 4: an AUTH line with a bearer
 *	token exceeds the 255 octets a command may have), and QUIT. A
 *	"-ERR [SYS/TEMP]" (RFC 3206) refusal is temporary.
 * DIAGNOSTICS
 *	A greeting other than +OK is SO2_ERR_TEMP; a CAPA list without end
 *	SO2_ERR_PROTO.
 * SEE ALSO
 *	RFC 1939, RFC 2449, RFC 2595, RFC 3206, RFC 5034; conn.h
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "conn.h"

/* capa - CAPA (RFC 2449); no capabilities when refused */
static so2_status
capa(so2_mail_conn *c, so2_err *err)
{
	char line[SO2_MAIL_LINE_MAX];
	so2_status st;
	int n;

	c->caps[0] = '\0';
	if ((st = mail_send_line(c, "CAPA", err)) != SO2_OK ||
	    (st = mail_read_line(c, line, sizeof(line), err)) != SO2_OK)
		return st;
	if (strncmp(line, "+OK", 3) != 0)
		return SO2_OK;
	for (n = 0; n < 1000; n++) {
		if ((st = mail_read_line(c, line, sizeof(line), err)) != SO2_OK)
			return st;
		if (strcmp(line, ".") == 0)
			return SO2_OK;
		mail_caps_add(c, line[0] == '.' ? line + 1 : line);
	}
	return mail_fail(c, err, SO2_ERR_PROTO, "endless CAPA list");
}

/* greeting - "+OK ..." */
static so2_status
greeting(so2_mail_conn *c, so2_err *err)
{
	char line[SO2_MAIL_LINE_MAX];
	so2_status st;

	if ((st = mail_read_greeting(c, line, sizeof(line), err)) != SO2_OK)
		return st;
	return mail_expect_ok(c, strncmp(line, "+OK", 3) == 0, "greeting", c->greeting,
			      SO2_ERR_TEMP, err);
}

/* starttls - CAPA in clear when checking, then STLS */
static so2_status
starttls(so2_mail_conn *c, const so2_mail_opts *o, int *ok, char *show, size_t size,
	 so2_err *err)
{
	char line[SO2_MAIL_LINE_MAX];
	so2_status st;

	if (o->check_starttls && (st = capa(c, err)) != SO2_OK)
		return st;
	if ((st = mail_starttls_offered(c, o, err)) != SO2_OK)
		return st;
	if ((st = mail_send_line(c, "STLS", err)) == SO2_OK &&
	    (st = mail_read_line(c, line, sizeof(line), err)) == SO2_OK) {
		*ok = strncmp(line, "+OK", 3) == 0;
		mail_note_reply(c, line, 1);
		so2_printable(line, show, size);
	}
	return st;
}

/* caps - CAPA */
static so2_status
caps(so2_mail_conn *c, const so2_mail_opts *o, so2_err *err)
{
	(void)o;
	return capa(c, err);
}

/* offers - "SASL MECH ..." */
static int
offers(const char *cap, const char *mech)
{
	return mail_cap_words(cap, "SASL", mech);
}

/* auth_command - AUTH MECH; the response follows the continuation */
static void
auth_command(so2_mail_conn *c, const char *tag, const char *mech, const char *enc,
	     char *cmd, size_t size, int *sent)
{
	(void)c;
	(void)tag;
	(void)enc;
	snprintf(cmd, size, "AUTH %s", mech);
	*sent = 0;
}

/* auth_kind - "+ text", +OK, -ERR ([SYS/TEMP]: temporary) */
static mail_kind
auth_kind(so2_mail_conn *c, const char *line, const char *tag, const char **text)
{
	(void)c;
	(void)tag;
	*text = "";
	if (line[0] == '+' && (line[1] == ' ' || line[1] == '\0')) {
		*text = line[1] ? line + 2 : "";
		return MAIL_K_CONT;
	}
	if (strncmp(line, "+OK", 3) == 0)
		return MAIL_K_OK;
	if (strncmp(line, "-ERR", 4) == 0)
		return strstr(line, "[SYS/TEMP]") != NULL ? MAIL_K_TEMP : MAIL_K_NO;
	return MAIL_K_OTHER;
}

/* final_text - the line */
static void
final_text(so2_mail_conn *c, const char *line, const char *tag, so2_mail_result *res)
{
	(void)c;
	(void)tag;
	so2_printable(line, res->text, sizeof(res->text));
}

/* quit - QUIT */
static void
quit(so2_mail_conn *c)
{
	char show[SO2_MAIL_SHOW_MAX];
	so2_err err;

	if (mail_send_line(c, "QUIT", &err) == SO2_OK)
		(void)mail_read_line(c, show, sizeof(show), &err);
}

const mail_ops mail_pop3_ops = {
	995, "STLS", greeting, starttls, caps, offers, auth_command,
	mail_read_line, auth_kind, final_text, quit
};

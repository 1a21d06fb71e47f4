/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	smtp.c - the mail client's SMTP dialogue (mail_smtp_ops)
 * DESCRIPTION
 *	Replies are read whole (RFC 5321 4.2.1: "NNN-" lines up to the
 *	"NNN " line), checked to be SMTP replies and kept joined by "\n"
 *	for the diagnosis. Greeting 220, EHLO (its lines after the first
 *	are the capabilities), STARTTLS (RFC 3207), AUTH with the initial
 *	response on the command line when the line fits in 512 octets
 *	(RFC 4954 4), else after the 334 continuation, and QUIT.
 * DIAGNOSTICS
 *	A line that is not an SMTP reply, or a reply of over 1000 lines:
 *	SO2_ERR_PROTO. A 4xx greeting or AUTH reply is temporary.
 * SEE ALSO
 *	RFC 5321, RFC 3207, RFC 4954; conn.h
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "conn.h"

#define SMTP_AUTH_LINE_MAX	512	/* RFC 4954 4: with CRLF */

/* reply - read a (multi-line) reply; *code, caps kept when asked */
static so2_status
reply(so2_mail_conn *c, int *code, int keep_caps, char *last, size_t lsize,
      so2_err *err)
{
	char line[SO2_MAIL_LINE_MAX];
	so2_status st;
	int first = -1, n;

	if (keep_caps)
		c->caps[0] = '\0';
	for (n = 0;; n++) {
		if ((st = mail_read_line(c, line, sizeof(line), err)) != SO2_OK)
			return st;
		if (strlen(line) < 3 || line[0] < '2' || line[0] > '5' ||
		    line[1] < '0' || line[1] > '9' || line[2] < '0' || line[2] > '9' ||
		    (line[3] != '\0' && line[3] != ' ' && line[3] != '-')) {
			char msg[SO2_MAIL_SHOW_MAX + 128], show[80];

			so2_format(msg, sizeof(msg), "the server's reply is not an SMTP reply"
				   " (\"%s\"; RFC 5321 4.2: a code 2xx to 5xx, then a space"
				   " or a hyphen)", so2_printable(line, show, sizeof(show)));
			return mail_fail(c, err, SO2_ERR_PROTO, msg);
		}
		if (first < 0)
			first = (line[0] - '0') * 100 + (line[1] - '0') * 10 + line[2] - '0';
		mail_note_reply(c, line, n == 0);
		if (keep_caps && n > 0)
			mail_caps_add(c, line + 4);
		if (line[3] != '-')
			break;
		if (n >= SO2_MAIL_REPLY_LINES_MAX)
			return mail_fail(c, err, SO2_ERR_PROTO, "more than 1000 lines in one"
					 " reply (endless multi-line reply)");
	}
	*code = first;
	so2_printable(line, last, lsize);
	return SO2_OK;
}

/* ehlo - EHLO, which must get 250; the capabilities are kept */
static so2_status
ehlo(so2_mail_conn *c, const so2_mail_opts *o, so2_err *err)
{
	char line[300], show[SO2_MAIL_SHOW_MAX];
	so2_status st;
	int code;

	so2_format(line, sizeof(line), "EHLO %s", o->ehlo_name ? o->ehlo_name
		   : "localhost");
	if ((st = mail_send_line(c, line, err)) != SO2_OK ||
	    (st = reply(c, &code, 1, show, sizeof(show), err)) != SO2_OK)
		return st;
	return mail_expect_ok(c, code == 250, "EHLO", show, SO2_ERR_PROTO, err);
}

/* greeting - 220 (4xx: temporary) */
static so2_status
greeting(so2_mail_conn *c, so2_err *err)
{
	char show[SO2_MAIL_SHOW_MAX];
	so2_status st;
	int code;

	if ((st = reply(c, &code, 0, show, sizeof(show), err)) != SO2_OK)
		return st;
	so2_format(c->greeting, sizeof(c->greeting), "%s", show);
	return mail_expect_ok(c, code == 220, "greeting", show, code / 100 == 4
			      ? SO2_ERR_TEMP : SO2_ERR_PROTO, err);
}

/* starttls - EHLO in clear, then STARTTLS (220) */
static so2_status
starttls(so2_mail_conn *c, const so2_mail_opts *o, int *ok, char *show, size_t size,
	 so2_err *err)
{
	so2_status st;
	int code;

	if ((st = ehlo(c, o, err)) != SO2_OK ||
	    (st = mail_starttls_offered(c, o, err)) != SO2_OK)
		return st;
	if ((st = mail_send_line(c, "STARTTLS", err)) == SO2_OK &&
	    (st = reply(c, &code, 0, show, size, err)) == SO2_OK)
		*ok = code == 220;
	return st;
}

/* offers - "AUTH MECH ..." (or the old "AUTH=MECH ...") */
static int
offers(const char *cap, const char *mech)
{
	return mail_cap_words(cap, "AUTH", mech);
}

/* auth_command - AUTH MECH response when it fits in 512 octets, else AUTH
 *	MECH alone ("=": an empty initial response, RFC 4954 4) */
static void
auth_command(so2_mail_conn *c, const char *tag, const char *mech, const char *enc,
	     char *cmd, size_t size, int *sent)
{
	(void)c;
	(void)tag;
	snprintf(cmd, size, "AUTH %s %s", mech, *enc ? enc : "=");
	*sent = strlen(cmd) + 2 <= SMTP_AUTH_LINE_MAX;
	if (!*sent)
		snprintf(cmd, size, "AUTH %s", mech);
}

/* auth_line - a multi-line reply keeps its last line */
static so2_status
auth_line(so2_mail_conn *c, char *line, size_t size, so2_err *err)
{
	so2_status st;
	int n;

	for (n = 0; n < 1000; n++) {
		if ((st = mail_read_line(c, line, size, err)) != SO2_OK)
			return st;
		mail_note_reply(c, line, n == 0);
		if (strlen(line) < 4 || line[3] != '-')
			return SO2_OK;
	}
	return mail_fail(c, err, SO2_ERR_PROTO, "endless multi-line reply");
}

/* auth_kind - 334 text, 2xx, 4xx (temporary), 5xx */
static mail_kind
auth_kind(so2_mail_conn *c, const char *line, const char *tag, const char **text)
{
	(void)c;
	(void)tag;
	*text = "";
	if (strncmp(line, "334", 3) == 0 && (line[3] == ' ' || line[3] == '\0')) {
		*text = line[3] ? line + 4 : "";
		return MAIL_K_CONT;
	}
	if (line[0] == '2')
		return MAIL_K_OK;
	if (line[0] == '4')
		return MAIL_K_TEMP;
	if (line[0] == '5')
		return MAIL_K_NO;
	return MAIL_K_OTHER;
}

/* final_text - every line of the reply, and its code */
static void
final_text(so2_mail_conn *c, const char *line, const char *tag, so2_mail_result *res)
{
	(void)tag;
	so2_format(res->text, sizeof(res->text), "%s", c->last);
	if (strlen(line) >= 3 && line[1] >= '0' && line[1] <= '9' &&
	    line[2] >= '0' && line[2] <= '9')
		res->code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + line[2] - '0';
}

/* quit - QUIT */
static void
quit(so2_mail_conn *c)
{
	char show[SO2_MAIL_SHOW_MAX];
	so2_err err;
	int code;

	if (mail_send_line(c, "QUIT", &err) == SO2_OK)
		(void)reply(c, &code, 0, show, sizeof(show), &err);
}

const mail_ops mail_smtp_ops = {
	465, "STARTTLS", greeting, starttls, ehlo, offers, auth_command,
	auth_line, auth_kind, final_text, quit
};

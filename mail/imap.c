/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	imap.c - the mail client's IMAP dialogue (mail_imap_ops)
 * DESCRIPTION
 *	Greeting ("* OK", possibly with [CAPABILITY ...]), CAPABILITY,
 *	STARTTLS (RFC 3501 6.2.1, RFC 9051), AUTHENTICATE with the initial
 *	response on the command line when the server announced SASL-IR
 *	(RFC 4959; "=" for an empty one), else after the empty
 *	continuation, and LOGOUT. Commands carry the tags S1, S2, ...;
 *	AUTHENTICATE the tag A<n>. Capabilities are kept one atom per line;
 *	those sent with the tagged OK of AUTHENTICATE replace the earlier
 *	ones (the post-login list connect hands to fetchmail).
 * DIAGNOSTICS
 *	An untagged BYE ends a command with SO2_ERR_TEMP; a refused
 *	CAPABILITY or STARTTLS is SO2_ERR_PROTO (mail_expect_ok).
 * SEE ALSO
 *	RFC 3501, RFC 9051, RFC 4959; conn.h
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/error.h"
#include "conn.h"

/* caps_from - take the atoms of "CAPABILITY a b c" (text after it) */
static void
caps_from(so2_mail_conn *c, const char *p)
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
			mail_caps_add(c, atom);
			if (strcasecmp(atom, "SASL-IR") == 0)
				c->sasl_ir = 1;
		}
		p += n;
	}
}

/* resp_caps - [CAPABILITY ...] in a response line, if any */
static void
resp_caps(so2_mail_conn *c, const char *line)
{
	const char *p = strchr(line, '[');

	if (p != NULL && strncasecmp(p + 1, "CAPABILITY ", 11) == 0)
		caps_from(c, p + 12);
}

/*
 * command - send "TAG cmd", read to the tagged reply
 *	Untagged CAPABILITY replies are kept. *ok is 1 for OK. The tagged
 *	line goes to last (printable).
 */
static so2_status
command(so2_mail_conn *c, const char *cmd, int *ok, char *last, size_t lsize,
	so2_err *err)
{
	char line[SO2_MAIL_LINE_MAX], tag[16], buf[SO2_MAIL_LINE_MAX];
	so2_status st;
	size_t tl;
	int n;

	so2_format(tag, sizeof(tag), "S%u", ++c->tag);
	so2_format(buf, sizeof(buf), "%s %s", tag, cmd);
	if ((st = mail_send_line(c, buf, err)) != SO2_OK)
		return st;
	tl = strlen(tag);
	for (n = 0;; n++) {
		if (n >= SO2_MAIL_REPLY_LINES_MAX) {
			char msg[160];

			so2_format(msg, sizeof(msg), "more than %d untagged lines in answer to"
				   " %.32s (endless data)", SO2_MAIL_REPLY_LINES_MAX, cmd);
			return mail_fail(c, err, SO2_ERR_PROTO, msg);
		}
		if ((st = mail_read_line(c, line, sizeof(line), err)) != SO2_OK)
			return st;
		if (strncasecmp(line, "* CAPABILITY ", 13) == 0)
			caps_from(c, line + 13);
		if (strncmp(line, tag, tl) == 0 && line[tl] == ' ')
			break;
		if (strncasecmp(line, "* BYE", 5) == 0) {
			char msg[SO2_MAIL_SHOW_MAX + 64], show[SO2_MAIL_SHOW_MAX];

			so2_format(msg, sizeof(msg), "the server closed the session: %s",
				   so2_printable(line, show, sizeof(show)));
			return mail_fail(c, err, SO2_ERR_TEMP, msg);
		}
	}
	*ok = strncasecmp(line + tl + 1, "OK", 2) == 0;
	mail_note_reply(c, line, 1);
	if (*ok)
		resp_caps(c, line);
	so2_printable(line, last, lsize);
	return SO2_OK;
}

/* capability - CAPABILITY, which must succeed */
static so2_status
capability(so2_mail_conn *c, so2_err *err)
{
	char show[SO2_MAIL_SHOW_MAX];
	so2_status st;
	int ok;

	if ((st = command(c, "CAPABILITY", &ok, show, sizeof(show), err)) != SO2_OK)
		return st;
	return mail_expect_ok(c, ok, "CAPABILITY", show, SO2_ERR_PROTO, err);
}

/* greeting - "* OK" (capabilities kept), else BYE (temporary) or garbage */
static so2_status
greeting(so2_mail_conn *c, so2_err *err)
{
	char line[SO2_MAIL_LINE_MAX];
	so2_status st;

	if ((st = mail_read_greeting(c, line, sizeof(line), err)) != SO2_OK)
		return st;
	if (strncasecmp(line, "* OK", 4) == 0) {
		resp_caps(c, line);
		return SO2_OK;
	}
	return mail_expect_ok(c, 0, "greeting", c->greeting, strncasecmp(line, "* BYE", 5)
			      == 0 ? SO2_ERR_TEMP : SO2_ERR_PROTO, err);
}

/* starttls - CAPABILITY in clear when checking (unless the greeting had
 *	them), then STARTTLS */
static so2_status
starttls(so2_mail_conn *c, const so2_mail_opts *o, int *ok, char *show, size_t size,
	 so2_err *err)
{
	so2_status st;

	if (o->check_starttls && c->caps[0] == '\0' &&
	    (st = capability(c, err)) != SO2_OK)
		return st;
	if ((st = mail_starttls_offered(c, o, err)) != SO2_OK)
		return st;
	return command(c, "STARTTLS", ok, show, size, err);
}

/* caps - the greeting's capabilities, else CAPABILITY */
static so2_status
caps(so2_mail_conn *c, const so2_mail_opts *o, so2_err *err)
{
	(void)o;
	if (c->caps[0] != '\0')
		return SO2_OK;	/* from the greeting, over TLS */
	return capability(c, err);
}

/* offers - "AUTH=MECH" */
static int
offers(const char *cap, const char *mech)
{
	return strncasecmp(cap, "AUTH=", 5) == 0 && strcasecmp(cap + 5, mech) == 0;
}

/* auth_command - TAG AUTHENTICATE MECH [response] (RFC 4959: "=" is an
 *	empty initial response) */
static void
auth_command(so2_mail_conn *c, const char *tag, const char *mech, const char *enc,
	     char *cmd, size_t size, int *sent)
{
	if (c->sasl_ir) {
		snprintf(cmd, size, "%s AUTHENTICATE %s %s", tag, mech, *enc ? enc : "=");
		*sent = 1;
	} else {
		snprintf(cmd, size, "%s AUTHENTICATE %s", tag, mech);
		*sent = 0;
	}
}

/* auth_kind - "+ text", our tagged OK or NO/BAD, untagged data */
static mail_kind
auth_kind(so2_mail_conn *c, const char *line, const char *tag, const char **text)
{
	size_t tl = strlen(tag);

	*text = "";
	if (line[0] == '+' && (line[1] == ' ' || line[1] == '\0')) {
		*text = line[1] ? line + 2 : "";
		return MAIL_K_CONT;
	}
	if (strncmp(line, tag, tl) != 0 || line[tl] != ' ') {
		if (strncasecmp(line, "* CAPABILITY ", 13) == 0)
			caps_from(c, line + 13);
		return MAIL_K_SKIP;		/* untagged data */
	}
	if (strncasecmp(line + tl + 1, "OK", 2) == 0) {
		resp_caps(c, line);
		return MAIL_K_OK;
	}
	return MAIL_K_NO;
}

/* final_text - the tagged line without our tag */
static void
final_text(so2_mail_conn *c, const char *line, const char *tag, so2_mail_result *res)
{
	size_t tl = strlen(tag);

	(void)c;
	if (strncmp(line, tag, tl) == 0 && line[tl] == ' ')
		line += tl + 1;
	so2_printable(line, res->text, sizeof(res->text));
}

/* quit - LOGOUT */
static void
quit(so2_mail_conn *c)
{
	char show[SO2_MAIL_SHOW_MAX];
	so2_err err;
	int ok;

	(void)command(c, "LOGOUT", &ok, show, sizeof(show), &err);
}

/* so2_mail_imap_command - one IMAP command in the session, its tagged reply */
so2_status
so2_mail_imap_command(so2_mail_conn *c, const char *cmd, int *ok, char *reply, size_t size,
		      so2_err *err)
{
	mail_op_start(c);
	*ok = 0;
	if (size > 0)
		reply[0] = '\0';
	if (c->proto != SO2_MAIL_IMAP)
		return so2_err_set(err, SO2_ERR_PARAM, "not an IMAP session");
	return command(c, cmd, ok, reply, size, err);
}

const mail_ops mail_imap_ops = {
	993, "STARTTLS", greeting, starttls, caps, offers, auth_command,
	mail_read_line, auth_kind, final_text, quit
};

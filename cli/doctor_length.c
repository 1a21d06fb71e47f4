/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	doctor_length.c - doctor: is the access token short enough for the
 *	mail programs that cut long command lines
 * DESCRIPTION
 *	doc_token_length adds a warning "token.length" when a known client
 *	cuts the AUTH XOAUTH2 command that carries the access token (the
 *	initial response, RFC 4954 section 4; base64 of "user=" U ^A
 *	"auth=Bearer " T ^A ^A), and nothing when none does:
 *	sendmail formats every SMTP command into a buffer of MAXLINE
 *	(2048) bytes, so a command longer than 2047 bytes is cut and the
 *	server rejects the truncated response: about 1,500 bytes of token;
 *	msmtp reads and writes lines of at most 4094 bytes: about 3 KB.
 *	Microsoft's tokens grow with the user's claims and are often
 *	larger than 1,500 bytes. When doctor checks a Postfix relay
 *	(d->postfix 1), whose smtp sends lines of any length, the line is
 *	an info. Nothing is sent; the token is never shown.
 * SEE ALSO
 *	doctor.h, sasl-oauth2-sendmail(7), sendmail/usersmtp.c (smtpmessage)
 */
#include "config.h"

#include <string.h>

#include "doctor.h"

#define SENDMAIL_COMMAND_MAX	2047	/* bytes: MAXLINE 2048 less the NUL */
#define MSMTP_COMMAND_MAX	4094	/* bytes: msmtp's line buffer */

/* auth_line - bytes of "AUTH XOAUTH2 <base64>" (without CRLF) for a token
 *	of token_len bytes sent as user */
static size_t
auth_line(const char *user, size_t token_len)
{
	size_t raw = 5 + strlen(user) + 1 + 12 + token_len + 2;

	return 13 + (raw + 2) / 3 * 4;
}

/* largest - the longest token whose AUTH line fits max bytes */
static size_t
largest(const char *user, size_t max)
{
	size_t raw = (max - 13) / 4 * 3, fixed = 5 + strlen(user) + 1 + 12 + 2;

	return raw > fixed ? raw - fixed : 0;
}

/* doc_token_length - the token.length warning (after check_token) */
void
doc_token_length(doctor *d)
{
	const char *user = d->sasl_user[0] != '\0' ? d->sasl_user : d->account;
	size_t line;

	if (so2_secret_empty(&d->token))
		return;
	line = auth_line(user, d->token.len);
	/* doctor checking a Postfix relay: its client is not the one that cuts */
	if (line > SENDMAIL_COMMAND_MAX && d->postfix == 1)
		doc_add(d, DOC_INFO, "token.length", NULL,
			"token length: the access token is %zu bytes, its AUTH XOAUTH2 command %zu:"
			" longer than sendmail sends (%d bytes); Postfix, which checks here, sends"
			" lines of any length", d->token.len, line, SENDMAIL_COMMAND_MAX);
	else if (line > SENDMAIL_COMMAND_MAX)
		doc_add(d, DOC_WARN, "token.length",
			line > MSMTP_COMMAND_MAX
			? "relay through Postfix, which sends lines of any length; or make the"
			  " token smaller (fewer group or optional claims in the app registration)"
			: "relay through Postfix (or msmtp), which send longer lines; or make the"
			  " token smaller (fewer group or optional claims in the app registration)",
			"token length: the access token is %zu bytes, its AUTH XOAUTH2 command %zu:"
			" longer than sendmail sends (it cuts commands at %d bytes: tokens up to"
			" %zu bytes for this account)%s", d->token.len, line,
			SENDMAIL_COMMAND_MAX, largest(user, SENDMAIL_COMMAND_MAX),
			line > MSMTP_COMMAND_MAX ? " and msmtp (4094 bytes)" : "");
}

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	auth.c - the mail client's SASL exchange: one message, and the
 *	answer to an error challenge
 * DESCRIPTION
 *	so2_mail_authenticate() sends the base64 of the client's initial
 *	response on the AUTH line or after the server's empty
 *	continuation (each protocol's mail_ops decides), then reads to the
 *	final reply. A continuation after the response is an error
 *	challenge (RFC 7628 3.2.2; Google's and Microsoft's XOAUTH2): it
 *	is decoded, parsed (so2_challenge_parse) and answered with the
 *	mechanism's reply (XOAUTH2: an empty line; OAUTHBEARER: 0x01,
 *	RFC 7628 3.2.3). A second challenge, or one that is not base64
 *	JSON, is cancelled ("*": RFC 3501 6.2.2, RFC 5034 4, RFC 4954 4).
 *
 *	Who frees what: the caller keeps the response; the base64 copies
 *	and the command line made here are wiped before they are freed.
 * DIAGNOSTICS
 *	See so2_mail_authenticate in mail.h.
 * SEE ALSO
 *	mail.h, mechanism.h, RFC 4954, RFC 4959, RFC 5034, RFC 7628
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "base/base64.h"
#include "base/secret.h"
#include "conn.h"

/* b64 - base64 of len bytes; malloc'd, wipe it with so2_wipe_free_str;
 *	NULL when out of memory (or over so2_b64_encode's 1 GiB) */
static char *
b64(const char *in, size_t len)
{
	size_t size = SO2_B64_LEN(len) + 1;
	char *out = malloc(size);

	if (out != NULL && so2_b64_encode((const unsigned char *)in, len, out, size) == 0 &&
	    len > 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* unb64 - decode a server challenge (trailing spaces ignored) into out
 *	(size bytes, NUL-terminated); the byte count, or -1 when it is not
 *	base64 or decodes to more than size - 1 bytes */
static long
unb64(const char *in, char *out, size_t size)
{
	size_t len = strlen(in), n;

	while (len > 0 && in[len - 1] == ' ')
		len--;
	if (len == 0)
		return 0;
	if (so2_b64_decode(in, len, (unsigned char *)out, size, &n) != SO2_OK)
		return -1;
	return (long)n;
}

/* so2_mail_authenticate - see mail.h */
so2_status
so2_mail_authenticate(so2_mail_conn *c, const char *mech, const char *resp,
		      size_t resp_len, so2_mail_result *res, so2_err *err)
{
	char line[SO2_MAIL_LINE_MAX], tag[16], chal[SO2_CHALLENGE_MAX], msg[SO2_ERR_MSG_MAX];
	char *enc = NULL, *cmd = NULL;
	const char *text;
	size_t cmdsize;
	int sent = 0, replied = 0, is_bearer, skipped = 0;
	so2_status st;
	mail_kind k;
	long n;

	memset(res, 0, sizeof(*res));
	mail_op_start(c);
	is_bearer = strcasecmp(mech, "OAUTHBEARER") == 0;
	if ((enc = b64(resp, resp_len)) == NULL)
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	cmdsize = strlen(enc) + 64;
	if ((cmd = malloc(cmdsize)) == NULL) {
		so2_wipe_free_str(enc);
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	}
	so2_format(tag, sizeof(tag), "A%u", ++c->tag);
	c->ops->auth_command(c, tag, mech, enc, cmd, cmdsize, &sent);
	st = mail_send_line(c, cmd, err);
	while (st == SO2_OK) {
		if ((st = c->ops->auth_line(c, line, sizeof(line), err)) != SO2_OK)
			break;
		k = c->ops->auth_kind(c, line, tag, &text);
		if (k == MAIL_K_SKIP && ++skipped >= SO2_MAIL_REPLY_LINES_MAX) {
			so2_format(msg, sizeof(msg), "more than %d untagged lines in answer to"
				   " AUTHENTICATE (endless data)", SO2_MAIL_REPLY_LINES_MAX);
			st = mail_fail(c, err, SO2_ERR_PROTO, msg);
			break;
		}
		if (k == MAIL_K_SKIP)
			continue;
		if (k == MAIL_K_OTHER) {
			st = mail_fail(c, err, SO2_ERR_PROTO, "unexpected reply to AUTH");
			break;
		}
		if (k != MAIL_K_CONT) {
			so2_printable(line, res->reply, sizeof(res->reply));
			c->ops->final_text(c, line, tag, res);
			if (k == MAIL_K_OK) {
				st = SO2_OK;
			} else {
				so2_format(msg, sizeof(msg), "%s refused: \"%s\"%s%s%s", mech,
					   res->reply, res->challenged ? "; error challenge "
					   "status \"" : "", res->challenge.status,
					   res->challenged ? "\"" : "");
				st = mail_fail(c, err, k == MAIL_K_TEMP ? SO2_ERR_TEMP
					       : SO2_ERR_AUTH, msg);
			}
			break;
		}
		if (!sent) {	/* the empty challenge of the server-first order */
			st = mail_send_line(c, enc, err);
			sent = 1;
			continue;
		}
		/* An error challenge (RFC 7628 3.2.2). */
		n = unb64(text, chal, sizeof(chal));
		if (replied || n <= 0) {
			so2_format(msg, sizeof(msg), "%s: %s; authentication cancelled", mech,
				   replied ? "a second challenge after the error reply"
				   : n < 0 ? "a challenge that is not base64 (or over the size "
				   "limit)" : "an empty challenge after the response");
			mail_send_line(c, "*", err);
			st = mail_fail(c, err, SO2_ERR_PROTO, msg);
			break;
		}
		chal[n] = '\0';
		if (so2_challenge_parse(chal, (size_t)n, &res->challenge, err) != SO2_OK) {
			so2_format(msg, sizeof(msg), "%s: the server's challenge is not an "
				   "error challenge (%s); authentication cancelled", mech,
				   err->msg);
			mail_send_line(c, "*", err);
			st = mail_fail(c, err, SO2_ERR_PROTO, msg);
			break;
		}
		res->challenged = 1;
		replied = 1;
		st = mail_send_line(c, is_bearer ? "AQ==" : "", err);
	}
	if (st != SO2_OK && res->reply[0] == '\0')
		so2_format(res->reply, sizeof(res->reply), "%s", "(no final reply)");
	so2_wipe_free(cmd, cmdsize);
	so2_wipe_free_str(enc);
	OPENSSL_cleanse(line, sizeof(line));
	return st;
}

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	token_reply.c - token endpoint replies: parse and classify
 *	(see token_reply.h)
 * DESCRIPTION
 *	JSON via the capped loader (base/json.h); Jansson's own copies of
 *	tokens are wiped with so2_json_wipe_decref(). The error message is
 *	"HTTP 400, invalid_grant: AADSTS70008: text (trace id ..,
 *	correlation id ..); this means ..; fix: ..".
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "token/diagnose.h"
#include "token/token_reply.h"

#include "base/json.h"
#include "base/text.h"

/* copy_member - the first line of a string member, printable; "" when absent */
static void
copy_member(char *dst, size_t size, json_t *obj, const char *key)
{
	const char *s = so2_json_str(obj, key);

	so2_printable_line(s, s != NULL ? strlen(s) : 0, dst, size);
}

/* copy_folded - error_description on one line
 *	Line breaks become one space (a reason that goes on after a line
 *	break is not cut); other control characters '?'. Microsoft ends
 *	its text with "Trace ID: .. / Correlation ID: .. / Timestamp: .."
 *	lines, which its reply also has as members: those lines are left
 *	out (the message names the ids once). Cut at size - 1 bytes. */
static void
copy_folded(char *dst, size_t size, json_t *obj, const char *key)
{
	static const char *const ids[] = { "Trace ID:", "Correlation ID:", "Timestamp:", NULL };
	const char *s = so2_json_str(obj, key), *end;
	size_t n = 0, i, len;

	if (size == 0)
		return;
	while (s != NULL && *s != '\0') {
		s += strspn(s, "\r\n");
		end = s + strcspn(s, "\r\n");
		for (i = 0; ids[i] != NULL; i++)
			if (strncmp(s, ids[i], strlen(ids[i])) == 0)
				break;
		if (ids[i] == NULL && end > s) {
			if (n > 0 && n + 1 < size)
				dst[n++] = ' ';
			for (len = 0; s + len < end && n + 1 < size; len++) {
				unsigned char c = (unsigned char)s[len];

				dst[n++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
			}
		}
		s = end;
	}
	dst[n] = '\0';
}

/* so2_oauth_error_grant_dead - 1 for error codes meaning "login again" */
int
so2_oauth_error_grant_dead(const char *error)
{
	static const char *const dead[] = {
		"invalid_grant",	/* RFC 6749 5.2: expired, revoked */
		"interaction_required",	/* OpenID Connect Core 3.1.2.6 */
		"consent_required",	/* idem */
		"unauthorized_client",	/* the grant is no longer allowed */
		NULL
	};
	size_t i;

	if (error == NULL)
		return 0;
	for (i = 0; dead[i] != NULL; i++)
		if (strcmp(error, dead[i]) == 0)
			return 1;
	return 0;
}

/* so2_aadsts_code - the number of a leading "AADSTS<digits>", or 0 */
long
so2_aadsts_code(const char *s)
{
	long code = 0;

	if (s == NULL || strncmp(s, "AADSTS", 6) != 0)
		return 0;
	for (s += 6; *s >= '0' && *s <= '9'; s++) {
		if (code > (LONG_MAX - (*s - '0')) / 10)
			return 0;
		code = code * 10 + (*s - '0');
	}
	return code;
}

/* oauth_error_fill - copy an OAuth error object into *oerr (RFC 6749 5.2)
 *	Also Microsoft's error_codes, trace_id, correlation_id, timestamp. */
static void
oauth_error_fill(json_t *root, so2_oauth_error *oerr)
{
	json_t *codes;
	long code;

	copy_member(oerr->error, sizeof(oerr->error), root, "error");
	copy_folded(oerr->description, sizeof(oerr->description), root,
	    "error_description");
	copy_member(oerr->trace_id, sizeof(oerr->trace_id), root, "trace_id");
	copy_member(oerr->correlation_id, sizeof(oerr->correlation_id), root,
	    "correlation_id");
	copy_member(oerr->timestamp, sizeof(oerr->timestamp), root, "timestamp");
	codes = json_object_get(root, "error_codes");
	if (json_is_array(codes) && json_array_size(codes) > 0
	    && so2_json_int_or_numeric_string(json_array_get(codes, 0), &code) == SO2_OK)
		oerr->code = code;
	else
		oerr->code = so2_aadsts_code(oerr->description);
}

/* so2_oauth_error_class - the class of an OAuth error
 *	The device grant's polling answers come first: some servers send
 *	them with unusual statuses, and they are never fatal. Then HTTP 5xx
 *	and 429 are transient whatever the body says. */
so2_status
so2_oauth_error_class(long http_status, const char *error)
{
	if (strcmp(error, "authorization_pending") == 0)
		return SO2_ERR_PENDING;
	if (strcmp(error, "slow_down") == 0)
		return SO2_ERR_SLOW_DOWN;
	if (http_status >= 500 || http_status == 429)
		return SO2_ERR_TEMP;
	if (strcmp(error, "temporarily_unavailable") == 0)
		return SO2_ERR_TEMP;
	if (so2_oauth_error_grant_dead(error))
		return SO2_ERR_GRANT;
	return SO2_ERR_OAUTH;
}

/* table_class - so2_oauth_error_class, refined by the AADSTS row (diagnose.h)
 *	A code the table knows decides between a dead grant and a setting:
 *	AADSTS7000112 (a disabled application) comes as unauthorized_client
 *	but no login with the same client id can help; a wrong tenant or
 *	kind of account is a configuration kept in the record (a new login
 *	after the fix), never a transient failure to back off from. */
static so2_status
table_class(long http_status, const so2_oauth_error *oerr)
{
	so2_status status = so2_oauth_error_class(http_status, oerr->error);
	const so2_diag_row *row = so2_diag_aadsts(oerr->code);

	if (row == NULL || (status != SO2_ERR_GRANT && status != SO2_ERR_OAUTH))
		return status;
	if (row->action == SO2_DIAG_RETRY)
		return SO2_ERR_TEMP;
	return so2_diag_grant_dead(row) ? SO2_ERR_GRANT : SO2_ERR_OAUTH;
}

/* oauth_error_message - "HTTP 400, invalid_grant: AADSTS70008: text (trace id..)" */
static so2_status
oauth_error_message(so2_status status, const so2_oauth_error *oerr, so2_err *err)
{
	const so2_diag_row *row;
	char code[32] = "";
	char ids[160] = "";

	if (oerr->code != 0 && so2_aadsts_code(oerr->description) != oerr->code)
		snprintf(code, sizeof(code), "AADSTS%ld: ", oerr->code);
	if (oerr->trace_id[0] != '\0' || oerr->correlation_id[0] != '\0')
		snprintf(ids, sizeof(ids), " (trace id %s, correlation id %s)",
		    oerr->trace_id[0] ? oerr->trace_id : "none",
		    oerr->correlation_id[0] ? oerr->correlation_id : "none");
	if (oerr->description[0] != '\0' || code[0] != '\0')
		so2_err_set(err, status, "HTTP %ld, %s: %s%s%s", oerr->http_status,
		    oerr->error, code, oerr->description, ids);
	else
		so2_err_set(err, status, "HTTP %ld, %s%s", oerr->http_status, oerr->error, ids);
	/* The cause and the fix from the one table (diagnose.h). */
	if ((row = so2_diag_token_error(oerr->code, oerr->error)) != NULL) {
		so2_err_append(err, "; this means %s; fix: %s", row->cause, row->fix);
	}
	return status;
}

/* so2_http_status_words - a few words on a status without an OAuth error */
const char *
so2_http_status_words(long status)
{
	if (status == 429)
		return " (too many requests)";
	if (status >= 500)
		return " (server error)";
	if (status >= 300 && status < 400)
		return " (a redirect; redirects are not followed)";
	if (status == 0)
		return " (no HTTP status)";
	return "";
}

/* b64token_bad - index of the first byte breaking RFC 6750 2.1 b64token
 *	b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
 *	Returns len when s (len bytes) is one. */
static size_t
b64token_bad(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && (((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z')
			   || (s[i] >= '0' && s[i] <= '9') || strchr("-._~+/", s[i]) != NULL)
	       && s[i] != '\0')
		i++;
	if (i == 0)
		return 0;
	while (i < len && s[i] == '=')
		i++;
	return i;
}

/* vschar_bad - index of the first byte that is not visible ASCII (0x21-0x7e)
 *	RFC 6749 A.17 allows a space in a refresh token; a token with one
 *	(or CR, LF, a control) is refused here: it cannot be told apart from
 *	a damaged one and would break every line-based tool. */
static size_t
vschar_bad(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return i;
	return len;
}

/* number_text - a decimal number in a string ("3600", "3600.0", "-5")
 *	Returns 1 with *v set (the integral part) and *frac 1 when a
 *	non-zero fraction follows, 0 when s is not such a number. Written by
 *	hand: strtod follows the locale of the host program. */
static int
number_text(const char *s, size_t len, double *v, int *frac)
{
	size_t i = 0, digits = 0;
	unsigned long long u = 0;
	int neg = 0, exact = 1;

	*v = 0;
	*frac = 0;
	if (i < len && s[i] == '-') {
		neg = 1;
		i++;
	}
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
		/* exact while it fits (2^63 as digits, from so2_json_load) */
		if (exact && u <= (ULLONG_MAX - 9) / 10)
			u = u * 10 + (unsigned long long)(s[i] - '0');
		else if (exact) {
			exact = 0;
			*v = (double)u;
		}
		if (!exact)
			*v = *v * 10 + (s[i] - '0');
	}
	if (exact)
		*v = (double)u;
	if (digits == 0)
		return 0;
	if (i < len && s[i] == '.') {
		for (i++, digits = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++)
			if (s[i] != '0')
				*frac = 1;
		if (digits == 0)
			return 0;
	}
	if (neg)
		*v = -*v;
	return i == len;
}

/* expires_policy - expires_in of a reply in seconds, by the documented policy
 *	(token_reply.h): a warning in note when a value was not taken as is. */
static long
expires_policy(json_t *root, char *note, size_t size)
{
	json_t *v = json_object_get(root, "expires_in");
	const char *what = NULL;
	double d = 0;
	int frac = 0;

	if (v == NULL || json_is_null(v))
		what = "absent";
	else if (json_is_integer(v))
		d = (double)json_integer_value(v);
	else if (json_is_real(v))
		d = json_real_value(v);
	else if (json_is_string(v) && json_string_length(v) == 0)
		what = "empty";
	else if (!json_is_string(v)
		 || !number_text(json_string_value(v), json_string_length(v), &d, &frac))
		what = "not a number";
	if (what == NULL && d <= 0)
		what = d == 0 ? "zero" : "negative";
	if (what != NULL) {
		so2_format(note, size, "the reply's expires_in is %s; the access token is taken"
			   " to expire in %ld s", what, SO2_EXPIRES_IN_DEFAULT);
		return SO2_EXPIRES_IN_DEFAULT;
	}
	if (d > (double)SO2_EXPIRES_IN_MAX) {
		so2_format(note, size, "the reply's expires_in (%.0f s) is absurd; the access"
			   " token is taken to expire in %ld s", d, SO2_EXPIRES_IN_MAX);
		return SO2_EXPIRES_IN_MAX;
	}
	if (frac || d != (double)(long)d) {
		so2_format(note, size, "the reply's expires_in is not a whole number of seconds;"
			   " %ld s are used", (long)d);
		if ((long)d < 1) {
			so2_format(note, size, "the reply's expires_in is less than a second;"
				   " the access token is taken to expire in %ld s",
				   SO2_EXPIRES_IN_DEFAULT);
			return SO2_EXPIRES_IN_DEFAULT;
		}
	}
	return (long)d;
}

/* reply_refresh - a valid refresh_token of the reply into out, if any
 *	An unusable one is left out, with a note (the stored one stays). */
static so2_status
reply_refresh(json_t *root, so2_token_reply *out, so2_err *err)
{
	json_t *v = json_object_get(root, "refresh_token");
	size_t bad;

	if (v == NULL || json_is_null(v))
		return SO2_OK;
	if (!json_is_string(v) || json_string_length(v) == 0) {
		so2_format(out->note, sizeof(out->note), "the reply's refresh_token is %s and"
			   " was ignored", json_is_string(v) ? "empty" : "not a string");
		return SO2_OK;
	}
	bad = vschar_bad(json_string_value(v), json_string_length(v));
	if (bad < json_string_length(v)) {
		so2_format(out->note, sizeof(out->note), "the reply's refresh_token was ignored:"
			   " byte %zu of %zu is 0x%02x, not a visible ASCII character", bad + 1,
			   json_string_length(v), (unsigned char)json_string_value(v)[bad]);
		return SO2_OK;
	}
	if (so2_secret_set(&out->refresh_token, json_string_value(v), json_string_length(v))
	    != SO2_OK)
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	return SO2_OK;
}

/* note_add - add text (may be "") to the reply's note, "; " between */
static void
note_add(so2_token_reply *out, const char *text)
{
	size_t n = strlen(out->note);

	if (text[0] != '\0')
		so2_format(out->note + n, sizeof(out->note) - n, "%s%s", n > 0 ? "; " : "", text);
}

/* reply_success - fill *out from an HTTP 200 reply that is not an error
 *	The refresh token first: it is kept even when the rest is unusable. */
static so2_status
reply_success(json_t *root, so2_token_reply *out, so2_err *err)
{
	json_t *at = json_object_get(root, "access_token");
	json_t *tt = json_object_get(root, "token_type");
	char why[160] = "", note[SO2_TOKEN_REPLY_NOTE_MAX] = "";
	size_t bad;

	if (reply_refresh(root, out, err) != SO2_OK)
		return SO2_ERR_NOMEM;
	if (at == NULL || json_is_null(at))
		so2_format(why, sizeof(why), "it has no access_token");
	else if (!json_is_string(at) || json_string_length(at) == 0)
		so2_format(why, sizeof(why), "its access_token is %s",
			   json_is_string(at) ? "empty" : "not a string");
	else if ((bad = b64token_bad(json_string_value(at), json_string_length(at)))
		 < json_string_length(at))
		so2_format(why, sizeof(why), "its access_token is not an RFC 6750 b64token (byte"
			   " %zu of %zu is 0x%02x)", bad + 1, json_string_length(at),
			   (unsigned char)json_string_value(at)[bad]);
	else if (tt != NULL && !json_is_null(tt)
		 && (!json_is_string(tt) || strcasecmp(json_string_value(tt), "Bearer") != 0)) {
		char shown[32];
		const char *t = json_is_string(tt) ? json_string_value(tt) : "";

		so2_format(why, sizeof(why), "its token_type is %s%s%s, not Bearer",
			   json_is_string(tt) ? "\"" : "not a string",
			   so2_printable(t, shown, sizeof(shown)), json_is_string(tt) ? "\"" : "");
	}
	if (why[0] != '\0') {
		/* Unusable, but a rotated refresh token must not be lost. */
		so2_err_set(err, SO2_ERR_TEMP, "HTTP 200, unusable token reply: %s%s", why,
			    so2_secret_empty(&out->refresh_token) ? ""
			    : "; it carries a new refresh token, which must be kept");
		return SO2_ERR_TEMP;
	}
	if (so2_secret_set(&out->access_token, json_string_value(at), json_string_length(at))
	    != SO2_OK || (out->token_type = strdup("Bearer")) == NULL)
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	if (so2_json_str(root, "scope") != NULL
	    && (out->scope = strdup(so2_json_str(root, "scope"))) == NULL)
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	/* RFC 6749 5.1 makes token_type required; a server that leaves it
	 * out means what everyone sends, but it is said. */
	if (tt == NULL || json_is_null(tt))
		note_add(out, "the reply has no token_type (RFC 6749 5.1); Bearer is assumed");
	out->expires_in = expires_policy(root, note, sizeof(note));
	note_add(out, note);
	return SO2_OK;
}

/* so2_token_reply_parse - classify and parse a token endpoint reply */
so2_status
so2_token_reply_parse(long http_status, const char *body, size_t len,
		      so2_token_reply *out, so2_oauth_error *oerr, so2_err *err)
{
	so2_err jerr;
	json_t *root = NULL;
	json_t *tok;
	so2_status result;

	memset(out, 0, sizeof(*out));
	out->expires_in = -1;
	memset(oerr, 0, sizeof(*oerr));
	oerr->http_status = http_status;
	so2_err_clear(&jerr);

	result = so2_json_load_opts("body", body, len, SO2_TOKEN_REPLY_MAX, SO2_JSON_BIG_NUMBERS,
				    &root, &jerr);
	if (result == SO2_ERR_NOMEM) {
		so2_err_set(err, result, "%s", jerr.msg);
		goto out;
	}
	if (result != SO2_OK) {
		const so2_diag_row *row = so2_diag_body(body, len);

		/* A page where JSON was due says more than "syntax error at 1:1". */
		if (row != NULL && strcmp(row->id, "http-html-page") == 0)
			result = so2_err_set(err, SO2_ERR_TEMP, "HTTP %ld%s, not an OAuth reply "
			    "but an HTML page: %s; fix: %s", http_status,
			    so2_http_status_words(http_status), row->cause, row->fix);
		else
			result = so2_err_set(err, SO2_ERR_TEMP,
			    "HTTP %ld%s, not an OAuth reply: %s", http_status,
			    so2_http_status_words(http_status), jerr.msg);
		goto out;
	}
	if (json_object_get(root, "error") != NULL) {
		if (!json_is_string(json_object_get(root, "error"))) {
			result = so2_err_set(err, SO2_ERR_TEMP,
			    "HTTP %ld%s, not an OAuth reply: member error is not a string",
			    http_status, so2_http_status_words(http_status));
			goto out;
		}
		oauth_error_fill(root, oerr);
		result = oauth_error_message(table_class(http_status, oerr), oerr, err);
		goto out;
	}
	tok = json_object_get(root, "access_token");
	if (http_status == 200 && (tok != NULL || json_object_get(root, "refresh_token") != NULL)) {
		result = reply_success(root, out, err);
		goto out;
	}
	if (http_status == 200)
		result = so2_err_set(err, SO2_ERR_TEMP,
		    "HTTP 200, reply has neither a usable access_token nor an error");
	else
		result = so2_err_set(err, SO2_ERR_TEMP, "HTTP %ld%s, reply has no OAuth error",
		    http_status, so2_http_status_words(http_status));
out:
	if (result != SO2_OK) {
		/* Only a rotated refresh token survives a failure (see .h). */
		so2_secret keep = out->refresh_token;

		out->refresh_token = (so2_secret)SO2_SECRET_INIT;
		so2_token_reply_clear(out);
		if (result == SO2_ERR_TEMP)
			out->refresh_token = keep;
		else
			so2_secret_clear(&keep);
	}
	so2_json_wipe_decref(root);
	return result;
}

/* so2_token_reply_clear - wipe tokens and free; the reply becomes empty */
void
so2_token_reply_clear(so2_token_reply *rep)
{
	if (rep == NULL)
		return;
	so2_secret_clear(&rep->access_token);
	so2_secret_clear(&rep->refresh_token);
	free(rep->token_type);
	free(rep->scope);
	rep->token_type = NULL;
	rep->scope = NULL;
	rep->expires_in = -1;
	rep->note[0] = '\0';
}

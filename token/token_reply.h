/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	token_reply.h - token endpoint replies: parse and classify
 * SYNOPSIS
 *	#include "token/token_reply.h"
 * DESCRIPTION
 *	Pure functions, no I/O: a token endpoint reply (RFC 6749 section
 *	5.1 success, section 5.2 error) is untrusted input and is parsed
 *	here only, by so2_token_reply_parse() (fuzz target
 *	tests/fuzz/fuzz_token_reply.c).
 *
 *	Error classes follow DESIGN: network errors, timeouts, HTTP 5xx,
 *	429 and bodies that are not an OAuth error are SO2_ERR_TEMP (the
 *	caller leaves the record untouched); invalid_grant,
 *	interaction_required, consent_required and unauthorized_client are
 *	SO2_ERR_GRANT (a new login is needed); other OAuth errors are
 *	SO2_ERR_OAUTH. A Microsoft AADSTS code the table knows (diagnose.h)
 *	decides between SO2_ERR_GRANT, SO2_ERR_OAUTH and SO2_ERR_TEMP for an
 *	OAuth error, whatever its error code (so2_diag_grant_dead; a disabled
 *	application comes as unauthorized_client, yet no login helps).
 *	Microsoft's reply members error_codes (AADSTS),
 *	trace_id, correlation_id and timestamp are kept for diagnostics
 *	(Microsoft identity platform error reference) and the message gets
 *	the cause and fix of the one table (diagnose.h).
 *
 *	Text from the server is cut at its first line and made printable
 *	(base/text.h) before it reaches a message.
 * SEE ALSO
 *	RFC 6749 sections 5.1 and 5.2, RFC 8628 section 3.5, diagnose.h
 */
#ifndef SO2_TOKEN_REPLY_H
#define SO2_TOKEN_REPLY_H

#include <stddef.h>
#include "base/error.h"
#include "base/secret.h"

/* Largest reply so2_token_reply_parse() looks at, bytes: the largest
 * max_reply the configuration accepts (sasl-oauth2.conf(5)), so that a
 * reply the HTTP client accepted is never refused by the parser after
 * the server has rotated the refresh token. SO2_RECORD_MAX (record.h)
 * is derived from it. */
#define SO2_TOKEN_REPLY_MAX	(16L * 1024 * 1024)

/* An expires_in larger than this is taken as this (one year, seconds);
 * it also keeps now + expires_in from overflowing time_t. */
#define SO2_EXPIRES_IN_MAX	(366L * 86400L)
/* Lifetime taken when a reply's expires_in is absent, empty, not a
 * number, zero or negative, seconds (RFC 6749 5.1 lets the server leave
 * it out; Microsoft and Google always send it). */
#define SO2_EXPIRES_IN_DEFAULT	3600L
/* Bytes of so2_token_reply.note. */
#define SO2_TOKEN_REPLY_NOTE_MAX	256

/*
 * so2_token_reply - a successful token endpoint reply (RFC 6749 5.1)
 *	Every member is validated (sasl-oauth2-record(5), "TOKEN REPLIES"):
 *	access_token an RFC 6750 2.1 b64token; refresh_token 1 or more
 *	visible ASCII characters (0x21-0x7e: no space, CR, LF or other
 *	control); token_type "Bearer" in any case (stored as "Bearer").
 *	expires_in in every form providers send: an integer (3600), an
 *	integral float (3600.0), a string of digits ("3600", Microsoft v1.0
 *	endpoints); the policy for the others, each with a warning in note:
 *	absent, empty, not a number, zero or negative: SO2_EXPIRES_IN_DEFAULT;
 *	fractional: rounded down; larger than SO2_EXPIRES_IN_MAX (up to
 *	2^63 and beyond): SO2_EXPIRES_IN_MAX.
 */
typedef struct so2_token_reply {
	so2_secret access_token;
	so2_secret refresh_token;	/* empty when the reply had none (or
					 * an unusable one: see note) */
	char *token_type;		/* "Bearer" */
	char *scope;			/* NULL when absent */
	long expires_in;		/* seconds, 1 to SO2_EXPIRES_IN_MAX
					 * after a successful parse; -1 in a
					 * reply not parsed */
	char note[SO2_TOKEN_REPLY_NOTE_MAX];	/* the policy applied to a
					 * member, for a warning; "" when
					 * none */
} so2_token_reply;

/* so2_oauth_error - what the server said when it failed (RFC 6749 5.2) */
typedef struct so2_oauth_error {
	long http_status;	/* 0 when no HTTP reply came */
	char error[64];		/* OAuth "error", "" when not an OAuth error */
	char description[512];	/* first line of error_description */
	long code;		/* first of Microsoft error_codes (AADSTS
				 * number), 0 when none */
	char trace_id[64];
	char correlation_id[64];
	char timestamp[64];
	long retry_after;	/* seconds from Retry-After, 0 when none */
} so2_oauth_error;

/*
 * so2_token_reply_parse - classify and parse a token endpoint reply
 *	http_status and len bytes of body in. On success (HTTP 200 and a
 *	valid access_token and token_type) fills *out (free with
 *	so2_token_reply_clear) and returns SO2_OK. Otherwise fills *oerr
 *	and returns SO2_ERR_GRANT, SO2_ERR_OAUTH, SO2_ERR_PENDING
 *	(authorization_pending), SO2_ERR_SLOW_DOWN (slow_down) or
 *	SO2_ERR_TEMP (5xx, 429, temporarily_unavailable, not JSON, JSON
 *	without access_token or error, an HTTP 200 reply that is unusable:
 *	access_token missing or not a b64token, token_type not Bearer),
 *	with a message in *err; SO2_ERR_NOMEM. An unusable HTTP 200 reply
 *	that carries a valid refresh_token leaves it in out->refresh_token
 *	(the message says so): the server may already have rotated the old
 *	one, so the caller must keep it; call so2_token_reply_clear after
 *	every call. An integer too large for jansson (2^63) does not fail
 *	the reply (base/json.h SO2_JSON_BIG_NUMBERS).
 */
so2_status so2_token_reply_parse(long http_status, const char *body,
				 size_t len, so2_token_reply *out,
				 so2_oauth_error *oerr, so2_err *err);

/* so2_token_reply_clear - wipe tokens and free; the reply becomes empty.
 *	NULL ok. */
void so2_token_reply_clear(so2_token_reply *rep);

/*
 * so2_oauth_error_class - the status an OAuth error code means
 *	error: the "error" member (RFC 6749 5.2, RFC 8628 3.5);
 *	http_status: the reply's status (0: none). authorization_pending
 *	is SO2_ERR_PENDING and slow_down SO2_ERR_SLOW_DOWN whatever the
 *	status; then HTTP 5xx, 429 and temporarily_unavailable are
 *	SO2_ERR_TEMP; the codes of so2_oauth_error_grant_dead SO2_ERR_GRANT;
 *	every other code SO2_ERR_OAUTH.
 */
so2_status so2_oauth_error_class(long http_status, const char *error);

/* so2_oauth_error_grant_dead - 1 for error codes meaning "login again"
 *	(invalid_grant, interaction_required, consent_required,
 *	unauthorized_client), else 0; NULL is 0 */
int so2_oauth_error_grant_dead(const char *error);

/*
 * so2_aadsts_code - the number of a leading "AADSTS<digits>" in text
 *	Microsoft's error_description starts with it ("AADSTS70008: The
 *	provided authorization code or refresh token has expired...").
 *	Returns the number, or 0 when text (NULL ok) does not start so or
 *	the number does not fit a long.
 */
long so2_aadsts_code(const char *text);

/* so2_http_status_words - a few words on an HTTP status without an OAuth
 *	error: " (too many requests)", " (server error)", " (a redirect;
 *	redirects are not followed)", " (no HTTP status)" or "" */
const char *so2_http_status_words(long status);

#endif

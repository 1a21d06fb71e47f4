/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	record.h - one account's token record
 * SYNOPSIS
 *	#include "token/record.h"
 * DESCRIPTION
 *	A token record is a JSON object stored in one file per account
 *	(format: sasl-oauth2-record(5)). It holds what is needed to use
 *	the access token and to renew it without the user: the token
 *	endpoint, the client, the scope, the tokens and their times.
 *
 *	Times are seconds since the epoch (0 = unknown). Strings are
 *	heap-allocated and owned by the record; tokens are so2_secret.
 *
 *	Records come from files other programs may have written, so the
 *	parser trusts nothing: size cap SO2_RECORD_MAX bytes, JSON depth
 *	cap, every field type-checked, errors with line and column.
 *
 *	so2_record_apply_reply() is the one place a token reply
 *	(token_reply.h) becomes the record's new tokens.
 * SEE ALSO
 *	sasl-oauth2-record(5), store.h, token_reply.h
 */
#ifndef SO2_RECORD_H
#define SO2_RECORD_H

#include <time.h>
#include "base/error.h"
#include "base/secret.h"
#include "token/grant_type.h"
#include "token/token_reply.h"

#define SO2_RECORD_VERSION	1
/*
 * The caps, derived from one another so that every record the writer can
 * produce is readable (issue 10, point 1):
 * - a token reply is at most SO2_TOKEN_REPLY_MAX bytes (the largest
 *   max_reply); each token takes in the record's JSON no more bytes than
 *   in the reply's (the same escapes, or fewer: the reply may use \uXXXX),
 *   and the reply also holds the members' names, so the two tokens of a
 *   record take at most SO2_TOKEN_REPLY_MAX bytes;
 * - everything else (names, endpoint, client, scope, paths, times,
 *   last_error, the JSON around it) is at most SO2_RECORD_META_MAX bytes,
 *   checked by so2_record_serialize;
 * so a record is at most SO2_RECORD_MAX bytes, which the reader accepts.
 */
#define SO2_RECORD_META_MAX	(16 * 1024)	/* bytes */
#define SO2_RECORD_MAX		(SO2_TOKEN_REPLY_MAX + SO2_RECORD_META_MAX)

/* Record states (the "state" member). */
#define SO2_STATE_OK		"ok"		/* usable */
#define SO2_STATE_STALE		"stale"		/* server rejected the access
						 * token: refresh before use */
#define SO2_STATE_NEEDS_LOGIN	"needs_login"	/* grant dead: run login */

/* Client authentication at the token endpoint (RFC 6749 2.3). */
#define SO2_CLIENT_AUTH_NONE	"none"		/* public client */
#define SO2_CLIENT_AUTH_SECRET	"secret"	/* client_secret */
#define SO2_CLIENT_AUTH_CERT	"certificate"	/* RFC 7523 assertion */

typedef struct so2_record {
	char *account;		/* the account name (store key) */
	char *provider;		/* microsoft, google, generic */
	char *token_endpoint;	/* URL, https */
	char *client_id;
	char *client_auth;	/* SO2_CLIENT_AUTH_* */
	char *client_secret_file; /* secret: file holding the client secret */
	char *private_key_file;	/* certificate: PEM private key, read at
				 * each token request */
	char *certificate_file;	/* certificate: PEM certificate (x5t#S256) */
	char *assertion_alg;	/* certificate: PS256 (default) or RS256 */
	char *grant_type;	/* how the tokens were first obtained:
				 * SO2_RECORD_GRANT_* (grant_type.h) */
	char *scope;		/* space-separated, as requested */
	char *token_type;	/* "Bearer" */
	so2_secret access_token;
	time_t expires_at;	/* access token expiry */
	so2_secret refresh_token; /* empty for client_credentials */
	time_t obtained_at;	/* first login */
	time_t refreshed_at;	/* last successful token endpoint reply */
	char *state;		/* SO2_STATE_* */
	char *last_error;	/* last failure, for status; may be NULL */
	time_t last_error_at;
	long failures;		/* consecutive transient failures */
	time_t retry_after;	/* no network attempt before this time */
} so2_record;

/* so2_record_new - an empty record (all NULL/0, state ok); NULL on ENOMEM */
so2_record *so2_record_new(void);

/*
 * so2_record_parse - parse len bytes of JSON
 *	origin (a path) is used in messages. Unknown members are ignored
 *	(newer writers). Required: version, account, token_endpoint,
 *	client_id, expires_at, and access_token unless the record holds a
 *	refresh_token or is in state needs_login. Errors: SO2_ERR_RECORD with
 *	"ORIGIN:LINE:COL: ..." or "ORIGIN: member X: ...", SO2_ERR_NOMEM.
 */
so2_status so2_record_parse(const char *origin, const char *json, size_t len,
			    so2_record **out, so2_err *err);

/*
 * so2_record_serialize - the record as JSON text (NUL-terminated)
 *	*out is malloc'd; release it with so2_wipe_free(*out, *outlen):
 *	it holds tokens. Errors: SO2_ERR_RECORD (the members other than
 *	the tokens would take more than SO2_RECORD_META_MAX bytes; a
 *	member is not UTF-8), SO2_ERR_NOMEM.
 */
so2_status so2_record_serialize(const so2_record *rec, char **out,
				size_t *outlen, so2_err *err);

/* so2_record_set_str - replace a string member with a copy (NULL ok) */
so2_status so2_record_set_str(char **member, const char *value);

/* so2_record_free - wipe tokens and free; NULL ok */
void so2_record_free(so2_record *rec);

/*
 * so2_record_lifetime - seconds the last access token was issued for
 *	expires_at - refreshed_at (the expires_in of the last reply); 0 when
 *	unknown.
 */
long so2_record_lifetime(const so2_record *rec);

/*
 * so2_record_needs_refresh - 1 when the access token must be renewed
 *	before use at time now: empty, expiring within margin seconds, or
 *	state stale.
 */
int so2_record_needs_refresh(const so2_record *rec, time_t now, long margin);

/* so2_record_has_state - 1 when rec->state equals state */
int so2_record_has_state(const so2_record *rec, const char *state);

/*
 * so2_record_apply_reply - store a successful token reply into a record
 *	Replaces the access token, sets expires_at = now + expires_in
 *	(SO2_EXPIRES_IN_DEFAULT when absent, at most SO2_EXPIRES_IN_MAX),
 *	token_type, refreshed_at = now (and obtained_at when unset);
 *	replaces the refresh token only when the reply carries one
 *	(rotation) and keeps the stored one otherwise; clears state to ok,
 *	last_error, failures and retry_after. Everything is allocated
 *	first: on failure the record is unchanged. Errors: SO2_ERR_PARAM
 *	(a reply without an access token), SO2_ERR_NOMEM.
 */
so2_status so2_record_apply_reply(so2_record *rec, const so2_token_reply *rep,
				  time_t now, so2_err *err);

#endif

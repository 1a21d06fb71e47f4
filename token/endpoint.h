/*
 * NAME
 *	endpoint.h - OAuth 2.0 token endpoint and device authorization client
 * SYNOPSIS
 *	#include "token/endpoint.h"
 * DESCRIPTION
 *	Talks to an authorization server over HTTPS with libcurl: the token
 *	endpoint (RFC 6749 section 3.2; refresh grant section 6; device
 *	code grant RFC 8628 section 3.4) and the device authorization
 *	endpoint (RFC 8628 section 3.1). TLS is always verified
 *	(CURLOPT_SSL_VERIFYPEER and VERIFYHOST stay on) and only https
 *	URLs are accepted (CURLOPT_PROTOCOLS_STR "https", no redirects).
 *
 *	Replies are untrusted input: the body is capped at max_reply bytes
 *	(a larger one is an error, not a truncation) and parsed by the pure
 *	function so2_token_reply_parse(), which has a fuzz target.
 *
 *	Error classes follow DESIGN: network errors, timeouts, HTTP 5xx,
 *	429 and bodies that are not an OAuth error are SO2_ERR_TEMP (the
 *	caller leaves the record untouched); invalid_grant,
 *	interaction_required, consent_required and unauthorized_client are
 *	SO2_ERR_GRANT (a new login is needed); other OAuth errors are
 *	SO2_ERR_OAUTH. Microsoft's reply members error_codes (AADSTS),
 *	trace_id, correlation_id and timestamp are kept for diagnostics
 *	(Microsoft identity platform error reference).
 * SEE ALSO
 *	RFC 6749, RFC 8628, libcurl(3), sasl-oauth2(1)
 */
#ifndef SO2_ENDPOINT_H
#define SO2_ENDPOINT_H

#include <stddef.h>
#include "base/error.h"
#include "base/secret.h"
#include "token/record.h"

/* so2_http_conf - how to reach the server; strings are borrowed */
typedef struct so2_http_conf {
	const char *ca_file;	/* CA bundle path, NULL: libcurl default */
	const char *ca_blob;	/* CA bundle already in memory (PEM); when
				 * set it wins over ca_file (chroot) */
	size_t ca_blob_len;	/* bytes */
	const char *proxy;	/* NULL: libcurl's environment rules */
	long connect_timeout;	/* seconds */
	long total_timeout;	/* seconds, whole request */
	long max_reply;		/* bytes of body accepted */
	int cred_dir_set;	/* 1: cred_dirfd is valid */
	int cred_dirfd;		/* directory that relative client secret,
				 * key and certificate paths of a record are
				 * read from (openat): the record's store,
				 * so that a chrooted process reaches them */
} so2_http_conf;

/* so2_token_reply - a successful token endpoint reply (RFC 6749 5.1) */
typedef struct so2_token_reply {
	so2_secret access_token;
	so2_secret refresh_token;	/* empty when the reply had none */
	char *token_type;		/* as sent, e.g. "Bearer" */
	char *scope;			/* NULL when absent */
	long expires_in;		/* seconds; -1 when absent. Accepts a
					 * number or a numeric string
					 * (Microsoft v1.0 endpoints) */
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

/* so2_device_auth - device authorization response (RFC 8628 3.2) */
typedef struct so2_device_auth {
	so2_secret device_code;
	char *user_code;
	char *verification_uri;
	char *verification_uri_complete;	/* NULL when absent */
	char *message;				/* NULL when absent */
	long expires_in;			/* seconds */
	long interval;				/* seconds, default 5 */
} so2_device_auth;

/* so2_form_field - one application/x-www-form-urlencoded field */
typedef struct so2_form_field {
	const char *name;	/* NULL terminates the list */
	const char *value;
	int secret;		/* 1: never shown in logs or errors */
} so2_form_field;

/*
 * so2_token_reply_parse - classify and parse a token endpoint reply
 *	Pure: no I/O. http_status and len bytes of body in. On success
 *	(HTTP 200 and an access_token) fills *out (free with
 *	so2_token_reply_clear) and returns SO2_OK. Otherwise fills *oerr
 *	and returns SO2_ERR_GRANT, SO2_ERR_OAUTH, SO2_ERR_PENDING
 *	(authorization_pending), SO2_ERR_SLOW_DOWN (slow_down) or
 *	SO2_ERR_TEMP (5xx, 429, temporarily_unavailable, not JSON, JSON
 *	without access_token or error), with a message in *err.
 */
so2_status so2_token_reply_parse(long http_status, const char *body,
				 size_t len, so2_token_reply *out,
				 so2_oauth_error *oerr, so2_err *err);

/*
 * so2_token_request - POST a form to a token endpoint and parse the reply
 *	Returns as so2_token_reply_parse; network failures and timeouts are
 *	SO2_ERR_TEMP naming the URL and libcurl's reason (TLS verification
 *	failures are named as such). Messages name the endpoint URL.
 */
so2_status so2_token_request(const so2_http_conf *hc, const char *url,
			     const so2_form_field *form, so2_token_reply *out,
			     so2_oauth_error *oerr, so2_err *err);

/*
 * so2_grant_refresh - renew the access token of a record
 *	Refresh grant (RFC 6749 section 6): grant_type=refresh_token,
 *	refresh_token, client_id and scope. A client_credentials record
 *	(no refresh token, RFC 6749 4.4.3) asks again with
 *	grant_type=client_credentials. The client authenticates as
 *	rec->client_auth says: none; secret (client_secret read from
 *	rec->client_secret_file at each call); certificate (an RFC 7523
 *	client assertion signed with rec->private_key_file, assertion.h).
 *	Returns as so2_token_request, plus SO2_ERR_CONFIG for an unusable
 *	secret, key or certificate file.
 */
so2_status so2_grant_refresh(const so2_http_conf *hc, const so2_record *rec,
			     so2_token_reply *out, so2_oauth_error *oerr,
			     so2_err *err);

/*
 * so2_grant_authorization_code - redeem an authorization code
 *	RFC 6749 4.1.3 with the PKCE code_verifier (RFC 7636 4.5): sends
 *	grant_type=authorization_code, code, redirect_uri (exactly as in
 *	the authorization request), code_verifier, client_id, scope and
 *	the client authentication of rec (as so2_grant_refresh). rec
 *	supplies token_endpoint, client_id, scope and client_auth only.
 *	Returns as so2_grant_refresh.
 */
so2_status so2_grant_authorization_code(const so2_http_conf *hc,
					const so2_record *rec, const char *code,
					const char *redirect_uri,
					const char *code_verifier,
					so2_token_reply *out,
					so2_oauth_error *oerr, so2_err *err);

/*
 * so2_device_authorize - device authorization request (RFC 8628 3.1)
 *	POSTs client_id and scope to url. Fills *out (free with
 *	so2_device_auth_clear). Errors as so2_token_request.
 */
so2_status so2_device_authorize(const so2_http_conf *hc, const char *url,
				const char *client_id, const char *scope,
				so2_device_auth *out, so2_oauth_error *oerr,
				so2_err *err);

/*
 * so2_device_poll - one device access token request (RFC 8628 3.4)
 *	client supplies token_endpoint, client_id and the client
 *	authentication (as so2_grant_refresh; Google's limited-input
 *	clients have a secret). Returns SO2_OK with *out filled,
 *	SO2_ERR_PENDING, SO2_ERR_SLOW_DOWN, or an error (expired_token and
 *	access_denied/authorization_declined are SO2_ERR_GRANT with a
 *	plain-words message).
 */
so2_status so2_device_poll(const so2_http_conf *hc, const so2_record *client,
			   const so2_secret *device_code, so2_token_reply *out,
			   so2_oauth_error *oerr, so2_err *err);

/*
 * so2_record_apply_reply - store a successful reply into a record
 *	Replaces the access token, sets expires_at = now + expires_in
 *	(3600 when absent), token_type, refreshed_at = now; replaces the
 *	refresh token only when the reply carries one (rotation) and keeps
 *	the stored one otherwise; clears state to ok, last_error,
 *	failures and retry_after. Errors: SO2_ERR_NOMEM.
 */
so2_status so2_record_apply_reply(so2_record *rec, const so2_token_reply *rep,
				  time_t now, so2_err *err);

void so2_token_reply_clear(so2_token_reply *rep);
void so2_device_auth_clear(so2_device_auth *da);

/* so2_oauth_error_grant_dead - 1 for error codes meaning "login again" */
int so2_oauth_error_grant_dead(const char *error);

#endif

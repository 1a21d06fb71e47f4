/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	grant.h - token requests, client authentication, the renewal grants
 * SYNOPSIS
 *	#include "token/grant.h"
 * DESCRIPTION
 *	What renewal needs inside host programs: the token request (RFC
 *	6749 section 3.2) sent through http.h and parsed by token_reply.h;
 *	the client's authentication (none; client_secret read from the
 *	record's client_secret_file at each request, RFC 6749 2.3.1; an RFC
 *	7523 client assertion signed with the record's key, assertion.h);
 *	and the grants renewal uses: refresh (RFC 6749 section 6) and
 *	client credentials (section 4.4). The interactive grants
 *	(authorization code, device) live in login/ and are built on
 *	so2_grant_request() and so2_oauth_post().
 *
 *	Secrets (refresh token, client secret, assertion) go only into the
 *	request body, which http.c wipes; the copies read here are wiped
 *	after the request. Messages name the URL and the account, never a
 *	secret.
 * DIAGNOSTICS
 *	As token_reply.h and http.h, plus SO2_ERR_CONFIG for an unusable
 *	client secret, key or certificate file and SO2_ERR_PARAM for a
 *	record without token_endpoint or client_id. A failure's message
 *	starts with the URL and ends with "; retry after N seconds" when
 *	the server sent Retry-After with a transient failure.
 * SEE ALSO
 *	RFC 6749, RFC 7523, http.h, token_reply.h, assertion.h
 */
#ifndef SO2_GRANT_H
#define SO2_GRANT_H

#include <stddef.h>
#include "base/error.h"
#include "token/grant_type.h"
#include "token/http.h"
#include "token/record.h"
#include "token/token_reply.h"

/* Largest client secret file, bytes. */
#define SO2_CLIENT_SECRET_MAX	4096

/* Room for the fields of one token request, terminator included. */
#define SO2_FORM_FIELDS		12

/* so2_reply_parser - turns one HTTP reply into out (a token reply, a
 *	device authorization, ...); returns as so2_token_reply_parse */
typedef so2_status (*so2_reply_parser)(long http_status, const char *body, size_t len,
				       void *out, so2_oauth_error *oerr, so2_err *err);

/*
 * so2_oauth_post - POST form to url, parse the reply with parse
 *	The one request path of the token and device endpoints: oerr gets
 *	the HTTP status and Retry-After; a failure's message starts with
 *	the URL and ends with the retry note. Returns what
 *	so2_http_post_form or parse returned.
 */
so2_status so2_oauth_post(const so2_http_conf *hc, const char *url,
			  const so2_form_field *form, so2_reply_parser parse,
			  void *out, so2_oauth_error *oerr, so2_err *err);

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
 * so2_grant_request - finish a token request of client rec and send it
 *	form[0..n-1] holds the grant's own fields (grant_type first); this
 *	appends client_id, scope (when with_scope and rec has one), the
 *	client authentication of rec and the terminator: form must have
 *	room for SO2_FORM_FIELDS. rec supplies token_endpoint, client_id,
 *	scope and the client_auth members only. Returns as
 *	so2_token_request, plus SO2_ERR_CONFIG (secret, key or certificate
 *	file unusable; the message names the account).
 */
so2_status so2_grant_request(const so2_http_conf *hc, const so2_record *rec,
			     so2_form_field *form, int n, int with_scope,
			     so2_token_reply *out, so2_oauth_error *oerr,
			     so2_err *err);

/*
 * so2_grant_refresh - renew the access token of a record
 *	Refresh grant (RFC 6749 section 6): grant_type=refresh_token,
 *	refresh_token, client_id and scope. A client_credentials record
 *	(no refresh token, RFC 6749 4.4.3) asks again with
 *	grant_type=client_credentials. The client authenticates as
 *	rec->client_auth says (so2_grant_request). Returns as
 *	so2_grant_request; SO2_ERR_GRANT without a network request when a
 *	refresh record has no refresh token; the message of a failure
 *	carries the diagnosis with the account filled in (diagnose.h).
 */
so2_status so2_grant_refresh(const so2_http_conf *hc, const so2_record *rec,
			     so2_token_reply *out, so2_oauth_error *oerr,
			     so2_err *err);

#endif

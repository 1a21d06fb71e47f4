/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	pkce.h - authorization code grant with PKCE: values, URL, redirect
 * SYNOPSIS
 *	#include "login/pkce.h"
 * DESCRIPTION
 *	The pure parts of the authorization code grant (RFC 6749 section
 *	4.1) for native apps (RFC 8252) with PKCE (RFC 7636):
 *
 *	so2_pkce_new() makes a code_verifier (32 random bytes, base64url:
 *	43 characters, RFC 7636 4.1), its S256 code_challenge
 *	(BASE64URL(SHA256(verifier)), 4.2) and a state value (16 random
 *	bytes) that binds the redirect to this login (RFC 6749 10.12).
 *
 *	so2_authorize_url() builds the authorization request URL (RFC 6749
 *	4.1.1, RFC 7636 4.3), every value percent-encoded (RFC 3986 2.1).
 *
 *	so2_redirect_parse() reads the redirect that comes back, either an
 *	HTTP request target ("/?code=...&state=...") seen by the loopback
 *	listener or a whole URL the user pasted, and extracts code, state,
 *	error and error_description (RFC 6749 4.1.2, 4.1.2.1). The input
 *	is untrusted (fuzz target tests/fuzz/fuzz_redirect.c): at most
 *	SO2_REDIRECT_MAX bytes, percent-decoding checked, values with
 *	control characters refused, a repeated parameter refused.
 * SEE ALSO
 *	RFC 7636, RFC 8252, RFC 6749, code.h (so2_grant_authorization_code)
 */
#ifndef SO2_PKCE_H
#define SO2_PKCE_H

#include <stddef.h>
#include "base/error.h"
#include "base/secret.h"

#define SO2_REDIRECT_MAX	8192	/* bytes of a redirect URL or target */
#define SO2_AUTHORIZE_URL_MAX	(64 * 1024)	/* bytes of an authorization URL */
#define SO2_PKCE_VERIFIER_LEN	43	/* characters (32 bytes, base64url) */

/* so2_pkce - one login's PKCE values and state (NUL-terminated) */
typedef struct so2_pkce {
	char verifier[64];	/* code_verifier: secret until redeemed */
	char challenge[64];	/* code_challenge, S256 */
	char state[32];		/* state */
} so2_pkce;

/* so2_authorize_req - what goes into the authorization request */
typedef struct so2_authorize_req {
	const char *endpoint;		/* authorization endpoint, https */
	const char *client_id;
	const char *redirect_uri;
	const char *scope;
	const char *login_hint;		/* NULL: not sent */
	const char *const *extra;	/* NULL or name, value, ..., NULL
					 * (e.g. access_type offline) */
} so2_authorize_req;

/* so2_redirect - what the redirect carried; NULL when absent */
typedef struct so2_redirect {
	so2_secret code;	/* the authorization code (single use) */
	char *state;
	char *error;
	char *error_description;
} so2_redirect;

/*
 * so2_pkce_new - fresh verifier, challenge and state
 *	Errors: SO2_ERR_NOMEM when OpenSSL's random generator fails.
 */
so2_status so2_pkce_new(so2_pkce *p, so2_err *err);

/*
 * so2_pkce_challenge - the S256 challenge of verifier into out (size
 *	bytes, at least 44). Returns SO2_OK or SO2_ERR_PARAM.
 */
so2_status so2_pkce_challenge(const char *verifier, char *out, size_t size,
			      so2_err *err);

/*
 * so2_authorize_url - the authorization request URL
 *	Sends response_type=code, client_id, redirect_uri, scope, state,
 *	code_challenge, code_challenge_method=S256, login_hint and extra.
 *	Values are percent-encoded by curl_easy_escape (RFC 3986 2.1).
 *	*out is malloc'd (caller frees). Errors: SO2_ERR_PARAM (missing
 *	member, a URL longer than SO2_AUTHORIZE_URL_MAX bytes), SO2_ERR_NOMEM.
 */
so2_status so2_authorize_url(const so2_authorize_req *req, const so2_pkce *p,
			     char **out, so2_err *err);

/*
 * so2_redirect_parse - code, state and error of a redirect
 *	in: len bytes, a URL ("http://127.0.0.1:8400/?code=...") or a
 *	request target ("/?code=..."). A fragment ("#...") is ignored.
 *	On SO2_OK *out is filled (free with so2_redirect_clear); it may
 *	hold neither code nor error (the caller decides). Errors:
 *	SO2_ERR_PARAM (too long, no query, bad percent-encoding, control
 *	characters, a parameter given twice), SO2_ERR_NOMEM.
 */
so2_status so2_redirect_parse(const char *in, size_t len, so2_redirect *out,
			      so2_err *err);

/* so2_redirect_clear - free and wipe; NULL ok */
void so2_redirect_clear(so2_redirect *r);

/*
 * so2_state_equal - 1 when got equals want (constant time in the
 *	length of want); 0 when got is NULL or differs.
 */
int so2_state_equal(const char *got, const char *want);

#endif

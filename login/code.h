/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	code.h - redeem an authorization code (RFC 6749 4.1.3), command only
 * SYNOPSIS
 *	#include "login/code.h"
 * DESCRIPTION
 *	The last step of the authorization code grant with PKCE (pkce.h
 *	builds the request URL and reads the redirect): the code and its
 *	code_verifier (RFC 7636 4.5) are exchanged for tokens at the token
 *	endpoint, through grant.h.
 * SEE ALSO
 *	RFC 6749 4.1, RFC 7636, pkce.h, grant.h
 */
#ifndef SO2_CODE_H
#define SO2_CODE_H

#include "base/error.h"
#include "token/grant.h"

/*
 * so2_grant_authorization_code - redeem an authorization code
 *	RFC 6749 4.1.3 with the PKCE code_verifier (RFC 7636 4.5): sends
 *	grant_type=authorization_code, code, redirect_uri (exactly as in
 *	the authorization request), code_verifier, client_id, scope and
 *	the client authentication of rec (as so2_grant_request). rec
 *	supplies token_endpoint, client_id, scope and client_auth only.
 *	Returns as so2_grant_request; SO2_ERR_PARAM for a missing argument.
 */
so2_status so2_grant_authorization_code(const so2_http_conf *hc,
					const so2_record *rec, const char *code,
					const char *redirect_uri,
					const char *code_verifier,
					so2_token_reply *out,
					so2_oauth_error *oerr, so2_err *err);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	mechanism.h - XOAUTH2 and OAUTHBEARER messages, as pure functions
 * SYNOPSIS
 *	#include "token/mechanism.h"
 * DESCRIPTION
 *	Builds the client's initial response and reads the server's error
 *	challenge. No I/O, no global state: data in, data out.
 *
 *	XOAUTH2 (Google "OAuth 2.0 Mechanism"; Microsoft "Authenticate an
 *	IMAP, POP or SMTP connection using OAuth"):
 *		"user=" USER ^A "auth=Bearer " TOKEN ^A ^A
 *	OAUTHBEARER (RFC 7628 section 3.1, GS2 header RFC 5801):
 *		"n," ["a=" SASLNAME] "," ^A ["host=" HOST ^A]
 *		["port=" PORT ^A] "auth=Bearer " TOKEN ^A ^A
 *	Error challenges are JSON objects (RFC 7628 section 3.2.2; Google's
 *	XOAUTH2 uses the same shape with an HTTP-like status).
 * SEE ALSO
 *	RFC 7628, RFC 5801
 */
#ifndef SO2_MECHANISM_H
#define SO2_MECHANISM_H

#include <stddef.h>
#include "base/error.h"

#define SO2_CHALLENGE_MAX	4096	/* bytes of server challenge read */
#define SO2_RESPONSE_MAX	(64 * 1024)	/* bytes of client response */

/*
 * so2_xoauth2_response - build the XOAUTH2 initial client response
 *	user: the SASL user (authname), NUL-terminated, no ^A.
 *	token/token_len: the access token (bytes, no ^A).
 *	*out is malloc'd (free with so2_wipe_free(*out, *outlen)); it is
 *	NUL-terminated, *outlen excludes the NUL.
 *	Errors: SO2_ERR_PARAM (empty user or token, ^A in them, too long),
 *	SO2_ERR_NOMEM.
 */
so2_status so2_xoauth2_response(const char *user, const char *token,
				size_t token_len, char **out, size_t *outlen,
				so2_err *err);

/*
 * so2_oauthbearer_response - build the OAUTHBEARER initial response
 *	authzid: NULL or "" for none; "," and "=" are escaped as =2C and
 *	=3D (RFC 5801 saslname). host: NULL to omit. port: 0 to omit.
 *	Output and errors as so2_xoauth2_response.
 */
so2_status so2_oauthbearer_response(const char *authzid, const char *host,
				    unsigned port, const char *token,
				    size_t token_len, char **out,
				    size_t *outlen, so2_err *err);

/* so2_challenge - what a server's error challenge said */
typedef struct so2_challenge {
	char status[64];	/* "invalid_token", "401", ... */
	char scope[512];	/* "" when absent */
	char schemes[64];	/* XOAUTH2 (Google) "schemes", "" when absent */
	char openid_configuration[512];
} so2_challenge;

/*
 * so2_challenge_parse - parse a server challenge (already base64-decoded)
 *	len bytes in (up to SO2_CHALLENGE_MAX). Returns SO2_OK when the
 *	input is a JSON object with a string "status" member; otherwise
 *	SO2_ERR_PROTO with what was wrong (not JSON, no status, too large).
 */
so2_status so2_challenge_parse(const char *in, size_t len,
			       so2_challenge *out, so2_err *err);

/*
 * so2_challenge_token_invalid - 1 when the challenge means the token
 *	itself was refused (expired, revoked, wrong audience), so the next
 *	attempt must refresh: status "invalid_token", "401" or "400".
 */
int so2_challenge_token_invalid(const so2_challenge *ch);

#endif

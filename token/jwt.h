/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	jwt.h - read the claims of an access token (no signature check)
 * SYNOPSIS
 *	#include "token/jwt.h"
 * DESCRIPTION
 *	Microsoft's work and school access tokens are JWTs (RFC 7519) whose
 *	claims say for whom and for what the token was issued: aud, scp or
 *	roles, upn, tid, appid, idtyp, iat, exp (Microsoft identity platform
 *	"Access token claims reference"). Diagnostics read them to explain a
 *	"535 5.7.3". The signature is NOT verified: these claims are hints for
 *	people, never a security decision. Tokens that are not JWTs
 *	(Microsoft consumer accounts "EwB...", Google "ya29....") are reported
 *	as opaque; a token that starts like a JWT but does not decode (a
 *	store that truncated it) as damaged.
 *
 *	The token is untrusted input: at most SO2_JWT_MAX bytes, the payload
 *	must be base64url JSON object (RFC 7515 section 2, RFC 4648 section 5).
 * SEE ALSO
 *	RFC 7519, RFC 7515
 */
#ifndef SO2_JWT_H
#define SO2_JWT_H

#include <stddef.h>
#include <time.h>
#include "base/error.h"

#define SO2_JWT_MAX (32 * 1024)	/* bytes of token examined */
#define SO2_JWT_TIME_MAX 253402300799LL	/* 9999-12-31T23:59:59Z: a later
					 * iat, nbf or exp is no time (0) */

/* so2_jwt_claims - the claims diagnostics use; "" / 0 when absent */
typedef struct so2_jwt_claims {
	int opaque;		/* 1: not a JWT; nothing else is set */
	int damaged;		/* 1 (with opaque): starts like a JWT ("eyJ",
				 * base64url of '{"') but is not one: cut
				 * or corrupted by the program that stored it */
	char aud[256];
	char scp[1024];		/* delegated: space-separated scopes */
	char roles[1024];	/* app-only: roles joined with spaces (string
				 * elements only); in both, names that do not
				 * fit are left out whole, never cut */
	char upn[256];		/* upn, else preferred_username, else
				 * unique_name, else email */
	char tid[64];
	char appid[128];	/* appid, else azp */
	char idtyp[32];		/* "app" or "user" when present */
	char iss[256];
	time_t iat;
	time_t nbf;
	time_t exp;
} so2_jwt_claims;

/*
 * so2_jwt_read - decode the claims of token (len bytes)
 *	Returns SO2_OK with *out filled (out->opaque = 1 for a token that is
 *	not three base64url parts with a JSON object in the middle), or
 *	SO2_ERR_PARAM for a token longer than SO2_JWT_MAX. Claim values are
 *	made printable (control characters become '?') and too-long values
 *	are cut at the field size (these are hints, not data).
 */
so2_status so2_jwt_read(const char *token, size_t len, so2_jwt_claims *out, so2_err *err);

/*
 * so2_jwt_audience_exchange - 1 when aud is an Exchange Online audience
 *	https://outlook.office.com, https://outlook.office365.com (and their
 *	national-cloud forms), or the Exchange app id
 *	00000002-0000-0ff1-ce00-000000000000.
 */
int so2_jwt_audience_exchange(const char *aud);

/* so2_jwt_audience_graph - 1 when aud is Microsoft Graph */
int so2_jwt_audience_graph(const char *aud);

/* so2_jwt_app_only - 1 for an app-only token (idtyp app, or roles without scp) */
int so2_jwt_app_only(const so2_jwt_claims *c);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	assertion.h - client assertions signed with a certificate's key
 * SYNOPSIS
 *	#include "token/assertion.h"
 * DESCRIPTION
 *	Builds the JWT a confidential client sends instead of a client
 *	secret (RFC 7523 section 2.2, "private_key_jwt"; Microsoft identity
 *	platform "certificate credentials"): the token request then carries
 *	client_assertion_type=SO2_ASSERTION_TYPE and client_assertion=JWT.
 *
 *	Header: alg PS256 (RSASSA-PSS, SHA-256, MGF1-SHA-256, salt length
 *	32 bytes = digest length; RFC 7518 section 3.5) or RS256 (RSASSA-
 *	PKCS1-v1_5, section 3.3), typ JWT, x5t#S256 = base64url(SHA-256 of
 *	the certificate's DER) and, for RS256, x5t = base64url(SHA-1 of the
 *	DER) (RFC 7515 sections 4.1.7, 4.1.8).
 *	Claims: aud = the token endpoint URL, iss = sub = the client id,
 *	jti = a random UUID, nbf = iat = now, exp = now +
 *	SO2_ASSERTION_LIFETIME (RFC 7523 section 3).
 *
 *	The key file is read at each call (so a renewed key is picked up)
 *	and checked first: a regular file, not readable or writable by
 *	others and not writable by its group, at most SO2_KEY_FILE_MAX
 *	bytes, an unencrypted PEM RSA key that belongs to the certificate.
 *	Its bytes are wiped after parsing.
 * SEE ALSO
 *	RFC 7523, RFC 7515, RFC 7518, grant.h
 */
#ifndef SO2_ASSERTION_H
#define SO2_ASSERTION_H

#include <time.h>
#include "base/error.h"
#include "base/secret.h"

#define SO2_ASSERTION_TYPE \
	"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#define SO2_ASSERTION_LIFETIME	300		/* seconds from iat to exp */
#define SO2_KEY_FILE_MAX	(64 * 1024)	/* bytes of a key or cert file */
#define SO2_ALG_PS256		"PS256"
#define SO2_ALG_RS256		"RS256"

/*
 * so2_assertion_alg_valid - 1 for "PS256", "RS256" or NULL (= PS256)
 */
int so2_assertion_alg_valid(const char *alg);

/*
 * so2_key_file_check - the permission check of a private key file
 *	Pure: mode is st_mode of the file. Returns SO2_OK, or
 *	SO2_ERR_CONFIG with a message naming path, the mode and the
 *	chmod that fixes it.
 */
so2_status so2_key_file_check(const char *path, unsigned mode, so2_err *err);

/*
 * so2_client_assertion - a signed client assertion for one token request
 *	client_id: iss and sub; audience: the token endpoint URL;
 *	key_file, cert_file: PEM paths, relative ones to the directory
 *	dirfd (AT_FDCWD: the working directory); alg: SO2_ALG_PS256, SO2_ALG_RS256
 *	or NULL (PS256); now: seconds since the epoch (iat, nbf).
 *	On SO2_OK *out holds the compact JWS (caller clears it).
 *	Errors: SO2_ERR_CONFIG (file unreadable, mode too open, not a PEM
 *	RSA key or certificate, encrypted key, key and certificate do not
 *	match, unknown alg), SO2_ERR_NOMEM; messages name the file and
 *	what to do, never key material.
 */
so2_status so2_client_assertion(const char *client_id, const char *audience,
				int dirfd, const char *key_file, const char *cert_file,
				const char *alg, time_t now, so2_secret *out,
				so2_err *err);

/*
 * so2_cert_thumbprint - base64url SHA-256 (sha256 1) or SHA-1 (0)
 *	thumbprint of the certificate in cert_file, into buf (size bytes,
 *	at least 44). For messages and inspect: it is what the app
 *	registration shows (in hex) and what the server names in
 *	AADSTS700027. Errors: SO2_ERR_CONFIG, SO2_ERR_NOMEM.
 */
so2_status so2_cert_thumbprint(const char *cert_file, int sha256, char *buf,
			       size_t size, so2_err *err);

#endif

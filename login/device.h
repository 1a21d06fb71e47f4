/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	device.h - the device authorization grant (RFC 8628), command only
 * SYNOPSIS
 *	#include "login/device.h"
 * DESCRIPTION
 *	so2_device_authorize() asks the device authorization endpoint for a
 *	user code (RFC 8628 3.1, 3.2); the command shows it and calls
 *	so2_device_poll() every interval seconds (3.4, 3.5) until the user
 *	has signed in. The response is untrusted: the user code and the
 *	URIs are shown on a terminal, so control characters are refused.
 *	Google's verification_url is accepted as verification_uri.
 *	Requests go through grant.h (client authentication, the request
 *	path) and http.h.
 * DIAGNOSTICS
 *	As grant.h; SO2_ERR_PENDING and SO2_ERR_SLOW_DOWN while polling;
 *	SO2_ERR_GRANT for expired_token, access_denied and
 *	authorization_declined (plain-words message); SO2_ERR_TEMP for a
 *	device authorization response missing a member or holding control
 *	characters.
 * SEE ALSO
 *	RFC 8628, grant.h
 */
#ifndef SO2_DEVICE_H
#define SO2_DEVICE_H

#include "base/error.h"
#include "base/secret.h"
#include "token/grant.h"

/* RFC 8628 3.2: interval defaults to 5 seconds. */
#define SO2_DEVICE_INTERVAL_DEFAULT	5L
/* expires_in when the response has none, seconds. */
#define SO2_DEVICE_EXPIRES_DEFAULT	900L

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
 *	authentication (as so2_grant_request; Google's limited-input
 *	clients have a secret). Returns SO2_OK with *out filled,
 *	SO2_ERR_PENDING, SO2_ERR_SLOW_DOWN, or an error (expired_token and
 *	access_denied/authorization_declined are SO2_ERR_GRANT with a
 *	plain-words message).
 */
so2_status so2_device_poll(const so2_http_conf *hc, const so2_record *client,
			   const so2_secret *device_code, so2_token_reply *out,
			   so2_oauth_error *oerr, so2_err *err);

/* so2_device_auth_clear - wipe the device code and free; NULL ok */
void so2_device_auth_clear(so2_device_auth *da);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	grant_type.h - the names of the OAuth grants, in one place
 * SYNOPSIS
 *	#include "token/grant_type.h"
 * DESCRIPTION
 *	Two vocabularies, both fixed by the outside world:
 *	- SO2_GRANT_*: the grant_type parameter sent to a token endpoint
 *	  (RFC 6749 sections 4.1.3, 4.4.2 and 6; RFC 8628 section 3.4);
 *	- SO2_RECORD_GRANT_*: the record member grant_type, saying how the
 *	  tokens were first obtained (sasl-oauth2-record(5)); login's
 *	  --grant accepts these names too. Records on disk hold them:
 *	  they never change.
 *	No code, only names: every layer may use them.
 * SEE ALSO
 *	RFC 6749, RFC 8628, record.h, sasl-oauth2-record(5)
 */
#ifndef SO2_GRANT_TYPE_H
#define SO2_GRANT_TYPE_H

/* grant_type on the wire */
#define SO2_GRANT_AUTHORIZATION_CODE	"authorization_code"	/* RFC 6749 4.1.3 */
#define SO2_GRANT_CLIENT_CREDENTIALS	"client_credentials"	/* RFC 6749 4.4.2 */
#define SO2_GRANT_REFRESH_TOKEN		"refresh_token"		/* RFC 6749 6 */
#define SO2_GRANT_DEVICE_CODE \
	"urn:ietf:params:oauth:grant-type:device_code"		/* RFC 8628 3.4 */

/* grant_type in a token record */
#define SO2_RECORD_GRANT_DEVICE		"device_code"
#define SO2_RECORD_GRANT_CODE		"authorization_code"
#define SO2_RECORD_GRANT_CLIENT_CREDENTIALS "client_credentials"

#endif

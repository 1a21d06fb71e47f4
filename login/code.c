/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	code.c - redeem an authorization code (see code.h)
 */
#include "config.h"

#include <string.h>

#include "code.h"

/* so2_grant_authorization_code - redeem an authorization code (RFC 6749
 *	4.1.3) with its PKCE verifier (RFC 7636 4.5) */
so2_status
so2_grant_authorization_code(const so2_http_conf *hc, const so2_record *rec,
			     const char *code, const char *redirect_uri,
			     const char *code_verifier, so2_token_reply *out,
			     so2_oauth_error *oerr, so2_err *err)
{
	so2_form_field form[SO2_FORM_FIELDS];
	int n = 0;

	memset(out, 0, sizeof(*out));
	out->expires_in = -1;
	memset(oerr, 0, sizeof(*oerr));
	if (rec->token_endpoint == NULL || rec->client_id == NULL || code == NULL
	    || redirect_uri == NULL || code_verifier == NULL)
		return so2_err_set(err, SO2_ERR_PARAM, "authorization code grant: "
		    "missing parameter");
	form[n++] = (so2_form_field){ "grant_type", SO2_GRANT_AUTHORIZATION_CODE, 0 };
	form[n++] = (so2_form_field){ "code", code, 1 };
	form[n++] = (so2_form_field){ "redirect_uri", redirect_uri, 0 };
	form[n++] = (so2_form_field){ "code_verifier", code_verifier, 1 };
	return so2_grant_request(hc, rec, form, n, 1, out, oerr, err);
}

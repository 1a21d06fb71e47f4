/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	login_explain.c - what to do when the first token request fails
 * DESCRIPTION
 *	At login there is no grant yet, so an unknown or badly
 *	authenticated client, or missing consent, is a configuration
 *	problem (exit 78), not "log in again", and the message says where
 *	the client id and tenant are set. The advice for an AADSTS code is
 *	the one classification table's (diagnose.h), as the module gives
 *	it: the token endpoint's messages carry it already, a sign-in
 *	refused on the redirect gets it here; never twice. A reply without
 *	a refresh token is refused with how the provider issues one.
 * SEE ALSO
 *	login.h, diagnose.h
 */
#include "config.h"

#include <string.h>

#include "token/diagnose.h"

#include "login.h"

/* cli_login_explain - add what to do to a failed first token request */
so2_status
cli_login_explain(so2_status result, const so2_oauth_error *oerr, const char *where,
		  so2_err *err)
{
	char msg[SO2_ERR_MSG_MAX], fix[SO2_ERR_MSG_MAX];
	const so2_diag_row *row;

	if (result == SO2_OK)
		return result;
	if (strcmp(oerr->error, "invalid_client") == 0 ||
	    strcmp(oerr->error, "unauthorized_client") == 0 ||
	    oerr->code == 65001 || oerr->code == 90002)
		result = SO2_ERR_CONFIG;
	fix[0] = '\0';
	/* The token endpoint's messages carry the table's advice already; a
	 * sign-in refused on the redirect does not. */
	row = so2_diag_aadsts(oerr->code);
	if (row != NULL && strstr(err->msg, row->fix) == NULL)
		so2_format(fix, sizeof(fix), "; fix: %s", row->fix);
	if (result == SO2_ERR_CONFIG && (row == NULL || oerr->code == 700016 ||
					 oerr->code == 90002))
		so2_format(fix + strlen(fix), sizeof(fix) - strlen(fix), "; check the "
			   "client id and the tenant in %.300s", where);
	if (fix[0] == '\0' && result == err->status)
		return result;
	memcpy(msg, err->msg, sizeof(msg));
	return so2_err_set(err, result, "%s%s", msg, fix);
}

/* cli_login_no_refresh - the error for a reply without a refresh token */
so2_status
cli_login_no_refresh(const so2_login_plan *plan, so2_err *err)
{
	const char *how;

	if (strcmp(plan->provider, "microsoft") == 0)
		how = "the scope must include offline_access (it is added "
		    "unless --scope or scope = replaces the derived scope)";
	else if (strcmp(plan->provider, "google") == 0)
		how = "Google returns one only for offline access with consent: "
		    "the code grant asks for access_type=offline and "
		    "prompt=consent; check the OAuth client type";
	else
		how = "ask the provider for offline access (often the "
		    "offline_access scope)";
	return so2_err_set(err, SO2_ERR_OAUTH,
			   "the token endpoint returned no refresh token, so "
			   "the record could not be renewed and was not written; "
			   "%s", how);
}

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	login_explain.c - what to do when the first token request fails
 * DESCRIPTION
 *	At login there is no grant yet, so an unknown or badly
 *	authenticated client, or missing consent, is a configuration
 *	problem (exit 78), not "log in again". The AADSTS codes a first
 *	login meets get one line of advice each (Microsoft identity
 *	platform error reference; reference m365.md 4.2). A reply without
 *	a refresh token is refused with how the provider issues one.
 * SEE ALSO
 *	login.h, diagnose.h
 */
#include "config.h"

#include <string.h>

#include "login.h"

/* login_hints - what to do about the AADSTS codes a first login meets
 *	(Microsoft identity platform error reference; reference m365.md 4.2) */
static const struct {
	long code;
	const char *hint;
} login_hints[] = {
	{ 7000215, "the client secret is wrong: the file must hold the secret's "
	  "Value (shown once when it was created), not its Secret ID" },
	{ 7000222, "the client secret has expired: create a new one under "
	  "Certificates & secrets of the app registration and put it in the "
	  "client secret file" },
	{ 700016, "no application with this client id in this tenant (or cloud)" },
	{ 65001, "consent is missing: an administrator must grant admin consent "
	  "for the API permissions of the app registration" },
	{ 700027, "the certificate is not registered with the application, or "
	  "the signature does not verify: upload the certificate under "
	  "Certificates & secrets (sasl-oauth2 -v login shows its thumbprint)" },
	{ 700024, "the client assertion is outside its validity: check this "
	  "host's clock" },
	{ 7000218, "the application wants a client secret or a certificate: give "
	  "one, or enable \"Allow public client flows\" in the app registration" },
	{ 700025, "the application is a public client: give no client secret or "
	  "certificate (--client-secret-file \"\")" },
	{ 1002012, "the client credentials grant needs a scope ending in "
	  "/.default" },
	{ 50011, "the redirect URI is not registered: add it under "
	  "Authentication, Mobile and desktop applications" },
	{ 90002, "no such tenant (or not in this cloud)" },
};

/* cli_login_explain - add what to do to a failed first token request */
so2_status
cli_login_explain(so2_status result, const so2_oauth_error *oerr, const char *where,
		  so2_err *err)
{
	char msg[SO2_ERR_MSG_MAX];
	const char *hint = NULL;
	size_t i;

	if (result == SO2_OK)
		return result;
	for (i = 0; i < sizeof(login_hints) / sizeof(login_hints[0]); i++)
		if (oerr->code == login_hints[i].code)
			hint = login_hints[i].hint;
	if (strcmp(oerr->error, "invalid_client") == 0 ||
	    strcmp(oerr->error, "unauthorized_client") == 0 ||
	    oerr->code == 65001 || oerr->code == 90002)
		result = SO2_ERR_CONFIG;
	if (hint == NULL && result != SO2_ERR_CONFIG)
		return result;
	memcpy(msg, err->msg, sizeof(msg));
	msg[500] = '\0';
	if (hint == NULL || oerr->code == 700016 || oerr->code == 90002)
		return so2_err_set(err, result, "%s%s%s; check the client id and the "
				   "tenant in %.300s", msg, hint ? "; " : "",
				   hint ? hint : "", where);
	return so2_err_set(err, result, "%s; what to do: %s", msg, hint);
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

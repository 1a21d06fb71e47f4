/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	login_plan.c - which provider, endpoints and scope a login uses
 * DESCRIPTION
 *	The profile is the one named (--provider: a section of the
 *	configuration, or microsoft, google, generic), else [microsoft],
 *	else the only one. The request's settings replace the profile's;
 *	provider.h derives endpoints and scope. Refused here, before the
 *	user signs in: a Microsoft delegated scope without offline_access
 *	(no refresh token would come), and a client credentials login
 *	without a real tenant or without a scope.
 * SEE ALSO
 *	login.h, provider.h, sasl-oauth2.conf(5)
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "login.h"

/* is_provider_word - 1 for microsoft, google, generic */
static int
is_provider_word(const char *s)
{
	return strcmp(s, "microsoft") == 0 || strcmp(s, "google") == 0 ||
	    strcmp(s, "generic") == 0;
}

/* pick_profile - the profile to start from; *where: where to fix it */
static so2_status
pick_profile(const cli_ctx *ctx, const char *name, so2_profile *prof,
	     char *where, size_t wsize, so2_err *err)
{
	const so2_config *conf = ctx->conf;
	const so2_profile *p = NULL, *q;
	const char *file = conf->path != NULL ? conf->path : ctx->conf_tried;
	char names[256];
	size_t used = 0;
	int count = 0;

	memset(prof, 0, sizeof(*prof));
	if (name != NULL) {
		p = so2_config_profile(conf, name);
		for (q = conf->profiles; p == NULL && q != NULL; q = q->next)
			if (strcmp(q->provider, name) == 0)
				p = q;
		if (p == NULL && !is_provider_word(name))
			return so2_err_set(err, SO2_ERR_CONFIG,
					   "no provider profile [%s] in %s, and %s "
					   "is not microsoft, google or generic",
					   name, file, name);
	} else {
		p = so2_config_profile(conf, "microsoft");
		for (q = conf->profiles; q != NULL; q = q->next) {
			count++;
			if (used + strlen(q->name) + 4 < sizeof(names))
				used += (size_t)snprintf(names + used,
							 sizeof(names) - used,
							 "%s[%s]", used ? ", " : "",
							 q->name);
		}
		if (p == NULL && count == 1)
			p = conf->profiles;
		if (p == NULL && count > 1)
			return so2_err_set(err, SO2_ERR_PARAM,
					   "%s has several provider profiles (%s) "
					   "and none is [microsoft]: choose one with "
					   "--provider NAME", file, names);
	}
	if (p != NULL) {
		*prof = *p;
		prof->next = NULL;
		snprintf(where, wsize, "section [%s] of %s", p->name, file);
	} else {
		prof->name = NULL;
		prof->provider = (char *)(name != NULL ? name : "microsoft");
		snprintf(where, wsize, "a [%s] section of %s", prof->provider,
			 file);
	}
	return SO2_OK;
}

/* merge - the command line's settings over the profile's */
static void
merge(so2_profile *prof, const so2_profile *over)
{
#define OVER(m) do { if (over->m != NULL) prof->m = over->m; } while (0)
	OVER(client_id);
	OVER(tenant);
	OVER(cloud);
	OVER(authority);
	OVER(token_endpoint);
	OVER(device_authorization_endpoint);
	OVER(authorization_endpoint);
	OVER(scope);
	OVER(client_secret_file);
	OVER(private_key_file);
	OVER(certificate_file);
	OVER(assertion_alg);
#undef OVER
}

/* scope_has - 1 when the space-separated scope list holds word */
static int
scope_has(const char *scope, const char *word)
{
	size_t n = strlen(word);
	const char *p = scope;

	while (p != NULL && (p = strstr(p, word)) != NULL) {
		if ((p == scope || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return 1;
		p += n;
	}
	return 0;
}

/* tenant_is_specific - a tenant id or domain, not a multi-tenant alias */
static int
tenant_is_specific(const char *t)
{
	return t != NULL && strcasecmp(t, "common") != 0 &&
	    strcasecmp(t, "organizations") != 0 && strcasecmp(t, "consumers") != 0;
}

/* cli_login_plan - profile, merged settings, endpoints and scope */
so2_status
cli_login_plan(const cli_ctx *ctx, const cli_login_req *req, so2_profile *prof,
	       char *where, size_t wsize, so2_login_plan *plan, so2_err *err)
{
	so2_status result;

	result = pick_profile(ctx, req->provider, prof, where, wsize, err);
	if (result != SO2_OK)
		return result;
	merge(prof, &req->over);
	result = so2_provider_resolve(prof, req->protocols, where, plan, err);
	if (result != SO2_OK)
		return result;
	if (req->grant != CLI_GRANT_CLIENT_CREDENTIALS &&
	    strcmp(plan->provider, "microsoft") == 0 &&
	    !scope_has(plan->scope, "offline_access")) {
		/* Checked before the user signs in: without it Microsoft sends no
		 * refresh token and the record could never be renewed. */
		return so2_err_set(err, SO2_ERR_CONFIG, "the scope \"%s\" lacks"
				   " offline_access: Microsoft would return no refresh token"
				   " and the account would need a new login every hour; add"
				   " offline_access to the scope (%s%s)",
				   plan->scope ? plan->scope : "", where,
				   req->no_options ? "" : ", or --scope");
	}
	if (req->grant != CLI_GRANT_CLIENT_CREDENTIALS)
		return SO2_OK;
	if (strcmp(plan->provider, "microsoft") == 0 && !tenant_is_specific(prof->tenant))
		return so2_err_set(err, SO2_ERR_CONFIG, "the client credentials "
				   "grant needs your tenant id or domain, not "
				   "\"%s\": set tenant = in %s%s",
				   prof->tenant ? prof->tenant : SO2_MS_DEFAULT_TENANT,
				   where, req->no_options ? "" : ", or give --tenant");
	if (plan->app_scope == NULL)
		return so2_err_set(err, SO2_ERR_CONFIG, "scope is not set: the "
				   "client credentials grant needs it; set scope "
				   "in %s%s", where, req->no_options ? "" : ", or give --scope");
	return SO2_OK;
}

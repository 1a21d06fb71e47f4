/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	provider.c - endpoints and scopes of the known providers (see provider.h)
 * DESCRIPTION
 *	Everything here is a table or a string built from one; nothing
 *	is fetched. Microsoft's endpoint shapes and tenant values are from
 *	the Microsoft identity platform v2.0 protocol pages, the login
 *	hosts from its national cloud page, the delegated mail scopes from
 *	"Authenticate an IMAP, POP or SMTP connection using OAuth". The
 *	Exchange resource of the national clouds is what the maintained
 *	clients use; Microsoft does not publish one table of it.
 * DIAGNOSTICS
 *	SO2_ERR_CONFIG naming the key and where to set it; SO2_ERR_NOMEM.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "login/provider.h"
#include "token/perms.h"

#define PLAN_URL_MAX	2048	/* bytes in a derived URL */
#define PLAN_SCOPE_MAX	1024	/* bytes in a derived scope */
#define TENANT_MAX	255	/* bytes in a tenant name or id */
#define ID_SHOW_MAX	64	/* bytes of a bad client id quoted */

/* ms_cloud - one Microsoft cloud */
struct ms_cloud {
	const char *name;
	const char *login;	/* login host (authority) */
	const char *resource;	/* Exchange Online resource, scope prefix */
	const char *app_scope;	/* client credentials: resource/.default */
};

/* App-only scopes: Microsoft documents the global one ("Authenticate an
 * IMAP, POP or SMTP connection using OAuth"); the national ones follow
 * the Exchange host of the cloud (reference m365.md section 1.3). */
static const struct ms_cloud ms_clouds[] = {
	{ "global", "https://login.microsoftonline.com", "https://outlook.office.com/",
	  "https://outlook.office365.com/.default" },
	{ "usgov", "https://login.microsoftonline.us", "https://outlook.office365.us/",
	  "https://outlook.office365.us/.default" },
	{ "dod", "https://login.microsoftonline.us", "https://outlook.office365.us/",
	  "https://outlook.office365.us/.default" },
	{ "china", "https://login.partner.microsoftonline.cn", "https://partner.outlook.cn/",
	  "https://partner.outlook.cn/.default" },
};

#define N_CLOUDS (sizeof(ms_clouds) / sizeof(ms_clouds[0]))

/* The protocols of --protocol; their delegated permissions are in the one
 * table (token/perms.h). */
static const struct {
	unsigned bit;
	const char *endpoint;
} ms_permissions[] = {
	{ SO2_PROTO_SMTP, "smtp" },
	{ SO2_PROTO_IMAP, "imap" },
	{ SO2_PROTO_POP, "pop" },
};

#define MS_OFFLINE "offline_access"

#define GOOGLE_TOKEN	"https://oauth2.googleapis.com/token"
#define GOOGLE_DEVICE	"https://oauth2.googleapis.com/device/code"
#define GOOGLE_AUTH	"https://accounts.google.com/o/oauth2/v2/auth"
#define GOOGLE_SCOPE	"https://mail.google.com/"

/* Substrings of documentation placeholders. Case matters for "YOUR":
 * a real Google client id is digits and lower case letters, and could
 * hold "your" by chance. Microsoft's ids are hexadecimal GUIDs. */
static const char *const placeholder_exact[] = {
	"YOUR", "Your", "your_", "your-", "your ", "<", ">", "{", "}",
	"...", "00000000-0000-0000-0000-000000000000", NULL
};
static const char *const placeholder_nocase[] = {
	"xxxx", "client_id", "client-id", "clientid", "application_id",
	"application-id", "app_id", "app-id", "changeme", "change-me",
	"placeholder", NULL
};

/* so2_login_plan_clear - free the strings of a plan */
void
so2_login_plan_clear(so2_login_plan *plan)
{
	if (plan == NULL)
		return;
	free(plan->provider);
	free(plan->client_id);
	free(plan->token_endpoint);
	free(plan->device_authorization_endpoint);
	free(plan->authorization_endpoint);
	free(plan->scope);
	free(plan->app_scope);
	memset(plan, 0, sizeof(*plan));
}

/* contains_nocase - 1 when needle occurs in hay, ignoring ASCII case */
static int
contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

/* so2_client_id_placeholder - 1 when id is empty or looks like a placeholder */
int
so2_client_id_placeholder(const char *id)
{
	int i;

	if (id == NULL || *id == '\0')
		return 1;
	for (i = 0; placeholder_exact[i] != NULL; i++)
		if (strstr(id, placeholder_exact[i]) != NULL)
			return 1;
	for (i = 0; placeholder_nocase[i] != NULL; i++)
		if (contains_nocase(id, placeholder_nocase[i]))
			return 1;
	for (i = 0; id[i] != '\0'; i++)
		if ((unsigned char)id[i] <= 0x20 || id[i] == 0x7f)
			return 1;
	return 0;
}

/* so2_protocol_endpoint - the permission table's id of a protocol bit */
const char *
so2_protocol_endpoint(unsigned bit)
{
	size_t i;

	for (i = 0; i < sizeof(ms_permissions) / sizeof(ms_permissions[0]); i++)
		if (ms_permissions[i].bit == bit)
			return ms_permissions[i].endpoint;
	return NULL;
}

/* so2_protocol_parse - add a protocol name to a bit set */
so2_status
so2_protocol_parse(const char *name, unsigned *mask, so2_err *err)
{
	if (strcasecmp(name, "smtp") == 0)
		*mask |= SO2_PROTO_SMTP;
	else if (strcasecmp(name, "imap") == 0)
		*mask |= SO2_PROTO_IMAP;
	else if (strcasecmp(name, "pop") == 0 || strcasecmp(name, "pop3") == 0)
		*mask |= SO2_PROTO_POP;
	else if (strcasecmp(name, "all") == 0)
		*mask |= SO2_PROTO_ALL;
	else
		return so2_err_set(err, SO2_ERR_PARAM,
				   "unknown protocol \"%.32s\": use smtp, imap, "
				   "pop or all", name);
	return SO2_OK;
}

/* url_ok - 1 when s is an https URL without blanks, query or fragment */
static int
url_ok(const char *s, int allow_query)
{
	size_t i;

	if (strncasecmp(s, "https://", 8) != 0 || s[8] == '\0' || s[8] == '/')
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			return 0;
		if (!allow_query && (s[i] == '?' || s[i] == '#'))
			return 0;
	}
	return 1;
}

/* tenant_ok - 1 when t can be a path segment: a name, a domain or a GUID */
static int
tenant_ok(const char *t)
{
	size_t i, n = strlen(t);

	if (n == 0 || n > TENANT_MAX || t[0] == '.' || t[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= 'A' && t[i] <= 'Z') ||
		      (t[i] >= '0' && t[i] <= '9') || t[i] == '.' || t[i] == '-'))
			return 0;
	return 1;
}

/* set_copy - *dst = strdup(src); SO2_OK or SO2_ERR_NOMEM */
static so2_status
set_copy(char **dst, const char *src, so2_err *err)
{
	*dst = strdup(src);
	if (*dst == NULL)
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	return SO2_OK;
}

/* pick - an explicit URL from the profile, checked, or the derived one */
static so2_status
pick(char **dst, const char *given, const char *key, const char *derived,
     const char *where, so2_err *err)
{
	if (given != NULL) {
		if (!url_ok(given, 1))
			return so2_err_set(err, SO2_ERR_CONFIG,
					   "%s \"%.200s\" is not an https:// URL; "
					   "fix it in %s", key, given, where);
		return set_copy(dst, given, err);
	}
	if (derived == NULL)
		return so2_err_set(err, SO2_ERR_CONFIG,
				   "%s is not set: the generic provider needs "
				   "it; set %s in %s", key, key, where);
	return set_copy(dst, derived, err);
}

/* ms_scope - the scope of the protocols in a cloud, into buf */
static so2_status
ms_scope(const struct ms_cloud *cl, unsigned protocols, char *buf,
	 size_t size, so2_err *err)
{
	size_t used = 0, i;
	int n;

	buf[0] = '\0';
	for (i = 0; i < sizeof(ms_permissions) / sizeof(ms_permissions[0]); i++) {
		if ((protocols & ms_permissions[i].bit) == 0)
			continue;
		n = snprintf(buf + used, size - used, "%s%s%s",
			     used > 0 ? " " : "", cl->resource,
			     so2_perm_find(ms_permissions[i].endpoint)->delegated);
		if (n < 0 || (size_t)n >= size - used)
			goto toolong;
		used += (size_t)n;
	}
	n = snprintf(buf + used, size - used, " %s", MS_OFFLINE);
	if (n < 0 || (size_t)n >= size - used)
		goto toolong;
	return SO2_OK;

toolong:
	return so2_err_set(err, SO2_ERR_CONFIG, "scope too long");
}

/* ms_url - an explicit endpoint, or BASE/TENANT/oauth2/v2.0/LEAF */
static so2_status
ms_url(char **dst, const char *given, const char *key, const char *base,
       const char *tenant, const char *leaf, const char *where, so2_err *err)
{
	char url[PLAN_URL_MAX];
	int len;

	len = snprintf(url, sizeof(url), "%s/%s/oauth2/v2.0/%s", base, tenant,
		       leaf);
	if (len < 0 || (size_t)len >= sizeof(url))
		return so2_err_set(err, SO2_ERR_CONFIG, "authority too long");
	return pick(dst, given, key, url, where, err);
}

/* resolve_microsoft - derive the Microsoft endpoints and scope */
static so2_status
resolve_microsoft(const so2_profile *prof, unsigned protocols,
		  const char *where, so2_login_plan *plan, so2_err *err)
{
	const struct ms_cloud *cl = NULL;
	const char *cloud = prof->cloud != NULL ? prof->cloud : "global";
	const char *tenant = prof->tenant != NULL ? prof->tenant :
	    SO2_MS_DEFAULT_TENANT;
	char base[PLAN_URL_MAX], scope[PLAN_SCOPE_MAX];
	size_t i, n;
	so2_status result;
	int len;

	for (i = 0; i < N_CLOUDS; i++)
		if (strcmp(ms_clouds[i].name, cloud) == 0)
			cl = &ms_clouds[i];
	if (cl == NULL)
		return so2_err_set(err, SO2_ERR_CONFIG,
				   "unknown cloud \"%.32s\": use global, usgov, "
				   "dod or china in %s", cloud, where);
	if (!tenant_ok(tenant))
		return so2_err_set(err, SO2_ERR_CONFIG,
				   "tenant \"%.64s\" is not common, organizations, "
				   "consumers, a tenant id or a domain name; fix "
				   "it in %s", tenant, where);
	if (prof->authority != NULL) {
		if (!url_ok(prof->authority, 0))
			return so2_err_set(err, SO2_ERR_CONFIG,
					   "authority \"%.200s\" is not an https:// "
					   "URL without query; fix it in %s",
					   prof->authority, where);
		n = strlen(prof->authority);
		while (n > 8 && prof->authority[n - 1] == '/')
			n--;
		if (n >= sizeof(base))
			return so2_err_set(err, SO2_ERR_CONFIG,
					   "authority too long");
		memcpy(base, prof->authority, n);
		base[n] = '\0';
	} else {
		len = snprintf(base, sizeof(base), "%s", cl->login);
		if (len < 0 || (size_t)len >= sizeof(base))
			return so2_err_set(err, SO2_ERR_CONFIG,
					   "authority too long");
	}

	result = ms_url(&plan->token_endpoint, prof->token_endpoint,
			"token_endpoint", base, tenant, "token", where, err);
	if (result != SO2_OK)
		return result;
	result = ms_url(&plan->device_authorization_endpoint,
			prof->device_authorization_endpoint,
			"device_authorization_endpoint", base, tenant,
			"devicecode", where, err);
	if (result != SO2_OK)
		return result;
	result = ms_url(&plan->authorization_endpoint,
			prof->authorization_endpoint, "authorization_endpoint",
			base, tenant, "authorize", where, err);
	if (result != SO2_OK)
		return result;

	result = set_copy(&plan->app_scope, prof->scope != NULL ? prof->scope :
			  cl->app_scope, err);
	if (result != SO2_OK)
		return result;
	if (prof->scope != NULL)
		return set_copy(&plan->scope, prof->scope, err);
	result = ms_scope(cl, protocols, scope, sizeof(scope), err);
	if (result != SO2_OK)
		return result;
	return set_copy(&plan->scope, scope, err);
}

/* resolve_other - google or generic: fixed or explicit endpoints */
static so2_status
resolve_other(const so2_profile *prof, int google, const char *where,
	      so2_login_plan *plan, so2_err *err)
{
	so2_status result;

	result = pick(&plan->token_endpoint, prof->token_endpoint,
		      "token_endpoint", google ? GOOGLE_TOKEN : NULL, where, err);
	if (result != SO2_OK)
		return result;
	result = pick(&plan->device_authorization_endpoint,
		      prof->device_authorization_endpoint,
		      "device_authorization_endpoint",
		      google ? GOOGLE_DEVICE : NULL, where, err);
	if (result != SO2_OK)
		return result;
	result = pick(&plan->authorization_endpoint,
		      prof->authorization_endpoint, "authorization_endpoint",
		      google ? GOOGLE_AUTH : NULL, where, err);
	if (result != SO2_OK)
		return result;
	if (prof->scope != NULL) {
		result = set_copy(&plan->app_scope, prof->scope, err);
		if (result != SO2_OK)
			return result;
		return set_copy(&plan->scope, prof->scope, err);
	}
	if (!google)
		return so2_err_set(err, SO2_ERR_CONFIG,
				   "scope is not set: the generic provider needs "
				   "it; set scope in %s", where);
	return set_copy(&plan->scope, GOOGLE_SCOPE, err);
}

/* so2_provider_resolve - the endpoints and scope of a login */
so2_status
so2_provider_resolve(const so2_profile *prof, unsigned protocols,
		     const char *where, so2_login_plan *plan, so2_err *err)
{
	const char *provider;
	const char *id;
	so2_status result;

	memset(plan, 0, sizeof(*plan));
	if (where == NULL)
		where = "the provider profile (sasl-oauth2.conf(5))";
	if (protocols == 0)
		protocols = SO2_PROTO_SMTP;
	provider = prof->provider != NULL ? prof->provider : "microsoft";
	id = prof->client_id;

	if (strcmp(provider, "microsoft") != 0 && strcmp(provider, "google") != 0 &&
	    strcmp(provider, "generic") != 0) {
		result = so2_err_set(err, SO2_ERR_CONFIG,
				     "unknown provider \"%.32s\": use microsoft, "
				     "google or generic", provider);
		goto out;
	}
	if (strcmp(provider, "microsoft") != 0) {
		const char *key = prof->tenant != NULL ? "tenant" :
		    prof->cloud != NULL ? "cloud" :
		    prof->authority != NULL ? "authority" : NULL;

		if (key != NULL) {
			result = so2_err_set(err, SO2_ERR_CONFIG,
					     "%s applies to provider microsoft "
					     "only, not %s; remove it from %s",
					     key, provider, where);
			goto out;
		}
	}
	/* Before any request: a login with a placeholder id only earns
	 * an AADSTS700016 ("application not found") after the user has
	 * gone through the browser. */
	if (id == NULL || *id == '\0') {
		result = so2_err_set(err, SO2_ERR_CONFIG,
				     "no client_id: set client_id = <the "
				     "application (client) ID of your app "
				     "registration> in %s, or give --client-id",
				     where);
		goto out;
	}
	if (so2_client_id_placeholder(id)) {
		result = so2_err_set(err, SO2_ERR_CONFIG,
				     "client_id \"%.*s\" looks like a "
				     "placeholder, not a real application "
				     "(client) ID; set the ID of your app "
				     "registration in %s, or give --client-id",
				     ID_SHOW_MAX, id, where);
		goto out;
	}
	result = set_copy(&plan->provider, provider, err);
	if (result != SO2_OK)
		goto out;
	result = set_copy(&plan->client_id, id, err);
	if (result != SO2_OK)
		goto out;
	if (strcmp(provider, "microsoft") == 0)
		result = resolve_microsoft(prof, protocols, where, plan, err);
	else
		result = resolve_other(prof, strcmp(provider, "google") == 0,
				       where, plan, err);

out:
	if (result != SO2_OK)
		so2_login_plan_clear(plan);
	return result;
}

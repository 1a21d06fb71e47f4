/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	provider.h - endpoints and scopes of the known identity providers
 * SYNOPSIS
 *	#include "login/provider.h"
 * DESCRIPTION
 *	Turns a provider profile (conf.h, possibly with command line
 *	overrides merged in) and the mail protocols wanted into the URLs
 *	and the scope of an OAuth 2.0 login. Pure: no I/O.
 *
 *	microsoft (Microsoft identity platform v2.0):
 *		AUTHORITY/TENANT/oauth2/v2.0/{token,devicecode,authorize}
 *	AUTHORITY is the profile's authority, else the login host of the
 *	cloud (global https://login.microsoftonline.com, usgov and dod
 *	https://login.microsoftonline.us, china
 *	https://login.partner.microsoftonline.cn); TENANT defaults to
 *	SO2_MS_DEFAULT_TENANT. The scope is the Exchange Online resource
 *	of the cloud (https://outlook.office.com/, https://outlook.office365.us/,
 *	https://partner.outlook.cn/) followed by SMTP.Send,
 *	IMAP.AccessAsUser.All and POP.AccessAsUser.All as asked, plus
 *	offline_access (the refresh token). The client credentials grant
 *	(app-only) asks for the cloud's https://outlook.office365.com/.default
 *	(usgov, dod: https://outlook.office365.us/.default, china:
 *	https://partner.outlook.cn/.default).
 *
 *	google: https://oauth2.googleapis.com/token,
 *	https://oauth2.googleapis.com/device/code,
 *	https://accounts.google.com/o/oauth2/v2/auth, scope
 *	https://mail.google.com/ (all protocols).
 *
 *	generic: token_endpoint, device_authorization_endpoint,
 *	authorization_endpoint and scope must all be set.
 *
 *	An explicit token_endpoint, device_authorization_endpoint,
 *	authorization_endpoint or scope in the profile always wins over
 *	the derived one.
 *
 *	The client id is checked before anything is sent: an empty one or
 *	one that looks like a documentation placeholder ("YOUR_CLIENT_ID",
 *	"<client-id>", "xxxxxxxx-...", the all-zero GUID) is refused with a
 *	message saying where to set it.
 * SEE ALSO
 *	conf.h, sasl-oauth2.conf(5), sasl-oauth2(1)
 */
#ifndef SO2_PROVIDER_H
#define SO2_PROVIDER_H

#include "token/conf.h"
#include "base/error.h"

#define SO2_MS_DEFAULT_TENANT	"common"

/* Mail protocols, as a bit set. */
#define SO2_PROTO_SMTP	0x1
#define SO2_PROTO_IMAP	0x2
#define SO2_PROTO_POP	0x4
#define SO2_PROTO_ALL	(SO2_PROTO_SMTP | SO2_PROTO_IMAP | SO2_PROTO_POP)

/* so2_login_plan - what a login will use; every string is owned */
typedef struct so2_login_plan {
	char *provider;			/* microsoft, google, generic */
	char *client_id;
	char *token_endpoint;
	char *device_authorization_endpoint;
	char *authorization_endpoint;
	char *scope;			/* space-separated */
	char *app_scope;		/* client credentials: the profile's
					 * scope, else Microsoft's
					 * RESOURCE/.default; NULL for google
					 * and generic without scope */
} so2_login_plan;

/*
 * so2_protocol_parse - add the protocol named name to *mask
 *	name: smtp, imap, pop or all (case-insensitive).
 *	Errors: SO2_ERR_PARAM naming the accepted words.
 */
so2_status so2_protocol_parse(const char *name, unsigned *mask, so2_err *err);

/*
 * so2_protocol_endpoint - the endpoint id of one SO2_PROTO_* bit, as the
 *	permission table names it (token/perms.h: "smtp", "imap", "pop");
 *	NULL for another value.
 */
const char *so2_protocol_endpoint(unsigned bit);

/*
 * so2_provider_resolve - the endpoints and scope of a login
 *	prof: the profile (prof->provider NULL means microsoft; prof->name
 *	may be NULL). protocols: SO2_PROTO_* bits, 0 means SMTP.
 *	where: what the user should edit to fix a missing or bad setting,
 *	e.g. "section [microsoft] of /etc/sasl-oauth2.conf"; NULL for a
 *	generic text. On SO2_OK *plan is filled (free with
 *	so2_login_plan_clear). Errors: SO2_ERR_CONFIG (missing key,
 *	placeholder client id, bad tenant, cloud or URL, a key that does
 *	not apply to the provider), SO2_ERR_NOMEM. On error *plan is
 *	empty.
 */
so2_status so2_provider_resolve(const so2_profile *prof, unsigned protocols,
				const char *where, so2_login_plan *plan,
				so2_err *err);

/* so2_login_plan_clear - free the strings of a plan; NULL ok */
void so2_login_plan_clear(so2_login_plan *plan);

/*
 * so2_client_id_placeholder - 1 when id looks like a placeholder
 *	(see DESCRIPTION) or is empty, 0 when it may be a real client id.
 */
int so2_client_id_placeholder(const char *id);

#endif

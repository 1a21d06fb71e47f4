/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	perms.h - what a token must hold for each Exchange Online endpoint
 * SYNOPSIS
 *	#include "token/perms.h"
 * DESCRIPTION
 *	The one permission table: for each endpoint (SMTP AUTH, High Volume
 *	Email, IMAP, POP) the delegated scope (scp) and the application
 *	role (roles) a token must carry, and what else the service needs
 *	beside the token. Used by so2_diag_explain() (diagnose.h), by the
 *	command's token warnings (login, inspect) and by doctor.
 *
 *	Sources: Microsoft Learn "Authenticate an IMAP, POP or SMTP
 *	connection using OAuth" (SMTP.Send, SMTP.SendAsApp, IMAP and POP;
 *	New-ServicePrincipal, Add-MailboxPermission); "OAuth authentication
 *	for high volume emails for Microsoft 365"
 *	(https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/
 *	oauth-high-volume-mails-m365: delegated and application
 *	permissions, the application permission Mail.Send of Office 365
 *	Exchange Online with admin consent); Add-HVEAppAccess
 *	(https://learn.microsoft.com/en-us/powershell/module/
 *	exchangepowershell/add-hveappaccess: an HVE account is a mail user,
 *	its Allowed Apps list holds up to ten apps, changes take up to 5
 *	minutes); user= must be the HVE account, in the domain set up for
 *	HVE (https://github.com/tarickb/sasl-xoauth2/issues/110).
 *
 *	Pure functions: no I/O, no allocation, thread-safe.
 * SEE ALSO
 *	diagnose.h, jwt.h, sasl-oauth2-troubleshooting(7)
 */
#ifndef SO2_PERMS_H
#define SO2_PERMS_H

#include <stddef.h>
#include "token/jwt.h"

/* so2_perm - one endpoint; all strings static */
typedef struct so2_perm {
	const char *id;		/* "smtp", "hve", "imap", "pop": what --endpoint
				 * and the protocol arguments take */
	const char *name;	/* "SMTP AUTH", "High Volume Email", ... */
	const char *host;	/* Microsoft 365's server for it */
	const char *delegated;	/* the scp a delegated token needs */
	const char *app;	/* the role an app-only token needs */
	const char *app_setup;	/* what else an app-only token needs (clause;
				 * placeholders APPID and MAILBOX) */
	const char *user_setup;	/* what else a delegated token needs (clause;
				 * placeholder MAILBOX) */
} so2_perm;

/* Bytes of a cause or fix written by so2_perm_check. */
#define SO2_PERM_TEXT_MAX 1024

/* The High Volume Email server (name matched case-insensitively). */
#define SO2_PERM_HVE_HOST "smtp-hve.office365.com"

/* so2_perm_table - the whole table; *n receives its number of rows */
const so2_perm *so2_perm_table(size_t *n);

/*
 * so2_perm_find - the row of an endpoint id ("smtp", "hve", "imap", "pop";
 *	"pop3" too), any case; NULL id: "smtp"; NULL for an unknown id.
 */
const so2_perm *so2_perm_find(const char *id);

/*
 * so2_perm_endpoint - the endpoint a protocol talks to on a server
 *	protocol: "smtp", "hve", "imap", "pop" (NULL: smtp); where: a host
 *	name, "[host]:port", a Postfix relayhost or a log line that names
 *	the server ("server smtp-hve.office365.com[...] said: ..."), may be
 *	NULL. An SMTP protocol whose where names SO2_PERM_HVE_HOST as a whole
 *	host name (any case, a trailing dot allowed; not inside a longer name
 *	such as smtp-hve.office365.com.example) is "hve".
 *	Returns the row; an unknown protocol gets the "smtp" row.
 */
const so2_perm *so2_perm_endpoint(const char *protocol, const char *where);

/*
 * so2_perm_check - does the token hold what the endpoint needs?
 *	c: the token's claims (not opaque); user: user= sent (MAILBOX in the
 *	texts), may be NULL. An app-only token (so2_jwt_app_only) must carry
 *	p->app in roles (no roles at all passes for SMTP, IMAP and POP:
 *	Exchange RBAC for Applications puts none in the token; High Volume
 *	Email takes Mail.Send only), a delegated one p->delegated in scp.
 *	Returns 1 when it does (cause and fix ""), 0 when not, with cause:
 *	what the endpoint needs and what the token has (a permission meant
 *	for another endpoint is named as such), and fix: where to add it and
 *	what else the endpoint needs (p->app_setup or the new login).
 */
int so2_perm_check(const so2_perm *p, const so2_jwt_claims *c, const char *user,
		   char *cause, size_t csize, char *fix, size_t fsize);

/*
 * so2_perm_setup - what else the endpoint needs beside the permission
 *	app_only: 1 for an app-only token; appid: the token's appid or azp
 *	(NULL or "": APPID stays); user: MAILBOX, may be NULL. Writes
 *	p->app_setup or p->user_setup, filled, into buf (size bytes).
 */
void so2_perm_setup(const so2_perm *p, int app_only, const char *appid, const char *user,
		    char *buf, size_t size);

#endif

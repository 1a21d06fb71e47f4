/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	perms.c - the permission table: endpoint x delegated/app-only
 * SYNOPSIS
 *	See token/perms.h.
 * DESCRIPTION
 *	One static row per endpoint; the sources are named in perms.h. The
 *	texts name settings as Microsoft names them.
 * DIAGNOSTICS
 *	None: pure functions.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "token/diagnose.h"
#include "token/perms.h"

/* What an app-only token needs in Exchange Online for a mailbox protocol. */
#define MAILBOX_APP "the app's service principal registered in Exchange Online " \
	"(New-ServicePrincipal -AppId APPID -ObjectId <object id from Microsoft Entra " \
	"admin center, Enterprise applications, not App registrations>) with FullAccess " \
	"on the mailbox (Add-MailboxPermission -Identity MAILBOX -User <service principal " \
	"id> -AccessRights FullAccess), and user= that mailbox"

static const so2_perm table[] = {
	{ "smtp", "SMTP AUTH", "smtp.office365.com", "SMTP.Send", "SMTP.SendAsApp",
	  MAILBOX_APP,
	  "the token issued to MAILBOX itself and \"Authenticated SMTP\" on for it "
	  "(Set-CASMailbox -Identity MAILBOX -SmtpClientAuthenticationDisabled $false)" },
	/* HVE: https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/
	 * oauth-high-volume-mails-m365 and .../exchangepowershell/add-hveappaccess */
	{ "hve", "High Volume Email", SO2_PERM_HVE_HOST, "SMTP.Send", "Mail.Send",
	  "the app APPID in the HVE account's Allowed Apps (Add-HVEAppAccess -Identity "
	  "MAILBOX -AppIds APPID; up to ten apps per account, effective within 5 minutes) "
	  "and user= the HVE account; no New-ServicePrincipal or Add-MailboxPermission: an "
	  "HVE account is a mail user, not a mailbox",
	  "the token issued to the HVE account itself and user= its address, in the domain "
	  "set up for HVE (Exchange admin center, Mail flow, High volume email)" },
	{ "imap", "IMAP", "outlook.office365.com", "IMAP.AccessAsUser.All", "IMAP.AccessAsApp",
	  MAILBOX_APP,
	  "the token issued to MAILBOX itself (or FullAccess on it) and IMAP on for it "
	  "(Set-CASMailbox -Identity MAILBOX -ImapEnabled $true)" },
	{ "pop", "POP", "outlook.office365.com", "POP.AccessAsUser.All", "POP.AccessAsApp",
	  MAILBOX_APP,
	  "the token issued to MAILBOX itself (or FullAccess on it) and POP on for it "
	  "(Set-CASMailbox -Identity MAILBOX -PopEnabled $true)" },
};

#define N_ROWS (sizeof(table) / sizeof(table[0]))

/* so2_perm_table - the whole table */
const so2_perm *
so2_perm_table(size_t *n)
{
	*n = N_ROWS;
	return table;
}

/* so2_perm_find - the row of an id */
const so2_perm *
so2_perm_find(const char *id)
{
	size_t i;

	if (id == NULL)
		return &table[0];
	if (strcasecmp(id, "pop3") == 0)
		id = "pop";
	for (i = 0; i < N_ROWS; i++)
		if (strcasecmp(table[i].id, id) == 0)
			return &table[i];
	return NULL;
}

/* host_char - may c be part of a host name (letter, digit, '-', '.')? */
static int
host_char(char c)
{
	return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (c >= '0' && c <= '9') || c == '-'
	       || c == '.';
}

/* names_hve - does text name the HVE server (any case)?
 *	As a whole host name: smtp-hve.office365.com.evil.example or
 *	xsmtp-hve.office365.com is another server; a trailing dot (the
 *	absolute form, RFC 1034 3.1) is the same one. */
static int
names_hve(const char *text)
{
	size_t n = strlen(SO2_PERM_HVE_HOST);
	const char *p, *end;

	for (p = text; p != NULL && *p != '\0'; p++) {
		if (strncasecmp(p, SO2_PERM_HVE_HOST, n) != 0 || (p > text && host_char(p[-1])))
			continue;
		end = p + n;
		if (*end == '.')
			end++;
		if (!host_char(*end))
			return 1;
	}
	return 0;
}

/* so2_perm_endpoint - the endpoint of a protocol on a server */
const so2_perm *
so2_perm_endpoint(const char *protocol, const char *where)
{
	const so2_perm *p = so2_perm_find(protocol);

	if (p == NULL)
		p = &table[0];
	if (strcmp(p->id, "smtp") == 0 && names_hve(where))
		p = so2_perm_find("hve");
	return p;
}

/* so2_perm_setup - what else the endpoint needs */
void
so2_perm_setup(const so2_perm *p, int app_only, const char *appid, const char *user,
	       char *buf, size_t size)
{
	so2_format(buf, size, "%s", app_only ? p->app_setup : p->user_setup);
	if (appid != NULL && *appid != '\0')
		so2_diag_fill(buf, size, "APPID", appid);
	if (user != NULL && *user != '\0')
		so2_diag_fill(buf, size, "MAILBOX", user);
}

/* other_use - " (X serves Y, not Z)" when the token holds another endpoint's role */
static void
other_use(const so2_perm *p, const char *roles, char *buf, size_t size)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < N_ROWS; i++)
		if (&table[i] != p && strcmp(table[i].app, p->app) != 0
		    && so2_diag_has_scope(roles, table[i].app)) {
			so2_format(buf, size, " (%s serves %s, %s, not %s)", table[i].app,
				   table[i].name, table[i].host, p->name);
			return;
		}
}

/* so2_perm_check - the token against the endpoint */
int
so2_perm_check(const so2_perm *p, const so2_jwt_claims *c, const char *user,
	       char *cause, size_t csize, char *fix, size_t fsize)
{
	char setup[SO2_PERM_TEXT_MAX], other[256];
	int hve = strcmp(p->id, "hve") == 0;

	cause[0] = '\0';
	fix[0] = '\0';
	if (so2_jwt_app_only(c)) {
		if (so2_diag_has_scope(c->roles, p->app) || (c->roles[0] == '\0' && !hve))
			return 1;
		so2_perm_setup(p, 1, c->appid, user, setup, sizeof(setup));
		other_use(p, c->roles, other, sizeof(other));
		so2_format(cause, csize, "%s (%s) needs the application permission %s (Office "
			   "365 Exchange Online) with admin consent%s%s%s; the app-only token's "
			   "roles: %s%s", p->name, p->host, p->app,
			   hve ? ", and the app " : "", hve ? (c->appid[0] ? c->appid : "APPID")
			   : "", hve ? " in the HVE account's Allowed Apps (Add-HVEAppAccess)" : "",
			   c->roles[0] ? c->roles : "none", other);
		so2_format(fix, fsize, "Microsoft Entra admin center, App registrations, the "
			   "app, API permissions, Office 365 Exchange Online, Application "
			   "permissions: add %s and grant admin consent; then %s", p->app, setup);
		return 0;
	}
	if (c->scp[0] == '\0' || so2_diag_has_scope(c->scp, p->delegated))
		return 1;
	so2_perm_setup(p, 0, c->appid, user, setup, sizeof(setup));
	so2_format(cause, csize, "%s (%s) needs the delegated permission %s; the token's "
		   "scopes: %s", p->name, p->host, p->delegated, c->scp);
	so2_format(fix, fsize, "add the delegated permission %s to the app registration, "
		   "consent, and log in again with https://outlook.office.com/%s "
		   "offline_access%s: sasl-oauth2 login ACCOUNT --protocol %s; it also needs %s",
		   p->delegated, p->delegated, hve ? " as the HVE account" : "",
		   hve ? "smtp" : p->id, setup);
	return 0;
}

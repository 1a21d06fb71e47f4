/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	token_checks.c - what looks wrong with an access token (login, inspect)
 * DESCRIPTION
 *	From the token's claims (jwt.h, not verified: hints only):
 *	- the audience is not Exchange Online (Microsoft Graph, say):
 *	  SMTP, IMAP and POP refuse the token with 535 5.7.3;
 *	- the token lacks the permission of the endpoint (the one table,
 *	  token/perms.h): delegated scp SMTP.Send (SMTP AUTH and High Volume
 *	  Email), IMAP.AccessAsUser.All, POP.AccessAsUser.All; app-only
 *	  roles SMTP.SendAsApp, Mail.Send (High Volume Email only: the
 *	  message then says what HVE needs besides, Add-HVEAppAccess),
 *	  IMAP.AccessAsApp, POP.AccessAsApp;
 *	- the token's user is not the account (expected for a shared
 *	  mailbox; the message says how those work).
 *	Each warning is one message with what to do.
 * SEE ALSO
 *	cli.h, jwt.h, Microsoft "Authenticate an IMAP, POP or SMTP
 *	connection using OAuth", reference m365.md section 7
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "token/jwt.h"
#include "token/perms.h"

#include "cli.h"

/* The protocols of login's --protocol (provider.h), in order. */
static const unsigned protos[] = { SO2_PROTO_SMTP, SO2_PROTO_IMAP, SO2_PROTO_POP };

#define N_PROTOS (sizeof(protos) / sizeof(protos[0]))

/* has_word - 1 when the space-separated list holds word (any case) */
static int
has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (strncasecmp(p, word, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
			return 1;
		while (*p != '\0' && *p != ' ')
			p++;
	}
	return 0;
}

/* has_suffix_word - 1 when a word of list ends with "/" word or is word */
static int
scope_asks(const char *scope, const char *perm)
{
	char with_slash[64];

	if (scope == NULL)
		return 0;
	so2_format(with_slash, sizeof(with_slash), "/%s", perm);
	return has_word(scope, perm) || strstr(scope, with_slash) != NULL;
}

/* app_roles - which endpoints the app-only token's roles serve, as a bit per
 *	table row; *n_rows receives the table's size */
static unsigned
app_roles(const so2_jwt_claims *c, const so2_perm **t, size_t *n_rows)
{
	unsigned bits = 0;
	size_t i;

	*t = so2_perm_table(n_rows);
	for (i = 0; i < *n_rows && i < 32; i++)
		if (has_word(c->roles, (*t)[i].app))
			bits |= 1u << i;
	return bits;
}

/* cli_token_warnings - what looks wrong with rec's access token */
size_t
cli_token_warnings(const so2_record *rec, const so2_jwt_claims *c, unsigned protocols,
		   const char *endpoint, char warn[][SO2_ERR_MSG_MAX], size_t max)
{
	const char *acct = rec->account ? rec->account : "?";
	const so2_perm *eps[N_PROTOS + 1], *t, *hve = so2_perm_find("hve");
	char cause[SO2_PERM_TEXT_MAX], fix[SO2_PERM_TEXT_MAX];
	int app = so2_jwt_app_only(c);
	size_t n = 0, neps = 0, found = 0, i, nt;
	unsigned served, asked = 0;
	const so2_perm *p;

	if (c->opaque || max == 0)
		return 0;
#define WARN(...) do { if (n < max) so2_format(warn[n++], SO2_ERR_MSG_MAX, \
						__VA_ARGS__); } while (0)
	if (c->aud[0] != '\0' && !so2_jwt_audience_exchange(c->aud)) {
		if (so2_jwt_audience_graph(c->aud))
			WARN("the access token is for Microsoft Graph (aud %s), not "
			     "Exchange Online: SMTP, IMAP and POP refuse it (535 "
			     "5.7.3); ask for the Exchange scopes (https://outlook."
			     "office.com/SMTP.Send ..., the default of login) and log "
			     "in again", c->aud);
		else if (rec->provider == NULL || strcmp(rec->provider, "microsoft") == 0)
			WARN("the access token's audience %s is not Exchange Online: "
			     "Microsoft's SMTP, IMAP and POP servers refuse it (535 "
			     "5.7.3); check the scope", c->aud);
	}
	/* The endpoints to check: the one named, else the protocols, else
	 * those the record's scope asks for. */
	if (endpoint != NULL && (eps[0] = so2_perm_find(endpoint)) != NULL)
		neps = 1;
	for (i = 0; protocols == 0 && i < N_PROTOS; i++) {
		p = so2_perm_find(so2_protocol_endpoint(protos[i]));
		if (scope_asks(rec->scope, p->delegated))
			asked |= protos[i];
	}
	for (i = 0; neps == 0 && i < N_PROTOS; i++)
		if (((protocols != 0 ? protocols : asked) & protos[i]) != 0)
			eps[found++] = so2_perm_find(so2_protocol_endpoint(protos[i]));
	if (neps == 0)
		neps = found;
	if (app) {
		served = app_roles(c, &t, &nt);
		if (neps == 0 && served == 0) {
			WARN("the app-only token has no role for SMTP, IMAP or POP (roles: %s): "
			     "add the application permission of Office 365 Exchange Online "
			     "(SMTP AUTH: SMTP.SendAsApp; High Volume Email: Mail.Send) and "
			     "grant admin consent (unless you use Exchange RBAC for "
			     "Applications, where no role appears); Exchange also needs "
			     "New-ServicePrincipal with the enterprise application's object id "
			     "and Add-MailboxPermission for %s", c->roles[0] ? c->roles : "none",
			     acct);
			return n;
		}
		/* A role that serves High Volume Email only: say what HVE needs too. */
		if (neps == 0 && served == 1u << (size_t)(hve - t))
			eps[neps++] = hve;
		for (i = 0; i < neps; i++) {
			if (!so2_perm_check(eps[i], c, acct, cause, sizeof(cause), fix,
					    sizeof(fix)))
				WARN("the app-only token has no role %s for %s: %s; %s",
				     eps[i]->app, eps[i]->name, cause, fix);
			else if (eps[i] == hve) {
				so2_perm_setup(hve, 1, c->appid, acct, fix, sizeof(fix));
				WARN("the app-only token's role %s serves High Volume Email "
				     "(%s) only, not SMTP AUTH (SMTP.SendAsApp), IMAP or POP; "
				     "HVE also needs %s", hve->app, hve->host, fix);
			}
		}
		return n;
	}
	if (neps == 0)
		eps[neps++] = so2_perm_find("smtp");
	for (i = 0; i < neps; i++)
		if (c->scp[0] != '\0' && !has_word(c->scp, eps[i]->delegated))
			WARN("the token lacks %s's permission %s (scp: %s): add the "
			     "delegated permission %s to the app registration, consent, "
			     "and log in again%s", eps[i]->name, eps[i]->delegated,
			     c->scp, eps[i]->delegated,
			     eps[i] == hve ? " as the HVE account" : "");
	if (c->upn[0] != '\0' && strchr(acct, '@') != NULL && strcasecmp(c->upn, acct) != 0) {
		if (neps == 1 && eps[0] == hve)
			WARN("the token belongs to %s, not %s: High Volume Email takes a "
			     "delegated token only for the HVE account itself; log in as %s",
			     c->upn, acct, acct);
		else
			WARN("the token belongs to %s, not %s: the server authenticates %s. "
			     "For a shared mailbox that is expected: with IMAP or POP the "
			     "account is the shared mailbox and %s needs Full Access to it; "
			     "with SMTP authenticate as %s and send as %s with Send As. "
			     "Otherwise log in as %s", c->upn, acct, c->upn, c->upn, c->upn,
			     acct, acct);
	}
#undef WARN
	return n;
}

/* cli_token_checks - print rec's warnings on stderr */
size_t
cli_token_checks(const so2_record *rec, unsigned protocols)
{
	char warn[CLI_WARN_MAX][SO2_ERR_MSG_MAX];
	so2_jwt_claims c;
	so2_err err;
	size_t n, i;

	if (so2_jwt_read(rec->access_token.data, rec->access_token.len, &c, &err) != SO2_OK)
		return 0;
	n = cli_token_warnings(rec, &c, protocols, NULL, warn, CLI_WARN_MAX);
	for (i = 0; i < n; i++)
		cli_msg("%s: warning: %s", rec->account ? rec->account : "?", warn[i]);
	return n;
}

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	token_checks.c - what looks wrong with an access token (login, inspect)
 * DESCRIPTION
 *	From the token's claims (jwt.h, not verified: hints only):
 *	- the audience is not Exchange Online (Microsoft Graph, say):
 *	  SMTP, IMAP and POP refuse the token with 535 5.7.3;
 *	- the token lacks the permission of a protocol: delegated scp
 *	  SMTP.Send, IMAP.AccessAsUser.All, POP.AccessAsUser.All; app-only
 *	  roles SMTP.SendAsApp, IMAP.AccessAsApp, POP.AccessAsApp;
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

#include "cli.h"

/* The permission each protocol needs (Exchange Online). */
static const struct {
	unsigned bit;
	const char *name;
	const char *delegated;
	const char *app;
} perms[] = {
	{ SO2_PROTO_SMTP, "SMTP", "SMTP.Send", "SMTP.SendAsApp" },
	{ SO2_PROTO_IMAP, "IMAP", "IMAP.AccessAsUser.All", "IMAP.AccessAsApp" },
	{ SO2_PROTO_POP, "POP", "POP.AccessAsUser.All", "POP.AccessAsApp" },
};

#define N_PERMS (sizeof(perms) / sizeof(perms[0]))

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

/* cli_token_warnings - what looks wrong with rec's access token */
size_t
cli_token_warnings(const so2_record *rec, const so2_jwt_claims *c,
		   unsigned protocols, char warn[][SO2_ERR_MSG_MAX], size_t max)
{
	const char *acct = rec->account ? rec->account : "?";
	int app = so2_jwt_app_only(c), any = 0;
	size_t n = 0, i;

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
	if (protocols == 0)
		for (i = 0; i < N_PERMS; i++)
			if (scope_asks(rec->scope, perms[i].delegated))
				protocols |= perms[i].bit;
	if (app) {
		for (i = 0; i < N_PERMS; i++)
			any |= has_word(c->roles, perms[i].app);
		for (i = 0; i < N_PERMS; i++) {
			if (protocols != 0 ? (protocols & perms[i].bit) == 0 ||
			    has_word(c->roles, perms[i].app) : any || i > 0)
				continue;
			WARN("the app-only token has no role %s (roles: %s): add the "
			     "application permission %s of Office 365 Exchange Online "
			     "and grant admin consent (unless you use Exchange RBAC for "
			     "Applications, where no role appears); Exchange also needs "
			     "New-ServicePrincipal with the enterprise application's "
			     "object id and Add-MailboxPermission for %s",
			     protocols != 0 ? perms[i].app : "for SMTP, IMAP or POP",
			     c->roles[0] ? c->roles : "none",
			     protocols != 0 ? perms[i].app : "SMTP.SendAsApp", acct);
		}
		return n;
	}
	if (protocols == 0)
		protocols = SO2_PROTO_SMTP;
	for (i = 0; i < N_PERMS; i++)
		if ((protocols & perms[i].bit) != 0 && c->scp[0] != '\0' &&
		    !has_word(c->scp, perms[i].delegated))
			WARN("the token lacks %s's permission %s (scp: %s): add the "
			     "delegated permission %s to the app registration, consent, "
			     "and log in again", perms[i].name, perms[i].delegated,
			     c->scp, perms[i].delegated);
	if (c->upn[0] != '\0' && strchr(acct, '@') != NULL && strcasecmp(c->upn, acct) != 0)
		WARN("the token belongs to %s, not %s: the server authenticates %s. "
		     "For a shared mailbox that is expected: with IMAP or POP the "
		     "account is the shared mailbox and %s needs Full Access to it; "
		     "with SMTP authenticate as %s and send as %s with Send As. "
		     "Otherwise log in as %s", c->upn, acct, c->upn, c->upn, c->upn,
		     acct, acct);
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
	n = cli_token_warnings(rec, &c, protocols, warn, CLI_WARN_MAX);
	for (i = 0; i < n; i++)
		cli_msg("%s: warning: %s", rec->account ? rec->account : "?", warn[i]);
	return n;
}

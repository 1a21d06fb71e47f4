/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	diagnose.h - what a server reply or a token endpoint error means
 * SYNOPSIS
 *	#include "token/diagnose.h"
 * DESCRIPTION
 *	One classification table, used by the SASL module's error messages,
 *	by the token endpoint client's messages and by "sasl-oauth2 doctor":
 *
 *	- SMTP replies (RFC 5321 reply code, RFC 3463 enhanced status code
 *	  and a text pattern), as Exchange Online and Gmail send them;
 *	- IMAP tagged responses to AUTHENTICATE (RFC 9051 section 6.2.2);
 *	- SASL error challenges (RFC 7628 section 3.2.2 "status"; Google's
 *	  XOAUTH2 sends the same JSON with an HTTP-like status);
 *	- token endpoint errors: Microsoft AADSTS numbers (Microsoft identity
 *	  platform "Error codes" reference) and the OAuth "error" values
 *	  (RFC 6749 section 5.2, RFC 8628 section 3.5, OpenID Connect Core
 *	  section 3.1.2.6).
 *
 *	Each row gives a cause, a fix that names the setting (Microsoft 365
 *	admin center path and PowerShell cmdlet) and an action: what to do
 *	with the token. Rows are static and never NULL: an unknown reply
 *	gets a generic row of its class.
 *
 *	so2_diag_explain() combines a row with what the token's claims say
 *	(jwt.h): a "535 5.7.3" for a token whose audience is Microsoft Graph
 *	is a scope problem, not a mailbox setting.
 *
 *	Pure functions: no I/O, no allocation, thread-safe.
 * SEE ALSO
 *	sasl-oauth2(1) (doctor), sasl-oauth2-troubleshooting(7), jwt.h
 */
#ifndef SO2_DIAGNOSE_H
#define SO2_DIAGNOSE_H

#include <stddef.h>
#include <time.h>
#include "token/jwt.h"

/* so2_diag_action - what to do with the token after this reply */
typedef enum so2_diag_action {
	SO2_DIAG_SUCCESS = 0,	/* accepted */
	SO2_DIAG_KEEP,		/* the token is not the problem: a setting is;
				 * refresh nothing, invalidate nothing */
	SO2_DIAG_REFRESH,	/* the token is stale: refresh before the next
				 * attempt */
	SO2_DIAG_REAUTH,	/* the grant or its scope is wrong: the account
				 * must be authorised again (login) */
	SO2_DIAG_RETRY		/* transient: try again later, keep the token */
} so2_diag_action;

/* so2_diag_kind - which table a row belongs to */
typedef enum so2_diag_kind {
	SO2_DIAG_SMTP,
	SO2_DIAG_IMAP,
	SO2_DIAG_CHALLENGE,
	SO2_DIAG_AADSTS,
	SO2_DIAG_OAUTH
} so2_diag_kind;

/* so2_diag_row - one row of the table; all strings are static */
typedef struct so2_diag_row {
	so2_diag_kind kind;
	const char *id;		/* stable short name, e.g. "smtp-auth-mailbox" */
	long code;		/* SMTP reply code, AADSTS number; 0: any */
	const char *enhanced;	/* SMTP enhanced status ("5.7.139"); IMAP:
				 * the status word ("NO"); NULL: any */
	const char *match;	/* SMTP/IMAP: lower-case text fragment; challenge:
				 * the status; OAuth: the error value; NULL: any */
	so2_diag_action action;
	const char *cause;	/* why, one clause, no final period */
	const char *fix;	/* what to do, one clause, no final period;
				 * never restates the action (callers say
				 * it once, so2_diag_action_name) */
	int vague;		/* 1: the reply does not name its cause; the
				 * token's claims decide (so2_diag_explain) */
	int relogin;		/* token endpoint rows whose action is KEEP: 1
				 * when the setting to fix is kept in the
				 * record (client id, tenant and so the token
				 * endpoint, client authentication), so the
				 * account needs a new login after the fix and
				 * asking again meanwhile cannot help */
} so2_diag_row;

/* Bytes of an explanation from so2_diag_explain (cause + fix). */
#define SO2_DIAG_TEXT_MAX 1024

/*
 * so2_diag_smtp - classify an SMTP reply
 *	reply: NUL-terminated text holding a reply "NNN[ -]X.Y.Z text",
 *	possibly several lines (multi-line replies, CRLF or LF) or embedded
 *	in a log line ("... server smtp.example said: 535 5.7.3 ...", as
 *	Postfix logs it); the first "NNN X.Y.Z" or "NNN " found is used.
 *	Returns the matching row, or the generic row of the reply's class
 *	("smtp-unknown-4xx", "smtp-unknown-5xx", "smtp-unparsed").
 */
const so2_diag_row *so2_diag_smtp(const char *reply);

/*
 * so2_diag_imap - classify an IMAP tagged response to AUTHENTICATE
 *	line: "TAG OK|NO|BAD [CODE] text" (the tag may be absent).
 *	Returns the matching row or "imap-unknown".
 */
const so2_diag_row *so2_diag_imap(const char *line);

/*
 * so2_diag_challenge - classify the status of a SASL error challenge
 *	status: the JSON "status" member (so2_challenge.status).
 *	Returns the matching row or "challenge-unknown".
 */
const so2_diag_row *so2_diag_challenge(const char *status);

/*
 * so2_diag_aadsts - the row of a Microsoft AADSTS number, or NULL
 */
const so2_diag_row *so2_diag_aadsts(long code);

/*
 * so2_diag_oauth - the row of an OAuth "error" value, or NULL
 */
const so2_diag_row *so2_diag_oauth(const char *error);

/*
 * so2_diag_token_error - the best row for a token endpoint error
 *	The AADSTS row when code has one, else the row of error, else NULL.
 */
const so2_diag_row *so2_diag_token_error(long code, const char *error);

/* so2_diag_by_id - the row with this id, or NULL */
const so2_diag_row *so2_diag_by_id(const char *id);

/*
 * so2_diag_refine - the row that fits the record's provider
 *	provider: the record's "provider" ("microsoft", "google"), NULL when
 *	unknown. A reply that names no server ("535 5.7.8" alone) gets the
 *	row of the provider; a reply that names its server (Gmail's
 *	support.google.com link) keeps its row. Returns row otherwise.
 */
const so2_diag_row *so2_diag_refine(const so2_diag_row *row, const char *provider);

/*
 * so2_diag_body - what a token endpoint body that is not OAuth is
 *	body: len bytes (not NUL-terminated). Returns NULL for a JSON body,
 *	"http-html-page" for an HTML page (a proxy or captive portal), else
 *	"http-not-oauth". Both are transient: the record stays untouched.
 */
const so2_diag_row *so2_diag_body(const char *body, size_t len);

/*
 * so2_diag_grant_dead - does this token endpoint row end the grant?
 *	1 for REAUTH rows and for configuration rows whose setting lives in
 *	the record (relogin): the record is marked for a new login and
 *	later attempts fail fast, with no back-off loop against the token
 *	endpoint. 0 otherwise (and for NULL).
 */
int so2_diag_grant_dead(const so2_diag_row *row);

/*
 * so2_diag_tls_clock - a clause for a certificate refused by the local clock
 *	why: the TLS library's text ("certificate is not yet valid",
 *	"certificate has expired", as libcurl and OpenSSL word them); now:
 *	the local clock, seconds since the epoch. When why means one of the
 *	two, writes "; ... this host's clock says <local time> ..." into buf
 *	(size bytes, cut) and returns 1; otherwise buf is "" and returns 0.
 *	A clock set back makes every certificate "not yet valid"; set
 *	forward, "expired" (OpenSSL X509_V_ERR_CERT_NOT_YET_VALID, _HAS_EXPIRED).
 */
int so2_diag_tls_clock(const char *why, time_t now, char *buf, size_t size);

/*
 * so2_diag_dead_grant - the likely reason a refresh token died, from what
 *	the record knows: provider ("google", "microsoft", NULL), the AADSTS
 *	code (0: none), obtained_at (first login) and refreshed_at (last
 *	success), seconds since the epoch (0: unknown), and now. Writes one
 *	clause starting "; likely reason: " into buf (size bytes) and returns
 *	1, or returns 0 with buf "" when nothing more can be said. Sources:
 *	Google "Using OAuth 2.0 to Access Google APIs", Refresh token
 *	expiration (7 days for apps in Testing, 6 months unused, 100 per
 *	client and account); Microsoft identity platform "Refresh tokens"
 *	(90 days without use).
 */
int so2_diag_dead_grant(const char *provider, long code, time_t obtained_at,
			time_t refreshed_at, time_t now, char *buf, size_t size);

/*
 * so2_diag_summary - the code and cause of a stored error message
 *	msg: a message as kept in a record's last_error ("account A: cannot
 *	refresh the access token: URL: HTTP 400, invalid_grant: AADSTS700082:
 *	..."). Writes into buf (size bytes, cut) "AADSTS700082: <the table's
 *	cause>" when msg names a known AADSTS code, "invalid_grant: <cause>"
 *	for a known OAuth error, else msg without its account and URL
 *	prefixes. For a table column that must keep the code (status).
 */
void so2_diag_summary(const char *msg, char *buf, size_t size);

/*
 * so2_diag_margin - a warning when refresh_margin is at or above the
 *	lifetime of the record's tokens (seconds, 0: unknown). Writes the
 *	warning into buf (size bytes) and returns 1, else buf "" and 0.
 */
int so2_diag_margin(long margin, long lifetime, char *buf, size_t size);

/* so2_diag_action_name - "refresh the token", "keep the token", ... */
const char *so2_diag_action_name(so2_diag_action action);

/* so2_diag_transient - 1 when retrying later may succeed unchanged */
int so2_diag_transient(const so2_diag_row *row);

/*
 * so2_diag_table - the whole table, for tests and documentation
 *	*n receives the number of rows.
 */
const so2_diag_row *so2_diag_table(size_t *n);

/* so2_diag_verdict - the conclusion of so2_diag_explain */
typedef struct so2_diag_verdict {
	const so2_diag_row *row;	/* the reply's row */
	const char *id;			/* row->id, or the refined cause's id */
	so2_diag_action action;		/* may differ from row->action */
	char cause[SO2_DIAG_TEXT_MAX];
	char fix[SO2_DIAG_TEXT_MAX];
} so2_diag_verdict;

/*
 * so2_diag_explain - combine a reply's row with the token's claims
 *	claims: NULL when unknown (literal token not decoded); user: the
 *	SASL user sent (user=), may be NULL; now: seconds since the epoch.
 *	For a rejection that does not name its cause (535 5.7.3, IMAP "NO
 *	AUTHENTICATE failed", challenge 400/401/invalid_token) the claims
 *	decide, in this order: expired token (refresh), Graph or other
 *	non-Exchange audience (scope: log in again with the Exchange
 *	scope), delegated token without the protocol's scope, app-only
 *	token (Exchange service principal checklist), token of another
 *	user (shared mailbox explanation); otherwise the row itself.
 *	protocol: "smtp", "imap" or "pop" (the scope expected), NULL: smtp.
 *	Always fills *out.
 */
void so2_diag_explain(const so2_diag_row *row, const so2_jwt_claims *claims,
		      const char *user, const char *protocol, time_t now,
		      so2_diag_verdict *out);

/*
 * so2_diag_fill - replace every occurrence of word in buf by value
 *	For the placeholders of fix texts: ACCOUNT (the account name),
 *	MAILBOX (the SASL user). buf is size bytes, cut when it grows.
 */
void so2_diag_fill(char *buf, size_t size, const char *word, const char *value);

/*
 * so2_diag_scope_for - the delegated scope name a protocol needs
 *	"SMTP.Send", "IMAP.AccessAsUser.All", "POP.AccessAsUser.All"
 *	(Microsoft "Authenticate an IMAP, POP or SMTP connection using
 *	OAuth"); NULL for an unknown protocol.
 */
const char *so2_diag_scope_for(const char *protocol);

/*
 * so2_diag_has_scope - 1 when the space-separated list scopes holds name
 *	Compares case-insensitively the part after the last "/" of each
 *	entry, so "https://outlook.office.com/SMTP.Send" holds "SMTP.Send".
 */
int so2_diag_has_scope(const char *scopes, const char *name);

#endif

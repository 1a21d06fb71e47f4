/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	diagnose.c - the classification table: replies and errors -> cause, fix
 * SYNOPSIS
 *	See token/diagnose.h.
 * DESCRIPTION
 *	One static table, searched in order (specific rows before the
 *	generic row of their class). Sources, per row group:
 *	- Exchange Online SMTP replies: Microsoft Learn "Authenticated client
 *	  SMTP submission", "Fix issues with printers, scanners, and LOB
 *	  applications that send email using Microsoft 365", "Non-delivery
 *	  reports in Exchange Online", MC786329 (Basic authentication
 *	  retirement), "Opt in to the Exchange Online endpoint for legacy
 *	  TLS clients", Exchange Team blog 2018-04-20 (3 connections);
 *	  observed texts quoted in /work/shared/reference/m365.md section 5.
 *	- Gmail: Google "OAuth 2.0 Mechanism" (XOAUTH2 error challenge).
 *	- AADSTS: Microsoft identity platform "Error codes" reference.
 *	- OAuth errors: RFC 6749 5.2, RFC 8628 3.5, OpenID Connect Core
 *	  3.1.2.6, RFC 6750 3.1.
 *	The admin settings are named as Microsoft names them: "Authenticated
 *	SMTP" (Microsoft 365 admin center: Users, Active users, Mail, Manage
 *	email apps; Set-CASMailbox -SmtpClientAuthenticationDisabled), the
 *	tenant switch (Set-TransportConfig -SmtpClientAuthenticationDisabled),
 *	Security Defaults and Conditional Access (they block basic
 *	authentication, not OAuth; they govern how the token is obtained).
 * DIAGNOSTICS
 *	None: pure functions; unknown input gets a generic row.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "token/diagnose.h"
#include "token/perms.h"

#define TEXT_MAX	1024	/* bytes of reply text examined */

/* The settings, named once. */
#define MAILBOX_SETTING "turn on \"Authenticated SMTP\" for the mailbox: Microsoft 365 admin " \
	"center, Users, Active users, the user, Mail, Manage email apps; or " \
	"Set-CASMailbox -Identity MAILBOX -SmtpClientAuthenticationDisabled $false " \
	"(allow up to an hour)"
#define TENANT_SETTING "turn SMTP AUTH on for the organisation: " \
	"Set-TransportConfig -SmtpClientAuthenticationDisabled $false (Exchange admin " \
	"center: Settings, Mail flow, untick \"Turn off SMTP AUTH protocol for your " \
	"organization\"), or for this mailbox only: " MAILBOX_SETTING
#define USE_OAUTH "use XOAUTH2 with a token instead of a password (Postfix: " \
	"smtp_sasl_mechanism_filter = xoauth2 and an empty password in " \
	"smtp_sasl_password_maps; others: sasl-oauth2 token ACCOUNT)"
#define RUN_DOCTOR "run \"sasl-oauth2 doctor ACCOUNT --smtp\": it decodes the token and " \
	"names which"
#define GMAIL_FIX "check that the token was granted https://mail.google.com/ for this very " \
	"user (sasl-oauth2 doctor ACCOUNT); if it keeps failing, log in again: sasl-oauth2 " \
	"login ACCOUNT (apps in \"Testing\" get refresh tokens that die after 7 days)"

#define R(kind, id, code, enh, match, action, vague, cause, fix) \
	{ kind, id, code, enh, match, action, cause, fix, vague, 0 }
#define SMTP(id, code, enh, match, action, vague, cause, fix) \
	R(SO2_DIAG_SMTP, id, code, enh, match, action, vague, cause, fix)
#define IMAP(id, status, match, action, vague, cause, fix) \
	R(SO2_DIAG_IMAP, id, 0, status, match, action, vague, cause, fix)
#define CHAL(id, status, action, vague, cause, fix) \
	R(SO2_DIAG_CHALLENGE, id, 0, NULL, status, action, vague, cause, fix)
#define AAD(code, error, action, cause, fix) \
	R(SO2_DIAG_AADSTS, "AADSTS" #code, code, NULL, error, action, 0, cause, fix)
/* A configuration error whose setting the record keeps: fix, then log in. */
#define AADR(code, error, cause, fix) \
	{ SO2_DIAG_AADSTS, "AADSTS" #code, code, NULL, error, SO2_DIAG_KEEP, cause, fix, 0, 1 }
#define OAUTH(error, action, cause, fix) \
	R(SO2_DIAG_OAUTH, "oauth-" error, 0, NULL, error, action, 0, cause, fix)

#define OK	SO2_DIAG_SUCCESS
#define KEEP	SO2_DIAG_KEEP
#define REFRESH	SO2_DIAG_REFRESH
#define REAUTH	SO2_DIAG_REAUTH
#define RETRY	SO2_DIAG_RETRY

static const so2_diag_row table[] = {
	/* --- SMTP ---------------------------------------------------- */
	SMTP("smtp-accepted", 235, NULL, NULL, OK, 0,
	     "the server accepted the token", "nothing to do"),
	SMTP("smtp-auth-tenant", 535, "5.7.139", "disabled for the tenant", KEEP, 0,
	     "SMTP AUTH is turned off for the whole organisation (the tenant switch), "
	     "which refuses OAuth too", TENANT_SETTING),
	SMTP("smtp-auth-mailbox", 535, "5.7.139", "disabled for the mailbox", KEEP, 0,
	     "\"Authenticated SMTP\" is turned off for this mailbox (the usual state of "
	     "consumer outlook.com mailboxes), which refuses OAuth too", MAILBOX_SETTING),
	SMTP("smtp-basic-disabled", 535, "5.7.139", "basic authentication is disabled", KEEP, 0,
	     "the client sent a password (AUTH LOGIN or PLAIN) and basic authentication is "
	     "disabled for this account", USE_OAUTH),
	SMTP("smtp-security-defaults", 535, "5.7.139", "security defaults", KEEP, 0,
	     "Microsoft Entra Security Defaults block password (basic) sign-in to SMTP; "
	     "they do not block OAuth, they require MFA when the token is obtained",
	     USE_OAUTH " and sign in with MFA: sasl-oauth2 login ACCOUNT; or an admin "
	     "replaces Security Defaults by Conditional Access policies"),
	SMTP("smtp-policy-criteria", 535, "5.7.139", "did not meet the criteria", KEEP, 0,
	     "the sign-in was refused by policy, most often Conditional Access blocking "
	     "legacy (basic) authentication for a password attempt",
	     "look the sign-in up in the Microsoft Entra admin center, Monitoring & health, "
	     "Sign-in logs (client app \"Authenticated SMTP\"), and " USE_OAUTH),
	SMTP("smtp-credentials-incorrect", 535, "5.7.139", "credentials were incorrect", KEEP, 0,
	     "the client sent a password (AUTH LOGIN or PLAIN), not a token, and it was "
	     "refused: XOAUTH2 was not used", USE_OAUTH),
	SMTP("smtp-auth-setting", 535, "5.7.139", NULL, KEEP, 0,
	     "Exchange Online refused SMTP AUTH because of a tenant or mailbox setting",
	     TENANT_SETTING),
	SMTP("smtp-535-5.7.3", 535, "5.7.3", NULL, REFRESH, 1,
	     "Exchange Online did not accept the token for this mailbox; its reply never "
	     "says why: token expired, for the wrong audience or scope, for another user, "
	     "app-only without the Exchange service principal or mailbox permission, or "
	     "\"Authenticated SMTP\" off for the mailbox", RUN_DOCTOR),
	SMTP("gmail-535-5.7.8", 535, "5.7.8", "support.google.com", REFRESH, 1,
	     "Gmail refused the user or the token (\"Username and Password not accepted\")",
	     GMAIL_FIX),
	SMTP("gmail-535-5.7.8-text", 535, "5.7.8", "username and password not accepted", REFRESH, 1,
	     "Gmail refused the user or the token (\"Username and Password not accepted\")",
	     GMAIL_FIX),
	SMTP("smtp-535-5.7.8", 535, "5.7.8", NULL, REFRESH, 1,
	     "the server refused the user or the token (535 5.7.8, \"authentication "
	     "credentials invalid\", RFC 4954 section 6): a token it cannot validate "
	     "(expired, revoked, for another audience or user) or a disabled account",
	     RUN_DOCTOR " of these it is; when the token is fresh and for this user, ask the "
	     "server's administrator whether the account is enabled"),
	SMTP("smtp-hve-auth-data", 501, "5.5.124", NULL, KEEP, 0,
	     "High Volume Email (smtp-hve.office365.com) did not accept the XOAUTH2 data: "
	     "user= is not an HVE account, or the token is not for that HVE account (a "
	     "delegated token issued to the HVE account itself with SMTP.Send, or an app-only "
	     "token with the role Mail.Send of an app in the account's Allowed Apps); unlike "
	     "5.5.127 the token's age is not the cause",
	     "put the HVE account's address (Exchange admin center, Mail flow, High volume "
	     "email) in user= and log in as that account: sasl-oauth2 login ACCOUNT (app-only: "
	     "Add-HVEAppAccess -Identity HVE-ACCOUNT -AppIds APPID); a token about to expire is "
	     "5.5.127, not this"),
	SMTP("smtp-line-too-long", 500, "5.5.2", "too long", KEEP, 0,
	     "the server's command line limit refused the AUTH line: the initial response "
	     "(the base64 token) was sent on the AUTH command, and long tokens exceed the "
	     "512-byte SMTP line many servers enforce (Dovecot, RFC 5321 4.5.3.1.4)",
	     "the client must send AUTH XOAUTH2 alone and the response after the empty 334 "
	     "(RFC 4954 section 4): Postfix and sasl-oauth2 connect do; for other programs use "
	     "their option to disable the SASL initial response, or a shorter token (fewer "
	     "group claims)"),
	SMTP("smtp-line-too-long-555", 555, "5.5.2", "too long", KEEP, 0,
	     "the server's command line limit refused the AUTH line (Gmail: \"command line too "
	     "long\"): the initial response was sent on the AUTH command",
	     "the client must send AUTH XOAUTH2 alone and the response after the empty 334 "
	     "(RFC 4954 section 4)"),
	SMTP("smtp-line-too-long-500", 500, NULL, "line too long", KEEP, 0,
	     "the server's command line limit refused the AUTH line: the initial response "
	     "was sent on the AUTH command",
	     "the client must send AUTH XOAUTH2 alone and the response after the empty 334 "
	     "(RFC 4954 section 4)"),
	SMTP("smtp-not-authenticated", 530, "5.7.57", NULL, KEEP, 0,
	     "the client sent mail without authenticating: no credentials were configured "
	     "for this server, or AUTH failed and the client went on",
	     "Postfix: smtp_sasl_auth_enable = yes and a smtp_sasl_password_maps entry whose "
	     "key is exactly the relayhost (check with postmap -q); direct send without AUTH "
	     "goes to the MX host *.mail.protection.outlook.com instead"),
	SMTP("smtp-basic-retired", 550, "5.7.30", NULL, KEEP, 0,
	     "basic authentication (passwords) is retired for SMTP client submission in "
	     "this tenant (Microsoft MC786329)", USE_OAUTH),
	SMTP("smtp-send-as-denied", 550, "5.7.60", NULL, KEEP, 0,
	     "the sender address (From or MAIL FROM) is not the authenticated mailbox, "
	     "and the mailbox has no Send As permission for it",
	     "send as the authenticated mailbox, or grant Send As: Exchange admin center, "
	     "Recipients, Mailboxes, the sender, Delegation, Send as; or "
	     "Add-RecipientPermission -Identity SENDER -Trustee MAILBOX -AccessRights SendAs"),
	SMTP("smtp-send-as-denied-submit", 554, "5.2.252", NULL, KEEP, 0,
	     "SendAsDenied: the authenticated mailbox (or app) may not send as the From "
	     "address",
	     "grant Send As: Add-RecipientPermission -Identity SENDER -Trustee MAILBOX "
	     "-AccessRights SendAs (for an app-only token the trustee is the service "
	     "principal), or send as the authenticated mailbox"),
	SMTP("smtp-mailbox-logon", 430, "4.2.0", NULL, KEEP, 0,
	     "the token was accepted but Exchange could not open the mailbox (mailbox logon "
	     "failure): typical of app-only tokens whose service principal has no access, "
	     "or of a mailbox that does not exist or has no Exchange Online licence",
	     "New-ServicePrincipal -AppId APPID -ObjectId <Enterprise applications object "
	     "id>; Add-MailboxPermission -Identity MAILBOX -User <service principal id> "
	     "-AccessRights FullAccess; check the mailbox is licensed"),
	SMTP("smtp-concurrency", 432, "4.3.2", NULL, RETRY, 0,
	     "more than 3 SMTP connections at once for this mailbox (concurrent connection "
	     "limit)",
	     "nothing is lost, the mail is retried; limit concurrency (Postfix: "
	     "smtp_destination_concurrency_limit = 2 for the relayhost's transport)"),
	SMTP("smtp-legacy-tls", 421, "4.7.66", NULL, KEEP, 0,
	     "the client used TLS 1.0 or 1.1, which Exchange Online refuses",
	     "use TLS 1.2 or later (Postfix: smtp_tls_mandatory_protocols = >=TLSv1.2); "
	     "as a stopgap: smtp-legacy.office365.com after Set-TransportConfig "
	     "-AllowLegacyTLSClients $true"),
	SMTP("smtp-access-denied-temp", 451, "4.7.500", NULL, RETRY, 0,
	     "Exchange Online temporarily restricts this sender after suspicious activity",
	     "check the account for compromise in the Microsoft Defender portal"),
	SMTP("smtp-restricted-user", 550, "5.1.8", NULL, KEEP, 0,
	     "the mailbox is on the Restricted users list (outbound spam), \"bad outbound "
	     "sender\"",
	     "an admin releases it: Microsoft Defender portal, Email & collaboration, Review, "
	     "Restricted users; secure the account first"),
	SMTP("smtp-token-expires-soon", 501, "5.5.127", NULL, REFRESH, 0,
	     "the token expires within about ten minutes and this server refuses such tokens",
	     "set refresh_margin = 900 in sasl-oauth2.conf so it never happens again (below "
	     "the token lifetime, see sasl-oauth2.conf(5))"),
	SMTP("gmail-too-many-logins", 454, "4.7.0", NULL, RETRY, 0,
	     "the server throttles logins for this account (too many attempts)",
	     "wait a few minutes; do not retry in a loop"),
	SMTP("smtp-mechanism-unavailable", 504, NULL, NULL, KEEP, 0,
	     "the server does not offer this authentication mechanism here (before STARTTLS, "
	     "or SMTP AUTH not available on this host)",
	     "authenticate after STARTTLS on port 587 (smtp.office365.com, smtp.gmail.com)"),
	SMTP("smtp-auth-failed", 535, NULL, NULL, REFRESH, 1,
	     "the server refused the credentials", RUN_DOCTOR),
	SMTP("smtp-unknown-4xx", 400, NULL, NULL, RETRY, 0,
	     "a temporary failure the table does not know", "if it persists, look the reply "
	     "up in the server's documentation"),
	SMTP("smtp-unknown-5xx", 500, NULL, NULL, KEEP, 0,
	     "a permanent failure the table does not know",
	     "look the reply up in the server's documentation"),
	SMTP("smtp-unknown-2xx", 200, NULL, NULL, OK, 0, "the server accepted", "nothing to do"),
	SMTP("smtp-unknown-3xx", 300, NULL, NULL, KEEP, 0,
	     "the server asked for more data where a verdict was expected",
	     "give the server's final reply (after the empty line that answers a challenge)"),
	SMTP("smtp-unparsed", -1, NULL, NULL, KEEP, 0,
	     "the text holds no SMTP reply code", "give the reply line as the server sent it"),

	/* --- IMAP ---------------------------------------------------- */
	IMAP("imap-accepted", "OK", NULL, OK, 0, "the server accepted the token", "nothing to do"),
	IMAP("imap-basic-disabled", NULL, "basic authentication is disabled", KEEP, 0,
	     "the client logged in with a password (LOGIN or AUTHENTICATE PLAIN), not "
	     "XOAUTH2: the mechanism list, a filter, a module that was not loaded or a "
	     "program that only knows LOGIN (the IMAP counterpart of SMTP 550 5.7.30)",
	     "make the client use XOAUTH2: isync AuthMechs XOAUTH2; check that the module is "
	     "loaded (saslpluginviewer -c -m XOAUTH2) and no other module or filter takes "
	     "precedence"),
	IMAP("imap-login-failed", "NO", "login failed", KEEP, 0,
	     "the client used LOGIN (a password), not XOAUTH2; Exchange Online refuses "
	     "passwords", "make the client use XOAUTH2 with a token (isync AuthMechs XOAUTH2)"),
	IMAP("imap-not-connected", NULL, "not connected", KEEP, 1,
	     "the token was accepted but the mailbox cannot be opened (\"User is "
	     "authenticated but not connected\"): app-only token without mailbox access, "
	     "or user= is not the mailbox",
	     "Add-MailboxPermission -Identity MAILBOX -User <service principal id> "
	     "-AccessRights FullAccess, and put the mailbox address in user="),
	IMAP("gmail-imap-invalid", "NO", "invalid credentials", REFRESH, 1,
	     "Gmail refused the user or the token", GMAIL_FIX),
	IMAP("imap-auth-failed", "NO", "authenticate failed", REFRESH, 1,
	     "Exchange Online did not accept the token for this mailbox (\"AUTHENTICATE "
	     "failed\" never says why): token expired, wrong audience or scope, another "
	     "user, app-only without mailbox permission, or IMAP turned off for the mailbox "
	     "(Set-CASMailbox -ImapEnabled)", RUN_DOCTOR),
	IMAP("imap-refused", "NO", NULL, REFRESH, 1, "the server refused the token", RUN_DOCTOR),
	IMAP("imap-bad", "BAD", NULL, KEEP, 0,
	     "the server did not understand the command (mechanism not offered, or before "
	     "STARTTLS)", "check that the server offers AUTH=XOAUTH2 after TLS"),
	IMAP("imap-unknown", NULL, NULL, KEEP, 0, "an IMAP response the table does not know",
	     "give the tagged response as the server sent it"),

	/* --- SASL error challenges (RFC 7628 3.2.2, Google XOAUTH2) --- */
	CHAL("challenge-invalid-token", "invalid_token", REFRESH, 1,
	     "the server says the token is invalid: expired, revoked or for another "
	     "audience (RFC 6750 3.1)", "if it keeps failing: sasl-oauth2 doctor ACCOUNT"),
	CHAL("challenge-401", "401", REFRESH, 1,
	     "the server refused the token (status 401: expired or revoked)",
	     "if it keeps failing: sasl-oauth2 doctor ACCOUNT"),
	CHAL("challenge-400", "400", REFRESH, 1,
	     "the server refused the token or the user (status 400: often a token for "
	     "another user or scope)", "if it keeps failing, check the token's user and scope "
	     "(sasl-oauth2 doctor ACCOUNT) and log in again as this user"),
	CHAL("challenge-insufficient-scope", "insufficient_scope", REAUTH, 0,
	     "the token lacks the scope this server needs (RFC 6750 3.1)",
	     "log in again with the scope the challenge names: sasl-oauth2 login ACCOUNT "
	     "--scope SCOPE"),
	CHAL("challenge-403", "403", REAUTH, 0,
	     "the server refused the token's scope (status 403)",
	     "log in again with the mail scope: sasl-oauth2 login ACCOUNT"),
	CHAL("challenge-invalid-request", "invalid_request", KEEP, 0,
	     "the server says the authentication message was malformed",
	     "report it: the user name or token holds characters the server refuses"),
	CHAL("challenge-unknown", NULL, REFRESH, 1,
	     "the server refused the token with a status the table does not know",
	     "if it keeps failing: sasl-oauth2 doctor ACCOUNT"),

	/* --- AADSTS (Microsoft identity platform error codes) --------- */
	AAD(50076, "interaction_required", REAUTH,
	    "multi-factor authentication is now required (Conditional Access, per-user MFA "
	    "or a new location) and a refresh cannot satisfy it",
	    "sign in again interactively: sasl-oauth2 login ACCOUNT"),
	AAD(50079, "interaction_required", REAUTH,
	    "the user must register for multi-factor authentication",
	    "the user registers security info at https://aka.ms/mysecurityinfo, then "
	    "sasl-oauth2 login ACCOUNT"),
	AAD(50078, "interaction_required", REAUTH,
	    "the multi-factor authentication presented earlier has expired by policy",
	    "sign in again: sasl-oauth2 login ACCOUNT"),
	AAD(53003, "access_denied", REAUTH,
	    "Conditional Access blocked the sign-in",
	    "an admin looks the sign-in up in the Microsoft Entra admin center, Sign-in logs "
	    "(by correlation id), adjusts the policy, then sasl-oauth2 login ACCOUNT"),
	AAD(530035, "access_denied", REAUTH,
	    "Security Defaults blocked the sign-in",
	    "sign in interactively with MFA (sasl-oauth2 login ACCOUNT), or an admin "
	    "replaces Security Defaults by Conditional Access policies"),
	AAD(53000, "access_denied", KEEP,
	    "Conditional Access requires a compliant device",
	    "an admin excludes this app or account from the policy"),
	AAD(53001, "access_denied", KEEP,
	    "Conditional Access requires a domain-joined device",
	    "an admin excludes this app or account from the policy"),
	AAD(53002, "access_denied", KEEP,
	    "Conditional Access requires an approved client app",
	    "an admin excludes this app or account from the policy"),
	AAD(50126, "invalid_grant", REAUTH, "wrong user name or password",
	    "sign in again with the right credentials"),
	AAD(50053, "invalid_grant", RETRY,
	    "the account is locked after too many failed sign-ins, or the IP is blocked",
	    "wait, or an admin unlocks the account"),
	AAD(50057, "invalid_grant", KEEP, "the user account is disabled",
	    "an admin enables it (Microsoft 365 admin center, Users, Active users)"),
	AAD(50055, "invalid_grant", REAUTH, "the password has expired",
	    "change the password, then sasl-oauth2 login ACCOUNT"),
	AAD(50144, "invalid_grant", REAUTH, "the on-premises password has expired",
	    "change the password, then sasl-oauth2 login ACCOUNT"),
	AAD(50173, "invalid_grant", REAUTH,
	    "the grant was revoked, usually because the password was changed or reset",
	    "sign in again: sasl-oauth2 login ACCOUNT"),
	AAD(70008, "invalid_grant", REAUTH, "the refresh token expired or was revoked",
	    "sign in again: sasl-oauth2 login ACCOUNT"),
	AAD(700082, "invalid_grant", REAUTH,
	    "the refresh token expired after 90 days without use",
	    "sign in again: sasl-oauth2 login ACCOUNT; keep it alive with a timer running "
	    "sasl-oauth2 refresh --all"),
	AAD(700084, "invalid_grant", REAUTH,
	    "the refresh token reached the fixed 24 hour lifetime of single-page-app "
	    "redirect URIs",
	    "register the redirect URI under \"Mobile and desktop applications\", not "
	    "\"Single-page application\", then log in again"),
	AAD(70043, "invalid_grant", REAUTH,
	    "the refresh token is invalid under the Conditional Access sign-in frequency",
	    "sign in again: sasl-oauth2 login ACCOUNT"),
	AAD(65001, "invalid_grant", REAUTH,
	    "the user or an admin has not consented to the application",
	    "consent interactively (sasl-oauth2 login ACCOUNT) or an admin grants consent: "
	    "Microsoft Entra admin center, App registrations, API permissions, Grant admin "
	    "consent"),
	AAD(65004, "access_denied", REAUTH, "the user declined consent",
	    "sign in again and accept the permissions"),
	AAD(650052, "invalid_client", KEEP,
	    "the tenant has no subscription to the service (no Exchange Online)",
	    "check the tenant's Exchange Online licence"),
	AAD(650057, "invalid_client", KEEP,
	    "the resource is not in the application's requested permissions",
	    "add the permission (Office 365 Exchange Online: SMTP.Send, "
	    "IMAP.AccessAsUser.All) under App registrations, API permissions"),
	AAD(500011, "invalid_resource", KEEP,
	    "the resource (Exchange Online) was not found in the tenant: not licensed, "
	    "not consented, or the wrong tenant",
	    "check the tenant id, the Exchange Online licence and admin consent"),
	AADR(700016, "unauthorized_client",
	    "the client id is not an application of this tenant",
	    "check client_id and tenant in sasl-oauth2.conf (a multi-tenant app must be "
	    "consented in this tenant)"),
	AADR(700011, "unauthorized_client",
	    "the client application is not in the directory",
	    "check client_id and tenant in sasl-oauth2.conf"),
	AAD(7000215, "invalid_client", KEEP, "invalid client secret",
	    "put the secret's Value, not its Secret ID, in the client secret file"),
	AAD(7000222, "invalid_client", KEEP, "the client secret has expired",
	    "create a new secret (App registrations, Certificates & secrets) and update "
	    "the client secret file"),
	AADR(7000218, "invalid_client",
	    "the application is treated as confidential and must send a secret or an "
	    "assertion",
	    "App registrations, Authentication: set \"Allow public client flows\" to Yes, "
	    "or configure a client secret"),
	AADR(700025, "invalid_client",
	    "a public client sent a client secret or assertion",
	    "remove the client secret from the account (client_auth none)"),
	AAD(700027, "invalid_client", KEEP,
	    "the client assertion signature is invalid or its certificate is not registered",
	    "upload the certificate to the app registration (Certificates & secrets); "
	    "sasl-oauth2 -v login shows its thumbprint"),
	AAD(700024, "invalid_client", KEEP,
	    "the client assertion is outside its valid time range",
	    "fix the system clock (UTC, NTP)"),
	AAD(50027, "invalid_request", KEEP,
	    "the client assertion has no certificate thumbprint", "report it"),
	AAD(700030, "invalid_client", KEEP,
	    "the certificate subject name is not authorised for this application",
	    "check the certificate registered on the app"),
	AAD(50048, "invalid_client", KEEP,
	    "the client assertion's subject does not match its issuer", "report it"),
	AAD(70011, "invalid_scope", REAUTH,
	    "the scope requested is invalid: a name the resource does not have, or scopes "
	    "of several resources (Graph and Exchange) that are \"not compatible with each "
	    "other\"",
	    "request Exchange scopes only: https://outlook.office.com/SMTP.Send (or "
	    "IMAP.AccessAsUser.All) offline_access, and log in again"),
	AADR(7000112, "unauthorized_client",
	    "the application (client id) is disabled by its owner: a borrowed public client "
	    "id (another program's) was switched off, and signing in again with it cannot "
	    "help",
	    "register your own application (doc/microsoft365-setup.md) or use another "
	    "client_id in sasl-oauth2.conf, then log in: sasl-oauth2 login ACCOUNT"),
	AADR(50020, "invalid_request",
	    "the account is of another kind or tenant than the application accepts (a "
	    "personal Microsoft account, or a guest, at a single-tenant or work-only "
	    "registration): a configuration error, not a transient one",
	    "sign in with an account of the tenant, or set the registration's \"Supported "
	    "account types\" to include personal accounts and tenant = common (consumers for "
	    "outlook.com) in sasl-oauth2.conf"),
	AADR(9002331, "invalid_request",
	    "the application accepts personal Microsoft accounts only, so it must use the "
	    "/consumers endpoint",
	    "set tenant = consumers in sasl-oauth2.conf, or change the registration's "
	    "\"Supported account types\""),
	AADR(90130, "invalid_request",
	    "the application is not supported over /common or /consumers: it is registered "
	    "for work or school accounts of one tenant",
	    "set tenant = your tenant id (or organizations) in sasl-oauth2.conf"),
	AAD(700022, "invalid_scope", REAUTH,
	    "the scope mixes several resources (Exchange and Graph)",
	    "request Exchange scopes only (https://outlook.office.com/...) and log in again"),
	AAD(1002012, "invalid_scope", KEEP,
	    "the client credentials grant needs a scope ending in /.default",
	    "set scope to the resource's /.default (https://outlook.office365.com/.default) "
	    "in sasl-oauth2.conf, or give --scope"),
	AADR(90002, "invalid_request",
	    "the tenant was not found (a guessed domain, or another national cloud)",
	    "use the tenant id (GUID) and the right cloud in sasl-oauth2.conf"),
	AADR(90038, "invalid_request",
	    "the tenant belongs to another national cloud",
	    "set cloud = usgov, dod or china in sasl-oauth2.conf"),
	AADR(50194, "invalid_request",
	    "a single-tenant application was used with the /common endpoint",
	    "set tenant = your tenant id or domain in sasl-oauth2.conf"),
	AADR(9001023, "invalid_request",
	    "this grant type is not supported on /common or /consumers",
	    "set tenant = your tenant id in sasl-oauth2.conf"),
	AAD(90014, "invalid_request", KEEP, "a required field is missing from the request",
	    "report it with the trace id"),
	AADR(900144, "invalid_request", "a required parameter is missing from the request",
	    "report it with the trace id"),
	AAD(9002313, "invalid_request", KEEP, "the request is malformed",
	    "report it with the trace id"),
	AAD(50011, "invalid_request", KEEP,
	    "the redirect URI does not match one registered for the application",
	    "register http://localhost under Mobile and desktop applications"),
	AADR(50059, "invalid_request", "no tenant could be found for the request",
	    "set tenant in sasl-oauth2.conf"),
	AADR(50128, "invalid_request", "the request names no valid tenant",
	    "set tenant in sasl-oauth2.conf"),
	AAD(700005, "invalid_grant", REAUTH,
	    "the authorization code was issued for another tenant",
	    "log in again with the same tenant for both steps"),
	AAD(54005, "invalid_grant", REAUTH, "the authorization code was already redeemed",
	    "log in again"),
	AAD(501481, "invalid_grant", REAUTH, "the PKCE code verifier does not match",
	    "log in again"),
	AAD(70016, "authorization_pending", RETRY,
	    "the device sign-in is not finished yet", "finish signing in in the browser"),
	AAD(70018, "invalid_grant", REAUTH, "a wrong device code was entered",
	    "log in again and type the code shown"),
	AAD(70019, "expired_token", REAUTH, "the device code expired before sign-in",
	    "log in again and sign in within 15 minutes"),
	AAD(90120, "invalid_grant", REAUTH, "the device code was already used or declined",
	    "log in again"),
	AAD(50196, "temporarily_unavailable", RETRY,
	    "a loop of identical requests was detected", "wait a few minutes; refresh less often"),
	AAD(90055, "temporarily_unavailable", RETRY, "the request was throttled",
	    "nothing to change; fewer processes refreshing at once help"),
	AAD(90024, "temporarily_unavailable", RETRY, "a transient error at the server",
	    "nothing to change here"),

	/* --- token endpoint replies that are not OAuth (by id only) ---- */
	R(SO2_DIAG_OAUTH, "http-html-page", 0, NULL, NULL, RETRY, 0,
	  "the token endpoint's address answered with an HTML page, not OAuth JSON: usually "
	  "a proxy or captive portal (hotel, guest network, login page of a filtering proxy) "
	  "or a token_endpoint that is a web page",
	  "check the proxy (proxy in sasl-oauth2.conf, https_proxy in the environment) and "
	  "token_endpoint; the record was not changed"),
	R(SO2_DIAG_OAUTH, "http-not-oauth", 0, NULL, NULL, RETRY, 0,
	  "the token endpoint answered with a body that is neither OAuth JSON nor a page",
	  "check the proxy and token_endpoint; the record was not changed"),

	/* --- OAuth error values ------------------------------------------ */
	OAUTH("invalid_grant", REAUTH,
	      "the refresh token or code is expired, revoked or was issued to another client",
	      "sign in again: sasl-oauth2 login ACCOUNT"),
	OAUTH("interaction_required", REAUTH, "the server needs the user at a browser",
	      "sign in again: sasl-oauth2 login ACCOUNT"),
	OAUTH("consent_required", REAUTH, "consent is missing",
	      "sign in again and consent, or an admin grants consent"),
	OAUTH("login_required", REAUTH, "the user must sign in",
	      "sign in again: sasl-oauth2 login ACCOUNT"),
	OAUTH("unauthorized_client", REAUTH, "the client may not use this grant type",
	      "check the app registration (public client flows) and log in again"),
	OAUTH("access_denied", REAUTH, "the user or a policy denied the request",
	      "check the sign-in logs, then log in again"),
	OAUTH("invalid_client", KEEP, "the client authentication failed (id, secret, certificate)",
	      "check client_id and the client credentials in sasl-oauth2.conf"),
	OAUTH("invalid_request", KEEP, "the request is malformed or misses a parameter",
	      "report it with the trace id"),
	OAUTH("unsupported_grant_type", KEEP, "the server does not support this grant type",
	      "use another flow (device code, authorization code)"),
	OAUTH("invalid_scope", REAUTH, "the scope is invalid or not allowed",
	      "fix the scope and log in again"),
	OAUTH("invalid_resource", KEEP, "the resource does not exist in this tenant",
	      "check the tenant and its Exchange Online licence"),
	OAUTH("temporarily_unavailable", RETRY, "the server is temporarily unavailable",
	      "nothing to change here; if it lasts, look at the provider's service status"),
	OAUTH("server_error", RETRY, "the server failed",
	      "nothing to change here; if it lasts, look at the provider's service status"),
	OAUTH("authorization_pending", RETRY, "the device sign-in is not finished yet",
	      "finish signing in in the browser"),
	OAUTH("slow_down", RETRY, "polling too fast", "poll less often"),
	OAUTH("expired_token", REAUTH, "the device code expired", "log in again"),
	OAUTH("authorization_declined", REAUTH, "the user declined the sign-in", "log in again"),
	OAUTH("bad_verification_code", REAUTH, "the device code was not recognised",
	      "log in again"),
};

#define N_ROWS (sizeof(table) / sizeof(table[0]))

/* so2_diag_table - the whole table */
const so2_diag_row *
so2_diag_table(size_t *n)
{
	*n = N_ROWS;
	return table;
}

/* lower_copy - a lower-case copy of s, cut at size - 1 bytes */
static void
lower_copy(char *dst, size_t size, const char *s)
{
	size_t i;

	for (i = 0; i + 1 < size && s[i] != '\0'; i++)
		dst[i] = (char)tolower((unsigned char)s[i]);
	dst[i] = '\0';
}

/* find_reply - the first "NNN" followed by space, "-" or the end, not in a word
 *	Returns a pointer to it, or NULL. */
static const char *
find_reply(const char *s)
{
	const char *p, *said;

	/* Postfix: "... server HOST[IP] said: 535 5.7.3 ..." */
	if ((said = strstr(s, " said: ")) != NULL)
		s = said + 7;
	for (p = s; *p != '\0'; p++) {
		if (p > s && (isalnum((unsigned char)p[-1]) || p[-1] == '.' || p[-1] == ':'))
			continue;
		if (p[0] >= '2' && p[0] <= '5' && isdigit((unsigned char)p[1])
		    && isdigit((unsigned char)p[2])
		    && (p[3] == ' ' || p[3] == '-' || p[3] == '\0' || p[3] == '\r'
			|| p[3] == '\n' || (p[3] == ',' && p > s && p[-1] == '(')))
			return p;
	}
	return NULL;
}

/* parse_enhanced - "X.Y.Z" at p into buf; returns 1 when one is there */
static int
parse_enhanced(const char *p, char *buf, size_t size)
{
	size_t n = 0;
	int dots = 0, digits = 0;

	if (!(p[0] >= '2' && p[0] <= '5') || p[1] != '.')
		return 0;
	while (p[n] != '\0' && (isdigit((unsigned char)p[n]) || p[n] == '.')) {
		if (p[n] == '.') {
			if (digits == 0)
				return 0;
			dots++;
			digits = 0;
		} else if (++digits > 3) {
			return 0;
		}
		n++;
	}
	if (dots != 2 || digits == 0 || n >= size)
		return 0;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return 1;
}

/* so2_diag_smtp - classify an SMTP reply */
const so2_diag_row *
so2_diag_smtp(const char *reply)
{
	const char *p;
	char enh[16] = "", text[TEXT_MAX];
	long code;
	size_t i;

	if (reply == NULL || (p = find_reply(reply)) == NULL) {
		/* Programs that show the text without the code (Thunderbird):
		 * a row whose text names its cause still applies. */
		lower_copy(text, sizeof(text), reply != NULL ? reply : "");
		for (i = 0; i < N_ROWS; i++)
			if (table[i].kind == SO2_DIAG_SMTP && table[i].match != NULL
			    && table[i].code > 0 && strstr(text, table[i].match) != NULL)
				return &table[i];
		for (i = 0; i < N_ROWS; i++)
			if (table[i].kind == SO2_DIAG_SMTP && table[i].code < 0)
				return &table[i];
		return NULL;	/* not reached */
	}
	code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
	if (p[3] == ' ' || p[3] == '-')
		parse_enhanced(p + 4, enh, sizeof(enh));
	else if (p[3] == ',')	/* Python's smtplib: "(535, b'5.7.8 text')" */
		parse_enhanced(p + 4 + strspn(p + 4, " b'\""), enh, sizeof(enh));
	lower_copy(text, sizeof(text), p);
	for (i = 0; i < N_ROWS; i++) {
		const so2_diag_row *r = &table[i];

		if (r->kind != SO2_DIAG_SMTP || r->code <= 0)
			continue;
		if (r->code % 100 == 0 && r->enhanced == NULL && r->match == NULL) {
			if (r->code / 100 != code / 100)	/* class row */
				continue;
		} else if (r->code != code) {
			continue;
		}
		if (r->enhanced != NULL && strcmp(r->enhanced, enh) != 0)
			continue;
		if (r->match != NULL && strstr(text, r->match) == NULL)
			continue;
		return r;
	}
	return NULL;	/* not reached: the class rows cover 2xx to 5xx */
}

/* so2_diag_imap - classify an IMAP tagged response */
const so2_diag_row *
so2_diag_imap(const char *line)
{
	char text[TEXT_MAX], status[8];
	const char *p = line ? line : "";
	size_t i, n;

	while (*p == ' ')
		p++;
	/* Skip the tag unless the line starts with the status. */
	if (strncasecmp(p, "OK", 2) != 0 && strncasecmp(p, "NO", 2) != 0
	    && strncasecmp(p, "BAD", 3) != 0) {
		p += strcspn(p, " ");
		while (*p == ' ')
			p++;
	}
	n = strcspn(p, " \r\n");
	if (n >= sizeof(status))
		n = 0;
	for (i = 0; i < n; i++)
		status[i] = (char)toupper((unsigned char)p[i]);
	status[n] = '\0';
	lower_copy(text, sizeof(text), p + n);
	for (i = 0; i < N_ROWS; i++) {
		const so2_diag_row *r = &table[i];

		if (r->kind != SO2_DIAG_IMAP)
			continue;
		if (r->enhanced != NULL && strcmp(r->enhanced, status) != 0)
			continue;
		if (r->match != NULL && strstr(text, r->match) == NULL)
			continue;
		return r;
	}
	return NULL;	/* not reached: imap-unknown matches anything */
}

/* lookup - the first row of kind whose match equals key (NULL match: default) */
static const so2_diag_row *
lookup(so2_diag_kind kind, const char *key, int fallback)
{
	size_t i;

	for (i = 0; i < N_ROWS; i++) {
		if (table[i].kind != kind)
			continue;
		if (table[i].match == NULL ? fallback
		    : key != NULL && strcasecmp(table[i].match, key) == 0)
			return &table[i];
	}
	return NULL;
}

/* so2_diag_challenge - classify an error challenge status */
const so2_diag_row *
so2_diag_challenge(const char *status)
{
	const so2_diag_row *r = lookup(SO2_DIAG_CHALLENGE, status, 0);

	return r != NULL ? r : lookup(SO2_DIAG_CHALLENGE, NULL, 1);
}

/* so2_diag_aadsts - the row of an AADSTS number */
const so2_diag_row *
so2_diag_aadsts(long code)
{
	size_t i;

	for (i = 0; code > 0 && i < N_ROWS; i++)
		if (table[i].kind == SO2_DIAG_AADSTS && table[i].code == code)
			return &table[i];
	return NULL;
}

/* so2_diag_oauth - the row of an OAuth error value */
const so2_diag_row *
so2_diag_oauth(const char *error)
{
	return error != NULL && *error != '\0' ? lookup(SO2_DIAG_OAUTH, error, 0) : NULL;
}

/* so2_diag_token_error - AADSTS row, else OAuth row, else NULL */
const so2_diag_row *
so2_diag_token_error(long code, const char *error)
{
	const so2_diag_row *r = so2_diag_aadsts(code);

	return r != NULL ? r : so2_diag_oauth(error);
}

/* so2_diag_by_id - the row with this id, or NULL */
const so2_diag_row *
so2_diag_by_id(const char *id)
{
	size_t i;

	for (i = 0; id != NULL && i < N_ROWS; i++)
		if (strcmp(table[i].id, id) == 0)
			return &table[i];
	return NULL;
}

/* so2_diag_refine - the row of the record's provider for a generic row */
const so2_diag_row *
so2_diag_refine(const so2_diag_row *row, const char *provider)
{
	int google = provider != NULL && strcmp(provider, "google") == 0;

	if (row == NULL || !google)
		return row;
	/* A bare "535 5.7.8" from Gmail (a log that kept one line). */
	if (strcmp(row->id, "smtp-535-5.7.8") == 0)
		return so2_diag_by_id("gmail-535-5.7.8");
	return row;
}

/* so2_diag_body - the row of a token endpoint body that is not OAuth JSON */
const so2_diag_row *
so2_diag_body(const char *body, size_t len)
{
	size_t i = 0;

	while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r'
			   || body[i] == '\n'))
		i++;
	if (i < len && (body[i] == '{' || body[i] == '['))
		return NULL;
	if (i < len && body[i] == '<')
		return so2_diag_by_id("http-html-page");
	return so2_diag_by_id("http-not-oauth");
}

/* so2_diag_grant_dead - a new login is the only way on */
int
so2_diag_grant_dead(const so2_diag_row *row)
{
	return row != NULL && (row->action == SO2_DIAG_REAUTH || row->relogin);
}

/* so2_diag_tls_clock - say the local time beside a date-refused certificate */
int
so2_diag_tls_clock(const char *why, time_t now, char *buf, size_t size)
{
	char when[64], text[TEXT_MAX];
	const char *what;
	struct tm tm;

	if (size > 0)
		buf[0] = '\0';
	lower_copy(text, sizeof(text), why != NULL ? why : "");
	if (strstr(text, "not yet valid") != NULL)
		what = "is not yet valid";
	else if (strstr(text, "has expired") != NULL || strstr(text, "certificate expired") != NULL)
		what = "has expired";
	else
		return 0;
	if (localtime_r(&now, &tm) == NULL
	    || strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
		so2_format(when, sizeof(when), "%lld s since the epoch", (long long)now);
	so2_format(buf, size, "; the certificate %s by this host's clock, which says %s: check "
		   "the clock (NTP: timedatectl, chronyc tracking) before the certificate",
		   what, when);
	return 1;
}

#define DAY	86400L

/* so2_diag_dead_grant - why the provider likely ended this grant */
int
so2_diag_dead_grant(const char *provider, long code, time_t obtained_at,
		    time_t refreshed_at, time_t now, char *buf, size_t size)
{
	long age = obtained_at > 0 && now > obtained_at ? (long)(now - obtained_at) : -1;
	long idle = refreshed_at > 0 && now > refreshed_at ? (long)(now - refreshed_at) : -1;

	if (size > 0)
		buf[0] = '\0';
	if (provider != NULL && strcmp(provider, "google") == 0) {
		if (age >= 7 * DAY - DAY / 2 && age < 8 * DAY)
			so2_format(buf, size, "; likely reason: the login is %ld days old and "
				   "Google ends the refresh tokens of apps in \"Testing\" after 7 "
				   "days: publish the app (Google Cloud console, OAuth consent "
				   "screen, Publish app), then log in again", age / DAY);
		else if (idle >= 180 * DAY)
			so2_format(buf, size, "; likely reason: unused for %ld days; Google "
				   "drops refresh tokens unused for 6 months", idle / DAY);
		else
			so2_format(buf, size, "; likely reason: revoked at "
				   "https://myaccount.google.com/permissions, a password change "
				   "(Gmail scopes), or more than 100 refresh tokens for this "
				   "client and account (the oldest die)");
		return 1;
	}
	if (provider != NULL && strcmp(provider, "microsoft") == 0
	    && (code == 0 || code == 70008 || code == 50173) && idle >= 90 * DAY) {
		so2_format(buf, size, "; likely reason: unused for %ld days; Microsoft ends "
			   "refresh tokens after 90 days without use: a timer running "
			   "sasl-oauth2 refresh --all keeps them alive", idle / DAY);
		return 1;
	}
	return 0;
}

/* so2_diag_summary - "AADSTS700082: cause" from a stored message */
void
so2_diag_summary(const char *msg, char *buf, size_t size)
{
	const so2_diag_row *row = NULL;
	const char *p, *rest = msg != NULL ? msg : "";
	long code = 0;
	size_t i, n;

	if ((p = strstr(rest, "AADSTS")) != NULL) {
		for (p += 6; *p >= '0' && *p <= '9' && code < 100000000; p++)
			code = code * 10 + (*p - '0');
		row = so2_diag_aadsts(code);
	}
	for (i = 0; row == NULL && i < N_ROWS; i++) {
		/* "HTTP 400, invalid_grant" as the token endpoint's message says it */
		if (table[i].kind != SO2_DIAG_OAUTH || table[i].match == NULL)
			continue;
		n = strlen(table[i].match);
		for (p = strstr(rest, table[i].match); p != NULL; p = strstr(p + 1, table[i].match))
			if (p >= rest + 2 && p[-2] == ',' && p[-1] == ' '
			    && (p[n] == ':' || p[n] == '\0' || p[n] == ' '))
				break;
		if (p != NULL)
			row = &table[i];
	}
	if (row != NULL) {
		so2_format(buf, size, "%s: %s", row->kind == SO2_DIAG_AADSTS ? row->id : row->match,
			   row->cause);
		return;
	}
	/* No code: the message after "account A: ...: https://host/path: ". */
	if ((p = strstr(rest, "https://")) != NULL && (p = strstr(p, ": ")) != NULL)
		rest = p + 2;
	else if (strncmp(rest, "account ", 8) == 0 && (p = strstr(rest, ": ")) != NULL)
		rest = p + 2;
	so2_format(buf, size, "%s", rest);
}

/* so2_diag_margin - refresh_margin at or above the token lifetime */
int
so2_diag_margin(long margin, long lifetime, char *buf, size_t size)
{
	if (size > 0)
		buf[0] = '\0';
	if (lifetime <= 0 || margin < lifetime)
		return 0;
	so2_format(buf, size, "refresh_margin (%ld s) is at or above the lifetime of this "
		   "account's tokens (%ld s): every use refreshes; set refresh_margin below "
		   "%ld in sasl-oauth2.conf", margin, lifetime, lifetime);
	return 1;
}

/* so2_diag_action_name - words for an action */
const char *
so2_diag_action_name(so2_diag_action action)
{
	switch (action) {
	case SO2_DIAG_SUCCESS:	return "nothing to do";
	case SO2_DIAG_KEEP:	return "keep the token (a setting is wrong)";
	case SO2_DIAG_REFRESH:	return "refresh the token";
	case SO2_DIAG_REAUTH:	return "re-authorise the account";
	case SO2_DIAG_RETRY:	return "retry later (transient)";
	}
	return "?";
}

/* so2_diag_transient - retrying later may succeed */
int
so2_diag_transient(const so2_diag_row *row)
{
	return row != NULL && (row->action == SO2_DIAG_RETRY || row->action == SO2_DIAG_REFRESH);
}

/* so2_diag_scope_for - the delegated scope of a protocol (perms.h) */
const char *
so2_diag_scope_for(const char *protocol)
{
	const so2_perm *p = so2_perm_find(protocol);

	return p != NULL ? p->delegated : NULL;
}

/* so2_diag_has_scope - does the list hold name (after the last "/")? */
int
so2_diag_has_scope(const char *scopes, const char *name)
{
	const char *p = scopes, *end, *slash, *word;
	size_t n = strlen(name);

	while (p != NULL && *p != '\0') {
		p += strspn(p, " ");
		end = p + strcspn(p, " ");
		word = p;
		for (slash = p; slash < end; slash++)
			if (*slash == '/')
				word = slash + 1;
		if ((size_t)(end - word) == n && strncasecmp(word, name, n) == 0)
			return 1;
		p = end;
	}
	return 0;
}

/* so2_diag_fill - replace the placeholder word in buf by value */
void
so2_diag_fill(char *buf, size_t size, const char *word, const char *value)
{
	char out[SO2_DIAG_TEXT_MAX * 2];
	size_t n = 0, wl = strlen(word), vl = strlen(value);
	const char *p = buf, *hit;

	while ((hit = strstr(p, word)) != NULL && n + (size_t)(hit - p) + vl < sizeof(out)) {
		memcpy(out + n, p, (size_t)(hit - p));
		n += (size_t)(hit - p);
		memcpy(out + n, value, vl);
		n += vl;
		p = hit + wl;
	}
	so2_format(out + n, sizeof(out) - n, "%s", p);
	so2_format(buf, size, "%s", out);
}

/* set - fill the verdict with a refined cause and fix */
static void
set(so2_diag_verdict *out, const char *id, so2_diag_action action)
{
	out->id = id;
	out->action = action;
}

/* so2_diag_explain - a row plus what the token says */
void
so2_diag_explain(const so2_diag_row *row, const so2_jwt_claims *c, const char *user,
		 const char *protocol, time_t now, so2_diag_verdict *out)
{
	/* 501 5.5.124 comes from High Volume Email only: its permissions apply */
	int hve_row = strcmp(row->id, "smtp-hve-auth-data") == 0;
	const so2_perm *ep = so2_perm_endpoint(hve_row ? "hve" : protocol, NULL);
	int hve = strcmp(ep->id, "hve") == 0;
	const char *need = ep->delegated, *role = ep->app;
	const char *who = user != NULL && *user != '\0' ? user : "MAILBOX";
	char pcause[SO2_PERM_TEXT_MAX], pfix[SO2_PERM_TEXT_MAX];
	int held = 1;

	memset(out, 0, sizeof(*out));
	out->row = row;
	out->id = row->id;
	out->action = row->action;
	so2_format(out->cause, sizeof(out->cause), "%s", row->cause);
	so2_format(out->fix, sizeof(out->fix), "%s", row->fix);
	if ((!row->vague && !hve_row) || c == NULL || c->opaque)
		return;
	held = so2_perm_check(ep, c, user, pcause, sizeof(pcause), pfix, sizeof(pfix));
	if (c->exp != 0 && c->exp <= now) {
		set(out, "token-expired", SO2_DIAG_REFRESH);
		so2_format(out->cause, sizeof(out->cause), "the access token had expired "
			 "(%ld s ago) when it was sent", (long)(now - c->exp));
		so2_format(out->fix, sizeof(out->fix), "if this repeats, check the system "
			 "clock (refresh now: sasl-oauth2 refresh ACCOUNT)");
	} else if (c->aud[0] != '\0' && so2_jwt_audience_graph(c->aud)) {
		set(out, "token-audience-graph", SO2_DIAG_REAUTH);
		so2_format(out->cause, sizeof(out->cause), "the token is for Microsoft Graph "
			 "(aud %s), not Exchange Online: it was requested with a Graph scope "
			 "(a bare \"%s\" or https://graph.microsoft.com/%s); Exchange refuses it "
			 "whatever the mailbox settings", c->aud, need, need);
		so2_format(out->fix, sizeof(out->fix), "request the Exchange scope "
			 "https://outlook.office.com/%s offline_access and log in again: "
			 "sasl-oauth2 login ACCOUNT --provider microsoft (remove any scope "
			 "override naming Graph from sasl-oauth2.conf)", need);
	} else if (c->aud[0] != '\0' && !so2_jwt_audience_exchange(c->aud)) {
		set(out, "token-audience-other", SO2_DIAG_REAUTH);
		so2_format(out->cause, sizeof(out->cause), "the token is for audience %s, not "
			 "Exchange Online (https://outlook.office.com)", c->aud);
		so2_format(out->fix, sizeof(out->fix), "request https://outlook.office.com/%s "
			 "offline_access and log in again: sasl-oauth2 login ACCOUNT", need);
	} else if (so2_jwt_app_only(c) && hve) {
		/* HVE: Mail.Send and the Allowed Apps list, no service principal */
		set(out, held ? "token-hve-app" : "token-hve-role-missing", SO2_DIAG_KEEP);
		if (!held) {
			so2_format(out->cause, sizeof(out->cause), "%s", pcause);
			so2_format(out->fix, sizeof(out->fix), "%s", pfix);
		} else {
			so2_format(out->cause, sizeof(out->cause), "an app-only token (app %s, "
				 "roles %s) is accepted by High Volume Email only when the app is "
				 "in the HVE account's Allowed Apps and user= is the HVE account "
				 "(user= %s)", c->appid[0] ? c->appid : "?", c->roles, who);
			so2_perm_setup(ep, 1, c->appid, user, pfix, sizeof(pfix));
			so2_format(out->fix, sizeof(out->fix), "check %s", pfix);
		}
	} else if (so2_jwt_app_only(c)) {
		set(out, "token-app-only", SO2_DIAG_KEEP);
		if (!held) {
			/* the role first: without it nothing else helps */
			so2_format(out->cause, sizeof(out->cause), "%s", pcause);
			so2_format(out->fix, sizeof(out->fix), "%s", pfix);
			goto fill;
		}
		so2_format(out->cause, sizeof(out->cause), "an app-only token (client credentials, "
			 "app %s%s%s) is accepted only when the app's service principal is "
			 "registered in Exchange Online with the enterprise application's object "
			 "id, has FullAccess on the mailbox, and user= is that mailbox",
			 c->appid[0] ? c->appid : "?", c->roles[0] ? ", roles " : ", no roles",
			 c->roles);
		so2_format(out->fix, sizeof(out->fix), "in Exchange Online PowerShell: "
			 "New-ServicePrincipal -AppId %s -ObjectId <object id from Microsoft Entra "
			 "admin center, Enterprise applications, not App registrations>; "
			 "Add-MailboxPermission -Identity %s -User <service principal id> "
			 "-AccessRights FullAccess; the app needs the application permission %s "
			 "with admin consent (unless RBAC for Applications is used)",
			 c->appid[0] ? c->appid : "APPID", who, role);
	} else if (c->scp[0] != '\0' && !so2_diag_has_scope(c->scp, need)) {
		set(out, "token-scope-missing", SO2_DIAG_REAUTH);
		so2_format(out->cause, sizeof(out->cause), "the token's scopes (%s) lack %s, which "
			 "this protocol needs", c->scp, need);
		so2_format(out->fix, sizeof(out->fix), "log in again%s with the scope "
			 "https://outlook.office.com/%s offline_access: sasl-oauth2 login ACCOUNT "
			 "--protocol %s", hve ? " as the HVE account" : "", need,
			 hve ? "smtp" : ep->id);
	} else if (hve && user != NULL && c->upn[0] != '\0' && strcasecmp(user, c->upn) != 0) {
		set(out, "token-other-user", SO2_DIAG_KEEP);
		so2_format(out->cause, sizeof(out->cause), "the token belongs to %s but user= is "
			 "%s: High Volume Email takes a delegated token only for the HVE account "
			 "itself (no shared mailboxes, no Send As)", c->upn, user);
		so2_format(out->fix, sizeof(out->fix), "log in as the HVE account and use its "
			 "address as user=: sasl-oauth2 login %s; it needs %s", user,
			 (so2_perm_setup(ep, 0, NULL, user, pfix, sizeof(pfix)), pfix));
	} else if (user != NULL && c->upn[0] != '\0' && strcasecmp(user, c->upn) != 0) {
		set(out, "token-other-user", SO2_DIAG_KEEP);
		so2_format(out->cause, sizeof(out->cause), "the token belongs to %s but user= is "
			 "%s: Exchange accepts a token only for its own user (shared mailboxes: "
			 "over SMTP authenticate as %s and send from the shared address with Send "
			 "As; over IMAP %s needs FullAccess on %s)", c->upn, user, c->upn, c->upn,
			 user);
		so2_format(out->fix, sizeof(out->fix), "use %s as the SASL user, or log in as %s: "
			 "sasl-oauth2 login %s", c->upn, user, user);
	} else if (strncmp(row->id, "gmail", 5) == 0 || strcmp(row->id, "smtp-535-5.7.8") == 0
		   || strcmp(row->id, "imap-not-connected") == 0 || hve_row) {
		return;		/* the settings below are not this reply's causes */
	} else if (row->kind == SO2_DIAG_IMAP) {
		set(out, "token-looks-right", SO2_DIAG_KEEP);
		so2_format(out->cause, sizeof(out->cause), "the token looks right (Exchange "
			 "audience, scope %s, user %s, not expired), so a setting refuses it: IMAP "
			 "turned off for the mailbox, the mailbox not licensed, or another tenant "
			 "(tid %s)", need, c->upn[0] ? c->upn : "?", c->tid[0] ? c->tid : "?");
		so2_format(out->fix, sizeof(out->fix), "turn IMAP on: Microsoft 365 admin center, "
			 "Users, Active users, the user, Mail, Manage email apps, IMAP; or "
			 "Set-CASMailbox -Identity %s -ImapEnabled $true", who);
	} else if (row->kind != SO2_DIAG_CHALLENGE) {
		set(out, "token-looks-right", SO2_DIAG_KEEP);
		so2_format(out->cause, sizeof(out->cause), "the token looks right (Exchange "
			 "audience, scope %s, user %s, not expired), so a setting refuses it: "
			 "\"Authenticated SMTP\" off for the mailbox, the mailbox not licensed for "
			 "Exchange Online, or a tenant other than the mailbox's (tid %s)", need,
			 c->upn[0] ? c->upn : "?", c->tid[0] ? c->tid : "?");
		so2_format(out->fix, sizeof(out->fix), "%s; check the licence in the Microsoft 365 "
			 "admin center, Users, Active users, Licenses and apps", MAILBOX_SETTING);
	}
fill:
	if (user != NULL && *user != '\0')
		so2_diag_fill(out->fix, sizeof(out->fix), "MAILBOX", user);
}

/* SPDX-License-Identifier: MIT */
/*
 * test_diagnose.c - the classification table (diagnose.h), table-driven
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "token/diagnose.h"
#include "token/perms.h"
#include "token/token_reply.h"

#include "tests.h"

/* Replies as servers send them (texts from m365.md section 5.4). */
static const struct {
	const char *reply;
	const char *want_id;
	so2_diag_action want_action;
} smtp_cases[] = {
	{ "235 2.7.0 Authentication successful", "smtp-accepted", SO2_DIAG_SUCCESS },
	{ "535 5.7.3 Authentication unsuccessful [SN4PR0201CA0040.namprd02.prod.outlook.com "
	  "2026-11-29T10:00:00.000Z 08DCF0A1B2C3D4E5]", "smtp-535-5.7.3", SO2_DIAG_REFRESH },
	{ "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for "
	  "the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.",
	  "smtp-auth-tenant", SO2_DIAG_KEEP },
	{ "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for "
	  "the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information.",
	  "smtp-auth-mailbox", SO2_DIAG_KEEP },
	{ "535 5.7.139 Authentication unsuccessful, basic authentication is disabled.",
	  "smtp-basic-disabled", SO2_DIAG_KEEP },
	{ "535 5.7.139 Authentication unsuccessful, user is locked by your organization's "
	  "security defaults policy. Contact your administrator.", "smtp-security-defaults",
	  SO2_DIAG_KEEP },
	{ "535 5.7.139 Authentication unsuccessful, the request did not meet the criteria to "
	  "be authenticated successfully. Contact your administrator.", "smtp-policy-criteria",
	  SO2_DIAG_KEEP },
	{ "535 5.7.139 Authentication unsuccessful, something new.", "smtp-auth-setting",
	  SO2_DIAG_KEEP },
	{ "530 5.7.57 Client not authenticated to send mail", "smtp-not-authenticated",
	  SO2_DIAG_KEEP },
	{ "550 5.7.30 Basic authentication is not supported for Client Submission.",
	  "smtp-basic-retired", SO2_DIAG_KEEP },
	{ "550 5.7.60 SMTP; Client does not have permissions to send as this sender",
	  "smtp-send-as-denied", SO2_DIAG_KEEP },
	{ "554 5.2.252 SendAsDenied; relay@example.com not allowed to send as x@example.com; "
	  "STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied",
	  "smtp-send-as-denied-submit", SO2_DIAG_KEEP },
	{ "430 4.2.0 STOREDRV; mailbox logon failure; Failed to process message due to a "
	  "permanent exception with message ... MapiExceptionLogonFailed", "smtp-mailbox-logon",
	  SO2_DIAG_KEEP },
	{ "432 4.3.2 Concurrent connections limit exceeded. Visit "
	  "https://aka.ms/concurrent_sending", "smtp-concurrency", SO2_DIAG_RETRY },
	{ "421 4.7.66 TLS 1.0 and 1.1 are not supported. Please upgrade/update your client to "
	  "support TLS 1.2. Visit https://aka.ms/smtp_auth_tls", "smtp-legacy-tls",
	  SO2_DIAG_KEEP },
	{ "451 4.7.500 Access denied, please try again later", "smtp-access-denied-temp",
	  SO2_DIAG_RETRY },
	{ "550 5.1.8 Access denied, bad outbound sender", "smtp-restricted-user", SO2_DIAG_KEEP },
	{ "501 5.5.127 Invalid XOAUTH2 auth data - Token will expire soon",
	  "smtp-token-expires-soon", SO2_DIAG_REFRESH },
	{ "535-5.7.8 Username and Password not accepted. For more information, go to\r\n"
	  "535 5.7.8  https://support.google.com/mail/?p=BadCredentials", "gmail-535-5.7.8",
	  SO2_DIAG_REFRESH },
	{ "454 4.7.0 Too many login attempts, please try again later.", "gmail-too-many-logins",
	  SO2_DIAG_RETRY },
	/* Postfix's log line around the reply. */
	{ "Nov 29 10:00:00 relay postfix/smtp[4242]: 4ABC123: SASL authentication failed; "
	  "server smtp.office365.com[52.97.1.2] said: 535 5.7.3 Authentication unsuccessful "
	  "[XX.prod.outlook.com]", "smtp-535-5.7.3", SO2_DIAG_REFRESH },
	/* Field replies (tests/field/fixtures.tsv has their sources). */
	{ "535 5.7.8 Error: authentication failed: Authentication credentials invalid",
	  "smtp-535-5.7.8", SO2_DIAG_REFRESH },
	{ "501 5.5.124 Invalid XOAUTH2 auth data", "smtp-hve-auth-data", SO2_DIAG_KEEP },
	{ "500 5.5.2 Line too long", "smtp-line-too-long", SO2_DIAG_KEEP },
	{ "555-5.5.2 Syntax error, command line too long", "smtp-line-too-long-555",
	  SO2_DIAG_KEEP },
	{ "Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox.",
	  "smtp-auth-mailbox", SO2_DIAG_KEEP },
	{ "ERROR: (535, b'5.7.139 Authentication unsuccessful, the user credentials were "
	  "incorrect.')", "smtp-credentials-incorrect", SO2_DIAG_KEEP },
	{ "(535, b'5.7.8 Username and Password not accepted. Learn more at\n5.7.8  "
	  "https://support.google.com/mail/?p=BadCredentials x - gsmtp')", "gmail-535-5.7.8",
	  SO2_DIAG_REFRESH },
	{ "535 Authentication failed", "smtp-auth-failed", SO2_DIAG_REFRESH },
	{ "452 4.3.1 Insufficient system storage", "smtp-unknown-4xx", SO2_DIAG_RETRY },
	{ "554 5.7.1 Rejected", "smtp-unknown-5xx", SO2_DIAG_KEEP },
	{ "no reply here", "smtp-unparsed", SO2_DIAG_KEEP },
	/* Found by fuzz_reply: a 3xx reply had no class row. */
	{ "355 5.7postfix/insufficient._sc", "smtp-unknown-3xx", SO2_DIAG_KEEP },
	{ "334 eyJzdGF0dXMiOiI0MDAifQ==", "smtp-unknown-3xx", SO2_DIAG_KEEP },
	{ "", "smtp-unparsed", SO2_DIAG_KEEP },
};

START_TEST(test_smtp)
{
	const so2_diag_row *r = so2_diag_smtp(smtp_cases[_i].reply);

	ck_assert_msg(r != NULL, "case %d: no row", _i);
	ck_assert_msg(strcmp(r->id, smtp_cases[_i].want_id) == 0, "case %d: id: got %s, want %s",
		      _i, r->id, smtp_cases[_i].want_id);
	ck_assert_msg(r->action == smtp_cases[_i].want_action, "case %d: action: got %d, want %d",
		      _i, r->action, smtp_cases[_i].want_action);
	ck_assert_msg(r->cause[0] != '\0' && r->fix[0] != '\0', "case %d: empty text", _i);
}
END_TEST

static const struct {
	const char *line, *want_id;
} imap_cases[] = {
	{ "a1 OK AUTHENTICATE completed.", "imap-accepted" },
	{ "a1 NO AUTHENTICATE failed.", "imap-auth-failed" },
	{ "a1 NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)", "gmail-imap-invalid" },
	{ "a1 NO User is authenticated but not connected.", "imap-not-connected" },
	{ "a1 BAD Command Argument Error. 12", "imap-bad" },
	{ "a1 NO Basic authentication is disabled.", "imap-basic-disabled" },
	{ "00000003 BAD User is authenticated but not connected.", "imap-not-connected" },
	{ "2 NO LOGIN failed.", "imap-login-failed" },
	{ "NO something else", "imap-refused" },
	{ "* BYE", "imap-unknown" },
};

START_TEST(test_imap)
{
	const so2_diag_row *r = so2_diag_imap(imap_cases[_i].line);

	ck_assert_msg(r != NULL && strcmp(r->id, imap_cases[_i].want_id) == 0,
		      "case %d: id: got %s, want %s", _i, r ? r->id : "NULL",
		      imap_cases[_i].want_id);
}
END_TEST

START_TEST(test_challenge)
{
	ck_assert_str_eq(so2_diag_challenge("invalid_token")->id, "challenge-invalid-token");
	ck_assert_str_eq(so2_diag_challenge("401")->id, "challenge-401");
	ck_assert_str_eq(so2_diag_challenge("400")->id, "challenge-400");
	ck_assert_str_eq(so2_diag_challenge("insufficient_scope")->id,
			 "challenge-insufficient-scope");
	ck_assert_str_eq(so2_diag_challenge("weird")->id, "challenge-unknown");
	ck_assert_int_eq(so2_diag_challenge("invalid_token")->action, SO2_DIAG_REFRESH);
	ck_assert_int_eq(so2_diag_challenge("insufficient_scope")->action, SO2_DIAG_REAUTH);
}
END_TEST

/* The AADSTS codes the issue names, and their class. */
static const struct {
	long code;
	int transient;
	so2_diag_action action;
} aad_cases[] = {
	{ 50076, 0, SO2_DIAG_REAUTH }, { 50079, 0, SO2_DIAG_REAUTH },
	{ 53003, 0, SO2_DIAG_REAUTH }, { 7000215, 0, SO2_DIAG_KEEP },
	{ 7000222, 0, SO2_DIAG_KEEP }, { 700016, 0, SO2_DIAG_KEEP },
	{ 70008, 0, SO2_DIAG_REAUTH }, { 700082, 0, SO2_DIAG_REAUTH },
	{ 50173, 0, SO2_DIAG_REAUTH }, { 65001, 0, SO2_DIAG_REAUTH },
	{ 700024, 0, SO2_DIAG_KEEP }, { 700027, 0, SO2_DIAG_KEEP },
	{ 90002, 0, SO2_DIAG_KEEP }, { 500011, 0, SO2_DIAG_KEEP },
	{ 900144, 0, SO2_DIAG_KEEP }, { 7000218, 0, SO2_DIAG_KEEP },
	{ 700025, 0, SO2_DIAG_KEEP }, { 90055, 1, SO2_DIAG_RETRY },
	{ 90024, 1, SO2_DIAG_RETRY }, { 1002012, 0, SO2_DIAG_KEEP },
	/* a disabled application and the wrong kind of account or endpoint:
	 * configuration errors, never transient */
	{ 7000112, 0, SO2_DIAG_KEEP }, { 50020, 0, SO2_DIAG_KEEP },
	{ 9002331, 0, SO2_DIAG_KEEP }, { 90130, 0, SO2_DIAG_KEEP },
};

START_TEST(test_aadsts)
{
	const so2_diag_row *r = so2_diag_aadsts(aad_cases[_i].code);

	ck_assert_msg(r != NULL, "AADSTS%ld: no row", aad_cases[_i].code);
	ck_assert_msg(so2_diag_transient(r) == aad_cases[_i].transient,
		      "AADSTS%ld transient: got %d, want %d", aad_cases[_i].code,
		      so2_diag_transient(r), aad_cases[_i].transient);
	ck_assert_msg(r->action == aad_cases[_i].action, "AADSTS%ld action: got %d, want %d",
		      aad_cases[_i].code, r->action, aad_cases[_i].action);
}
END_TEST

START_TEST(test_table_shape)
{
	size_t n, i, aad = 0, oauth = 0, j;
	const so2_diag_row *t = so2_diag_table(&n);

	for (i = 0; i < n; i++) {
		ck_assert_msg(t[i].cause[0] != '\0' && t[i].fix[0] != '\0', "row %s: no text",
			      t[i].id);
		/* One sentence each: no final period, no line breaks. */
		ck_assert_msg(strchr(t[i].cause, '\n') == NULL && strchr(t[i].fix, '\n') == NULL,
			      "row %s: line break", t[i].id);
		ck_assert_msg(t[i].fix[strlen(t[i].fix) - 1] != '.', "row %s: final period",
			      t[i].id);
		/* One message says one thing: the action is said once, by the
		 * caller (so2_diag_action_name), never again in the fix. */
		ck_assert_msg(strstr(t[i].fix, "refreshed before") == NULL
			      && strstr(t[i].fix, "is refreshed") == NULL,
			      "row %s: the fix restates the action", t[i].id);
		ck_assert_msg(t[i].action != SO2_DIAG_RETRY
			      || (strncmp(t[i].fix, "retry", 5) != 0
				  && strncmp(t[i].fix, "wait and retry", 14) != 0),
			      "row %s: the fix restates the action", t[i].id);
		for (j = 0; j < i; j++)
			ck_assert_msg(strcmp(t[i].id, t[j].id) != 0, "duplicate id %s", t[i].id);
		aad += t[i].kind == SO2_DIAG_AADSTS;
		oauth += t[i].kind == SO2_DIAG_OAUTH;
	}
	ck_assert_msg(aad >= 30, "AADSTS rows: got %zu, want >= 30", aad);
	ck_assert_msg(oauth >= 12, "OAuth error rows: got %zu, want >= 12", oauth);
	ck_assert_ptr_null(so2_diag_aadsts(1));
	ck_assert_str_eq(so2_diag_token_error(0, "invalid_grant")->id, "oauth-invalid_grant");
	ck_assert_str_eq(so2_diag_token_error(70008, "invalid_grant")->id, "AADSTS70008");
	ck_assert_ptr_null(so2_diag_token_error(0, "nonsense"));
}
END_TEST

/* Claims + reply -> verdict. */
static const struct {
	const char *reply;
	so2_jwt_claims c;
	const char *user, *proto;
	const char *want_id;
	const char *want_fix_part;
	const char *want_cause_part;	/* NULL: not checked */
} explain_cases[] = {
	{ "535 5.7.3 Authentication unsuccessful",
	  { .aud = "00000003-0000-0000-c000-000000000000", .scp = "SMTP.Send",
	    .upn = "a@example.com", .exp = 2000000000 }, "a@example.com", "smtp",
	  "token-audience-graph", "https://outlook.office.com/SMTP.Send", NULL },
	{ "535 5.7.3 Authentication unsuccessful",
	  { .aud = "https://outlook.office.com", .scp = "SMTP.Send", .upn = "b@example.com",
	    .exp = 2000000000 }, "a@example.com", "smtp", "token-other-user", "b@example.com",
	  NULL },
	{ "535 5.7.3 Authentication unsuccessful",
	  { .aud = "https://outlook.office365.com", .roles = "SMTP.SendAsApp",
	    .appid = "app-1", .idtyp = "app", .exp = 2000000000 }, "shared@example.com", "smtp",
	  "token-app-only", "New-ServicePrincipal -AppId app-1", NULL },
	{ "535 5.7.3 Authentication unsuccessful",
	  { .aud = "https://outlook.office.com", .scp = "IMAP.AccessAsUser.All",
	    .upn = "a@example.com", .exp = 2000000000 }, "a@example.com", "smtp",
	  "token-scope-missing", "SMTP.Send", NULL },
	{ "535 5.7.3 Authentication unsuccessful",
	  { .aud = "https://outlook.office.com", .scp = "SMTP.Send", .upn = "a@example.com",
	    .exp = 1000 }, "a@example.com", "smtp", "token-expired", "clock", NULL },
	{ "535 5.7.3 Authentication unsuccessful",
	  { .aud = "https://outlook.office.com", .scp = "SMTP.Send", .upn = "A@Example.com",
	    .exp = 2000000000 }, "a@example.com", "smtp", "token-looks-right",
	  "Set-CASMailbox -Identity a@example.com -SmtpClientAuthenticationDisabled $false", NULL },
	/* A named cause is not second-guessed by the claims. */
	{ "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for "
	  "the Mailbox.", { .aud = "00000003-0000-0000-c000-000000000000", .exp = 2000000000 },
	  "a@example.com", "smtp", "smtp-auth-mailbox", "Authenticated SMTP", NULL },
	{ "535 5.7.3 Authentication unsuccessful", { .opaque = 1 }, "a@example.com", "smtp",
	  "smtp-535-5.7.3", "sasl-oauth2 doctor", NULL },
	/* Gmail's 535 5.7.8 with a good-looking token: no Microsoft settings. */
	{ "535 5.7.8 Username and Password not accepted",
	  { .aud = "https://outlook.office.com", .scp = "SMTP.Send", .upn = "a@example.com",
	    .exp = 2000000000 }, "a@example.com", "smtp", "gmail-535-5.7.8-text",
	  "mail.google.com", NULL },
	/* 535 5.7.8 from a server that is not Gmail: neither Gmail's nor
	 * Exchange's settings, and no "--provider google". */
	{ "535 5.7.8 Error: authentication failed: Authentication credentials invalid",
	  { .aud = "https://outlook.office.com", .scp = "SMTP.Send", .upn = "a@example.com",
	    .exp = 2000000000 }, "a@example.com", "smtp", "smtp-535-5.7.8", "administrator", NULL },
	/* The endpoint decides the permission (perms.h). High Volume Email:
	 * https://learn.microsoft.com/en-us/exchange/mail-flow-best-practices/
	 * oauth-high-volume-mails-m365, sasl-xoauth2#110. 501 5.5.124 is HVE's. */
	{ "501 5.5.124 Invalid XOAUTH2 auth data",
	  { .aud = "https://outlook.office365.com", .roles = "SMTP.SendAsApp",
	    .appid = "app-1", .idtyp = "app", .exp = 2000000000 }, "hve@example.com", "smtp",
	  "token-hve-role-missing", "Add-HVEAppAccess -Identity hve@example.com -AppIds app-1",
	  "needs the application permission Mail.Send (Office 365 Exchange Online) with "
	  "admin consent, and the app app-1 in the HVE account's Allowed Apps" },
	{ "501 5.5.124 Invalid XOAUTH2 auth data",
	  { .aud = "https://outlook.office365.com", .roles = "Mail.Send",
	    .appid = "app-1", .idtyp = "app", .exp = 2000000000 }, "hve@example.com", "smtp",
	  "token-hve-app", "Add-HVEAppAccess -Identity hve@example.com -AppIds app-1",
	  "Allowed Apps" },
	{ "501 5.5.124 Invalid XOAUTH2 auth data",
	  { .aud = "https://outlook.office365.com", .roles = "Mail.Send",
	    .appid = "app-1", .idtyp = "app", .exp = 2000000000 }, "hve@example.com", "smtp",
	  "token-hve-app", "not a mailbox", NULL },
	{ "501 5.5.124 Invalid XOAUTH2 auth data",
	  { .aud = "https://outlook.office.com", .scp = "SMTP.Send", .upn = "me@example.com",
	    .exp = 2000000000 }, "hve@example.com", "smtp", "token-other-user",
	  "sasl-oauth2 login hve@example.com", "HVE account" },
	{ "501 5.5.124 Invalid XOAUTH2 auth data",
	  { .aud = "https://outlook.office.com", .scp = "IMAP.AccessAsUser.All",
	    .upn = "hve@example.com", .exp = 2000000000 }, "hve@example.com", "smtp",
	  "token-scope-missing", "as the HVE account", "SMTP.Send" },
	{ "501 5.5.124 Invalid XOAUTH2 auth data",
	  { .aud = "https://outlook.office.com", .scp = "SMTP.Send", .upn = "hve@example.com",
	    .exp = 2000000000 }, "hve@example.com", "smtp", "smtp-hve-auth-data",
	  "Add-HVEAppAccess", NULL },
	/* the same token against each endpoint */
	{ "535 5.7.3 Authentication unsuccessful",
	  { .aud = "https://outlook.office365.com", .roles = "Mail.Send",
	    .appid = "app-1", .idtyp = "app", .exp = 2000000000 }, "hve@example.com", "hve",
	  "token-hve-app", "Add-HVEAppAccess", NULL },
	{ "535 5.7.3 Authentication unsuccessful",
	  { .aud = "https://outlook.office365.com", .roles = "Mail.Send",
	    .appid = "app-1", .idtyp = "app", .exp = 2000000000 }, "a@example.com", "smtp",
	  "token-app-only", "add SMTP.SendAsApp and grant admin consent; then the app's "
	  "service principal", "Mail.Send serves High Volume Email" },
	{ "535 5.7.3 Authentication unsuccessful",
	  { .aud = "https://outlook.office365.com", .roles = "SMTP.SendAsApp",
	    .appid = "app-1", .idtyp = "app", .exp = 2000000000 }, "a@example.com", "imap",
	  "token-app-only", "add IMAP.AccessAsApp", "SMTP.SendAsApp serves SMTP AUTH" },
	{ "535 5.7.3 Authentication unsuccessful",
	  { .aud = "https://outlook.office365.com", .roles = "IMAP.AccessAsApp",
	    .appid = "app-1", .idtyp = "app", .exp = 2000000000 }, "a@example.com", "imap",
	  "token-app-only", "Add-MailboxPermission -Identity a@example.com", NULL },
	{ "535 5.7.3 Authentication unsuccessful",
	  { .aud = "https://outlook.office365.com", .roles = "IMAP.AccessAsApp",
	    .appid = "app-1", .idtyp = "app", .exp = 2000000000 }, "a@example.com", "pop",
	  "token-app-only", "add POP.AccessAsApp", NULL },
	{ "535 5.7.3 Authentication unsuccessful",
	  { .aud = "https://outlook.office365.com", .roles = "POP.AccessAsApp",
	    .appid = "app-1", .idtyp = "app", .exp = 2000000000 }, "a@example.com", "pop",
	  "token-app-only", "New-ServicePrincipal -AppId app-1", NULL },
	{ "535 5.7.3 Authentication unsuccessful",
	  { .aud = "https://outlook.office.com", .scp = "IMAP.AccessAsUser.All",
	    .upn = "a@example.com", .exp = 2000000000 }, "a@example.com", "pop",
	  "token-scope-missing", "POP.AccessAsUser.All", NULL },
	{ "535 5.7.3 Authentication unsuccessful",
	  { .aud = "https://outlook.office.com", .scp = "SMTP.Send",
	    .upn = "a@example.com", .exp = 2000000000 }, "a@example.com", "imap",
	  "token-scope-missing", "IMAP.AccessAsUser.All", NULL },
};

START_TEST(test_explain)
{
	so2_diag_verdict v;

	so2_diag_explain(so2_diag_smtp(explain_cases[_i].reply), &explain_cases[_i].c,
			 explain_cases[_i].user, explain_cases[_i].proto, 1700000000, &v);
	ck_assert_msg(strcmp(v.id, explain_cases[_i].want_id) == 0, "case %d: id: got %s, want %s",
		      _i, v.id, explain_cases[_i].want_id);
	ck_assert_msg(strstr(v.fix, explain_cases[_i].want_fix_part) != NULL,
		      "case %d: fix: got '%s', want it to contain '%s'", _i, v.fix,
		      explain_cases[_i].want_fix_part);
	ck_assert_msg(explain_cases[_i].want_cause_part == NULL
		      || strstr(v.cause, explain_cases[_i].want_cause_part) != NULL,
		      "case %d: cause: got '%s', want it to contain '%s'", _i, v.cause,
		      explain_cases[_i].want_cause_part);
}
END_TEST

/* The permission table: endpoint x delegated/app-only x right/wrong. */
static const struct {
	const char *endpoint, *scp, *roles;
	int want_held;
	const char *want_part;		/* in the cause (or the fix); NULL: held */
} perm_cases[] = {
	{ "smtp", "SMTP.Send", NULL, 1, NULL },
	{ "smtp", "IMAP.AccessAsUser.All", NULL, 0, "SMTP AUTH (smtp.office365.com) needs "
	  "the delegated permission SMTP.Send" },
	{ "smtp", NULL, "SMTP.SendAsApp", 1, NULL },
	{ "smtp", NULL, "Mail.Send", 0, "SMTP AUTH (smtp.office365.com) needs the "
	  "application permission SMTP.SendAsApp" },
	{ "smtp", NULL, "", 1, NULL },	/* RBAC for Applications: no roles */
	{ "hve", "SMTP.Send", NULL, 1, NULL },
	{ "hve", "Mail.Send", NULL, 0, "High Volume Email (smtp-hve.office365.com) needs the "
	  "delegated permission SMTP.Send" },
	{ "hve", NULL, "Mail.Send", 1, NULL },
	{ "hve", NULL, "SMTP.SendAsApp", 0, "(SMTP.SendAsApp serves SMTP AUTH, "
	  "smtp.office365.com, not High Volume Email)" },
	{ "hve", NULL, "", 0, "roles: none" },
	{ "imap", "IMAP.AccessAsUser.All", NULL, 1, NULL },
	{ "imap", "SMTP.Send", NULL, 0, "IMAP (outlook.office365.com) needs the delegated "
	  "permission IMAP.AccessAsUser.All" },
	{ "imap", NULL, "IMAP.AccessAsApp", 1, NULL },
	{ "imap", NULL, "POP.AccessAsApp", 0, "needs the application permission "
	  "IMAP.AccessAsApp" },
	{ "pop", "POP.AccessAsUser.All", NULL, 1, NULL },
	{ "pop", "IMAP.AccessAsUser.All", NULL, 0, "the delegated permission "
	  "POP.AccessAsUser.All" },
	{ "pop", NULL, "POP.AccessAsApp", 1, NULL },
	{ "pop", NULL, "Mail.Send", 0, "(Mail.Send serves High Volume Email" },
};

START_TEST(test_perms)
{
	so2_jwt_claims c;
	char cause[SO2_PERM_TEXT_MAX], fix[SO2_PERM_TEXT_MAX];
	const so2_perm *p = so2_perm_find(perm_cases[_i].endpoint);
	int held;

	memset(&c, 0, sizeof(c));
	so2_format(c.aud, sizeof(c.aud), "https://outlook.office365.com");
	if (perm_cases[_i].roles != NULL) {
		so2_format(c.roles, sizeof(c.roles), "%s", perm_cases[_i].roles);
		so2_format(c.idtyp, sizeof(c.idtyp), "app");
		so2_format(c.appid, sizeof(c.appid), "app-1");
	} else
		so2_format(c.scp, sizeof(c.scp), "%s", perm_cases[_i].scp);
	ck_assert_ptr_nonnull(p);
	held = so2_perm_check(p, &c, "box@example.com", cause, sizeof(cause), fix, sizeof(fix));
	ck_assert_msg(held == perm_cases[_i].want_held, "case %d (%s): held %d, want %d: %s",
		      _i, perm_cases[_i].endpoint, held, perm_cases[_i].want_held, cause);
	if (held) {
		ck_assert_str_eq(cause, "");
		return;
	}
	ck_assert_msg(strstr(cause, perm_cases[_i].want_part) != NULL, "case %d: cause '%s' "
		      "lacks '%s'", _i, cause, perm_cases[_i].want_part);
	/* app-only HVE: Allowed Apps, never the mailbox steps */
	if (strcmp(p->id, "hve") == 0 && perm_cases[_i].roles != NULL) {
		ck_assert_ptr_nonnull(strstr(fix, "Add-HVEAppAccess -Identity box@example.com "
					     "-AppIds app-1"));
		ck_assert_ptr_nonnull(strstr(fix, "add Mail.Send and grant admin consent"));
		ck_assert_ptr_null(strstr(fix, "New-ServicePrincipal -AppId"));
	} else if (perm_cases[_i].roles != NULL) {
		ck_assert_ptr_nonnull(strstr(fix, "Add-MailboxPermission -Identity "
					     "box@example.com"));
	}
}
END_TEST

/* Which endpoint a server name, a relayhost or a log line means. */
START_TEST(test_perm_endpoint)
{
	ck_assert_str_eq(so2_perm_endpoint("smtp", "smtp-hve.office365.com:587")->id, "hve");
	ck_assert_str_eq(so2_perm_endpoint(NULL, "[SMTP-HVE.office365.com]:587")->id, "hve");
	ck_assert_str_eq(so2_perm_endpoint("smtp", "status=deferred (SASL authentication failed; "
					   "server smtp-hve.office365.com[52.96.1.1] said: 501 "
					   "5.5.124 Invalid XOAUTH2 auth data)")->id, "hve");
	ck_assert_str_eq(so2_perm_endpoint("smtp", "smtp.office365.com:587")->id, "smtp");
	ck_assert_str_eq(so2_perm_endpoint("smtp", NULL)->id, "smtp");
	ck_assert_str_eq(so2_perm_endpoint("imap", "smtp-hve.office365.com")->id, "imap");
	ck_assert_str_eq(so2_perm_endpoint("hve", "127.0.0.1:2525")->id, "hve");
	ck_assert_str_eq(so2_perm_endpoint("pop3", NULL)->id, "pop");
	/* The name as a whole host name, not inside another one. */
	ck_assert_str_eq(so2_perm_endpoint("smtp", "smtp-hve.office365.com.evil.example")->id,
			 "smtp");
	ck_assert_str_eq(so2_perm_endpoint("smtp", "[smtp-hve.office365.com.evil.example]:587")
			 ->id, "smtp");
	ck_assert_str_eq(so2_perm_endpoint("smtp", "notsmtp-hve.office365.com")->id, "smtp");
	ck_assert_str_eq(so2_perm_endpoint("smtp", "smtp-hve.office365.com-x.example")->id,
			 "smtp");
	ck_assert_str_eq(so2_perm_endpoint("smtp", "SMTP-HVE.OFFICE365.COM")->id, "hve");
	ck_assert_str_eq(so2_perm_endpoint("smtp", "smtp-hve.office365.com.")->id, "hve");
	ck_assert_str_eq(so2_perm_endpoint("smtp", "[smtp-hve.office365.com.]:587")->id, "hve");
	ck_assert_str_eq(so2_perm_endpoint("smtp", "server x.example[1.2.3.4] said: see "
					   "smtp-hve.office365.com.evil.example")->id, "smtp");
	ck_assert_str_eq(so2_perm_endpoint("smtp", "52.96.1.1")->id, "smtp");
	ck_assert_str_eq(so2_perm_endpoint("nonsense", NULL)->id, "smtp");
	ck_assert_ptr_null(so2_perm_find("nonsense"));
	ck_assert_str_eq(so2_diag_scope_for("hve"), "SMTP.Send");
	ck_assert_str_eq(so2_diag_scope_for("imap"), "IMAP.AccessAsUser.All");
}
END_TEST

/* status's LAST ERROR: the code and the cause survive any width. */
static const struct {
	const char *msg, *want;
} summary_cases[] = {
	{ "account a@b.c: cannot refresh the access token: https://login.microsoftonline.com/"
	  "organizations/oauth2/v2.0/token: HTTP 400, invalid_grant: AADSTS700082: The refresh "
	  "token has expired due to inactivity.", "AADSTS700082: the refresh token expired "
	  "after 90 days without use" },
	{ "account a@b.c: cannot refresh the access token: https://oauth2.googleapis.com/token: "
	  "HTTP 400, invalid_grant: Token has been expired or revoked.", "invalid_grant: the "
	  "refresh token or code is expired, revoked or was issued to another client" },
	{ "account a@b.c: cannot refresh the access token: https://login.example/t: timed out: "
	  "Operation timed out", "timed out: Operation timed out" },
	{ "something else", "something else" },
};

START_TEST(test_summary)
{
	char buf[256];

	so2_diag_summary(summary_cases[_i].msg, buf, sizeof(buf));
	ck_assert_str_eq(buf, summary_cases[_i].want);
}
END_TEST

/* The likely reason a grant died, from the record's provider and age. */
START_TEST(test_dead_grant)
{
	const time_t now = 1800000000;
	char buf[512];

	ck_assert_int_eq(so2_diag_dead_grant("google", 0, now - 7 * 86400 - 600, now - 3000, now,
					     buf, sizeof(buf)), 1);
	ck_assert_msg(strstr(buf, "\"Testing\" after 7") != NULL, "got '%s'", buf);
	so2_diag_dead_grant("google", 0, now - 400 * 86400, now - 200 * 86400, now, buf,
			    sizeof(buf));
	ck_assert_msg(strstr(buf, "6 months") != NULL, "got '%s'", buf);
	so2_diag_dead_grant("google", 0, now - 30 * 86400, now - 60, now, buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "myaccount.google.com/permissions") != NULL, "got '%s'", buf);
	ck_assert_int_eq(so2_diag_dead_grant("microsoft", 70008, now - 200 * 86400,
					     now - 95 * 86400, now, buf, sizeof(buf)), 1);
	ck_assert_msg(strstr(buf, "90 days without use") != NULL, "got '%s'", buf);
	/* a disabled application is not an idle grant, whatever the age */
	ck_assert_int_eq(so2_diag_dead_grant("microsoft", 7000112, now - 200 * 86400,
					     now - 95 * 86400, now, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(so2_diag_dead_grant(NULL, 0, 0, 0, now, buf, sizeof(buf)), 0);
}
END_TEST

START_TEST(test_helpers)
{
	char buf[64];
	const so2_diag_row *r = so2_diag_smtp("535 5.7.8 Error: authentication failed");

	/* The record's provider decides a reply that does not name its server. */
	ck_assert_str_eq(so2_diag_refine(r, "google")->id, "gmail-535-5.7.8");
	ck_assert_str_eq(so2_diag_refine(r, "microsoft")->id, "smtp-535-5.7.8");
	ck_assert_str_eq(so2_diag_refine(r, NULL)->id, "smtp-535-5.7.8");
	ck_assert_ptr_null(strstr(so2_diag_refine(r, "microsoft")->fix, "--provider google"));
	/* A page where JSON was due is named as a page. */
	ck_assert_str_eq(so2_diag_body(" <!DOCTYPE html><html>", 22)->id, "http-html-page");
	ck_assert_str_eq(so2_diag_body("Bad Gateway", 11)->id, "http-not-oauth");
	ck_assert_ptr_null(so2_diag_body("{\"error\":\"x\"}", 13));
	ck_assert_int_eq(so2_diag_body("<html>", 6)->action, SO2_DIAG_RETRY);

	ck_assert_int_eq(so2_diag_has_scope("https://outlook.office.com/SMTP.Send offline_access",
					    "smtp.send"), 1);
	ck_assert_int_eq(so2_diag_has_scope("SMTP.SendAsApp", "SMTP.Send"), 0);
	ck_assert_int_eq(so2_diag_has_scope("", "SMTP.Send"), 0);
	snprintf(buf, sizeof(buf), "A MAILBOX and MAILBOX.");
	so2_diag_fill(buf, sizeof(buf), "MAILBOX", "x@y");
	ck_assert_str_eq(buf, "A x@y and x@y.");
	ck_assert_str_eq(so2_diag_scope_for("imap"), "IMAP.AccessAsUser.All");
}
END_TEST

/* The token endpoint's messages carry the table's cause and fix. */
static const struct {
	long http;
	const char *body, *want_part;
} endpoint_cases[] = {
	{ 400, "{\"error\":\"invalid_grant\",\"error_description\":\"AADSTS70008: The provided "
	  "authorization code or refresh token has expired.\",\"error_codes\":[70008]}",
	  "; this means the refresh token expired or was revoked; fix: sign in again" },
	{ 401, "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS7000215: Invalid "
	  "client secret provided.\",\"error_codes\":[7000215]}", "the secret's Value, not its "
	  "Secret ID" },
	{ 400, "{\"error\":\"invalid_scope\"}", "; this means the scope is invalid" },
	{ 400, "{\"error\":\"made_up\"}", "HTTP 400, made_up" },
	/* Multi-line text is folded, not cut at the first line break
	 * (https://github.com/simonrob/email-oauth2-proxy/issues/181). */
	{ 400, "{\"error\":\"invalid_grant\",\"error_description\":\"AADSTS70043: The refresh "
	  "token has expired or is invalid due to sign-in frequency checks by conditional "
	  "access.\\r\\nThe token was issued on 2023-06-02T14:27:05.8405153Z and the maximum "
	  "allowed lifetime for this request is 86400.\\r\\nTrace ID: t-1\\r\\nCorrelation ID: "
	  "c-1\\r\\nTimestamp: 2023-07-06 13:35:42Z\",\"error_codes\":[70043],\"trace_id\":"
	  "\"t-1\",\"correlation_id\":\"c-1\"}",
	  "conditional access. The token was issued on 2023-06-02T14:27:05.8405153Z and the "
	  "maximum allowed lifetime for this request is 86400. (trace id t-1, correlation id "
	  "c-1)" },
	/* An HTML page is named as one (a proxy or captive portal). */
	{ 200, "<!DOCTYPE html><html><head><title>Guest Wi-Fi login</title></head></html>",
	  "HTTP 200, not an OAuth reply but an HTML page: " },
};

/* The table decides the class of a known AADSTS code. */
static const struct {
	const char *body;
	so2_status want;
} class_cases[] = {
	/* a disabled client id: a new client id and a login, never "retry" */
	{ "{\"error\":\"unauthorized_client\",\"error_description\":\"AADSTS7000112: "
	  "Application 'x'(Thunderbird) is disabled.\",\"error_codes\":[7000112]}",
	  SO2_ERR_GRANT },
	/* the wrong kind of account or endpoint: configuration kept in the record */
	{ "{\"error\":\"invalid_request\",\"error_description\":\"AADSTS90130: Application "
	  "is not supported over the /common or /consumers endpoints.\"}", SO2_ERR_GRANT },
	{ "{\"error\":\"invalid_request\",\"error_description\":\"AADSTS50020: User account "
	  "from identity provider 'live.com' does not exist in tenant\"}", SO2_ERR_GRANT },
	/* a secret to replace in its file: the grant lives on */
	{ "{\"error\":\"invalid_client\",\"error_description\":\"AADSTS7000222: expired\"}",
	  SO2_ERR_OAUTH },
	/* throttling: transient */
	{ "{\"error\":\"invalid_request\",\"error_description\":\"AADSTS90055: throttled\"}",
	  SO2_ERR_TEMP },
};

START_TEST(test_endpoint_class)
{
	so2_token_reply rep;
	so2_oauth_error oerr;
	so2_err err;
	const char *body = class_cases[_i].body;
	so2_status got = so2_token_reply_parse(400, body, strlen(body), &rep, &oerr, &err);

	ck_assert_msg(got == class_cases[_i].want, "case %d: status %d, want %d (%s)", _i, got,
		      class_cases[_i].want, err.msg);
}
END_TEST

START_TEST(test_endpoint_messages)
{
	so2_token_reply rep;
	so2_oauth_error oerr;
	so2_err err;

	so2_token_reply_parse(endpoint_cases[_i].http, endpoint_cases[_i].body,
			      strlen(endpoint_cases[_i].body), &rep, &oerr, &err);
	ck_assert_msg(strstr(err.msg, endpoint_cases[_i].want_part) != NULL,
		      "case %d: got '%s', want it to contain '%s'", _i, err.msg,
		      endpoint_cases[_i].want_part);
}
END_TEST

Suite *
suite_diagnose(void)
{
	Suite *s = suite_create("diagnose");
	TCase *tc = tcase_create("table");

	tcase_add_loop_test(tc, test_smtp, 0, (int)(sizeof(smtp_cases) / sizeof(smtp_cases[0])));
	tcase_add_loop_test(tc, test_imap, 0, (int)(sizeof(imap_cases) / sizeof(imap_cases[0])));
	tcase_add_test(tc, test_challenge);
	tcase_add_loop_test(tc, test_aadsts, 0, (int)(sizeof(aad_cases) / sizeof(aad_cases[0])));
	tcase_add_test(tc, test_table_shape);
	tcase_add_loop_test(tc, test_explain, 0,
			    (int)(sizeof(explain_cases) / sizeof(explain_cases[0])));
	tcase_add_loop_test(tc, test_perms, 0, (int)(sizeof(perm_cases) / sizeof(perm_cases[0])));
	tcase_add_test(tc, test_perm_endpoint);
	tcase_add_test(tc, test_helpers);
	tcase_add_test(tc, test_dead_grant);
	tcase_add_loop_test(tc, test_summary, 0,
			    (int)(sizeof(summary_cases) / sizeof(summary_cases[0])));
	tcase_add_loop_test(tc, test_endpoint_class, 0,
			    (int)(sizeof(class_cases) / sizeof(class_cases[0])));
	tcase_add_loop_test(tc, test_endpoint_messages, 0,
			    (int)(sizeof(endpoint_cases) / sizeof(endpoint_cases[0])));
	suite_add_tcase(s, tc);
	return s;
}

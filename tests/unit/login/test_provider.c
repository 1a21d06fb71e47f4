/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test_provider.c - unit tests of login/provider.c
 * DESCRIPTION
 *	Moved unchanged from test_config.c: the provider resolution
 *	(endpoints, scopes, overrides, placeholder client ids), protocol
 *	names and the client credentials scope of each cloud. Failures say
 *	what was got and what was wanted.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "login/provider.h"

#include "tests.h"

#define GUID "11111111-2222-3333-4444-555555555555"

/* str_or - s, or "(null)" for printing */
static const char *
str_or(const char *s)
{
	return s != NULL ? s : "(null)";
}

/* check_str - got equals want (both may be NULL) */
static void
check_str(const char *what, const char *got, const char *want)
{
	ck_assert_msg((got == NULL && want == NULL) ||
		      (got != NULL && want != NULL && strcmp(got, want) == 0),
		      "%s: got \"%s\", want \"%s\"", what, str_or(got), str_or(want));
}

/* A profile to resolve and what it must give ("!" + text: the error). */
static const struct plan_case {
	const char *provider, *client_id, *tenant, *cloud, *authority;
	const char *token_endpoint, *device_endpoint, *scope;
	unsigned protocols;
	const char *want_token, *want_device, *want_auth, *want_scope;
} plan_cases[] = {
	{ NULL, GUID, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	  "https://login.microsoftonline.com/common/oauth2/v2.0/token",
	  "https://login.microsoftonline.com/common/oauth2/v2.0/devicecode",
	  "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
	  "https://outlook.office.com/SMTP.Send offline_access" },
	{ "microsoft", GUID, "organizations", "global", NULL, NULL, NULL, NULL,
	  SO2_PROTO_ALL,
	  "https://login.microsoftonline.com/organizations/oauth2/v2.0/token",
	  "https://login.microsoftonline.com/organizations/oauth2/v2.0/devicecode",
	  "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize",
	  "https://outlook.office.com/SMTP.Send "
	  "https://outlook.office.com/IMAP.AccessAsUser.All "
	  "https://outlook.office.com/POP.AccessAsUser.All offline_access" },
	{ "microsoft", GUID, "contoso.com", "usgov", NULL, NULL, NULL, NULL,
	  SO2_PROTO_IMAP,
	  "https://login.microsoftonline.us/contoso.com/oauth2/v2.0/token",
	  "https://login.microsoftonline.us/contoso.com/oauth2/v2.0/devicecode",
	  "https://login.microsoftonline.us/contoso.com/oauth2/v2.0/authorize",
	  "https://outlook.office365.us/IMAP.AccessAsUser.All offline_access" },
	{ "microsoft", GUID, NULL, "dod", NULL, NULL, NULL, NULL, SO2_PROTO_POP,
	  "https://login.microsoftonline.us/common/oauth2/v2.0/token",
	  "https://login.microsoftonline.us/common/oauth2/v2.0/devicecode",
	  "https://login.microsoftonline.us/common/oauth2/v2.0/authorize",
	  "https://outlook.office365.us/POP.AccessAsUser.All offline_access" },
	{ "microsoft", GUID, NULL, "china", NULL, NULL, NULL, NULL, 0,
	  "https://login.partner.microsoftonline.cn/common/oauth2/v2.0/token",
	  "https://login.partner.microsoftonline.cn/common/oauth2/v2.0/devicecode",
	  "https://login.partner.microsoftonline.cn/common/oauth2/v2.0/authorize",
	  "https://partner.outlook.cn/SMTP.Send offline_access" },
	/* authority wins over the cloud's host; trailing "/" dropped */
	{ "microsoft", GUID, "organizations", "china", "https://127.0.0.1:8443/",
	  NULL, NULL, NULL, 0,
	  "https://127.0.0.1:8443/organizations/oauth2/v2.0/token",
	  "https://127.0.0.1:8443/organizations/oauth2/v2.0/devicecode",
	  "https://127.0.0.1:8443/organizations/oauth2/v2.0/authorize",
	  "https://partner.outlook.cn/SMTP.Send offline_access" },
	/* explicit endpoints and scope win */
	{ "microsoft", GUID, NULL, NULL, NULL, "https://t.example/token",
	  "https://t.example/device", "a b", SO2_PROTO_ALL,
	  "https://t.example/token", "https://t.example/device",
	  "https://login.microsoftonline.com/common/oauth2/v2.0/authorize", "a b" },
	{ "google", "123-abc.apps.googleusercontent.com", NULL, NULL, NULL,
	  NULL, NULL, NULL, SO2_PROTO_IMAP,
	  "https://oauth2.googleapis.com/token",
	  "https://oauth2.googleapis.com/device/code",
	  "https://accounts.google.com/o/oauth2/v2/auth",
	  "https://mail.google.com/" },
	{ "generic", "mail-client", NULL, NULL, NULL, "https://i.example/t",
	  "https://i.example/d", "mail", 0, NULL, NULL, NULL,
	  "!authorization_endpoint is not set: the generic provider needs it; "
	  "set authorization_endpoint in HERE" },
	{ "generic", "mail-client", NULL, NULL, NULL, "https://i.example/t",
	  NULL, "mail", 0, NULL, NULL, NULL,
	  "!device_authorization_endpoint is not set: the generic provider "
	  "needs it; set device_authorization_endpoint in HERE" },
	{ "generic", "mail-client", NULL, NULL, NULL, NULL, NULL, NULL, 0,
	  NULL, NULL, NULL,
	  "!token_endpoint is not set: the generic provider needs it; set "
	  "token_endpoint in HERE" },
	{ "microsoft", GUID, NULL, NULL, NULL, "http://t.example/token", NULL,
	  NULL, 0, NULL, NULL, NULL,
	  "!token_endpoint \"http://t.example/token\" is not an https:// URL; "
	  "fix it in HERE" },
	{ "microsoft", GUID, "a/b", NULL, NULL, NULL, NULL, NULL, 0,
	  NULL, NULL, NULL,
	  "!tenant \"a/b\" is not common, organizations, consumers, a tenant id "
	  "or a domain name; fix it in HERE" },
	{ "microsoft", GUID, NULL, "germany", NULL, NULL, NULL, NULL, 0,
	  NULL, NULL, NULL,
	  "!unknown cloud \"germany\": use global, usgov, dod or china in HERE" },
	{ "microsoft", GUID, NULL, NULL, "https://h/x?y", NULL, NULL, NULL, 0,
	  NULL, NULL, NULL,
	  "!authority \"https://h/x?y\" is not an https:// URL without query; "
	  "fix it in HERE" },
	{ "google", "1-a.apps.googleusercontent.com", "common", NULL, NULL, NULL,
	  NULL, NULL, 0, NULL, NULL, NULL,
	  "!tenant applies to provider microsoft only, not google; remove it "
	  "from HERE" },
	{ "yahoo", GUID, NULL, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL,
	  "!unknown provider \"yahoo\": use microsoft, google or generic" },
	{ "microsoft", NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0,
	  NULL, NULL, NULL,
	  "!no client_id: set client_id = <the application (client) ID of your "
	  "app registration> in HERE, or give --client-id" },
	{ "microsoft", "YOUR_CLIENT_ID", NULL, NULL, NULL, NULL, NULL, NULL, 0,
	  NULL, NULL, NULL,
	  "!client_id \"YOUR_CLIENT_ID\" looks like a placeholder, not a real "
	  "application (client) ID; set the ID of your app registration in "
	  "HERE, or give --client-id" },
};

START_TEST(test_resolve)
{
	const struct plan_case *c = &plan_cases[_i];
	so2_profile prof;
	so2_login_plan plan;
	so2_err err;
	so2_status st;

	memset(&prof, 0, sizeof(prof));
	prof.provider = (char *)c->provider;
	prof.client_id = (char *)c->client_id;
	prof.tenant = (char *)c->tenant;
	prof.cloud = (char *)c->cloud;
	prof.authority = (char *)c->authority;
	prof.token_endpoint = (char *)c->token_endpoint;
	prof.device_authorization_endpoint = (char *)c->device_endpoint;
	prof.scope = (char *)c->scope;
	so2_err_clear(&err);
	st = so2_provider_resolve(&prof, c->protocols, "HERE", &plan, &err);
	if (c->want_scope[0] == '!') {
		ck_assert_msg(st == SO2_ERR_CONFIG, "case %d: got status %d (%s), "
			      "want config error", _i, st, err.msg);
		check_str("error", err.msg, c->want_scope + 1);
		ck_assert_ptr_null(plan.token_endpoint);
		ck_assert_ptr_null(plan.scope);
		return;
	}
	ck_assert_msg(st == SO2_OK, "case %d: got status %d (%s), want ok", _i,
		      st, err.msg);
	check_str("provider", plan.provider,
		  c->provider != NULL ? c->provider : "microsoft");
	check_str("client_id", plan.client_id, c->client_id);
	check_str("token_endpoint", plan.token_endpoint, c->want_token);
	check_str("device endpoint", plan.device_authorization_endpoint,
		  c->want_device);
	check_str("authorization_endpoint", plan.authorization_endpoint,
		  c->want_auth);
	check_str("scope", plan.scope, c->want_scope);
	so2_login_plan_clear(&plan);
	so2_login_plan_clear(NULL);
}
END_TEST

/* Client ids: 1 = placeholder, 0 = may be real. */
static const struct id_case {
	const char *id;
	int placeholder;
} id_cases[] = {
	{ "", 1 },
	{ "YOUR_CLIENT_ID", 1 },
	{ "your-client-id", 1 },
	{ "<client-id>", 1 },
	{ "{application-id}", 1 },
	{ "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", 1 },
	{ "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX", 1 },
	{ "xxxx-xxxx", 1 },
	{ "00000000-0000-0000-0000-000000000000", 1 },
	{ "client_id", 1 },
	{ "CLIENT_ID", 1 },
	{ "ClientId", 1 },
	{ "Your Application ID", 1 },
	{ "YOUR_CLIENT_ID.apps.googleusercontent.com", 1 },
	{ "11111111-2222-3333-4444-555555555555 ", 1 },
	{ "...", 1 },
	{ GUID, 0 },
	{ "9e5f94bc-e8a4-4e73-b8be-63364c29d753", 0 },
	{ "407408718192-abcdefghijklmnopqrstuvwxyz012345.apps.googleusercontent.com", 0 },
	{ "thunderbird", 0 },
};

START_TEST(test_placeholder)
{
	const struct id_case *c = &id_cases[_i];
	int got = so2_client_id_placeholder(c->id);

	ck_assert_msg(got == c->placeholder, "\"%s\": got %d, want %d", c->id,
		      got, c->placeholder);
}
END_TEST

START_TEST(test_protocols)
{
	unsigned mask = 0;
	so2_err err;

	ck_assert_int_eq(so2_protocol_parse("smtp", &mask, &err), SO2_OK);
	ck_assert_int_eq(so2_protocol_parse("IMAP", &mask, &err), SO2_OK);
	ck_assert_msg(mask == (SO2_PROTO_SMTP | SO2_PROTO_IMAP), "mask: got %u", mask);
	ck_assert_int_eq(so2_protocol_parse("pop", &mask, &err), SO2_OK);
	ck_assert_msg(mask == SO2_PROTO_ALL, "mask: got %u", mask);
	mask = 0;
	ck_assert_int_eq(so2_protocol_parse("all", &mask, &err), SO2_OK);
	ck_assert_msg(mask == SO2_PROTO_ALL, "all: got %u", mask);
	ck_assert_int_eq(so2_protocol_parse("jmap", &mask, &err), SO2_ERR_PARAM);
	check_str("bad protocol", err.msg,
		  "unknown protocol \"jmap\": use smtp, imap, pop or all");
}
END_TEST

/* The client credentials scope of each cloud and provider. */
static const struct app_case {
	const char *provider, *cloud, *scope;
	const char *want;		/* NULL: no app scope */
} app_cases[] = {
	{ "microsoft", NULL, NULL, "https://outlook.office365.com/.default" },
	{ "microsoft", "usgov", NULL, "https://outlook.office365.us/.default" },
	{ "microsoft", "dod", NULL, "https://outlook.office365.us/.default" },
	{ "microsoft", "china", NULL, "https://partner.outlook.cn/.default" },
	{ "microsoft", NULL, "api://x/.default", "api://x/.default" },
	{ "google", NULL, NULL, NULL },
	{ "google", NULL, "https://mail.google.com/", "https://mail.google.com/" },
};

START_TEST(test_app_scope)
{
	const struct app_case *c = &app_cases[_i];
	so2_profile prof;
	so2_login_plan plan;
	so2_err err;

	memset(&prof, 0, sizeof(prof));
	prof.provider = (char *)c->provider;
	prof.client_id = (char *)"9e5f94bc-e8a4-4e73-b8be-63364c29d753";
	prof.cloud = (char *)c->cloud;
	prof.scope = (char *)c->scope;
	ck_assert_int_eq(so2_provider_resolve(&prof, 0, "HERE", &plan, &err), SO2_OK);
	if (c->want == NULL)
		ck_assert_msg(plan.app_scope == NULL, "case %d: app scope: got %s, want none",
			      _i, plan.app_scope);
	else
		check_str("app scope", plan.app_scope, c->want);
	so2_login_plan_clear(&plan);
}
END_TEST

#define N_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite *
suite_provider(void)
{
	Suite *s = suite_create("provider");
	TCase *tp = tcase_create("provider");

	tcase_add_loop_test(tp, test_resolve, 0, N_OF(plan_cases));
	tcase_add_loop_test(tp, test_placeholder, 0, N_OF(id_cases));
	tcase_add_test(tp, test_protocols);
	tcase_add_loop_test(tp, test_app_scope, 0, N_OF(app_cases));
	suite_add_tcase(s, tp);
	return s;
}

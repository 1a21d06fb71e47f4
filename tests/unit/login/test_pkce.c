/* SPDX-License-Identifier: MIT */
/*
 * test_pkce.c - PKCE values, authorization URL, redirect parser (pkce.h),
 *	table-driven
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "login/pkce.h"

#include "tests.h"

/* RFC 7636 appendix B */
START_TEST(test_challenge_rfc7636)
{
	char out[64];
	so2_err err;

	ck_assert_int_eq(so2_pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
					    out, sizeof(out), &err), SO2_OK);
	ck_assert_msg(strcmp(out, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM") == 0,
		      "challenge: got %s, want the RFC 7636 appendix B value", out);
}
END_TEST

START_TEST(test_pkce_new)
{
	so2_pkce a, b;
	char want[64];
	so2_err err;
	size_t i;

	ck_assert_int_eq(so2_pkce_new(&a, &err), SO2_OK);
	ck_assert_int_eq(so2_pkce_new(&b, &err), SO2_OK);
	ck_assert_msg(strlen(a.verifier) == SO2_PKCE_VERIFIER_LEN, "verifier length: got %zu, "
		      "want %d", strlen(a.verifier), SO2_PKCE_VERIFIER_LEN);
	for (i = 0; a.verifier[i] != '\0'; i++)
		ck_assert_msg(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				     "0123456789-._~", a.verifier[i]) != NULL,
			      "verifier holds '%c', not an RFC 7636 4.1 character",
			      a.verifier[i]);
	so2_pkce_challenge(a.verifier, want, sizeof(want), &err);
	ck_assert_msg(strcmp(a.challenge, want) == 0, "challenge: got %s, want %s",
		      a.challenge, want);
	ck_assert_msg(strcmp(a.verifier, b.verifier) != 0, "two verifiers are equal");
	ck_assert_msg(strcmp(a.state, b.state) != 0, "two states are equal");
	ck_assert_msg(strlen(a.state) >= 22, "state: got %zu characters, want >= 22",
		      strlen(a.state));
}
END_TEST

START_TEST(test_authorize_url)
{
	static const char *const extra[] = { "access_type", "offline", "prompt", "consent",
		NULL };
	so2_authorize_req req;
	so2_pkce p;
	char *url = NULL;
	so2_err err;
	const char *want = "https://login.example/t/authorize?client_id=c%20id"
	    "&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A8400%2F"
	    "&scope=https%3A%2F%2Fmail.google.com%2F%20offline_access&state=ST"
	    "&code_challenge=CH&code_challenge_method=S256&login_hint=a%2Bb%40c.d"
	    "&access_type=offline&prompt=consent";

	memset(&p, 0, sizeof(p));
	memcpy(p.state, "ST", 3);
	memcpy(p.challenge, "CH", 3);
	memset(&req, 0, sizeof(req));
	req.endpoint = "https://login.example/t/authorize";
	req.client_id = "c id";
	req.redirect_uri = "http://localhost:8400/";
	req.scope = "https://mail.google.com/ offline_access";
	req.login_hint = "a+b@c.d";
	req.extra = extra;
	ck_assert_int_eq(so2_authorize_url(&req, &p, &url, &err), SO2_OK);
	ck_assert_msg(strcmp(url, want) == 0, "URL:\n got  %s\n want %s", url, want);
	free(url);
	req.endpoint = "https://login.example/auth?tenant=x";
	req.extra = NULL;
	req.login_hint = NULL;
	ck_assert_int_eq(so2_authorize_url(&req, &p, &url, &err), SO2_OK);
	ck_assert_msg(strncmp(url, "https://login.example/auth?tenant=x&client_id=", 46) == 0,
		      "endpoint with a query: got %s", url);
	free(url);
	req.scope = NULL;
	ck_assert_int_eq(so2_authorize_url(&req, &p, &url, &err), SO2_ERR_PARAM);
}
END_TEST

static const struct redirect_case {
	const char *in;
	so2_status want;
	const char *code, *state, *error, *desc;	/* NULL: absent */
	const char *msg;				/* in the error message */
} redirect_cases[] = {
	{ "http://localhost:8400/?code=abc&state=xyz&session_state=1", SO2_OK,
	  "abc", "xyz", NULL, NULL, NULL },
	{ "/?state=s%2Bt&code=a%2Fb%3D", SO2_OK, "a/b=", "s+t", NULL, NULL, NULL },
	{ "/?error=access_denied&error_description=AADSTS65004%3A+User+declined.&state=x",
	  SO2_OK, NULL, "x", "access_denied", "AADSTS65004: User declined.", NULL },
	{ "/?code=abc#state=frag", SO2_OK, "abc", NULL, NULL, NULL, NULL },
	{ "/?code=&state=", SO2_OK, "", "", NULL, NULL, NULL },
	{ "/?foo&code=1", SO2_OK, "1", NULL, NULL, NULL, NULL },
	{ "/?other=1", SO2_OK, NULL, NULL, NULL, NULL, NULL },
	{ "http://localhost/", SO2_ERR_PARAM, NULL, NULL, NULL, NULL, "no query" },
	{ "/?code=1&code=2", SO2_ERR_PARAM, NULL, NULL, NULL, NULL, "code twice" },
	{ "/?code=%zz", SO2_ERR_PARAM, NULL, NULL, NULL, NULL, "bad %-escape" },
	{ "/?code=ab%4", SO2_ERR_PARAM, NULL, NULL, NULL, NULL, "truncated" },
	{ "/?state=a%0Ab", SO2_ERR_PARAM, NULL, NULL, NULL, NULL, "control character" },
	{ "/?code=a\tb", SO2_ERR_PARAM, NULL, NULL, NULL, NULL, "control character" },
	/* '+' is a space, %2B a plus; %00 is refused, not a short value */
	{ "/?code=c&state=a+b%2Bc", SO2_OK, "c", "a b+c", NULL, NULL, NULL },
	{ "/?code=a%00b", SO2_ERR_PARAM, NULL, NULL, NULL, NULL, "control character" },
	{ "/?code=a%7fb", SO2_ERR_PARAM, NULL, NULL, NULL, NULL, "control character" },
	{ "/?code=%", SO2_ERR_PARAM, NULL, NULL, NULL, NULL, "truncated" },
	{ "/?code=%4g", SO2_ERR_PARAM, NULL, NULL, NULL, NULL, "bad %-escape" },
};

/* opt_eq - compare an optional string */
static void
opt_eq(int i, const char *what, const char *got, const char *want)
{
	if (want == NULL)
		ck_assert_msg(got == NULL, "case %d %s: got \"%s\", want absent", i, what, got);
	else
		ck_assert_msg(got != NULL && strcmp(got, want) == 0,
			      "case %d %s: got \"%s\", want \"%s\"", i, what,
			      got ? got : "(absent)", want);
}

START_TEST(test_redirect_parse)
{
	const struct redirect_case *c = &redirect_cases[_i];
	so2_redirect r;
	so2_err err;
	so2_status got;

	so2_err_clear(&err);
	got = so2_redirect_parse(c->in, strlen(c->in), &r, &err);
	ck_assert_msg(got == c->want, "case %d (%s): got %s, want %s (%s)", _i, c->in,
		      so2_status_name(got), so2_status_name(c->want), err.msg);
	if (got != SO2_OK) {
		ck_assert_msg(strstr(err.msg, c->msg) != NULL, "case %d: message \"%s\" "
			      "lacks \"%s\"", _i, err.msg, c->msg);
		return;
	}
	opt_eq(_i, "code", r.code.data != NULL ? r.code.data :
	       (c->code != NULL && *c->code == '\0' ? "" : NULL), c->code);
	opt_eq(_i, "state", r.state, c->state);
	opt_eq(_i, "error", r.error, c->error);
	opt_eq(_i, "error_description", r.error_description, c->desc);
	so2_redirect_clear(&r);
}
END_TEST

START_TEST(test_redirect_too_long)
{
	size_t n = SO2_REDIRECT_MAX + 1;
	char *in = malloc(n);
	so2_redirect r;
	so2_err err;

	ck_assert_ptr_nonnull(in);
	memset(in, 'a', n);
	memcpy(in, "/?code=", 7);
	ck_assert_int_eq(so2_redirect_parse(in, n, &r, &err), SO2_ERR_PARAM);
	free(in);
}
END_TEST

START_TEST(test_state_equal)
{
	ck_assert_int_eq(so2_state_equal("abc", "abc"), 1);
	ck_assert_int_eq(so2_state_equal("abd", "abc"), 0);
	ck_assert_int_eq(so2_state_equal("ab", "abc"), 0);
	ck_assert_int_eq(so2_state_equal(NULL, "abc"), 0);
}
END_TEST

Suite *
suite_pkce(void)
{
	Suite *s = suite_create("pkce");
	TCase *tc = tcase_create("pkce");

	tcase_add_test(tc, test_challenge_rfc7636);
	tcase_add_test(tc, test_pkce_new);
	tcase_add_test(tc, test_authorize_url);
	tcase_add_loop_test(tc, test_redirect_parse, 0,
			    (int)(sizeof(redirect_cases) / sizeof(redirect_cases[0])));
	tcase_add_test(tc, test_redirect_too_long);
	tcase_add_test(tc, test_state_equal);
	suite_add_tcase(s, tc);
	return s;
}

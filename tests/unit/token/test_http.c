/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test_http.c - unit tests of http.c and of the classifiers of
 *	token_reply.c
 * DESCRIPTION
 *	so2_http_probe refuses a URL that is not https before any request
 *	and reports a closed port as a transient failure with libcurl's
 *	reason and no HTTP status. so2_aadsts_code reads only a leading
 *	AADSTS number; so2_oauth_error_class maps error codes and statuses
 *	to the classes of token_reply.h.
 */
#include "config.h"

#include <string.h>

#include <curl/curl.h>

#include "token/http.h"
#include "token/token_reply.h"

#include "tests.h"

START_TEST(test_http_probe)
{
	so2_http_conf hc = { NULL, NULL, 0, "", 5, 10, 65536, 0, 0 };
	so2_http_probe_result pr;
	so2_err err;
	so2_status got;

	ck_assert_int_eq(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
	so2_err_clear(&err);
	got = so2_http_probe(&hc, "http://127.0.0.1:1/", &pr, &err);
	ck_assert_msg(got == SO2_ERR_PARAM && strstr(err.msg, "not an https URL") != NULL,
		      "http URL: got %s \"%s\"", so2_status_name(got), err.msg);
	got = so2_http_probe(&hc, "https://127.0.0.1:1/token", &pr, &err);
	ck_assert_msg(got == SO2_ERR_TEMP, "closed port: got %s, want %s", so2_status_name(got),
		      so2_status_name(SO2_ERR_TEMP));
	ck_assert_msg(strncmp(err.msg, "https://127.0.0.1:1/token: ", 27) == 0,
		      "closed port: message \"%s\" does not start with the URL", err.msg);
	ck_assert_msg(pr.status == 0 && pr.why[0] != '\0' && !pr.tls_untrusted
		      && pr.server_date == -1, "closed port: got status %ld why \"%s\" tls %d "
		      "date %ld", pr.status, pr.why, pr.tls_untrusted, (long)pr.server_date);
	curl_global_cleanup();
}
END_TEST

START_TEST(test_aadsts_code)
{
	ck_assert_int_eq(so2_aadsts_code("AADSTS70008: The refresh token has expired"), 70008);
	ck_assert_int_eq(so2_aadsts_code("AADSTS65004"), 65004);
	ck_assert_int_eq(so2_aadsts_code("User declined. AADSTS65004"), 0);
	ck_assert_int_eq(so2_aadsts_code("AADSTS"), 0);
	ck_assert_int_eq(so2_aadsts_code("AADSTS-5"), 0);
	ck_assert_int_eq(so2_aadsts_code("AADSTS99999999999999999999999"), 0);
	ck_assert_int_eq(so2_aadsts_code(NULL), 0);
}
END_TEST

static const struct class_case {
	long http;
	const char *error;
	so2_status want;
} class_cases[] = {
	{ 400, "invalid_grant", SO2_ERR_GRANT },
	{ 400, "interaction_required", SO2_ERR_GRANT },
	{ 400, "consent_required", SO2_ERR_GRANT },
	{ 400, "unauthorized_client", SO2_ERR_GRANT },
	{ 400, "invalid_client", SO2_ERR_OAUTH },
	{ 400, "invalid_scope", SO2_ERR_OAUTH },
	{ 400, "access_denied", SO2_ERR_OAUTH },
	{ 400, "authorization_pending", SO2_ERR_PENDING },
	{ 500, "authorization_pending", SO2_ERR_PENDING },
	{ 400, "slow_down", SO2_ERR_SLOW_DOWN },
	{ 503, "invalid_grant", SO2_ERR_TEMP },
	{ 429, "invalid_grant", SO2_ERR_TEMP },
	{ 400, "temporarily_unavailable", SO2_ERR_TEMP },
	{ 0, "server_error", SO2_ERR_OAUTH },
};

START_TEST(test_oauth_error_class)
{
	const struct class_case *c = &class_cases[_i];
	so2_status got = so2_oauth_error_class(c->http, c->error);

	ck_assert_msg(got == c->want, "HTTP %ld %s: got %s, want %s", c->http, c->error,
		      so2_status_name(got), so2_status_name(c->want));
}
END_TEST

Suite *
suite_http(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("http");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_http_probe);
	tcase_add_test(tc, test_aadsts_code);
	tcase_add_loop_test(tc, test_oauth_error_class, 0,
			    sizeof(class_cases) / sizeof(class_cases[0]));
	suite_add_tcase(s, tc);
	return s;
}

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test_assertion.c - unit tests of token/assertion.c
 * DESCRIPTION
 *	Moved unchanged from test_pkce.c: the permission check of a
 *	private key file and the accepted assertion algorithms. Signing
 *	is exercised end to end by tests/cli-grants.sh.
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include "token/assertion.h"

#include "tests.h"

static const struct mode_case {
	unsigned mode;
	so2_status want;
} mode_cases[] = {
	{ S_IFREG | 0600, SO2_OK },
	{ S_IFREG | 0400, SO2_OK },
	{ S_IFREG | 0640, SO2_OK },	/* root:postfix 0640 is a normal setup */
	{ S_IFREG | 0644, SO2_ERR_CONFIG },
	{ S_IFREG | 0660, SO2_ERR_CONFIG },
	{ S_IFREG | 0602, SO2_ERR_CONFIG },
	{ S_IFDIR | 0700, SO2_ERR_CONFIG },
};

START_TEST(test_key_file_check)
{
	so2_err err;
	so2_status got = so2_key_file_check("/k.pem", mode_cases[_i].mode, &err);

	ck_assert_msg(got == mode_cases[_i].want, "mode %o: got %s, want %s",
		      mode_cases[_i].mode, so2_status_name(got),
		      so2_status_name(mode_cases[_i].want));
	if (got != SO2_OK)
		ck_assert_msg(strstr(err.msg, "/k.pem") != NULL, "message \"%s\" does not "
			      "name the file", err.msg);
}
END_TEST

START_TEST(test_assertion_alg)
{
	ck_assert_int_eq(so2_assertion_alg_valid(NULL), 1);
	ck_assert_int_eq(so2_assertion_alg_valid("PS256"), 1);
	ck_assert_int_eq(so2_assertion_alg_valid("RS256"), 1);
	ck_assert_int_eq(so2_assertion_alg_valid("ES256"), 0);
	ck_assert_int_eq(so2_assertion_alg_valid("ps256"), 0);
}
END_TEST

Suite *
suite_assertion(void)
{
	Suite *s = suite_create("assertion");
	TCase *tc = tcase_create("assertion");

	tcase_add_loop_test(tc, test_key_file_check, 0,
			    (int)(sizeof(mode_cases) / sizeof(mode_cases[0])));
	tcase_add_test(tc, test_assertion_alg);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * main.c - run every unit test suite (Check)
 *
 * Environment: CK_FORK (Check), top_srcdir (set by make check) to find
 * tests/unit/data. Exit 0 when every test passed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "tests.h"

/* test_data_dir - tests/unit/data under $top_srcdir, or ./tests/unit/data */
const char *
test_data_dir(void)
{
	static char path[4096];
	const char *top = getenv("top_srcdir");

	snprintf(path, sizeof(path), "%s/tests/unit/data", top ? top : ".");
	return path;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(suite_secret());
	srunner_add_suite(sr, suite_config());
	srunner_add_suite(sr, suite_record());
	srunner_add_suite(sr, suite_store());
	srunner_add_suite(sr, suite_endpoint());
	srunner_add_suite(sr, suite_mechanism());
	srunner_add_suite(sr, suite_jwt());
	srunner_add_suite(sr, suite_diagnose());
	srunner_add_suite(sr, suite_pkce());
	srunner_add_suite(sr, suite_cache());
	srunner_add_suite(sr, suite_buf());
	srunner_add_suite(sr, suite_file());
	srunner_add_suite(sr, suite_text());
	srunner_add_suite(sr, suite_base64());
	srunner_add_suite(sr, suite_reuse());
	srunner_add_suite(sr, suite_http());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

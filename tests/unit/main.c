/* SPDX-License-Identifier: MIT */
/*
 * main.c - run the unit test suites of one program (Check)
 *
 * Environment: CK_FORK (Check), top_srcdir (set by make check) to find
 * tests/unit/data. The suites are the program's unit_suites (tests.h).
 * Exit 0 when every test passed.
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
	size_t i;
	int failed;

	sr = srunner_create(unit_suites[0]());
	for (i = 1; unit_suites[i] != NULL; i++)
		srunner_add_suite(sr, unit_suites[i]());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

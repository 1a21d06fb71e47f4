/*
 * tests.h - the unit test suites (Check framework)
 *
 * Each test_*.c file defines one suite_*() returning its Suite; main.c
 * runs them all. Failure messages say what was got and what was wanted:
 *	ck_assert_msg(x == want, "field: got %d, want %d", x, want);
 */
#ifndef SO2_TESTS_H
#define SO2_TESTS_H

#include <check.h>

Suite *suite_secret(void);
Suite *suite_config(void);
Suite *suite_record(void);
Suite *suite_store(void);
Suite *suite_endpoint(void);
Suite *suite_mechanism(void);
Suite *suite_jwt(void);
Suite *suite_diagnose(void);
Suite *suite_pkce(void);
Suite *suite_cache(void);
Suite *suite_buf(void);
Suite *suite_file(void);
Suite *suite_text(void);
Suite *suite_base64(void);
Suite *suite_reuse(void);
Suite *suite_http(void);

/* The directory with test data files (tests/unit/data). */
const char *test_data_dir(void);

#endif

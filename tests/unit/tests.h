/* SPDX-License-Identifier: MIT */
/*
 * tests.h - the unit test suites (Check framework)
 *
 * One test program per layer, as the code is laid out (doc/internals/
 * architecture.md): tests/unit/test-base (base/), test-token (token/),
 * test-login (login/), test-mail (mail/); each folder tests/unit/LAYER holds its test_*.c
 * files and a suites.c listing the suites its program runs. Each
 * test_*.c file defines one suite_*() returning its Suite; main.c runs
 * the program's list. Failure messages say what was got and what was
 * wanted:
 *	ck_assert_msg(x == want, "field: got %d, want %d", x, want);
 */
#ifndef SO2_TESTS_H
#define SO2_TESTS_H

#include <check.h>

/* base/ */
Suite *suite_secret(void);
Suite *suite_buf(void);
Suite *suite_file(void);
Suite *suite_text(void);
Suite *suite_base64(void);
Suite *suite_json(void);

/* token/ */
Suite *suite_config(void);
Suite *suite_record(void);
Suite *suite_store(void);
Suite *suite_cache(void);
Suite *suite_reuse(void);
Suite *suite_http(void);
Suite *suite_token_reply(void);
Suite *suite_assertion(void);
Suite *suite_mechanism(void);
Suite *suite_jwt(void);
Suite *suite_diagnose(void);
Suite *suite_caps(void);

/* login/ */
Suite *suite_pkce(void);
Suite *suite_provider(void);

/* mail/ */
Suite *suite_mail(void);
Suite *suite_mail_hostile(void);

/* unit_suites - the suites of this program, NULL-terminated (LAYER/suites.c) */
typedef Suite *(*unit_suite_fn)(void);
extern const unit_suite_fn unit_suites[];

/* The directory with test data files (tests/unit/data). */
const char *test_data_dir(void);

#endif

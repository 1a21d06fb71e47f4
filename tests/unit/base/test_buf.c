/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test_buf.c - unit tests of base/buf.c
 * DESCRIPTION
 *	Appends keep the bytes (NULs too) and a NUL after them; the cap is
 *	exact (max bytes fit, one more is SO2_ERR_PARAM) and sticky; a
 *	failed buffer hands nothing over; an empty one hands over ""; a
 *	buffer without a cap (max SIZE_MAX) grows like any other.
 */
#include "config.h"

#include <string.h>

#include "base/buf.h"
#include "base/secret.h"

#include "tests.h"

START_TEST(test_buf_grow)
{
	so2_buf b;
	char *out;
	size_t len, i;

	so2_buf_init(&b, 100000);
	for (i = 0; i < 1000; i++)
		ck_assert(so2_buf_add(&b, "0123456789", 10) == SO2_OK);
	ck_assert(so2_buf_add(&b, "\0x", 2) == SO2_OK);
	ck_assert_msg(b.len == 10002 && b.data[b.len] == '\0', "len: got %zu, want 10002",
		      b.len);
	ck_assert(so2_buf_take(&b, &out, &len) == SO2_OK);
	ck_assert_msg(len == 10002 && memcmp(out + 9990, "0123456789\0x", 13) == 0,
		      "content: got %zu bytes", len);
	ck_assert_msg(b.data == NULL && b.len == 0, "take left the buffer non-empty");
	so2_wipe_free(out, len + 1);
}
END_TEST

/* The cap is exact and sticky; nothing is handed over after it. */
START_TEST(test_buf_cap)
{
	so2_buf b;
	char *out = (char *)"x";
	size_t len = 9;

	so2_buf_init(&b, 5);
	ck_assert(so2_buf_str(&b, "abcde") == SO2_OK);
	ck_assert_msg(so2_buf_add(&b, "f", 1) == SO2_ERR_PARAM, "6 > 5: not refused");
	ck_assert_msg(b.len == 5 && strcmp(b.data, "abcde") == 0, "refused add changed it");
	ck_assert_msg(so2_buf_add(&b, "", 0) == SO2_ERR_PARAM, "failure did not stick");
	ck_assert(so2_buf_take(&b, &out, &len) == SO2_ERR_PARAM);
	ck_assert_msg(out == NULL && len == 0 && b.data == NULL, "failed take handed over data");

	so2_buf_init(&b, 0);
	ck_assert(so2_buf_take(&b, &out, &len) == SO2_OK);
	ck_assert_msg(out != NULL && len == 0 && out[0] == '\0', "empty: want \"\"");
	so2_wipe_free(out, 1);
	so2_buf_free(NULL);
}
END_TEST

/* No cap at all (max SIZE_MAX): max + 1 wraps to 0, which must not become
 * the allocation's size */
START_TEST(test_buf_no_cap)
{
	so2_buf b;
	char *out;
	size_t len, i;

	so2_buf_init(&b, (size_t)-1);
	for (i = 0; i < 100; i++)
		ck_assert(so2_buf_add(&b, "0123456789", 10) == SO2_OK);
	ck_assert_msg(b.cap > b.len, "capacity %zu for %zu bytes", b.cap, b.len);
	ck_assert(so2_buf_take(&b, &out, &len) == SO2_OK);
	ck_assert_msg(len == 1000 && memcmp(out + 990, "0123456789", 11) == 0,
		      "content: got %zu bytes", len);
	so2_wipe_free(out, len + 1);
}
END_TEST

Suite *
suite_buf(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("buf");

	tcase_add_test(tc, test_buf_grow);
	tcase_add_test(tc, test_buf_cap);
	tcase_add_test(tc, test_buf_no_cap);
	suite_add_tcase(s, tc);
	return s;
}

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test_text.c - unit tests of base/text.c
 * DESCRIPTION
 *	Control characters (below 0x20 and 0x7f) become '?' or are found;
 *	UTF-8 bytes stay; output is cut at size - 1 bytes and always
 *	NUL-terminated; so2_printable_line stops at CR, LF, NUL or len.
 */
#include "config.h"

#include <string.h>

#include "base/text.h"

#include "tests.h"

START_TEST(test_text_printable)
{
	char buf[16];

	ck_assert_str_eq(so2_printable("a\tb\x1b[2J\x7f\xc3\xa9", buf, sizeof(buf)),
			 "a?b?[2J?\xc3\xa9");
	ck_assert_str_eq(so2_printable("line\r\nforged", buf, sizeof(buf)), "line??forged");
	ck_assert_str_eq(so2_printable("0123456789abcdefgh", buf, sizeof(buf)),
			 "0123456789abcde");
	ck_assert_str_eq(so2_printable(NULL, buf, sizeof(buf)), "");
	buf[0] = 'x';
	so2_printable("abc", buf, 0);
	ck_assert_msg(buf[0] == 'x', "size 0 wrote into buf");
}
END_TEST

START_TEST(test_text_line)
{
	char buf[16];

	ck_assert_str_eq(so2_printable_line(" 120\r\nX-Other: 1", 16, buf, sizeof(buf)), " 120");
	ck_assert_str_eq(so2_printable_line("a\tb\nc", 5, buf, sizeof(buf)), "a?b");
	ck_assert_str_eq(so2_printable_line("abcdef", 3, buf, sizeof(buf)), "abc");
	ck_assert_str_eq(so2_printable_line("ab\0cd", 5, buf, sizeof(buf)), "ab");
	ck_assert_str_eq(so2_printable_line("0123456789abcdefgh", 18, buf, 4), "012");
	ck_assert_str_eq(so2_printable_line(NULL, 9, buf, sizeof(buf)), "");
}
END_TEST

START_TEST(test_text_has_control)
{
	ck_assert_int_eq(so2_has_control("ABCD-EFGH"), 0);
	ck_assert_int_eq(so2_has_control("https://microsoft.com/devicelogin \xc3\xa9"), 0);
	ck_assert_int_eq(so2_has_control("AB\x1b[1mCD"), 1);
	ck_assert_int_eq(so2_has_control("AB\x7f"), 1);
	ck_assert_int_eq(so2_has_control("\n"), 1);
	ck_assert_int_eq(so2_has_control(""), 0);
	ck_assert_int_eq(so2_has_control(NULL), 0);
}
END_TEST

Suite *
suite_text(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("text");

	tcase_add_test(tc, test_text_printable);
	tcase_add_test(tc, test_text_line);
	tcase_add_test(tc, test_text_has_control);
	suite_add_tcase(s, tc);
	return s;
}

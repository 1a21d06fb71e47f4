/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test_secret.c - unit tests of secret.c
 * DESCRIPTION
 *	so2_secret_set/take/clear/empty keep their invariants (NUL-terminated
 *	buffer, NULL when cleared, source emptied by a move), and
 *	so2_secret_describe() never shows more than SO2_SECRET_SHOW bytes
 *	of a value nor more than a quarter of a short one, and always shows
 *	its length.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/secret.h"

#include "tests.h"

/* ---- set, take, clear, empty ---------------------------------------- */

START_TEST(test_secret_set)
{
	so2_secret s = SO2_SECRET_INIT;

	ck_assert_msg(so2_secret_set(&s, "abcdef", 3) == SO2_OK, "set: got failure, want SO2_OK");
	ck_assert_msg(s.len == 3, "len: got %zu, want 3", s.len);
	ck_assert_msg(s.data != NULL && memcmp(s.data, "abc", 4) == 0,
		      "data: got \"%s\", want \"abc\" and a NUL", s.data ? s.data : "(null)");
	ck_assert_msg(!so2_secret_empty(&s), "empty: got 1, want 0");

	/* Replacing: the old value goes, the new one is NUL-terminated. */
	ck_assert_msg(so2_secret_set(&s, "0123456789", 10) == SO2_OK, "set again: failed");
	ck_assert_msg(s.len == 10 && strcmp(s.data, "0123456789") == 0,
		      "after set again: got \"%s\" (%zu), want \"0123456789\" (10)", s.data, s.len);

	/* A zero-length value: a buffer holding "", and empty. */
	ck_assert_msg(so2_secret_set(&s, "ignored", 0) == SO2_OK, "set len 0: failed");
	ck_assert_msg(s.len == 0 && s.data != NULL && s.data[0] == '\0',
		      "set len 0: got len %zu data %p, want len 0 data \"\"", s.len,
		      (void *)s.data);
	ck_assert_msg(so2_secret_empty(&s), "empty after set len 0: got 0, want 1");
	so2_secret_clear(&s);
}
END_TEST

START_TEST(test_secret_clear)
{
	so2_secret s = SO2_SECRET_INIT;

	ck_assert(so2_secret_set(&s, "token-value", 11) == SO2_OK);
	so2_secret_clear(&s);
	ck_assert_msg(s.data == NULL && s.len == 0, "clear: got data %p len %zu, want NULL 0",
		      (void *)s.data, s.len);
	/* Idempotent, and NULL is accepted. */
	so2_secret_clear(&s);
	ck_assert_msg(s.data == NULL && s.len == 0, "second clear: not empty");
	so2_secret_clear(NULL);
	so2_wipe_free(NULL, 10);
	so2_wipe_free_str(NULL);
}
END_TEST

START_TEST(test_secret_take)
{
	so2_secret dst = SO2_SECRET_INIT, src = SO2_SECRET_INIT;
	char *p;

	ck_assert(so2_secret_set(&dst, "old-destination", 15) == SO2_OK);
	ck_assert(so2_secret_set(&src, "new-value", 9) == SO2_OK);
	p = src.data;
	so2_secret_take(&dst, &src);
	ck_assert_msg(dst.data == p, "take: got a different buffer, want the source's own");
	ck_assert_msg(dst.len == 9 && strcmp(dst.data, "new-value") == 0,
		      "take: got \"%s\" (%zu), want \"new-value\" (9)", dst.data, dst.len);
	ck_assert_msg(src.data == NULL && src.len == 0,
		      "source after take: got %p %zu, want NULL 0", (void *)src.data, src.len);

	/* Taking an empty secret empties the destination. */
	so2_secret_take(&dst, &src);
	ck_assert_msg(so2_secret_empty(&dst) && dst.data == NULL,
		      "take of empty: destination not empty");
}
END_TEST

START_TEST(test_secret_empty)
{
	so2_secret s = SO2_SECRET_INIT;

	ck_assert_msg(so2_secret_empty(NULL), "empty(NULL): got 0, want 1");
	ck_assert_msg(so2_secret_empty(&s), "empty(INIT): got 0, want 1");
	ck_assert(so2_secret_set(&s, "x", 1) == SO2_OK);
	ck_assert_msg(!so2_secret_empty(&s), "empty(\"x\"): got 1, want 0");
	so2_secret_clear(&s);
	ck_assert_msg(so2_secret_empty(&s), "empty after clear: got 0, want 1");
}
END_TEST

/* ---- describe -------------------------------------------------------- */

/* Values are made of one repeated pattern; len picks how much of it. */
static const char describe_pattern[] =
	"eyJ0eXAiOiJKV1QiLCJub25jZSI6IkFCQyIsImFsZyI6IlJTMjU2In0.SECRETSECRETSECRET";

static const struct describe_case {
	const char *name;
	size_t len;		/* bytes of the value (repeating the pattern) */
	const char *want;	/* exact output */
} describe_cases[] = {
	{ "empty", 0, "(empty)" },
	{ "1 byte", 1, "... (1 bytes)" },
	{ "3 bytes: a quarter is 0", 3, "... (3 bytes)" },
	{ "4 bytes: a quarter is 1", 4, "e... (4 bytes)" },
	{ "9 bytes: a quarter is 2", 9, "ey... (9 bytes)" },
	{ "23 bytes: a quarter is 5", 23, "eyJ0e... (23 bytes)" },
	{ "24 bytes: a quarter is 6", 24, "eyJ0eX... (24 bytes)" },
	{ "25 bytes: capped at 6", 25, "eyJ0eX... (25 bytes)" },
	{ "1534 bytes: capped at 6", 1534, "eyJ0eX... (1534 bytes)" },
};

/* make_value - len bytes of the pattern, repeated; malloc'd */
static char *
make_value(size_t len)
{
	size_t i, plen = sizeof(describe_pattern) - 1;
	char *v = malloc(len + 1);

	ck_assert(v != NULL);
	for (i = 0; i < len; i++)
		v[i] = describe_pattern[i % plen];
	v[len] = '\0';
	return v;
}

START_TEST(test_secret_describe)
{
	const struct describe_case *c = &describe_cases[_i];
	char buf[128], want_len[64];
	char *value = make_value(c->len);
	const char *dots;
	size_t shown, max_shown;

	ck_assert_msg(so2_secret_describe(value, c->len, buf, sizeof(buf)) == buf,
		      "%s: return value is not buf", c->name);
	ck_assert_msg(strcmp(buf, c->want) == 0, "%s: got \"%s\", want \"%s\"", c->name, buf,
		      c->want);
	if (c->len > 0) {
		/* Whatever the table says, the invariants hold. */
		dots = strstr(buf, "...");
		ck_assert_msg(dots != NULL, "%s: no \"...\" in \"%s\"", c->name, buf);
		shown = (size_t)(dots - buf);
		max_shown = c->len / 4 < SO2_SECRET_SHOW ? c->len / 4 : SO2_SECRET_SHOW;
		ck_assert_msg(shown <= max_shown, "%s: shows %zu bytes, want at most %zu",
			      c->name, shown, max_shown);
		ck_assert_msg(memcmp(buf, value, shown) == 0, "%s: shown part is not the prefix",
			      c->name);
		snprintf(want_len, sizeof(want_len), "(%zu bytes)", c->len);
		ck_assert_msg(strstr(buf, want_len) != NULL, "%s: got \"%s\", want the length %s",
			      c->name, buf, want_len);
	}
	free(value);
}
END_TEST

START_TEST(test_secret_describe_odd)
{
	char buf[64];
	char small[8];

	/* Control bytes, spaces and high bytes are not shown as they are. */
	so2_secret_describe("\001 \n\377abcdefghijklmnop", 20, buf, sizeof(buf));
	ck_assert_msg(strcmp(buf, "????a... (20 bytes)") == 0,
		      "unprintable: got \"%s\", want \"????a... (20 bytes)\"", buf);

	/* NULL value with a length: nothing to show. */
	so2_secret_describe(NULL, 5, buf, sizeof(buf));
	ck_assert_msg(strcmp(buf, "(empty)") == 0, "NULL: got \"%s\", want \"(empty)\"", buf);

	/* A small buffer is NUL-terminated, never overrun. */
	memset(small, 'X', sizeof(small));
	so2_secret_describe("abcdefghijklmnopqrstuvwxyz", 26, small, 5);
	ck_assert_msg(strcmp(small, "abcd") == 0, "size 5: got \"%s\", want \"abcd\"", small);
	ck_assert_msg(small[5] == 'X', "size 5: byte 5 was written");

	/* Size 0: buf untouched. */
	so2_secret_describe("abcdefgh", 8, small, 0);
	ck_assert_msg(small[0] == 'a', "size 0: buffer was written");
}
END_TEST

Suite *
suite_secret(void)
{
	Suite *s = suite_create("secret");
	TCase *tc = tcase_create("secret");

	tcase_add_test(tc, test_secret_set);
	tcase_add_test(tc, test_secret_clear);
	tcase_add_test(tc, test_secret_take);
	tcase_add_test(tc, test_secret_empty);
	tcase_add_loop_test(tc, test_secret_describe, 0,
			    (int)(sizeof(describe_cases) / sizeof(describe_cases[0])));
	tcase_add_test(tc, test_secret_describe_odd);
	suite_add_tcase(s, tc);
	return s;
}

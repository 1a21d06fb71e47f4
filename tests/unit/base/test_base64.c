/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test_base64.c - unit tests of base/base64.c
 * DESCRIPTION
 *	RFC 4648 section 10 test vectors both ways, in both alphabets;
 *	binary bytes that hit '+' and '/'; the strict decoder: padding
 *	required for base64 and refused for base64url, '=' only at the
 *	end, no white space, no foreign alphabet, no 4n+1 lengths; the
 *	size contract of out (SO2_B64_DECODE_SIZE).
 */
#include "config.h"

#include <string.h>

#include "base/base64.h"

#include "tests.h"

static const struct vec {
	const char *plain, *b64, *b64url;
} vecs[] = {	/* RFC 4648 section 10 */
	{ "", "", "" },
	{ "f", "Zg==", "Zg" },
	{ "fo", "Zm8=", "Zm8" },
	{ "foo", "Zm9v", "Zm9v" },
	{ "foob", "Zm9vYg==", "Zm9vYg" },
	{ "fooba", "Zm9vYmE=", "Zm9vYmE" },
	{ "foobar", "Zm9vYmFy", "Zm9vYmFy" },
	/* 0xfb 0xff 0xbf: the two alphabets differ */
	{ "\xfb\xff\xbf", "+/+/", "-_-_" },
	{ "\0\0", "AAA=", "AAA" },
};

START_TEST(test_b64_vectors)
{
	const struct vec *v = &vecs[_i];
	size_t plen = strlen(v->plain) + (_i == 8 ? 2 : 0);
	unsigned char dec[64];
	char enc[64];
	size_t n;

	n = so2_b64_encode((const unsigned char *)v->plain, plen, enc, sizeof(enc));
	ck_assert_msg(n == strlen(v->b64) && strcmp(enc, v->b64) == 0,
		      "encode %d: got \"%s\", want \"%s\"", _i, enc, v->b64);
	n = so2_b64url_encode((const unsigned char *)v->plain, plen, enc, sizeof(enc));
	ck_assert_msg(n == strlen(v->b64url) && strcmp(enc, v->b64url) == 0,
		      "url encode %d: got \"%s\", want \"%s\"", _i, enc, v->b64url);
	ck_assert_msg(so2_b64_decode(v->b64, strlen(v->b64), dec, sizeof(dec), &n) == SO2_OK
		      && n == plen && memcmp(dec, v->plain, plen) == 0 && dec[n] == '\0',
		      "decode %d (%s): got %zu bytes, want %zu", _i, v->b64, n, plen);
	ck_assert_msg(so2_b64url_decode(v->b64url, strlen(v->b64url), dec, sizeof(dec), &n)
		      == SO2_OK && n == plen && memcmp(dec, v->plain, plen) == 0,
		      "url decode %d (%s): got %zu bytes, want %zu", _i, v->b64url, n, plen);
}
END_TEST

/* Inputs each decoder refuses (0: base64, 1: base64url). */
static const struct bad {
	int url;
	const char *in;
} bads[] = {
	{ 0, "Zg" },		/* padding required */
	{ 0, "Zg=" },
	{ 0, "Z===" },
	{ 0, "====" },
	{ 0, "Zg==Zg==" },	/* '=' only at the end */
	{ 0, "Zm=v" },
	{ 0, "Zm9v\n" },	/* no white space, no line breaks */
	{ 0, " Zm9v" },
	{ 0, "Zm 9v" },
	{ 0, "-_-_" },		/* the other alphabet */
	{ 0, "Zm9\x80" },
	{ 1, "Zg==" },		/* base64url: no padding */
	{ 1, "+/+/" },
	{ 1, "Z" },		/* 4n+1 */
	{ 1, "Zm9vY" },
	{ 1, "Zm9v\r\n" },
	{ 1, "Zm.v" },
};

START_TEST(test_b64_refused)
{
	const struct bad *b = &bads[_i];
	unsigned char dec[64];
	size_t n = 99;
	so2_status got;

	got = b->url ? so2_b64url_decode(b->in, strlen(b->in), dec, sizeof(dec), &n)
		     : so2_b64_decode(b->in, strlen(b->in), dec, sizeof(dec), &n);
	ck_assert_msg(got == SO2_ERR_PARAM && n == 0, "case %d (%s \"%s\"): got %s (%zu bytes), "
		      "want refused", _i, b->url ? "base64url" : "base64", b->in,
		      so2_status_name(got), n);
}
END_TEST

/* out must hold SO2_B64_DECODE_SIZE(len); encode needs LEN + 1. */
START_TEST(test_b64_sizes)
{
	unsigned char dec[8];
	char enc[9];
	size_t n;

	ck_assert(SO2_B64_DECODE_SIZE(8) == 7);
	ck_assert(so2_b64_decode("Zm9vYg==", 8, dec, 6, &n) == SO2_ERR_PARAM);
	ck_assert(so2_b64_decode("Zm9vYg==", 8, dec, 7, &n) == SO2_OK && n == 4);
	ck_assert(so2_b64_encode((const unsigned char *)"foobar", 6, enc, 8) == 0);
	ck_assert(so2_b64_encode((const unsigned char *)"foobar", 6, enc, 9) == 8);
	ck_assert(so2_b64url_encode((const unsigned char *)"foob", 4, enc, 8) == 0);
	ck_assert(so2_b64url_encode((const unsigned char *)"foob", 4, enc, 9) == 6);
}
END_TEST

Suite *
suite_base64(void)
{
	Suite *s = suite_create("base64");
	TCase *tc = tcase_create("base64");

	tcase_add_loop_test(tc, test_b64_vectors, 0, sizeof(vecs) / sizeof(vecs[0]));
	tcase_add_loop_test(tc, test_b64_refused, 0, sizeof(bads) / sizeof(bads[0]));
	tcase_add_test(tc, test_b64_sizes);
	suite_add_tcase(s, tc);
	return s;
}

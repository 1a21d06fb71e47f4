/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test_json.c - unit tests of base/json.c
 * DESCRIPTION
 *	Moved unchanged from test_endpoint.c: numbers and numeric strings
 *	(so2_json_int_or_numeric_string), the capped loader, the member
 *	helpers and re-classification.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/secret.h"

#include "tests.h"

/* no_secret_in - fail when a message shows a secret */
static void
no_secret_in(const char *what, const char *msg)
{
	ck_assert_msg(strstr(msg, "SECRET") == NULL, "%s: message shows a secret: %s",
	    what, msg);
}

static const struct num_case {
	const char *json;		/* the value, in an array */
	so2_status want;
	long want_val;
} num_cases[] = {
	{ "[3600]", SO2_OK, 3600 },
	{ "[\"3600\"]", SO2_OK, 3600 },
	{ "[0]", SO2_OK, 0 },
	{ "[\"0\"]", SO2_OK, 0 },
	{ "[\"000123\"]", SO2_OK, 123 },
	{ "[9223372036854775807]", SO2_OK, LONG_MAX },
	{ "[\"999999999999999999\"]", SO2_OK, 999999999999999999L },
	{ "[\"36x\"]", SO2_ERR_PARAM, 0 },
	{ "[\"\"]", SO2_ERR_PARAM, 0 },
	{ "[\" 3600\"]", SO2_ERR_PARAM, 0 },
	{ "[\"3600 \"]", SO2_ERR_PARAM, 0 },
	{ "[\"+3600\"]", SO2_ERR_PARAM, 0 },
	{ "[\"-1\"]", SO2_ERR_PARAM, 0 },
	{ "[-1]", SO2_ERR_PARAM, 0 },
	{ "[3600.0]", SO2_ERR_PARAM, 0 },
	{ "[\"99999999999999999999\"]", SO2_ERR_PARAM, 0 },
	{ "[null]", SO2_ERR_PARAM, 0 },
	{ "[true]", SO2_ERR_PARAM, 0 },
	{ "[{}]", SO2_ERR_PARAM, 0 },
};

/* test_numeric - one row of num_cases */
START_TEST(test_numeric)
{
	const struct num_case *c = &num_cases[_i];
	json_error_t jerr;
	json_t *arr;
	long val = -42;
	so2_status got;

	arr = json_loads(c->json, JSON_DECODE_ANY, &jerr);
	ck_assert_msg(arr != NULL, "%s: test JSON: %s", c->json, jerr.text);
	got = so2_json_int_or_numeric_string(json_array_get(arr, 0), &val);
	ck_assert_msg(got == c->want, "%s: got %s, want %s", c->json, so2_status_name(got),
	    so2_status_name(c->want));
	if (c->want == SO2_OK)
		ck_assert_msg(val == c->want_val, "%s: value: got %ld, want %ld", c->json, val,
		    c->want_val);
	else
		ck_assert_msg(val == -42, "%s: value changed on failure to %ld", c->json, val);
	json_decref(arr);
	ck_assert_int_eq(so2_json_int_or_numeric_string(NULL, &val), SO2_ERR_PARAM);
}
END_TEST

static const struct load_case {
	const char *name;
	const char *json;
	size_t max;
	so2_status want;
	const char *want_msg;
} load_cases[] = {
	{ "object", "{\"a\":\"b\"}", 100, SO2_OK, "" },
	{ "too large", "{\"a\":\"b\"}", 5, SO2_ERR_PARAM, "t: 9 bytes, more than the limit of 5" },
	{ "empty", "", 100, SO2_ERR_PARAM, "t: empty" },
	{ "array", "[1]", 100, SO2_ERR_PARAM, "t: not a JSON object" },
	{ "duplicate", "{\"a\":1,\n \"a\":2}", 100, SO2_ERR_PARAM, "t:2:" },
	{ "trailing", "{}x", 100, SO2_ERR_PARAM, "t:1:" },
	{ "secret near", "{\"a\":\"SECRET\\x\"}", 100, SO2_ERR_PARAM, "t:1:" },
	{ "depth 16 ok", "{\"a\":[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]}", 100, SO2_OK, "" },
	{ "depth 17", "{\"a\":[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]}", 100, SO2_ERR_PARAM,
	  "t:1:21: nested deeper than 16 levels" },
	{ "brackets in strings", "{\"a\":\"[[[[[[[[[[[[[[[[[[[[\\\"[[[[[\"}", 100, SO2_OK, "" },
};

/* test_load - one row of load_cases */
START_TEST(test_load)
{
	const struct load_case *c = &load_cases[_i];
	json_t *root = (json_t *)1;
	so2_err err;
	so2_status got;

	so2_err_clear(&err);
	got = so2_json_load("t", c->json, strlen(c->json), c->max, &root, &err);
	ck_assert_msg(got == c->want, "%s: got %s (%s), want %s", c->name, so2_status_name(got),
	    err.msg, so2_status_name(c->want));
	ck_assert_msg((got == SO2_OK) == (root != NULL), "%s: *out: got %p", c->name,
	    (void *)root);
	ck_assert_msg(strncmp(err.msg, c->want_msg, strlen(c->want_msg)) == 0,
	    "%s: message: got \"%s\", want \"%s...\"", c->name, err.msg, c->want_msg);
	no_secret_in(c->name, err.msg);
	so2_json_wipe_decref(root);
}
END_TEST

/* test_members - so2_json_str, so2_json_dup_str, so2_json_secret */
START_TEST(test_members)
{
	static const char doc[] = "{\"s\":\"text\",\"n\":5,\"z\":null,\"t\":\"tok-SECRET\"}";
	so2_secret sec = SO2_SECRET_INIT;
	json_t *root = NULL;
	char *dup = (char *)1;
	so2_err err;

	ck_assert_int_eq(so2_json_load("m", doc, sizeof(doc) - 1, 1000, &root, &err), SO2_OK);
	ck_assert_str_eq(so2_json_str(root, "s"), "text");
	ck_assert_ptr_null(so2_json_str(root, "n"));
	ck_assert_ptr_null(so2_json_str(root, "absent"));
	ck_assert_ptr_null(so2_json_str(NULL, "s"));

	ck_assert_int_eq(so2_json_dup_str(root, "s", &dup, &err), SO2_OK);
	ck_assert_str_eq(dup, "text");
	free(dup);
	ck_assert_int_eq(so2_json_dup_str(root, "absent", &dup, &err), SO2_OK);
	ck_assert_ptr_null(dup);
	ck_assert_int_eq(so2_json_dup_str(root, "z", &dup, &err), SO2_OK);
	ck_assert_ptr_null(dup);
	ck_assert_int_eq(so2_json_dup_str(root, "n", &dup, &err), SO2_ERR_PARAM);
	ck_assert_ptr_null(dup);
	ck_assert_msg(strcmp(err.msg, "member n: not a string") == 0,
	    "dup_str wrong type: message \"%s\"", err.msg);

	ck_assert_int_eq(so2_json_secret(root, "t", &sec, &err), SO2_OK);
	ck_assert_msg(sec.len == 10 && strcmp(sec.data, "tok-SECRET") == 0, "secret: wrong copy");
	ck_assert_int_eq(so2_json_secret(root, "absent", &sec, &err), SO2_OK);
	ck_assert_msg(so2_secret_empty(&sec), "secret: absent member left %zu bytes", sec.len);
	ck_assert_int_eq(so2_json_secret(root, "n", &sec, &err), SO2_ERR_PARAM);

	err.status = SO2_ERR_PARAM;
	ck_assert_int_eq(so2_json_reclass(SO2_ERR_PARAM, SO2_ERR_RECORD, &err), SO2_ERR_RECORD);
	ck_assert_int_eq(err.status, SO2_ERR_RECORD);
	ck_assert_int_eq(so2_json_reclass(SO2_ERR_NOMEM, SO2_ERR_RECORD, &err), SO2_ERR_NOMEM);
	ck_assert_int_eq(so2_json_reclass(SO2_OK, SO2_ERR_RECORD, NULL), SO2_OK);
	so2_json_wipe_decref(root);
	so2_json_wipe_decref(NULL);
}
END_TEST

/*
 * Issue 10 item 6: jansson 2.14 aborts (load.c lex_unget_unsave,
 * assert(c == d)) when the allocation growing its lexer buffer fails at
 * the character ending a 15-character number, drops characters when other
 * growths fail, and calls a failed allocation a syntax error. Fail every
 * allocation jansson makes for so2_json_load in turn (json_set_alloc_funcs:
 * the test process may; the module never does): each load must give the
 * input unchanged or SO2_ERR_NOMEM.
 */
static unsigned long jfail_at, jcount;
static int jfail_on;		/* every allocation from jfail_at on fails */

static void *
jfail_malloc(size_t n)
{
	++jcount;
	return jcount == jfail_at || (jfail_on && jcount > jfail_at) ? NULL : malloc(n);
}

static const char *const jfail_inputs[] = {
	"{\"n\":123456789012345,\"t\":\"eyJ0eXAiOiJKV1QifQ.payload.signature-_~+/==\"}",
	"{\"a\":-12345678901234,\"b\":1.2345678901234,\"refresh_token\":"
	"\"0.AAAAxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\","
	"\"u\":\"\\u00e9\\ud83d\\ude00\\n\",\"e\":[true,false,null,-0,17]}",
};

START_TEST(test_load_alloc_failures)
{
	const char *in = jfail_inputs[_i / 2];
	json_t *ref, *root;
	so2_status st;
	so2_err err;
	unsigned long nomem = 0;

	st = so2_json_load("t", in, strlen(in), 65536, &ref, &err);
	ck_assert_msg(st == SO2_OK, "reference load: %s", err.msg);
	jfail_on = _i % 2;	/* one failure, or all from jfail_at on */
	for (jfail_at = 1;; jfail_at++) {
		jcount = 0;
		json_set_alloc_funcs(jfail_malloc, free);
		st = so2_json_load("t", in, strlen(in), 65536, &root, &err);
		json_set_alloc_funcs(malloc, free);
		if (st == SO2_OK) {
			ck_assert_msg(json_equal(root, ref), "allocation %lu failed: the tree"
				      " differs from the input", jfail_at);
			json_decref(root);
		} else {
			ck_assert_msg(st == SO2_ERR_NOMEM, "allocation %lu failed: status %d,"
				      " \"%s\" instead of out of memory", jfail_at, st, err.msg);
			nomem++;
		}
		if (jcount < jfail_at)
			break;
	}
	ck_assert_msg(jfail_at > 10, "only %lu allocations", jfail_at);
	/* one failure: the second parse recovers; all failing: out of memory */
	ck_assert_msg(jfail_on ? nomem + 1 >= jfail_at : nomem == 0,
		      "%lu of %lu loads out of memory", nomem, jfail_at);
	json_decref(ref);
}
END_TEST

/* Long numbers reach the tree as strings of the same characters; long
 * words are refused before jansson; escapes are counted as jansson
 * decodes them (no false "out of memory"). */
START_TEST(test_load_long_tokens)
{
	json_t *root;
	so2_err err;
	const char *in = "{\"n\":123456789012345678901,\"r\":-1.25e-300000000000,"
			 "\"s\":\"\\u00e9\\ud83d\\ude00\\/\",\"z\":-0,\"i\":1700000000}";

	ck_assert_int_eq(so2_json_load("t", in, strlen(in), 65536, &root, &err), SO2_OK);
	ck_assert_str_eq(so2_json_str(root, "n"), "123456789012345678901");
	ck_assert_str_eq(so2_json_str(root, "r"), "-1.25e-300000000000");
	ck_assert_int_eq(json_integer_value(json_object_get(root, "i")), 1700000000);
	json_decref(root);
	in = "{\"a\":falsefalsefalsefalse}";
	ck_assert_int_eq(so2_json_load("t", in, strlen(in), 65536, &root, &err), SO2_ERR_PARAM);
	ck_assert_str_eq(err.msg, "t:1:6: invalid token");
	in = "{\"a\":truex}";
	ck_assert_int_eq(so2_json_load("t", in, strlen(in), 65536, &root, &err), SO2_ERR_PARAM);
	ck_assert_msg(strstr(err.msg, "t:1:") == err.msg, "syntax error: %s", err.msg);
}
END_TEST

/* suite_json - the json_util tests */
Suite *
suite_json(void)
{
	Suite *s = suite_create("json");
	TCase *tc;

	tc = tcase_create("json_util");
	tcase_add_loop_test(tc, test_numeric, 0,
	    (int)(sizeof(num_cases) / sizeof(num_cases[0])));
	tcase_add_loop_test(tc, test_load, 0,
	    (int)(sizeof(load_cases) / sizeof(load_cases[0])));
	tcase_add_test(tc, test_members);
	tcase_add_loop_test(tc, test_load_alloc_failures, 0,
	    2 * (int)(sizeof(jfail_inputs) / sizeof(jfail_inputs[0])));
	tcase_add_test(tc, test_load_long_tokens);
	suite_add_tcase(s, tc);
	return s;
}

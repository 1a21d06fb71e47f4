/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test_mechanism.c - unit tests of mechanism.c
 * DESCRIPTION
 *	Golden vectors for the XOAUTH2 and OAUTHBEARER initial responses,
 *	each given as hex and as base64 (what goes on the wire), computed
 *	independently of this code; the first of each comes from the
 *	mechanism's own documentation (Google's XOAUTH2 page, RFC 7628
 *	section 4.1). Then the argument checks, the challenge parser on
 *	real and broken challenges, and so2_challenge_token_invalid().
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "token/mechanism.h"
#include "base/secret.h"

#include "tests.h"

/* to_hex - lowercase hex of n bytes; malloc'd */
static char *
to_hex(const char *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char *h = malloc(2 * n + 1);
	size_t i;

	ck_assert(h != NULL);
	for (i = 0; i < n; i++) {
		h[2 * i] = digits[(unsigned char)p[i] >> 4];
		h[2 * i + 1] = digits[(unsigned char)p[i] & 0xf];
	}
	h[2 * n] = '\0';
	return h;
}

/* to_base64 - standard base64 with padding; malloc'd */
static char *
to_base64(const char *p, size_t n)
{
	char *b = malloc(4 * ((n + 2) / 3) + 1);

	ck_assert(b != NULL);
	EVP_EncodeBlock((unsigned char *)b, (const unsigned char *)p, (int)n);
	return b;
}

/* check_golden - out must be exactly the bytes given by hex and by b64 */
static void
check_golden(const char *name, const char *out, size_t outlen, const char *hex,
	     const char *b64)
{
	char *h = to_hex(out, outlen), *b = to_base64(out, outlen);

	ck_assert_msg(out[outlen] == '\0', "%s: output not NUL-terminated", name);
	ck_assert_msg(strcmp(h, hex) == 0, "%s: hex\n got %s\nwant %s", name, h, hex);
	ck_assert_msg(strcmp(b, b64) == 0, "%s: base64\n got %s\nwant %s", name, b, b64);
	free(h);
	free(b);
}

/* ---- XOAUTH2 --------------------------------------------------------- */

static const struct xoauth2_case {
	const char *name;
	const char *user;
	const char *token;
	const char *hex;
	const char *b64;
} xoauth2_cases[] = {
	/* Google, "OAuth 2.0 Mechanism", initial client response example. */
	{ "google example", "someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg",
	  "757365723d736f6d6575736572406578616d706c652e636f6d01617574683d42656172657220"
	  "796132392e76463964667434716d5463324e766233526c636b426864485268646d6c7a644745"
	  "755932397443670101",
	  "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNS"
	  "bGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==" },
	/* XOAUTH2 has no escaping: "," and "=" go as they are. */
	{ "comma and equals verbatim", "a,b=c@example.com", "tok",
	  "757365723d612c623d63406578616d706c652e636f6d01617574683d42656172657220746f6b"
	  "0101",
	  "dXNlcj1hLGI9Y0BleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB0b2sBAQ==" },
};

START_TEST(test_xoauth2_golden)
{
	const struct xoauth2_case *c = &xoauth2_cases[_i];
	char *out = NULL;
	size_t outlen = 0;
	so2_err err;

	ck_assert_msg(so2_xoauth2_response(c->user, c->token, strlen(c->token), &out, &outlen,
					   &err) == SO2_OK, "%s: got %s, want SO2_OK", c->name,
		      err.msg);
	check_golden(c->name, out, outlen, c->hex, c->b64);
	so2_wipe_free(out, outlen);
}
END_TEST

/* ---- OAUTHBEARER ----------------------------------------------------- */

static const struct oauthbearer_case {
	const char *name;
	const char *authzid;
	const char *host;
	unsigned port;
	const char *token;
	const char *hex;
	const char *b64;
} oauthbearer_cases[] = {
	/* RFC 7628 section 4.1. */
	{ "RFC 7628 4.1", "user@example.com", "server.example.com", 143,
	  "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==",
	  "6e2c613d75736572406578616d706c652e636f6d2c01686f73743d7365727665722e6578616d"
	  "706c652e636f6d01706f72743d31343301617574683d4265617265722076463964667434716d"
	  "5463324e766233526c636b426862485268646d6c7a644745755932397443673d3d0101",
	  "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9"
	  "QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB" },
	{ "no authzid (NULL)", NULL, "smtp.example.com", 587, "tok",
	  "6e2c2c01686f73743d736d74702e6578616d706c652e636f6d01706f72743d35383701617574"
	  "683d42656172657220746f6b0101",
	  "biwsAWhvc3Q9c210cC5leGFtcGxlLmNvbQFwb3J0PTU4NwFhdXRoPUJlYXJlciB0b2sBAQ==" },
	{ "no authzid (\"\")", "", "smtp.example.com", 587, "tok",
	  "6e2c2c01686f73743d736d74702e6578616d706c652e636f6d01706f72743d35383701617574"
	  "683d42656172657220746f6b0101",
	  "biwsAWhvc3Q9c210cC5leGFtcGxlLmNvbQFwb3J0PTU4NwFhdXRoPUJlYXJlciB0b2sBAQ==" },
	{ "authzid with , and =", "a,b=c", "imap.example.com", 993, "tok",
	  "6e2c613d613d3243623d3344632c01686f73743d696d61702e6578616d706c652e636f6d0170"
	  "6f72743d39393301617574683d42656172657220746f6b0101",
	  "bixhPWE9MkNiPTNEYywBaG9zdD1pbWFwLmV4YW1wbGUuY29tAXBvcnQ9OTkzAWF1dGg9QmVhcmVyIHRv"
	  "awEB" },
	{ "host absent (NULL), port only", NULL, NULL, 993, "tok",
	  "6e2c2c01706f72743d39393301617574683d42656172657220746f6b0101",
	  "biwsAXBvcnQ9OTkzAWF1dGg9QmVhcmVyIHRvawEB" },
	{ "host absent (\"\"), port only", NULL, "", 993, "tok",
	  "6e2c2c01706f72743d39393301617574683d42656172657220746f6b0101",
	  "biwsAXBvcnQ9OTkzAWF1dGg9QmVhcmVyIHRvawEB" },
	{ "port absent", "bob", "mx.example.org", 0, "tok",
	  "6e2c613d626f622c01686f73743d6d782e6578616d706c652e6f726701617574683d42656172"
	  "657220746f6b0101",
	  "bixhPWJvYiwBaG9zdD1teC5leGFtcGxlLm9yZwFhdXRoPUJlYXJlciB0b2sBAQ==" },
	{ "neither host nor port", NULL, NULL, 0, "tok",
	  "6e2c2c01617574683d42656172657220746f6b0101",
	  "biwsAWF1dGg9QmVhcmVyIHRvawEB" },
};

START_TEST(test_oauthbearer_golden)
{
	const struct oauthbearer_case *c = &oauthbearer_cases[_i];
	char *out = NULL;
	size_t outlen = 0;
	so2_err err;

	ck_assert_msg(so2_oauthbearer_response(c->authzid, c->host, c->port, c->token,
					       strlen(c->token), &out, &outlen, &err) == SO2_OK,
		      "%s: got %s, want SO2_OK", c->name, err.msg);
	check_golden(c->name, out, outlen, c->hex, c->b64);
	so2_wipe_free(out, outlen);
}
END_TEST

/* ---- argument errors -------------------------------------------------- */

static const struct response_error_case {
	const char *name;
	int oauthbearer;	/* 0: XOAUTH2 */
	const char *user;	/* XOAUTH2 user, or OAUTHBEARER authzid */
	const char *host;	/* OAUTHBEARER only */
	const char *token;
	size_t token_len;	/* 0 with a token: strlen */
} response_error_cases[] = {
	{ "xoauth2: empty user", 0, "", NULL, "tok-SECRET", 0 },
	{ "xoauth2: NULL user", 0, NULL, NULL, "tok-SECRET", 0 },
	{ "xoauth2: empty token", 0, "alice", NULL, "", 0 },
	{ "xoauth2: NULL token", 0, "alice", NULL, NULL, 0 },
	{ "xoauth2: token length 0", 0, "alice", NULL, "tok-SECRET", (size_t)-1 },
	{ "xoauth2: 0x01 in token", 0, "alice", NULL, "tok-SECRET\001auth=x", 0 },
	{ "xoauth2: NUL in token", 0, "alice", NULL, "tok-SECRET\0tail", 15 },
	{ "xoauth2: 0x01 in user", 0, "ali\001ce", NULL, "tok-SECRET", 0 },
	{ "oauthbearer: empty token", 1, NULL, "h", "", 0 },
	{ "oauthbearer: NULL token", 1, NULL, "h", NULL, 0 },
	{ "oauthbearer: 0x01 in token", 1, NULL, "h", "\001tok-SECRET", 0 },
	{ "oauthbearer: NUL in token", 1, NULL, "h", "tok-SECRET\0tail", 15 },
	{ "oauthbearer: 0x01 in authzid", 1, "bob\001", "h", "tok-SECRET", 0 },
	{ "oauthbearer: 0x01 in host", 1, "bob", "h\001port=1", "tok-SECRET", 0 },
};

START_TEST(test_response_errors)
{
	const struct response_error_case *c = &response_error_cases[_i];
	char *out = (char *)c;
	size_t outlen = 99, tlen;
	so2_err err;
	so2_status got;

	if (c->token_len == (size_t)-1)
		tlen = 0;
	else if (c->token_len != 0)
		tlen = c->token_len;
	else
		tlen = c->token ? strlen(c->token) : 0;
	so2_err_clear(&err);
	if (c->oauthbearer)
		got = so2_oauthbearer_response(c->user, c->host, 143, c->token, tlen, &out,
					       &outlen, &err);
	else
		got = so2_xoauth2_response(c->user, c->token, tlen, &out, &outlen, &err);
	ck_assert_msg(got == SO2_ERR_PARAM, "%s: got %s, want %s", c->name, so2_status_name(got),
		      so2_status_name(SO2_ERR_PARAM));
	ck_assert_msg(err.status == SO2_ERR_PARAM && err.msg[0] != '\0',
		      "%s: err not set (\"%s\")", c->name, err.msg);
	ck_assert_msg(out == NULL && outlen == 0, "%s: failure left output (%p, %zu)", c->name,
		      (void *)out, outlen);
	ck_assert_msg(strstr(err.msg, "SECRET") == NULL, "%s: message shows the token: %s",
		      c->name, err.msg);
}
END_TEST

/* A token too long for SO2_RESPONSE_MAX is refused, not truncated. */
START_TEST(test_response_too_long)
{
	size_t n = SO2_RESPONSE_MAX;
	char *token = malloc(n), *out = NULL;
	size_t outlen = 0;
	so2_err err;
	so2_status got;

	ck_assert(token != NULL);
	memset(token, 'A', n);
	got = so2_xoauth2_response("alice", token, n, &out, &outlen, &err);
	ck_assert_msg(got == SO2_ERR_PARAM && out == NULL, "xoauth2: got %s, want %s",
		      so2_status_name(got), so2_status_name(SO2_ERR_PARAM));
	got = so2_oauthbearer_response(NULL, NULL, 0, token, n, &out, &outlen, &err);
	ck_assert_msg(got == SO2_ERR_PARAM && out == NULL, "oauthbearer: got %s, want %s",
		      so2_status_name(got), so2_status_name(SO2_ERR_PARAM));

	/* The longest token that fits: "n,,^Aauth=Bearer " + T + "^A^A" + NUL. */
	n = SO2_RESPONSE_MAX - strlen("n,,\001auth=Bearer ") - 2 - 1;
	got = so2_oauthbearer_response(NULL, NULL, 0, token, n, &out, &outlen, &err);
	ck_assert_msg(got == SO2_OK, "oauthbearer, %zu-byte token: got %s (%s), want SO2_OK", n,
		      so2_status_name(got), err.msg);
	ck_assert_msg(outlen == SO2_RESPONSE_MAX - 1, "outlen: got %zu, want %d", outlen,
		      SO2_RESPONSE_MAX - 1);
	so2_wipe_free(out, outlen);
	free(token);
}
END_TEST

/* ---- so2_challenge_parse ---------------------------------------------- */

static const struct challenge_case {
	const char *name;
	const char *in;
	size_t len;		/* 0: strlen(in) */
	so2_status want;
	const char *status;	/* on SO2_OK */
	const char *scope;
	const char *schemes;
	const char *oidc;
	const char *want_msg;	/* on failure: substring of err.msg, NULL: skip */
} challenge_cases[] = {
	{ "google XOAUTH2",
	  "{\"status\":\"401\",\"schemes\":\"bearer\",\"scope\":\"https://mail.google.com/\"}", 0,
	  SO2_OK, "401", "https://mail.google.com/", "bearer", "", NULL },
	{ "RFC 7628 3.2.2",
	  "{\"status\":\"invalid_token\",\"scope\":\"example_scope\",\"openid-configuration\":"
	  "\"https://example.com/.well-known/openid-configuration\"}", 0,
	  SO2_OK, "invalid_token", "example_scope", "",
	  "https://example.com/.well-known/openid-configuration", NULL },
	{ "RFC 7628 with whitespace",
	  "{ \"status\": \"invalid_token\",\n  \"scope\": \"a b\" }\n", 0,
	  SO2_OK, "invalid_token", "a b", "", "", NULL },
	{ "integer status", "{\"status\":401,\"schemes\":\"bearer\"}", 0,
	  SO2_OK, "401", "", "bearer", "", NULL },
	{ "status only", "{\"status\":\"insufficient_scope\"}", 0,
	  SO2_OK, "insufficient_scope", "", "", "", NULL },
	{ "non-string members ignored", "{\"status\":\"400\",\"scope\":5,\"schemes\":[\"b\"]}", 0,
	  SO2_OK, "400", "", "", "", NULL },
	{ "unknown members ignored", "{\"x\":{\"y\":[1,2]},\"status\":\"401\"}", 0,
	  SO2_OK, "401", "", "", "", NULL },

	{ "no status", "{\"scope\":\"https://mail.google.com/\"}", 0,
	  SO2_ERR_PROTO, NULL, NULL, NULL, NULL, "status" },
	{ "status null", "{\"status\":null}", 0, SO2_ERR_PROTO, NULL, NULL, NULL, NULL, "status" },
	{ "status true", "{\"status\":true}", 0, SO2_ERR_PROTO, NULL, NULL, NULL, NULL, "status" },
	{ "status real", "{\"status\":401.5}", 0, SO2_ERR_PROTO, NULL, NULL, NULL, NULL,
	  "status" },
	{ "status object", "{\"status\":{}}", 0, SO2_ERR_PROTO, NULL, NULL, NULL, NULL,
	  "status" },
	{ "empty object", "{}", 0, SO2_ERR_PROTO, NULL, NULL, NULL, NULL, "status" },
	{ "not JSON", "+ OK", 0, SO2_ERR_PROTO, NULL, NULL, NULL, NULL, "server challenge:1:" },
	{ "not JSON, line 2", "{\"status\":\"401\",\n x}", 0, SO2_ERR_PROTO, NULL, NULL, NULL,
	  NULL, "server challenge:2:" },
	{ "array", "[{\"status\":\"401\"}]", 0, SO2_ERR_PROTO, NULL, NULL, NULL, NULL,
	  "not a JSON object" },
	{ "string", "\"invalid_token\"", 0, SO2_ERR_PROTO, NULL, NULL, NULL, NULL,
	  "server challenge" },
	{ "trailing garbage", "{\"status\":\"401\"}x", 0, SO2_ERR_PROTO, NULL, NULL, NULL, NULL,
	  "server challenge:1:" },
	{ "duplicate status", "{\"status\":\"200\",\"status\":\"401\"}", 0, SO2_ERR_PROTO, NULL,
	  NULL, NULL, NULL, "duplicate" },
	{ "NUL after the object", "{\"status\":\"401\"}\0", 17, SO2_ERR_PROTO, NULL, NULL, NULL,
	  NULL, "server challenge" },
	{ "NUL inside a string", "{\"status\":\"4\0001\"}", 16, SO2_ERR_PROTO, NULL, NULL, NULL,
	  NULL, "server challenge" },
	{ "NUL before the object", "\0{\"status\":\"401\"}", 17, SO2_ERR_PROTO, NULL, NULL, NULL,
	  NULL, "server challenge" },
	{ "escaped NUL", "{\"status\":\"401\\u0000x\"}", 0, SO2_ERR_PROTO, NULL, NULL, NULL,
	  NULL, "server challenge" },
	{ "invalid UTF-8", "{\"status\":\"\377\"}", 0, SO2_ERR_PROTO, NULL, NULL, NULL, NULL,
	  "server challenge" },
	{ "too deep", "{\"a\":[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]],\"status\":\"401\"}", 0,
	  SO2_ERR_PROTO, NULL, NULL, NULL, NULL, "nested deeper" },
	{ "empty", "", 0, SO2_ERR_PROTO, NULL, NULL, NULL, NULL, "empty" },
};

START_TEST(test_challenge_parse)
{
	const struct challenge_case *c = &challenge_cases[_i];
	size_t len = c->len ? c->len : strlen(c->in);
	so2_challenge ch;
	so2_err err;
	so2_status got;

	memset(&ch, 'X', sizeof(ch));
	so2_err_clear(&err);
	got = so2_challenge_parse(c->in, len, &ch, &err);
	ck_assert_msg(got == c->want, "%s: got %s (%s), want %s", c->name, so2_status_name(got),
		      err.msg, so2_status_name(c->want));
	if (got != SO2_OK) {
		ck_assert_msg(err.status == got && err.msg[0] != '\0', "%s: err not set", c->name);
		if (c->want_msg != NULL)
			ck_assert_msg(strstr(err.msg, c->want_msg) != NULL,
				      "%s: message \"%s\", want it to contain \"%s\"", c->name,
				      err.msg, c->want_msg);
		ck_assert_msg(ch.status[0] == '\0' && ch.scope[0] == '\0',
			      "%s: failure left fields set", c->name);
		return;
	}
	ck_assert_msg(strcmp(ch.status, c->status) == 0, "%s: status: got \"%s\", want \"%s\"",
		      c->name, ch.status, c->status);
	ck_assert_msg(strcmp(ch.scope, c->scope) == 0, "%s: scope: got \"%s\", want \"%s\"",
		      c->name, ch.scope, c->scope);
	ck_assert_msg(strcmp(ch.schemes, c->schemes) == 0, "%s: schemes: got \"%s\", want \"%s\"",
		      c->name, ch.schemes, c->schemes);
	ck_assert_msg(strcmp(ch.openid_configuration, c->oidc) == 0,
		      "%s: openid-configuration: got \"%s\", want \"%s\"", c->name,
		      ch.openid_configuration, c->oidc);
}
END_TEST

/* challenge_padded - {"status":"401"} padded with spaces to n bytes; malloc'd */
static char *
challenge_padded(size_t n)
{
	static const char obj[] = "{\"status\":\"401\"}";
	char *p = malloc(n);

	ck_assert(p != NULL && n >= sizeof(obj) - 1);
	memset(p, ' ', n);
	memcpy(p, obj, sizeof(obj) - 1);
	return p;
}

START_TEST(test_challenge_size)
{
	so2_challenge ch;
	so2_err err;
	so2_status got;
	char *in;

	in = challenge_padded(SO2_CHALLENGE_MAX);
	got = so2_challenge_parse(in, SO2_CHALLENGE_MAX, &ch, &err);
	ck_assert_msg(got == SO2_OK && strcmp(ch.status, "401") == 0,
		      "%d bytes: got %s (%s), want SO2_OK", SO2_CHALLENGE_MAX,
		      so2_status_name(got), err.msg);
	free(in);

	in = challenge_padded(SO2_CHALLENGE_MAX + 1);
	got = so2_challenge_parse(in, SO2_CHALLENGE_MAX + 1, &ch, &err);
	ck_assert_msg(got == SO2_ERR_PROTO, "%d bytes: got %s, want %s", SO2_CHALLENGE_MAX + 1,
		      so2_status_name(got), so2_status_name(SO2_ERR_PROTO));
	ck_assert_msg(strstr(err.msg, "more than the limit") != NULL,
		      "too large: message \"%s\", want \"more than the limit\"", err.msg);
	free(in);
}
END_TEST

/* ---- so2_challenge_token_invalid --------------------------------------- */

static const struct invalid_case {
	const char *status;
	int want;
} invalid_cases[] = {
	{ "invalid_token", 1 },
	{ "401", 1 },
	{ "400", 1 },
	{ "insufficient_scope", 0 },
	{ "invalid_request", 0 },
	{ "403", 0 },
	{ "500", 0 },
	{ "", 0 },
	{ "INVALID_TOKEN", 0 },
	{ "invalid_token ", 0 },
	{ "4010", 0 },
	{ "40", 0 },
};

START_TEST(test_challenge_token_invalid)
{
	const struct invalid_case *c = &invalid_cases[_i];
	so2_challenge ch;
	int got;

	memset(&ch, 0, sizeof(ch));
	snprintf(ch.status, sizeof(ch.status), "%s", c->status);
	got = so2_challenge_token_invalid(&ch);
	ck_assert_msg(got == c->want, "status \"%s\": got %d, want %d", c->status, got, c->want);
}
END_TEST

/* Parse then classify, as the plugin does. */
START_TEST(test_challenge_parse_then_classify)
{
	static const char google[] = "{\"status\":\"401\",\"schemes\":\"bearer\","
		"\"scope\":\"https://mail.google.com/\"}";
	static const char scope[] = "{\"status\":\"insufficient_scope\",\"scope\":\"x\"}";
	so2_challenge ch;
	so2_err err;

	ck_assert(so2_challenge_parse(google, strlen(google), &ch, &err) == SO2_OK);
	ck_assert_msg(so2_challenge_token_invalid(&ch), "google 401: got 0, want 1");
	ck_assert(so2_challenge_parse(scope, strlen(scope), &ch, &err) == SO2_OK);
	ck_assert_msg(!so2_challenge_token_invalid(&ch), "insufficient_scope: got 1, want 0");
}
END_TEST

#define N_ELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite *
suite_mechanism(void)
{
	Suite *s = suite_create("mechanism");
	TCase *tc;

	tc = tcase_create("responses");
	tcase_add_loop_test(tc, test_xoauth2_golden, 0, N_ELEM(xoauth2_cases));
	tcase_add_loop_test(tc, test_oauthbearer_golden, 0, N_ELEM(oauthbearer_cases));
	tcase_add_loop_test(tc, test_response_errors, 0, N_ELEM(response_error_cases));
	tcase_add_test(tc, test_response_too_long);
	suite_add_tcase(s, tc);

	tc = tcase_create("challenge");
	tcase_add_loop_test(tc, test_challenge_parse, 0, N_ELEM(challenge_cases));
	tcase_add_test(tc, test_challenge_size);
	tcase_add_loop_test(tc, test_challenge_token_invalid, 0, N_ELEM(invalid_cases));
	tcase_add_test(tc, test_challenge_parse_then_classify);
	suite_add_tcase(s, tc);
	return s;
}

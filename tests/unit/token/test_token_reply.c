/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test_token_reply.c - unit tests of token_reply.c, grant.c and http.c
 * DESCRIPTION
 *	Table-driven tests of the pure parts: so2_token_reply_parse() on
 *	real-shaped Microsoft and Google replies, so2_record_apply_reply().
 *	(The JSON helpers' tests are in base/test_json.c.) Network paths
 *	are only checked where they fail before or at connect (no https
 *	URL, nothing listening on 127.0.0.1 port 1); the token endpoint
 *	itself is exercised by tests/idp and the end-to-end tests.
 *
 *	Every secret in the tables contains "SECRET", and every test checks
 *	that no error message does.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "token/grant.h"

#include "base/json.h"
#include "tests.h"

#define RT	"0.AAAA-refresh-SECRET-rt"
#define AT	"eyJ0eXAi.access-SECRET-at"

/* Microsoft's error replies (v2.0 endpoint), trimmed to one AADSTS each. */
#define MS_ERR(err, code, text)							\
	"{\"error\":\"" err "\",\"error_description\":\"AADSTS" #code ": " text	\
	"\\r\\nTrace ID: 0000aaaa-1111-2222-3333-444455556666\\r\\nCorrelation ID: "	\
	"7777bbbb-8888-9999-aaaa-bbbbccccdddd\\r\\nTimestamp: 2024-05-01 10:00:00Z\","	\
	"\"error_codes\":[" #code "],\"timestamp\":\"2024-05-01 10:00:00Z\","	\
	"\"trace_id\":\"0000aaaa-1111-2222-3333-444455556666\","			\
	"\"correlation_id\":\"7777bbbb-8888-9999-aaaa-bbbbccccdddd\","		\
	"\"error_uri\":\"https://login.microsoftonline.com/error?code=" #code "\"}"

/* no_secret_in - fail when a message shows a secret */
static void
no_secret_in(const char *what, const char *msg)
{
	ck_assert_msg(strstr(msg, "SECRET") == NULL, "%s: message shows a secret: %s",
	    what, msg);
}

/* ---- so2_token_reply_parse ------------------------------------------ */

static const struct reply_case {
	const char *name;
	long http;
	const char *body;
	so2_status want;
	const char *want_at;		/* success: access token */
	const char *want_rt;		/* success: refresh token, NULL: none */
	long want_expires_in;		/* success */
	const char *want_error;		/* oerr->error */
	long want_code;			/* oerr->code */
	const char *want_msg;		/* substring of err.msg, NULL: skip */
	const char *want_no_msg;	/* must not be in err.msg, NULL: skip */
} reply_cases[] = {
	{ "success with refresh token", 200,
	  "{\"token_type\":\"Bearer\",\"scope\":\"https://outlook.office.com/SMTP.Send\","
	  "\"expires_in\":3599,\"ext_expires_in\":3599,\"access_token\":\"" AT "\","
	  "\"refresh_token\":\"" RT "\"}",
	  SO2_OK, AT, RT, 3599, "", 0, NULL, NULL },
	{ "success without refresh token", 200,
	  "{\"access_token\":\"" AT "\",\"token_type\":\"Bearer\",\"expires_in\":3600}",
	  SO2_OK, AT, NULL, 3600, "", 0, NULL, NULL },
	{ "expires_in as string (v1.0)", 200,
	  "{\"access_token\":\"" AT "\",\"token_type\":\"Bearer\",\"expires_in\":\"3600\"}",
	  SO2_OK, AT, NULL, 3600, "", 0, NULL, NULL },
	{ "expires_in bad string", 200,
	  "{\"access_token\":\"" AT "\",\"token_type\":\"Bearer\",\"expires_in\":\"36x\","
	  "\"refresh_token\":\"" RT "\"}",
	  SO2_OK, AT, RT, 3600, "", 0, NULL, NULL },
	{ "expires_in negative", 200,
	  "{\"access_token\":\"" AT "\",\"token_type\":\"Bearer\",\"expires_in\":-5}",
	  SO2_OK, AT, NULL, 3600, "", 0, NULL, NULL },
	{ "expires_in absent, no token_type", 200,
	  "{\"access_token\":\"" AT "\"}",
	  SO2_OK, AT, NULL, 3600, "", 0, NULL, NULL },
	{ "invalid_grant AADSTS70008", 400,
	  MS_ERR("invalid_grant", 70008, "The provided authorization code or refresh token "
	      "has expired due to inactivity."),
	  SO2_ERR_GRANT, NULL, NULL, 0, "invalid_grant", 70008,
	  "HTTP 400, invalid_grant: AADSTS70008: The provided authorization code or refresh "
	  "token has expired due to inactivity. (trace id 0000aaaa-1111-2222-3333-444455556666,"
	  " correlation id 7777bbbb-8888-9999-aaaa-bbbbccccdddd)", "Trace ID:" },
	{ "invalid_grant AADSTS700082", 400,
	  MS_ERR("invalid_grant", 700082, "The refresh token has expired due to inactivity."),
	  SO2_ERR_GRANT, NULL, NULL, 0, "invalid_grant", 700082,
	  "AADSTS700082: The refresh token has expired", "AADSTS700082: AADSTS" },
	{ "invalid_grant AADSTS50173", 400,
	  MS_ERR("invalid_grant", 50173, "The provided grant has expired due to it being "
	      "revoked, a fresh auth token is needed."),
	  SO2_ERR_GRANT, NULL, NULL, 0, "invalid_grant", 50173, "AADSTS50173", "\r" },
	{ "invalid_client AADSTS7000215, HTTP 401", 401,
	  MS_ERR("invalid_client", 7000215, "Invalid client secret provided."),
	  SO2_ERR_OAUTH, NULL, NULL, 0, "invalid_client", 7000215,
	  "HTTP 401, invalid_client: AADSTS7000215: Invalid client secret provided.", NULL },
	{ "interaction_required", 400,
	  MS_ERR("interaction_required", 50076, "Due to a configuration change made by your "
	      "administrator, you must use multi-factor authentication."),
	  SO2_ERR_GRANT, NULL, NULL, 0, "interaction_required", 50076, "AADSTS50076", NULL },
	{ "consent_required", 400, "{\"error\":\"consent_required\"}",
	  SO2_ERR_GRANT, NULL, NULL, 0, "consent_required", 0,
	  "HTTP 400, consent_required", NULL },
	{ "unauthorized_client", 400,
	  "{\"error\":\"unauthorized_client\",\"error_description\":\"AADSTS700016: "
	  "Application not found\"}",
	  SO2_ERR_GRANT, NULL, NULL, 0, "unauthorized_client", 700016,
	  "unauthorized_client: AADSTS700016: Application not found", NULL },
	{ "invalid_scope (Google shape)", 400,
	  "{\"error\":\"invalid_scope\",\"error_description\":\"Bad scope\"}",
	  SO2_ERR_OAUTH, NULL, NULL, 0, "invalid_scope", 0,
	  "HTTP 400, invalid_scope: Bad scope", NULL },
	{ "authorization_pending", 400,
	  MS_ERR("authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization "
	      "is pending. Continue polling."),
	  SO2_ERR_PENDING, NULL, NULL, 0, "authorization_pending", 70016, NULL, NULL },
	{ "slow_down", 400, "{\"error\":\"slow_down\"}",
	  SO2_ERR_SLOW_DOWN, NULL, NULL, 0, "slow_down", 0, NULL, NULL },
	{ "slow_down with 429", 429, "{\"error\":\"slow_down\"}",
	  SO2_ERR_SLOW_DOWN, NULL, NULL, 0, "slow_down", 0, NULL, NULL },
	{ "expired_token", 400,
	  MS_ERR("expired_token", 70020, "The provided value for the input parameter "
	      "'device_code' is not valid. This device code has expired."),
	  SO2_ERR_OAUTH, NULL, NULL, 0, "expired_token", 70020, "expired_token", NULL },
	{ "temporarily_unavailable", 400,
	  "{\"error\":\"temporarily_unavailable\",\"error_description\":\"try later\"}",
	  SO2_ERR_TEMP, NULL, NULL, 0, "temporarily_unavailable", 0, "try later", NULL },
	{ "invalid_grant with 503", 503, "{\"error\":\"invalid_grant\"}",
	  SO2_ERR_TEMP, NULL, NULL, 0, "invalid_grant", 0, "HTTP 503", NULL },
	{ "500 HTML", 500,
	  "<html><head><title>500 Internal Server Error</title></head></html>",
	  SO2_ERR_TEMP, NULL, NULL, 0, "", 0, "HTTP 500 (server error), not an OAuth reply",
	  "<html" },
	{ "429 empty", 429, "",
	  SO2_ERR_TEMP, NULL, NULL, 0, "", 0, "HTTP 429 (too many requests)", NULL },
	{ "302 redirect", 302, "",
	  SO2_ERR_TEMP, NULL, NULL, 0, "", 0, "redirects are not followed", NULL },
	{ "200 not JSON (form-encoded tokens)", 200,
	  "access_token=" AT "&token_type=bearer&refresh_token=" RT,
	  SO2_ERR_TEMP, NULL, NULL, 0, "", 0, "HTTP 200, not an OAuth reply", NULL },
	{ "200 JSON without access_token", 200,
	  "{\"token_type\":\"Bearer\",\"refresh_token\":\"" RT "\"}",
	  SO2_ERR_TEMP, NULL, NULL, 0, "", 0, "unusable token reply: it has no access_token;"
	  " it carries a new refresh token", NULL },
	{ "200 access_token not a string", 200,
	  "{\"access_token\":12345,\"refresh_token\":\"" RT "\"}",
	  SO2_ERR_TEMP, NULL, NULL, 0, "", 0, "its access_token is not a string", NULL },
	{ "200 access_token empty", 200, "{\"access_token\":\"\"}",
	  SO2_ERR_TEMP, NULL, NULL, 0, "", 0, "its access_token is empty", NULL },
	{ "200 refresh_token not a string: ignored", 200,
	  "{\"access_token\":\"" AT "\",\"refresh_token\":[1]}",
	  SO2_OK, AT, NULL, 3600, "", 0, NULL, NULL },
	/* Issue 10, point 2: every member validated (RFC 6749 5.1, RFC 6750
	 * 2.1), numbers in every form, a policy for the others. */
	{ "access_token with CR LF", 200,
	  "{\"access_token\":\"eyJ-SECRET\\r\\nX\",\"token_type\":\"Bearer\"}",
	  SO2_ERR_TEMP, NULL, NULL, 0, "", 0, "not an RFC 6750 b64token (byte 11 of 13 is 0x0d)",
	  NULL },
	{ "access_token with 0x01", 200,
	  "{\"access_token\":\"eyJ-SECRET\\u0001\",\"token_type\":\"Bearer\"}",
	  SO2_ERR_TEMP, NULL, NULL, 0, "", 0, "is 0x01", NULL },
	{ "access_token with a space", 200,
	  "{\"access_token\":\"eyJ SECRET\",\"token_type\":\"Bearer\"}",
	  SO2_ERR_TEMP, NULL, NULL, 0, "", 0, "is 0x20", NULL },
	{ "access_token = inside", 200,
	  "{\"access_token\":\"eyJ=SECRET\",\"token_type\":\"Bearer\"}",
	  SO2_ERR_TEMP, NULL, NULL, 0, "", 0, "b64token", NULL },
	{ "access_token b64token with padding", 200,
	  "{\"access_token\":\"eyJ-._~+/9==\",\"token_type\":\"Bearer\",\"expires_in\":60}",
	  SO2_OK, "eyJ-._~+/9==", NULL, 60, "", 0, NULL, NULL },
	{ "token_type mac", 200,
	  "{\"access_token\":\"" AT "\",\"token_type\":\"mac\",\"refresh_token\":\"" RT "\"}",
	  SO2_ERR_TEMP, NULL, NULL, 0, "", 0, "its token_type is \"mac\", not Bearer; it carries"
	  " a new refresh token", NULL },
	{ "token_type number", 200,
	  "{\"access_token\":\"" AT "\",\"token_type\":1}",
	  SO2_ERR_TEMP, NULL, NULL, 0, "", 0, "not Bearer", NULL },
	{ "token_type bearer, any case", 200,
	  "{\"access_token\":\"" AT "\",\"token_type\":\"bEARER\",\"expires_in\":3599}",
	  SO2_OK, AT, NULL, 3599, "", 0, NULL, NULL },
	{ "refresh_token with a space: ignored", 200,
	  "{\"access_token\":\"" AT "\",\"token_type\":\"Bearer\",\"refresh_token\":\"0.A B\"}",
	  SO2_OK, AT, NULL, 3600, "", 0, NULL, NULL },
	{ "refresh_token with LF: ignored", 200,
	  "{\"access_token\":\"" AT "\",\"token_type\":\"Bearer\",\"refresh_token\":\"0.A\\n\"}",
	  SO2_OK, AT, NULL, 3600, "", 0, NULL, NULL },
	{ "expires_in integral float", 200,
	  "{\"access_token\":\"" AT "\",\"token_type\":\"Bearer\",\"expires_in\":3600.0}",
	  SO2_OK, AT, NULL, 3600, "", 0, NULL, NULL },
	{ "expires_in float string", 200,
	  "{\"access_token\":\"" AT "\",\"token_type\":\"Bearer\",\"expires_in\":\"3600.0\"}",
	  SO2_OK, AT, NULL, 3600, "", 0, NULL, NULL },
	{ "expires_in fractional", 200,
	  "{\"access_token\":\"" AT "\",\"token_type\":\"Bearer\",\"expires_in\":3599.5}",
	  SO2_OK, AT, NULL, 3599, "", 0, NULL, NULL },
	{ "expires_in empty", 200,
	  "{\"access_token\":\"" AT "\",\"token_type\":\"Bearer\",\"expires_in\":\"\"}",
	  SO2_OK, AT, NULL, 3600, "", 0, NULL, NULL },
	{ "expires_in zero", 200,
	  "{\"access_token\":\"" AT "\",\"token_type\":\"Bearer\",\"expires_in\":0}",
	  SO2_OK, AT, NULL, 3600, "", 0, NULL, NULL },
	{ "expires_in 2^63 with a rotated refresh token", 200,
	  "{\"access_token\":\"" AT "\",\"token_type\":\"Bearer\","
	  "\"expires_in\":9223372036854775808,\"refresh_token\":\"" RT "\"}",
	  SO2_OK, AT, RT, 366L * 86400, "", 0, NULL, NULL },
	{ "expires_in 1e300", 200,
	  "{\"access_token\":\"" AT "\",\"token_type\":\"Bearer\",\"expires_in\":1e300}",
	  SO2_OK, AT, NULL, 366L * 86400, "", 0, NULL, NULL },
	{ "expires_in true", 200,
	  "{\"access_token\":\"" AT "\",\"token_type\":\"Bearer\",\"expires_in\":true}",
	  SO2_OK, AT, NULL, 3600, "", 0, NULL, NULL },
	{ "400 JSON without error", 400, "{\"message\":\"nope\"}",
	  SO2_ERR_TEMP, NULL, NULL, 0, "", 0, "HTTP 400, reply has no OAuth error", NULL },
	{ "error not a string", 400, "{\"error\":42}",
	  SO2_ERR_TEMP, NULL, NULL, 0, "", 0, "member error is not a string", NULL },
	{ "top level array", 200, "[\"" AT "\"]",
	  SO2_ERR_TEMP, NULL, NULL, 0, "", 0, "not a JSON object", NULL },
	{ "trailing garbage", 200,
	  "{\"access_token\":\"" AT "\",\"token_type\":\"Bearer\"} {\"x\":1}",
	  SO2_ERR_TEMP, NULL, NULL, 0, "", 0, "body:1:", NULL },
	{ "duplicate key", 200,
	  "{\"access_token\":\"" AT "\",\"access_token\":\"" AT "2\"}",
	  SO2_ERR_TEMP, NULL, NULL, 0, "", 0, "duplicate", NULL },
	{ "depth bomb", 200,
	  "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1"
	  "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
	  SO2_ERR_TEMP, NULL, NULL, 0, "", 0, "body:1:21: nested deeper than 16", NULL },
	{ "bad escape inside a token", 200,
	  "{\"access_token\":\"eyJ-SECRET\\q-more\"}",
	  SO2_ERR_TEMP, NULL, NULL, 0, "", 0, "body:1:", NULL },
	{ "NUL escape", 200, "{\"access_token\":\"a\\u0000b\"}",
	  SO2_ERR_TEMP, NULL, NULL, 0, "", 0, "not an OAuth reply", NULL },
	{ "control characters in description", 400,
	  "{\"error\":\"invalid_request\",\"error_description\":\"bad\\u001b[31m red\"}",
	  SO2_ERR_OAUTH, NULL, NULL, 0, "invalid_request", 0, "bad?[31m red", "\033" },
};

/* test_reply_parse - one row of reply_cases */
START_TEST(test_reply_parse)
{
	const struct reply_case *c = &reply_cases[_i];
	so2_token_reply rep;
	so2_oauth_error oerr;
	so2_err err;
	so2_status got;

	so2_err_clear(&err);
	got = so2_token_reply_parse(c->http, c->body, strlen(c->body), &rep, &oerr, &err);
	ck_assert_msg(got == c->want, "%s: status: got %s, want %s (%s)", c->name,
	    so2_status_name(got), so2_status_name(c->want), err.msg);
	ck_assert_msg(oerr.http_status == c->http, "%s: http_status: got %ld, want %ld",
	    c->name, oerr.http_status, c->http);
	ck_assert_msg(strcmp(oerr.error, c->want_error) == 0, "%s: error: got \"%s\", want \"%s\"",
	    c->name, oerr.error, c->want_error);
	ck_assert_msg(oerr.code == c->want_code, "%s: code: got %ld, want %ld", c->name,
	    oerr.code, c->want_code);
	if (got == SO2_OK) {
		ck_assert_msg(rep.access_token.data != NULL
		    && strcmp(rep.access_token.data, c->want_at) == 0,
		    "%s: access_token differs (got %zu bytes, want %zu)", c->name,
		    rep.access_token.len, strlen(c->want_at));
		ck_assert_msg(rep.access_token.len == strlen(c->want_at),
		    "%s: access_token len: got %zu, want %zu", c->name, rep.access_token.len,
		    strlen(c->want_at));
		if (c->want_rt == NULL)
			ck_assert_msg(so2_secret_empty(&rep.refresh_token),
			    "%s: refresh_token: got %zu bytes, want none", c->name,
			    rep.refresh_token.len);
		else
			ck_assert_msg(rep.refresh_token.data != NULL
			    && strcmp(rep.refresh_token.data, c->want_rt) == 0,
			    "%s: refresh_token differs", c->name);
		ck_assert_msg(rep.expires_in == c->want_expires_in,
		    "%s: expires_in: got %ld, want %ld", c->name, rep.expires_in,
		    c->want_expires_in);
		ck_assert_msg(rep.token_type != NULL && strcmp(rep.token_type, "Bearer") == 0,
		    "%s: token_type: got %s, want Bearer", c->name,
		    rep.token_type ? rep.token_type : "NULL");
	} else {
		ck_assert_msg(so2_secret_empty(&rep.access_token) && rep.token_type == NULL,
		    "%s: failed reply left members filled", c->name);
		ck_assert_msg(err.status == got, "%s: err.status: got %s, want %s", c->name,
		    so2_status_name(err.status), so2_status_name(got));
	}
	if (c->want_msg != NULL)
		ck_assert_msg(strstr(err.msg, c->want_msg) != NULL,
		    "%s: message: got \"%s\", want it to contain \"%s\"", c->name, err.msg,
		    c->want_msg);
	if (c->want_no_msg != NULL)
		ck_assert_msg(strstr(err.msg, c->want_no_msg) == NULL,
		    "%s: message: got \"%s\", want no \"%s\"", c->name, err.msg, c->want_no_msg);
	no_secret_in(c->name, err.msg);
	no_secret_in(c->name, oerr.description);
	so2_token_reply_clear(&rep);
}
END_TEST

/* test_reply_ms_fields - Microsoft's diagnostic members land in oerr */
START_TEST(test_reply_ms_fields)
{
	static const char body[] = MS_ERR("invalid_grant", 70008, "Expired.");
	so2_token_reply rep;
	so2_oauth_error oerr;
	so2_err err;

	so2_token_reply_parse(400, body, sizeof(body) - 1, &rep, &oerr, &err);
	ck_assert_msg(strcmp(oerr.description, "AADSTS70008: Expired.") == 0,
	    "description: got \"%s\", want \"AADSTS70008: Expired.\"", oerr.description);
	ck_assert_msg(strcmp(oerr.trace_id, "0000aaaa-1111-2222-3333-444455556666") == 0,
	    "trace_id: got \"%s\"", oerr.trace_id);
	ck_assert_msg(strcmp(oerr.correlation_id, "7777bbbb-8888-9999-aaaa-bbbbccccdddd") == 0,
	    "correlation_id: got \"%s\"", oerr.correlation_id);
	ck_assert_msg(strcmp(oerr.timestamp, "2024-05-01 10:00:00Z") == 0,
	    "timestamp: got \"%s\"", oerr.timestamp);
	ck_assert_msg(oerr.retry_after == 0, "retry_after: got %ld, want 0", oerr.retry_after);
	so2_token_reply_clear(&rep);
}
END_TEST

/* An unusable reply that carries a rotated refresh token leaves it for
 * the caller to keep (issue 10, point 2); a usable one with a policy
 * applied says so in its note, never silently. */
START_TEST(test_reply_keeps_refresh)
{
	static const char *const unusable[] = {
		"{\"access_token\":\"eyJ\\r\\nX\",\"token_type\":\"Bearer\",\"refresh_token\":\"" RT
		"\"}",
		"{\"access_token\":\"" AT "\",\"token_type\":\"mac\",\"refresh_token\":\"" RT "\"}",
		"{\"token_type\":\"Bearer\",\"refresh_token\":\"" RT "\"}",
	};
	static const struct {
		const char *body, *note;
	} noted[] = {
		{ "{\"access_token\":\"" AT "\"}", "no token_type" },
		{ "{\"access_token\":\"" AT "\",\"token_type\":\"Bearer\"}",
		  "expires_in is absent" },
		{ "{\"access_token\":\"" AT "\",\"token_type\":\"Bearer\",\"expires_in\":\"\"}",
		  "expires_in is empty" },
		{ "{\"access_token\":\"" AT "\",\"token_type\":\"Bearer\",\"expires_in\":0}",
		  "expires_in is zero" },
		{ "{\"access_token\":\"" AT "\",\"token_type\":\"Bearer\",\"expires_in\":-1}",
		  "expires_in is negative" },
		{ "{\"access_token\":\"" AT "\",\"token_type\":\"Bearer\",\"expires_in\":59.9}",
		  "not a whole number" },
		{ "{\"access_token\":\"" AT "\",\"token_type\":\"Bearer\",\"expires_in\":"
		  "9223372036854775808}", "is absurd" },
		{ "{\"access_token\":\"" AT "\",\"token_type\":\"Bearer\",\"expires_in\":60,"
		  "\"refresh_token\":\"a b\"}", "refresh_token was ignored: byte 2 of 3 is 0x20" },
	};
	so2_token_reply rep;
	so2_oauth_error oerr;
	so2_status got;
	so2_err err;
	size_t i;

	for (i = 0; i < sizeof(unusable) / sizeof(unusable[0]); i++) {
		got = so2_token_reply_parse(200, unusable[i], strlen(unusable[i]), &rep, &oerr,
					    &err);
		ck_assert_msg(got == SO2_ERR_TEMP, "unusable %zu: got %s", i, so2_status_name(got));
		ck_assert_msg(rep.refresh_token.data != NULL && strcmp(rep.refresh_token.data, RT)
			      == 0, "unusable %zu: the rotated refresh token was dropped", i);
		ck_assert_msg(strstr(err.msg, "carries a new refresh token") != NULL,
			      "unusable %zu: message \"%s\" does not say so", i, err.msg);
		no_secret_in("unusable", err.msg);
		so2_token_reply_clear(&rep);
	}
	for (i = 0; i < sizeof(noted) / sizeof(noted[0]); i++) {
		got = so2_token_reply_parse(200, noted[i].body, strlen(noted[i].body), &rep, &oerr,
					    &err);
		ck_assert_msg(got == SO2_OK, "noted %zu: got %s (%s)", i, so2_status_name(got),
			      err.msg);
		ck_assert_msg(strstr(rep.note, noted[i].note) != NULL,
			      "noted %zu: note \"%s\", want \"%s\"", i, rep.note, noted[i].note);
		so2_token_reply_clear(&rep);
	}
	{
		static const char digits[] = "{\"access_token\":\"" AT "\",\"token_type\":"
					     "\"Bearer\",\"expires_in\":\"3600\"}";

		got = so2_token_reply_parse(200, digits, sizeof(digits) - 1, &rep, &oerr, &err);
	}
	ck_assert_msg(got == SO2_OK && rep.note[0] == '\0', "digit string: note \"%s\"",
		      rep.note);
	so2_token_reply_clear(&rep);
}
END_TEST

/* test_reply_oversize - a reply above the parse cap is refused, not cut */
START_TEST(test_reply_oversize)
{
	static const char head[] = "{\"access_token\":\"";
	size_t len = SO2_TOKEN_REPLY_MAX + 1;
	so2_token_reply rep;
	so2_oauth_error oerr;
	so2_err err;
	so2_status got;
	char *body;

	body = malloc(len + 1);
	ck_assert_ptr_nonnull(body);
	memset(body, 'A', len);
	memcpy(body, head, sizeof(head) - 1);
	memcpy(body + len - 2, "\"}", 2);
	body[len] = '\0';
	got = so2_token_reply_parse(200, body, len, &rep, &oerr, &err);
	ck_assert_msg(got == SO2_ERR_TEMP, "status: got %s, want %s", so2_status_name(got),
	    so2_status_name(SO2_ERR_TEMP));
	ck_assert_msg(strstr(err.msg, "more than the limit") != NULL,
	    "message: got \"%s\", want \"more than the limit\"", err.msg);
	so2_token_reply_clear(&rep);
	free(body);
}
END_TEST

/* test_reply_deep_array - a long run of brackets is refused cheaply */
START_TEST(test_reply_deep_array)
{
	size_t n = 100000;
	so2_token_reply rep;
	so2_oauth_error oerr;
	so2_err err;
	so2_status got;
	char *body;

	body = malloc(n);
	ck_assert_ptr_nonnull(body);
	memset(body, '[', n);
	body[0] = '{';
	got = so2_token_reply_parse(200, body, n, &rep, &oerr, &err);
	ck_assert_msg(got == SO2_ERR_TEMP, "status: got %s, want %s", so2_status_name(got),
	    so2_status_name(SO2_ERR_TEMP));
	ck_assert_msg(strstr(err.msg, "nested deeper") != NULL,
	    "message: got \"%s\", want \"nested deeper\"", err.msg);
	free(body);
}
END_TEST

/* test_grant_dead - the error codes meaning "login again" */
START_TEST(test_grant_dead)
{
	static const struct { const char *error; int want; } t[] = {
		{ "invalid_grant", 1 }, { "interaction_required", 1 },
		{ "consent_required", 1 }, { "unauthorized_client", 1 },
		{ "invalid_client", 0 }, { "invalid_scope", 0 }, { "expired_token", 0 },
		{ "INVALID_GRANT", 0 }, { "", 0 }, { NULL, 0 },
	};
	size_t i;
	int got;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		got = so2_oauth_error_grant_dead(t[i].error);
		ck_assert_msg(got == t[i].want, "grant_dead(%s): got %d, want %d",
		    t[i].error ? t[i].error : "NULL", got, t[i].want);
	}
}
END_TEST

/* ---- so2_record_apply_reply ----------------------------------------- */

/* reply_fill - a reply holding the given tokens */
static void
reply_fill(so2_token_reply *rep, const char *at, const char *rt, long expires_in)
{
	memset(rep, 0, sizeof(*rep));
	ck_assert_int_eq(so2_secret_set(&rep->access_token, at, strlen(at)), SO2_OK);
	if (rt != NULL)
		ck_assert_int_eq(so2_secret_set(&rep->refresh_token, rt, strlen(rt)), SO2_OK);
	rep->token_type = strdup("Bearer");
	ck_assert_ptr_nonnull(rep->token_type);
	rep->expires_in = expires_in;
}

static const struct apply_case {
	const char *name;
	const char *reply_rt;		/* NULL: reply without refresh token */
	long expires_in;
	const char *want_rt;
	time_t want_expires_at;		/* relative to now */
} apply_cases[] = {
	{ "rotation replaces the refresh token", "RT-new-SECRET", 3599, "RT-new-SECRET", 3599 },
	{ "no refresh token keeps the stored one", NULL, 3599, "RT-old-SECRET", 3599 },
	{ "expires_in absent means 3600", NULL, -1, "RT-old-SECRET", 3600 },
	{ "expires_in 0", "RT-new-SECRET", 0, "RT-new-SECRET", 0 },
	{ "expires_in huge is capped at a year", NULL, LONG_MAX, "RT-old-SECRET", 366L * 86400 },
};

/* test_apply_reply - one row of apply_cases */
START_TEST(test_apply_reply)
{
	const struct apply_case *c = &apply_cases[_i];
	const time_t now = 1700000000;
	so2_token_reply rep;
	so2_record *rec;
	so2_err err;
	so2_status got;

	rec = so2_record_new();
	ck_assert_ptr_nonnull(rec);
	ck_assert_int_eq(so2_secret_set(&rec->access_token, "AT-old-SECRET", 13), SO2_OK);
	ck_assert_int_eq(so2_secret_set(&rec->refresh_token, "RT-old-SECRET", 13), SO2_OK);
	ck_assert_int_eq(so2_record_set_str(&rec->state, SO2_STATE_STALE), SO2_OK);
	ck_assert_int_eq(so2_record_set_str(&rec->last_error, "HTTP 503"), SO2_OK);
	rec->obtained_at = now - 86400;
	rec->last_error_at = now - 60;
	rec->failures = 3;
	rec->retry_after = now + 600;
	reply_fill(&rep, "AT-new-SECRET", c->reply_rt, c->expires_in);

	got = so2_record_apply_reply(rec, &rep, now, &err);
	ck_assert_msg(got == SO2_OK, "%s: status: got %s (%s), want ok", c->name,
	    so2_status_name(got), err.msg);
	ck_assert_msg(strcmp(rec->access_token.data, "AT-new-SECRET") == 0
	    && rec->access_token.len == 13, "%s: access token not replaced", c->name);
	ck_assert_msg(strcmp(rec->refresh_token.data, c->want_rt) == 0,
	    "%s: refresh token: got the %s one, want %s", c->name,
	    strstr(rec->refresh_token.data, "old") ? "old" : "new", c->want_rt);
	ck_assert_msg(rec->expires_at == now + c->want_expires_at,
	    "%s: expires_at: got now%+lld, want now%+lld", c->name,
	    (long long)(rec->expires_at - now), (long long)c->want_expires_at);
	ck_assert_msg(rec->refreshed_at == now, "%s: refreshed_at: got %lld, want %lld",
	    c->name, (long long)rec->refreshed_at, (long long)now);
	ck_assert_msg(rec->obtained_at == now - 86400, "%s: obtained_at changed", c->name);
	ck_assert_msg(so2_record_has_state(rec, SO2_STATE_OK), "%s: state: got %s, want ok",
	    c->name, rec->state ? rec->state : "NULL");
	ck_assert_msg(rec->last_error == NULL && rec->last_error_at == 0,
	    "%s: last_error not cleared", c->name);
	ck_assert_msg(rec->failures == 0 && rec->retry_after == 0,
	    "%s: failures %ld retry_after %lld, want 0 0", c->name, rec->failures,
	    (long long)rec->retry_after);
	ck_assert_msg(rec->token_type && strcmp(rec->token_type, "Bearer") == 0,
	    "%s: token_type: got %s, want Bearer", c->name,
	    rec->token_type ? rec->token_type : "NULL");
	so2_token_reply_clear(&rep);
	so2_record_free(rec);
}
END_TEST

/* test_apply_first - a new record gets obtained_at; an empty reply is refused */
START_TEST(test_apply_first)
{
	so2_token_reply rep;
	so2_record *rec;
	so2_err err;
	so2_status got;

	rec = so2_record_new();
	ck_assert_ptr_nonnull(rec);
	reply_fill(&rep, "AT-SECRET", "RT-SECRET", 60);
	got = so2_record_apply_reply(rec, &rep, 1000, &err);
	ck_assert_msg(got == SO2_OK, "status: got %s, want ok", so2_status_name(got));
	ck_assert_msg(rec->obtained_at == 1000, "obtained_at: got %lld, want 1000",
	    (long long)rec->obtained_at);
	ck_assert_msg(rec->expires_at == 1060, "expires_at: got %lld, want 1060",
	    (long long)rec->expires_at);
	so2_token_reply_clear(&rep);

	memset(&rep, 0, sizeof(rep));
	got = so2_record_apply_reply(rec, &rep, 2000, &err);
	ck_assert_msg(got == SO2_ERR_PARAM, "empty reply: got %s, want %s",
	    so2_status_name(got), so2_status_name(SO2_ERR_PARAM));
	ck_assert_msg(strcmp(rec->access_token.data, "AT-SECRET") == 0,
	    "empty reply changed the record");
	so2_record_free(rec);
}
END_TEST

/* ---- requests that fail before any server answers ------------------- */

/* test_request_refused - not https, nothing listening, no refresh token */
START_TEST(test_request_refused)
{
	static const so2_form_field form[] = {
		{ "grant_type", "refresh_token", 0 },
		{ "refresh_token", RT, 1 },
		{ NULL, NULL, 0 },
	};
	so2_http_conf hc = { NULL, NULL, 0, "", 5, 10, 65536, 0, 0 };
	so2_token_reply rep;
	so2_oauth_error oerr;
	so2_record *rec;
	so2_err err;
	so2_status got;

	ck_assert_int_eq(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
	got = so2_token_request(&hc, "http://127.0.0.1:1/token", form, &rep, &oerr, &err);
	ck_assert_msg(got == SO2_ERR_PARAM, "http URL: got %s, want %s", so2_status_name(got),
	    so2_status_name(SO2_ERR_PARAM));
	ck_assert_msg(strstr(err.msg, "not an https URL") != NULL, "http URL: message \"%s\"",
	    err.msg);

	got = so2_token_request(&hc, "https://127.0.0.1:1/token", form, &rep, &oerr, &err);
	ck_assert_msg(got == SO2_ERR_TEMP, "closed port: got %s, want %s",
	    so2_status_name(got), so2_status_name(SO2_ERR_TEMP));
	ck_assert_msg(strncmp(err.msg, "https://127.0.0.1:1/token: ", 27) == 0,
	    "closed port: message \"%s\" does not start with the URL", err.msg);
	ck_assert_msg(oerr.http_status == 0, "closed port: http_status: got %ld, want 0",
	    oerr.http_status);
	no_secret_in("closed port", err.msg);

	rec = so2_record_new();
	ck_assert_ptr_nonnull(rec);
	ck_assert_int_eq(so2_record_set_str(&rec->account, "relay@example.com"), SO2_OK);
	ck_assert_int_eq(so2_record_set_str(&rec->token_endpoint, "https://127.0.0.1:1/t"),
	    SO2_OK);
	ck_assert_int_eq(so2_record_set_str(&rec->client_id, "11111111-2222-3333-4444-"
	    "555555555555"), SO2_OK);
	got = so2_grant_refresh(&hc, rec, &rep, &oerr, &err);
	ck_assert_msg(got == SO2_ERR_GRANT, "no refresh token: got %s, want %s",
	    so2_status_name(got), so2_status_name(SO2_ERR_GRANT));

	ck_assert_int_eq(so2_secret_set(&rec->refresh_token, RT, strlen(RT)), SO2_OK);
	ck_assert_int_eq(so2_record_set_str(&rec->client_auth, SO2_CLIENT_AUTH_SECRET), SO2_OK);
	ck_assert_int_eq(so2_record_set_str(&rec->client_secret_file, "/nonexistent/secret"),
	    SO2_OK);
	got = so2_grant_refresh(&hc, rec, &rep, &oerr, &err);
	ck_assert_msg(got == SO2_ERR_CONFIG, "unreadable secret file: got %s, want %s",
	    so2_status_name(got), so2_status_name(SO2_ERR_CONFIG));
	ck_assert_msg(strstr(err.msg, "/nonexistent/secret") != NULL,
	    "unreadable secret file: message \"%s\" does not name the file", err.msg);
	so2_record_free(rec);
	curl_global_cleanup();
}
END_TEST

/* suite_token_reply - token replies: parse, apply, request */
Suite *
suite_token_reply(void)
{
	Suite *s = suite_create("token_reply");
	TCase *tc;

	tc = tcase_create("reply_parse");
	tcase_add_loop_test(tc, test_reply_parse, 0,
	    (int)(sizeof(reply_cases) / sizeof(reply_cases[0])));
	tcase_add_test(tc, test_reply_ms_fields);
	tcase_add_test(tc, test_reply_oversize);
	tcase_add_test(tc, test_reply_keeps_refresh);
	tcase_add_test(tc, test_reply_deep_array);
	tcase_add_test(tc, test_grant_dead);
	suite_add_tcase(s, tc);

	tc = tcase_create("apply_reply");
	tcase_add_loop_test(tc, test_apply_reply, 0,
	    (int)(sizeof(apply_cases) / sizeof(apply_cases[0])));
	tcase_add_test(tc, test_apply_first);
	suite_add_tcase(s, tc);

	tc = tcase_create("request");
	tcase_add_test(tc, test_request_refused);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}

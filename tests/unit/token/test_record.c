/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test_record.c - unit tests of record.c
 * DESCRIPTION
 *	so2_record_parse() on a table of records, valid and broken in every
 *	way the format allows (sasl-oauth2-record(5)); the depth and size
 *	caps at and just past their limits; serialize then parse gives back
 *	every field; the so2_record_needs_refresh() truth table.
 *
 *	Every token in the tables contains "SECRET", and every failure
 *	message is checked not to contain it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "token/record.h"

#include "tests.h"

#define ORIGIN	"/var/lib/sasl-oauth2/alice.json"

#define AT	"eyJ0eXAiOiJKV1Qi.access-SECRET-at"
#define RT	"0.AAAA-refresh-SECRET-rt"

/*
 * The members of a minimal valid record, each with its trailing comma,
 * so that a table entry can leave one out ("") or replace it. The last
 * member of every record is an unknown one, which the parser ignores.
 */
#define V_	"\"version\": 1, "
#define A_	"\"account\": \"alice@example.com\", "
#define E_	"\"token_endpoint\": \"https://login.example.com/oauth2/v2.0/token\", "
#define C_	"\"client_id\": \"9e5f94bc-e8a4-4e73-b8be-63364c29d753\", "
#define T_	"\"access_token\": \"" AT "\", "
#define X_	"\"expires_at\": 1700003600, "
#define R_	"\"refresh_token\": \"" RT "\", "
#define END	"\"x_end\": 0}"

/* REC - a record from its six required members and extra ones */
#define REC(v, a, e, c, t, x, more)	"{" v a e c t x more END
#define MIN(more)			REC(V_, A_, E_, C_, T_, X_, more)

/* no_secret_in - fail when a message shows a token */
static void
no_secret_in(const char *what, const char *msg)
{
	ck_assert_msg(strstr(msg, "SECRET") == NULL, "%s: message shows a token: %s", what,
		      msg);
}

/* ---- so2_record_parse: the table ------------------------------------ */

static const struct parse_case {
	const char *name;
	const char *json;
	so2_status want;
	const char *want_msg;	/* substring of err.msg on failure, NULL: skip */
} parse_cases[] = {
	/* Valid. */
	{ "minimal", MIN(""), SO2_OK, NULL },
	{ "refresh token only", REC(V_, A_, E_, C_, "", X_, R_), SO2_OK, NULL },
	{ "needs_login without tokens",
	  REC(V_, A_, E_, C_, "", X_, "\"state\": \"needs_login\", "), SO2_OK, NULL },
	{ "state stale", MIN("\"state\": \"stale\", "), SO2_OK, NULL },
	{ "optional members null",
	  MIN("\"scope\": null, \"obtained_at\": null, \"refresh_token\": null, "), SO2_OK, NULL },
	{ "unknown members ignored",
	  MIN("\"x_future\": {\"a\": [1, 2.5, {\"b\": null}]}, \"comment\": \"edited\", "),
	  SO2_OK, NULL },
	{ "no whitespace", "{\"version\":1,\"account\":\"a\",\"token_endpoint\":\"https://e/t\","
	  "\"client_id\":\"c\",\"access_token\":\"" AT "\",\"expires_at\":0}", SO2_OK, NULL },
	{ "expires_at zero", REC(V_, A_, E_, C_, T_, "\"expires_at\": 0, ", ""), SO2_OK, NULL },

	/* Required members missing, null or empty. */
	{ "version missing", REC("", A_, E_, C_, T_, X_, ""), SO2_ERR_RECORD, "version" },
	{ "account missing", REC(V_, "", E_, C_, T_, X_, ""), SO2_ERR_RECORD,
	  "member account is missing" },
	{ "token_endpoint missing", REC(V_, A_, "", C_, T_, X_, ""), SO2_ERR_RECORD,
	  "member token_endpoint is missing" },
	{ "client_id missing", REC(V_, A_, E_, "", T_, X_, ""), SO2_ERR_RECORD,
	  "member client_id is missing" },
	{ "access_token missing, no refresh_token", REC(V_, A_, E_, C_, "", X_, ""),
	  SO2_ERR_RECORD, "member access_token is missing" },
	{ "expires_at missing", REC(V_, A_, E_, C_, T_, "", ""), SO2_ERR_RECORD,
	  "member expires_at is missing" },
	{ "account null", REC(V_, "\"account\": null, ", E_, C_, T_, X_, ""), SO2_ERR_RECORD,
	  "member account is missing" },
	{ "account empty", REC(V_, "\"account\": \"\", ", E_, C_, T_, X_, ""), SO2_ERR_RECORD,
	  "member account is missing or empty" },
	{ "client_id empty", REC(V_, A_, E_, "\"client_id\": \"\", ", T_, X_, ""),
	  SO2_ERR_RECORD, "member client_id is missing or empty" },
	{ "access_token empty, no refresh_token",
	  REC(V_, A_, E_, C_, "\"access_token\": \"\", ", X_, ""), SO2_ERR_RECORD,
	  "member access_token is missing" },
	{ "expires_at null", REC(V_, A_, E_, C_, T_, "\"expires_at\": null, ", ""),
	  SO2_ERR_RECORD, "member expires_at is missing" },

	/* Wrong types. */
	{ "version as string", REC("\"version\": \"1\", ", A_, E_, C_, T_, X_, ""),
	  SO2_ERR_RECORD, "version" },
	{ "version as real", REC("\"version\": 1.0, ", A_, E_, C_, T_, X_, ""),
	  SO2_ERR_RECORD, "version" },
	{ "account number", REC(V_, "\"account\": 5, ", E_, C_, T_, X_, ""), SO2_ERR_RECORD,
	  "member account: not a string" },
	{ "client_id true", REC(V_, A_, E_, "\"client_id\": true, ", T_, X_, ""),
	  SO2_ERR_RECORD, "member client_id: not a string" },
	{ "scope object", MIN("\"scope\": {}, "), SO2_ERR_RECORD, "member scope: not a string" },
	{ "state number", MIN("\"state\": 1, "), SO2_ERR_RECORD, "member state: not a string" },
	{ "access_token number", REC(V_, A_, E_, C_, "\"access_token\": 123, ", X_, ""),
	  SO2_ERR_RECORD, "member access_token: not a string" },
	{ "refresh_token array", MIN("\"refresh_token\": [\"" RT "\"], "), SO2_ERR_RECORD,
	  "member refresh_token: not a string" },
	/* Numbers another tool wrote as strings or integral reals (issue 10,
	 * point 2): read; the writer puts integers back. */
	{ "expires_at string", REC(V_, A_, E_, C_, T_, "\"expires_at\": \"1700003600\", ", ""),
	  SO2_OK, NULL },
	{ "expires_at integral real", REC(V_, A_, E_, C_, T_, "\"expires_at\": 1700003600.0, ",
	  ""), SO2_OK, NULL },
	{ "expires_at string not digits", REC(V_, A_, E_, C_, T_, "\"expires_at\": \"17e8\", ",
	  ""), SO2_ERR_RECORD, "member expires_at must be a non-negative integer" },
	{ "expires_at real", REC(V_, A_, E_, C_, T_, "\"expires_at\": 1700003600.5, ", ""),
	  SO2_ERR_RECORD, "member expires_at must be a non-negative integer" },
	{ "failures string", MIN("\"failures\": \"3\", "), SO2_OK, NULL },
	{ "failures string negative", MIN("\"failures\": \"-3\", "), SO2_ERR_RECORD,
	  "member failures must be a non-negative integer" },

	/* Negative times and counters. */
	{ "expires_at negative", REC(V_, A_, E_, C_, T_, "\"expires_at\": -1, ", ""),
	  SO2_ERR_RECORD, "member expires_at must be a non-negative integer" },
	{ "obtained_at negative", MIN("\"obtained_at\": -5, "), SO2_ERR_RECORD,
	  "member obtained_at must be a non-negative integer" },
	{ "retry_after negative", MIN("\"retry_after\": -1700000000, "), SO2_ERR_RECORD,
	  "member retry_after" },
	{ "failures negative", MIN("\"failures\": -1, "), SO2_ERR_RECORD,
	  "member failures must be a non-negative integer" },

	/* States and versions. */
	{ "unknown state", MIN("\"state\": \"expired\", "), SO2_ERR_RECORD,
	  "member state: unknown value \"expired\"" },
	{ "state in capitals", MIN("\"state\": \"OK\", "), SO2_ERR_RECORD,
	  "member state: unknown value" },
	{ "version 2", REC("\"version\": 2, ", A_, E_, C_, T_, X_, ""), SO2_ERR_RECORD,
	  "record version 2 is not supported" },
	{ "version 0", REC("\"version\": 0, ", A_, E_, C_, T_, X_, ""), SO2_ERR_RECORD,
	  "record version 0 is not supported" },

	/* Not a record at all. */
	{ "not JSON, line 3", "{\n  \"version\": 1,\n  account: \"alice\"\n}", SO2_ERR_RECORD,
	  ORIGIN ":3:" },
	{ "not JSON, line 1", "version=1", SO2_ERR_RECORD, ORIGIN ":1:" },
	{ "unterminated", "{\"version\": 1, \"access_token\": \"" AT, SO2_ERR_RECORD,
	  ORIGIN ":1:" },
	{ "trailing garbage", MIN("") " {}", SO2_ERR_RECORD, ORIGIN ":1:" },
	{ "two objects", MIN("") "\n" MIN(""), SO2_ERR_RECORD, ORIGIN ":2:" },
	{ "array", "[" MIN("") "]", SO2_ERR_RECORD, "not a JSON object" },
	{ "string", "\"" AT "\"", SO2_ERR_RECORD, ORIGIN },
	{ "duplicate key", MIN("\"account\": \"mallory@example.com\", "), SO2_ERR_RECORD,
	  "duplicate" },
	{ "duplicate token", MIN("\"access_token\": \"other-SECRET\", "), SO2_ERR_RECORD,
	  "duplicate" },
	{ "escaped NUL in account", REC(V_, "\"account\": \"a\\u0000b\", ", E_, C_, T_, X_, ""),
	  SO2_ERR_RECORD, ORIGIN ":1:" },
	{ "bad escape in token", REC(V_, A_, E_, C_, "\"access_token\": \"SECRET\\q\", ", X_, ""),
	  SO2_ERR_RECORD, ORIGIN ":1:" },
	{ "control byte in token", REC(V_, A_, E_, C_, "\"access_token\": \"SECRET\001\", ", X_,
	  ""), SO2_ERR_RECORD, ORIGIN ":1:" },
	{ "invalid UTF-8 in token", REC(V_, A_, E_, C_, "\"access_token\": \"SECRET\377\", ", X_,
	  ""), SO2_ERR_RECORD, ORIGIN ":1:" },
	{ "empty object", "{}", SO2_ERR_RECORD, "version" },
	{ "whitespace only", " \n ", SO2_ERR_RECORD, ORIGIN },
};

#define N_PARSE ((int)(sizeof(parse_cases) / sizeof(parse_cases[0])))

START_TEST(test_record_parse_table)
{
	const struct parse_case *c = &parse_cases[_i];
	so2_record *rec = (so2_record *)&rec;	/* not NULL: the parser must set it */
	so2_err err;
	so2_status got;

	so2_err_clear(&err);
	got = so2_record_parse(ORIGIN, c->json, strlen(c->json), &rec, &err);
	ck_assert_msg(got == c->want, "%s: got %s (%s), want %s", c->name, so2_status_name(got),
		      err.msg, so2_status_name(c->want));
	if (got == SO2_OK) {
		ck_assert_msg(rec != NULL, "%s: SO2_OK without a record", c->name);
		ck_assert_msg(rec->state != NULL, "%s: no state after parse", c->name);
		so2_record_free(rec);
		return;
	}
	ck_assert_msg(rec == NULL, "%s: failure left *out set", c->name);
	ck_assert_msg(err.status == got, "%s: err.status %s, returned %s", c->name,
		      so2_status_name(err.status), so2_status_name(got));
	ck_assert_msg(strncmp(err.msg, ORIGIN, strlen(ORIGIN)) == 0,
		      "%s: message \"%s\" does not start with the origin", c->name, err.msg);
	if (c->want_msg != NULL)
		ck_assert_msg(strstr(err.msg, c->want_msg) != NULL,
			      "%s: message \"%s\", want it to contain \"%s\"", c->name, err.msg,
			      c->want_msg);
	no_secret_in(c->name, err.msg);
}
END_TEST

/* Empty input and the origin: the first and last bytes of a message. */
START_TEST(test_record_parse_empty)
{
	so2_record *rec = NULL;
	so2_err err;
	so2_status got;

	got = so2_record_parse(ORIGIN, "", 0, &rec, &err);
	ck_assert_msg(got == SO2_ERR_RECORD && rec == NULL, "empty: got %s, want %s",
		      so2_status_name(got), so2_status_name(SO2_ERR_RECORD));
	ck_assert_msg(strstr(err.msg, ORIGIN) != NULL, "empty: message \"%s\" lacks the origin",
		      err.msg);
	got = so2_record_parse(ORIGIN, NULL, 0, &rec, &err);
	ck_assert_msg(got == SO2_ERR_RECORD && rec == NULL, "NULL: got %s, want %s",
		      so2_status_name(got), so2_status_name(SO2_ERR_RECORD));
}
END_TEST

/* Every member of a full record is read as written. */
START_TEST(test_record_parse_full)
{
	static const char json[] =
		"{\n"
		"  \"version\": 1,\n"
		"  \"account\": \"alice@example.com\",\n"
		"  \"provider\": \"microsoft\",\n"
		"  \"token_endpoint\": \"https://login.example.com/t\",\n"
		"  \"client_id\": \"cid\",\n"
		"  \"client_auth\": \"secret\",\n"
		"  \"client_secret_file\": \"/etc/sasl-oauth2/alice.secret\",\n"
		"  \"grant_type\": \"device_code\",\n"
		"  \"scope\": \"offline_access https://outlook.office.com/SMTP.Send\",\n"
		"  \"token_type\": \"Bearer\",\n"
		"  \"access_token\": \"" AT "\",\n"
		"  \"expires_at\": 1700003600,\n"
		"  \"refresh_token\": \"" RT "\",\n"
		"  \"obtained_at\": 1690000000,\n"
		"  \"refreshed_at\": 1700000000,\n"
		"  \"state\": \"stale\",\n"
		"  \"last_error\": \"server said \\\"invalid_token\\\"\\n\",\n"
		"  \"last_error_at\": 1700000100,\n"
		"  \"failures\": 3,\n"
		"  \"retry_after\": 1700000400\n"
		"}\n";
	so2_record *r = NULL;
	so2_err err;

	ck_assert_msg(so2_record_parse(ORIGIN, json, strlen(json), &r, &err) == SO2_OK,
		      "full: got %s, want SO2_OK", err.msg);
#define STR_EQ(m, want) \
	ck_assert_msg(r->m != NULL && strcmp(r->m, want) == 0, #m ": got \"%s\", want \"%s\"", \
		      r->m ? r->m : "(null)", want)
#define NUM_EQ(m, want) \
	ck_assert_msg((long long)r->m == (long long)(want), #m ": got %lld, want %lld", \
		      (long long)r->m, (long long)(want))
	STR_EQ(account, "alice@example.com");
	STR_EQ(provider, "microsoft");
	STR_EQ(token_endpoint, "https://login.example.com/t");
	STR_EQ(client_id, "cid");
	STR_EQ(client_auth, SO2_CLIENT_AUTH_SECRET);
	STR_EQ(client_secret_file, "/etc/sasl-oauth2/alice.secret");
	STR_EQ(grant_type, "device_code");
	STR_EQ(scope, "offline_access https://outlook.office.com/SMTP.Send");
	STR_EQ(token_type, "Bearer");
	STR_EQ(state, SO2_STATE_STALE);
	STR_EQ(last_error, "server said \"invalid_token\"\n");
	STR_EQ(access_token.data, AT);
	STR_EQ(refresh_token.data, RT);
	NUM_EQ(access_token.len, strlen(AT));
	NUM_EQ(refresh_token.len, strlen(RT));
	NUM_EQ(expires_at, 1700003600);
	NUM_EQ(obtained_at, 1690000000);
	NUM_EQ(refreshed_at, 1700000000);
	NUM_EQ(last_error_at, 1700000100);
	NUM_EQ(failures, 3);
	NUM_EQ(retry_after, 1700000400);
#undef STR_EQ
#undef NUM_EQ
	so2_record_free(r);
}
END_TEST

/* A minimal record: optional members absent, times 0, state ok. */
START_TEST(test_record_parse_minimal_defaults)
{
	static const char json[] = MIN("");
	so2_record *r = NULL;
	so2_err err;

	ck_assert_msg(so2_record_parse(ORIGIN, json, strlen(json), &r, &err) == SO2_OK,
		      "minimal: got %s, want SO2_OK", err.msg);
	ck_assert_msg(r->provider == NULL && r->scope == NULL && r->last_error == NULL
		      && r->client_auth == NULL && r->token_type == NULL,
		      "minimal: an absent string member is not NULL");
	ck_assert_msg(so2_secret_empty(&r->refresh_token), "minimal: refresh_token not empty");
	ck_assert_msg(r->obtained_at == 0 && r->refreshed_at == 0 && r->failures == 0
		      && r->retry_after == 0 && r->last_error_at == 0,
		      "minimal: an absent number is not 0");
	ck_assert_msg(so2_record_has_state(r, SO2_STATE_OK), "minimal: state \"%s\", want ok",
		      r->state);
	so2_record_free(r);
}
END_TEST

/* nest - a valid record with an unknown member nested depth levels deep
 *	(the top object counts as 1), padded with spaces to total bytes
 *	when total is larger. malloc'd, *len set. */
static char *
nest(int depth, size_t total, size_t *len)
{
	static const char head[] = "{" V_ A_ E_ C_ T_ X_ "\"x_deep\": ";
	size_t n = sizeof(head) + 2 * (size_t)depth + 2;
	char *p, *buf;
	int i;

	if (total + 1 > n)
		n = total + 1;
	buf = malloc(n);
	ck_assert(buf != NULL);
	p = buf;
	memcpy(p, head, sizeof(head) - 1);
	p += sizeof(head) - 1;
	for (i = 1; i < depth; i++)
		*p++ = '[';
	*p++ = '0';
	for (i = 1; i < depth; i++)
		*p++ = ']';
	*p++ = '}';
	while ((size_t)(p - buf) < total)
		*p++ = ' ';
	*p = '\0';
	*len = (size_t)(p - buf);
	return buf;
}

START_TEST(test_record_parse_depth)
{
	so2_record *r = NULL;
	so2_err err;
	size_t len;
	char *json;
	so2_status got;

	/* 16 levels (the object and 15 arrays) is the limit. */
	json = nest(16, 0, &len);
	got = so2_record_parse(ORIGIN, json, len, &r, &err);
	ck_assert_msg(got == SO2_OK, "depth 16: got %s (%s), want SO2_OK", so2_status_name(got),
		      err.msg);
	so2_record_free(r);
	free(json);

	json = nest(17, 0, &len);
	got = so2_record_parse(ORIGIN, json, len, &r, &err);
	ck_assert_msg(got == SO2_ERR_RECORD && r == NULL, "depth 17: got %s, want %s",
		      so2_status_name(got), so2_status_name(SO2_ERR_RECORD));
	ck_assert_msg(strstr(err.msg, "nested deeper than") != NULL
		      && strncmp(err.msg, ORIGIN ":1:", strlen(ORIGIN ":1:")) == 0,
		      "depth 17: message \"%s\", want \"" ORIGIN ":1:COL: nested deeper than\"",
		      err.msg);
	free(json);

	/* A bomb: 100000 brackets is refused before any parsing. */
	json = nest(100000, 0, &len);
	got = so2_record_parse(ORIGIN, json, len, &r, &err);
	ck_assert_msg(got == SO2_ERR_RECORD && r == NULL, "depth bomb: got %s, want %s",
		      so2_status_name(got), so2_status_name(SO2_ERR_RECORD));
	free(json);

	/* Brackets inside strings do not count. */
	{
		static const char s[] = MIN("\"x\": \"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"[[[[\", ");

		got = so2_record_parse(ORIGIN, s, strlen(s), &r, &err);
		ck_assert_msg(got == SO2_OK, "brackets in a string: got %s (%s), want SO2_OK",
			      so2_status_name(got), err.msg);
		so2_record_free(r);
	}
}
END_TEST

START_TEST(test_record_parse_size)
{
	so2_record *r = NULL;
	so2_err err;
	size_t len;
	char *json;
	so2_status got;

	json = nest(2, SO2_RECORD_MAX, &len);
	ck_assert(len == SO2_RECORD_MAX);
	got = so2_record_parse(ORIGIN, json, len, &r, &err);
	ck_assert_msg(got == SO2_OK, "%ld bytes: got %s (%s), want SO2_OK", (long)SO2_RECORD_MAX,
		      so2_status_name(got), err.msg);
	so2_record_free(r);
	free(json);

	json = nest(2, SO2_RECORD_MAX + 1, &len);
	got = so2_record_parse(ORIGIN, json, len, &r, &err);
	ck_assert_msg(got == SO2_ERR_RECORD && r == NULL, "%ld bytes: got %s, want %s",
		      (long)SO2_RECORD_MAX + 1, so2_status_name(got),
		      so2_status_name(SO2_ERR_RECORD));
	ck_assert_msg(strstr(err.msg, "more than the limit") != NULL,
		      "over the cap: message \"%s\", want \"more than the limit\"", err.msg);
	free(json);
}
END_TEST

/* Whatever else is wrong, a message never shows the tokens it read. */
START_TEST(test_record_parse_no_token_in_messages)
{
	static const char *const bad[] = {
		REC("\"version\": 9, ", A_, E_, C_, T_, X_, R_),
		REC(V_, A_, E_, C_, T_, "\"expires_at\": -1, ", R_),
		REC(V_, "", E_, C_, T_, X_, R_),
		MIN(R_ "\"scope\": 5, "),
		MIN(R_ "\"failures\": \"" AT "\", "),
		"{\"access_token\": \"" AT "\", \"refresh_token\": \"" RT "\" \"version\": 1}",
		"{\"access_token\": \"" AT "\", \"refresh_token\": \"" RT "\", }",
		"{\"access_token\": \"" AT "\", \"refresh_token\": " RT "}",
		"{\"access_token\": \"" AT "\", \"access_token\": \"" RT "\"}",
		"{\"refresh_token\": \"" RT "\", \"access_token\": \"" AT "\\x\"}",
	};
	so2_record *r = NULL;
	so2_err err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char what[32];

		snprintf(what, sizeof(what), "bad record %zu", i);
		ck_assert_msg(so2_record_parse(ORIGIN, bad[i], strlen(bad[i]), &r, &err)
			      == SO2_ERR_RECORD, "%s: got %s, want a failure", what, err.msg);
		no_secret_in(what, err.msg);
		ck_assert_msg(strstr(err.msg, "eyJ0eXAi") == NULL
			      && strstr(err.msg, "0.AAAA") == NULL,
			      "%s: message shows part of a token: %s", what, err.msg);
	}
}
END_TEST

/* ---- serialize then parse ------------------------------------------- */

/* full_record - a record with every member set */
static so2_record *
full_record(void)
{
	so2_record *r = so2_record_new();

	ck_assert(r != NULL);
	ck_assert(so2_record_set_str(&r->account, "alice@example.com") == SO2_OK);
	ck_assert(so2_record_set_str(&r->provider, "google") == SO2_OK);
	ck_assert(so2_record_set_str(&r->token_endpoint, "https://oauth2.example.com/token")
		  == SO2_OK);
	ck_assert(so2_record_set_str(&r->client_id, "123.apps.example.com") == SO2_OK);
	ck_assert(so2_record_set_str(&r->client_auth, SO2_CLIENT_AUTH_CERT) == SO2_OK);
	ck_assert(so2_record_set_str(&r->client_secret_file, "/etc/x/\"quoted\"\\key.pem")
		  == SO2_OK);
	ck_assert(so2_record_set_str(&r->grant_type, "authorization_code") == SO2_OK);
	ck_assert(so2_record_set_str(&r->scope, "https://mail.google.com/") == SO2_OK);
	ck_assert(so2_record_set_str(&r->token_type, "Bearer") == SO2_OK);
	ck_assert(so2_record_set_str(&r->state, SO2_STATE_NEEDS_LOGIN) == SO2_OK);
	ck_assert(so2_record_set_str(&r->last_error, "invalid_grant: caf\xc3\xa9\n\ttab")
		  == SO2_OK);
	ck_assert(so2_secret_set(&r->access_token, AT, strlen(AT)) == SO2_OK);
	ck_assert(so2_secret_set(&r->refresh_token, RT, strlen(RT)) == SO2_OK);
	r->expires_at = 1700003600;
	r->obtained_at = 1690000000;
	r->refreshed_at = 1700000000;
	r->last_error_at = 1700000100;
	r->failures = 7;
	r->retry_after = (time_t)4102444800LL;	/* 2100: past 2038 */
	return r;
}

/* str_same - both NULL or equal */
static int
str_same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* secret_same - same bytes (an empty secret equals any other empty one) */
static int
secret_same(const so2_secret *a, const so2_secret *b)
{
	if (so2_secret_empty(a) || so2_secret_empty(b))
		return so2_secret_empty(a) && so2_secret_empty(b);
	return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

/* assert_same - every field of got equals the field of want */
static void
assert_same(const char *what, const so2_record *got, const so2_record *want)
{
#define S(m) ck_assert_msg(str_same(got->m, want->m), "%s: " #m ": got \"%s\", want \"%s\"", \
			   what, got->m ? got->m : "(null)", want->m ? want->m : "(null)")
#define N(m) ck_assert_msg(got->m == want->m, "%s: " #m ": got %lld, want %lld", what, \
			   (long long)got->m, (long long)want->m)
	S(account);
	S(provider);
	S(token_endpoint);
	S(client_id);
	S(client_auth);
	S(client_secret_file);
	S(grant_type);
	S(scope);
	S(token_type);
	S(state);
	S(last_error);
	ck_assert_msg(secret_same(&got->access_token, &want->access_token),
		      "%s: access_token differs", what);
	ck_assert_msg(secret_same(&got->refresh_token, &want->refresh_token),
		      "%s: refresh_token differs", what);
	N(expires_at);
	N(obtained_at);
	N(refreshed_at);
	N(last_error_at);
	N(failures);
	N(retry_after);
#undef S
#undef N
}

/* round_trip - serialize want, parse it back, compare */
static void
round_trip(const char *what, const so2_record *want)
{
	so2_record *got = NULL;
	so2_err err;
	char *json = NULL;
	size_t len = 0;

	ck_assert_msg(so2_record_serialize(want, &json, &len, &err) == SO2_OK,
		      "%s: serialize: %s", what, err.msg);
	ck_assert_msg(json != NULL && len == strlen(json), "%s: serialize: length %zu, strlen %zu",
		      what, len, json ? strlen(json) : 0);
	ck_assert_msg(len > 0 && json[len - 1] == '\n', "%s: serialized text does not end in a"
		      " newline", what);
	ck_assert_msg(so2_record_parse(ORIGIN, json, len, &got, &err) == SO2_OK,
		      "%s: parse of serialized record: %s", what, err.msg);
	assert_same(what, got, want);
	so2_record_free(got);
	so2_wipe_free(json, len);
}

START_TEST(test_record_round_trip_full)
{
	so2_record *r = full_record();

	round_trip("full", r);
	so2_record_free(r);
}
END_TEST

START_TEST(test_record_round_trip_minimal)
{
	so2_record *r = so2_record_new();

	ck_assert(r != NULL);
	ck_assert(so2_record_set_str(&r->account, "a") == SO2_OK);
	ck_assert(so2_record_set_str(&r->token_endpoint, "https://e/t") == SO2_OK);
	ck_assert(so2_record_set_str(&r->client_id, "c") == SO2_OK);
	ck_assert(so2_secret_set(&r->access_token, "t", 1) == SO2_OK);
	round_trip("minimal", r);

	/* Refresh token only, expiry 0 (unknown). */
	so2_secret_clear(&r->access_token);
	ck_assert(so2_secret_set(&r->refresh_token, RT, strlen(RT)) == SO2_OK);
	round_trip("refresh only", r);
	so2_record_free(r);
}
END_TEST

/* ---- set_str, has_state ---------------------------------------------- */

START_TEST(test_record_set_str)
{
	char *m = NULL;

	ck_assert(so2_record_set_str(&m, "one") == SO2_OK);
	ck_assert_msg(m != NULL && strcmp(m, "one") == 0, "set: got \"%s\", want \"one\"", m);
	ck_assert(so2_record_set_str(&m, "two") == SO2_OK);
	ck_assert_msg(strcmp(m, "two") == 0, "replace: got \"%s\", want \"two\"", m);
	ck_assert(so2_record_set_str(&m, NULL) == SO2_OK);
	ck_assert_msg(m == NULL, "set NULL: got \"%s\", want NULL", m);
}
END_TEST

START_TEST(test_record_has_state)
{
	so2_record *r = so2_record_new();

	ck_assert(r != NULL);
	ck_assert_msg(so2_record_has_state(r, SO2_STATE_OK), "new record: state is not ok");
	free(r->state);
	r->state = NULL;
	ck_assert_msg(so2_record_has_state(r, SO2_STATE_OK), "NULL state: not taken as ok");
	ck_assert_msg(!so2_record_has_state(r, SO2_STATE_STALE), "NULL state: taken as stale");
	so2_record_free(r);
	so2_record_free(NULL);
}
END_TEST

/* ---- needs_refresh ---------------------------------------------------- */

#define NOW	((time_t)1700000000)

static const struct refresh_case {
	const char *name;
	const char *token;	/* NULL: empty */
	const char *state;	/* NULL: member absent */
	time_t expires_at;
	long margin;
	int want;
} refresh_cases[] = {
	{ "valid, far from expiry", AT, SO2_STATE_OK, NOW + 3600, 300, 0 },
	{ "empty token", NULL, SO2_STATE_OK, NOW + 3600, 300, 1 },
	{ "zero-length token", "", SO2_STATE_OK, NOW + 3600, 300, 1 },
	{ "stale", AT, SO2_STATE_STALE, NOW + 3600, 300, 1 },
	{ "needs_login is not stale", AT, SO2_STATE_NEEDS_LOGIN, NOW + 3600, 300, 0 },
	{ "state absent", AT, NULL, NOW + 3600, 300, 0 },
	{ "inside the margin", AT, SO2_STATE_OK, NOW + 299, 300, 1 },
	{ "at the margin", AT, SO2_STATE_OK, NOW + 300, 300, 1 },
	{ "just outside the margin", AT, SO2_STATE_OK, NOW + 301, 300, 0 },
	{ "expired", AT, SO2_STATE_OK, NOW - 1, 300, 1 },
	{ "expires now, margin 0", AT, SO2_STATE_OK, NOW, 0, 1 },
	{ "expires in 1 s, margin 0", AT, SO2_STATE_OK, NOW + 1, 0, 0 },
	{ "expiry unknown (0)", AT, SO2_STATE_OK, 0, 300, 1 },
	/* a 10-minute token, refresh_margin 900: the margin applies as
	 * configured (status and doctor warn, issue 11 item 9) */
	{ "margin above a 600 s lifetime", AT, SO2_STATE_OK, NOW + 500, 900, 1 },
};

START_TEST(test_record_needs_refresh)
{
	const struct refresh_case *c = &refresh_cases[_i];
	so2_record *r = so2_record_new();
	int got;

	ck_assert(r != NULL);
	if (c->token != NULL)
		ck_assert(so2_secret_set(&r->access_token, c->token, strlen(c->token)) == SO2_OK);
	ck_assert(so2_record_set_str(&r->state, c->state) == SO2_OK);
	r->expires_at = c->expires_at;
	r->refreshed_at = c->margin >= 900 ? c->expires_at - 600 : 0;
	got = so2_record_needs_refresh(r, NOW, c->margin);
	ck_assert_msg(got == c->want, "%s: got %d, want %d", c->name, got, c->want);
	so2_record_free(r);
}
END_TEST

Suite *
suite_record(void)
{
	Suite *s = suite_create("record");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_record_parse_table, 0, N_PARSE);
	tcase_add_test(tc, test_record_parse_empty);
	tcase_add_test(tc, test_record_parse_full);
	tcase_add_test(tc, test_record_parse_minimal_defaults);
	tcase_add_test(tc, test_record_parse_depth);
	tcase_add_test(tc, test_record_parse_size);
	tcase_add_test(tc, test_record_parse_no_token_in_messages);
	suite_add_tcase(s, tc);

	tc = tcase_create("serialize");
	tcase_add_test(tc, test_record_round_trip_full);
	tcase_add_test(tc, test_record_round_trip_minimal);
	tcase_add_test(tc, test_record_set_str);
	tcase_add_test(tc, test_record_has_state);
	suite_add_tcase(s, tc);

	tc = tcase_create("needs_refresh");
	tcase_add_loop_test(tc, test_record_needs_refresh, 0,
			    (int)(sizeof(refresh_cases) / sizeof(refresh_cases[0])));
	suite_add_tcase(s, tc);
	return s;
}

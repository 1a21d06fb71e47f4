/* SPDX-License-Identifier: MIT */
/*
 * test_jwt.c - claims of access tokens (jwt.h), table-driven
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "token/diagnose.h"
#include "token/jwt.h"

#include "tests.h"

/* make_jwt - "e30." + base64url(payload) + ".sig" into buf */
static void
make_jwt(const char *payload, char *buf, size_t size)
{
	unsigned char b64[4096];
	int n = EVP_EncodeBlock(b64, (const unsigned char *)payload, (int)strlen(payload));
	int i;

	while (n > 0 && b64[n - 1] == '=')
		n--;
	for (i = 0; i < n; i++)
		b64[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : b64[i];
	b64[n] = '\0';
	snprintf(buf, size, "eyJ0eXAiOiJKV1QifQ.%s.c2ln", (const char *)b64);
}

static const struct {
	const char *payload;		/* NULL: use raw as the token */
	const char *raw;
	int opaque;
	const char *aud, *scp, *roles, *upn, *idtyp;
	long exp;
	int exchange, graph, app_only;
} cases[] = {
	{ "{\"aud\":\"https://outlook.office.com\",\"scp\":\"SMTP.Send\",\"upn\":\"a@b.c\","
	  "\"idtyp\":\"user\",\"exp\":1800000000}", NULL, 0, "https://outlook.office.com",
	  "SMTP.Send", "", "a@b.c", "user", 1800000000, 1, 0, 0 },
	{ "{\"aud\":\"00000003-0000-0000-c000-000000000000\",\"scp\":\"Mail.Send\","
	  "\"preferred_username\":\"x@y.z\"}", NULL, 0, "00000003-0000-0000-c000-000000000000",
	  "Mail.Send", "", "x@y.z", "", 0, 0, 1, 0 },
	{ "{\"aud\":[\"https://outlook.office365.com/\"],\"roles\":[\"SMTP.SendAsApp\","
	  "\"IMAP.AccessAsApp\"]}", NULL, 0, "https://outlook.office365.com/", "",
	  "SMTP.SendAsApp IMAP.AccessAsApp", "", "", 0, 1, 0, 1 },
	{ "{\"upn\":\"a\\nb\",\"exp\":1.5e9}", NULL, 0, "", "", "", "a?b", "", 1500000000, 0, 0,
	  0 },
	/* A time that is no time (after the year 9999, or beyond time_t: UB
	 * in the cast; found by tests/fuzz/fuzz_jwt.c) is absent. */
	{ "{\"upn\":\"u\",\"exp\":1e300}", NULL, 0, "", "", "", "u", "", 0, 0, 0, 0 },
	{ "{\"upn\":\"u\",\"exp\":1e19}", NULL, 0, "", "", "", "u", "", 0, 0, 0, 0 },
	{ "{\"upn\":\"u\",\"exp\":253402300800}", NULL, 0, "", "", "", "u", "", 0, 0, 0,
	  0 },
	{ "{\"upn\":\"u\",\"exp\":253402300799}", NULL, 0, "", "", "", "u", "",
	  253402300799, 0, 0, 0 },
	{ NULL, "EwBwA8l6BAAU.opaque-consumer-token", 1, "", "", "", "", "", 0, 0, 0, 0 },
	{ NULL, "ya29.a0AfH6SMB", 1, "", "", "", "", "", 0, 0, 0, 0 },
	{ NULL, "a.b+c.d", 1, "", "", "", "", "", 0, 0, 0, 0 },
	{ NULL, "a.W10.d", 1, "", "", "", "", "", 0, 0, 0, 0 },	/* "[]": not an object */
	{ NULL, "a.b.c.d", 1, "", "", "", "", "", 0, 0, 0, 0 },
};

START_TEST(test_jwt_cases)
{
	char token[8192];
	so2_jwt_claims c;
	so2_err err;

	if (cases[_i].payload != NULL)
		make_jwt(cases[_i].payload, token, sizeof(token));
	else
		snprintf(token, sizeof(token), "%s", cases[_i].raw);
	ck_assert_int_eq(so2_jwt_read(token, strlen(token), &c, &err), SO2_OK);
	ck_assert_msg(c.opaque == cases[_i].opaque, "case %d opaque: got %d, want %d", _i,
		      c.opaque, cases[_i].opaque);
	ck_assert_msg(strcmp(c.aud, cases[_i].aud) == 0, "case %d aud: got '%s', want '%s'", _i,
		      c.aud, cases[_i].aud);
	ck_assert_msg(strcmp(c.scp, cases[_i].scp) == 0, "case %d scp: got '%s'", _i, c.scp);
	ck_assert_msg(strcmp(c.roles, cases[_i].roles) == 0, "case %d roles: got '%s'", _i,
		      c.roles);
	ck_assert_msg(strcmp(c.upn, cases[_i].upn) == 0, "case %d upn: got '%s'", _i, c.upn);
	ck_assert_msg(strcmp(c.idtyp, cases[_i].idtyp) == 0, "case %d idtyp: got '%s'", _i,
		      c.idtyp);
	ck_assert_msg((long)c.exp == cases[_i].exp, "case %d exp: got %ld, want %ld", _i,
		      (long)c.exp, cases[_i].exp);
	ck_assert_msg(so2_jwt_audience_exchange(c.aud) == cases[_i].exchange,
		      "case %d exchange audience", _i);
	ck_assert_msg(so2_jwt_audience_graph(c.aud) == cases[_i].graph, "case %d graph", _i);
	ck_assert_msg(so2_jwt_app_only(&c) == cases[_i].app_only, "case %d app only", _i);
}
END_TEST

/* A token that starts like a JWT but does not decode is damaged, not opaque
 * (https://github.com/PHPMailer/PHPMailer/pull/2793: a database field cut it). */
static const struct {
	const char *token;
	int damaged;
} damaged_cases[] = {
	{ "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL291dGxvb2sub2ZmaWNl", 1 },
	{ "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9", 1 },
	{ "eyJ0eXAi.e30.c2ln.x.y", 0 },	/* five parts: a JWE, opaque by design */
	{ "EwBAAl3BAAUFFpUAo7J3Ve0bjLBWZWCclRC3EoAA", 0 },
	{ "ya29.a0AfH6SMBfakegoogle", 0 },
	{ "eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJ4In0.c2ln", 0 },	/* a whole JWT */
};

START_TEST(test_jwt_damaged)
{
	so2_jwt_claims c;
	so2_err err;
	const char *t = damaged_cases[_i].token;

	ck_assert_int_eq(so2_jwt_read(t, strlen(t), &c, &err), SO2_OK);
	ck_assert_msg(c.damaged == damaged_cases[_i].damaged, "case %d damaged: got %d, want %d",
		      _i, c.damaged, damaged_cases[_i].damaged);
	ck_assert_msg(!c.damaged || c.opaque, "case %d: damaged but not opaque", _i);
}
END_TEST

/* Claims longer than the fields: the last names are dropped whole, never cut
 * into another permission (a cut Mail.Send.Shared read as Mail.Send and an
 * HVE token passed the check). */
START_TEST(test_jwt_cut_claims)
{
	char payload[4096], token[8192], role[128];
	so2_jwt_claims c;
	so2_err err;
	size_t n;
	int i;

	memset(role, 'R', 91);
	role[91] = '\0';
	n = (size_t)snprintf(payload, sizeof(payload), "{\"idtyp\":\"app\",\"roles\":[");
	for (i = 0; i < 11; i++)
		n += (size_t)snprintf(payload + n, sizeof(payload) - n, "\"%s\",", role);
	snprintf(payload + n, sizeof(payload) - n, "\"x\",\"Mail.Send.Shared\"]}");
	make_jwt(payload, token, sizeof(token));
	ck_assert_int_eq(so2_jwt_read(token, strlen(token), &c, &err), SO2_OK);
	ck_assert_msg(!so2_diag_has_scope(c.roles, "Mail.Send"), "roles cut into Mail.Send: "
		      "'...%s'", c.roles + strlen(c.roles) - 20);

	n = (size_t)snprintf(payload, sizeof(payload), "{\"scp\":\"");
	for (i = 0; i < 11; i++)
		n += (size_t)snprintf(payload + n, sizeof(payload) - n, "%s ", role);
	snprintf(payload + n, sizeof(payload) - n, "x SMTP.Send.Extra\"}");
	make_jwt(payload, token, sizeof(token));
	ck_assert_int_eq(so2_jwt_read(token, strlen(token), &c, &err), SO2_OK);
	ck_assert_msg(!so2_diag_has_scope(c.scp, "SMTP.Send"), "scp cut into SMTP.Send: '...%s'",
		      c.scp + strlen(c.scp) - 20);
	ck_assert_msg(so2_diag_has_scope(c.scp, "x"), "scp lost a whole name: '...%s'",
		      c.scp + strlen(c.scp) - 20);
}
END_TEST

START_TEST(test_jwt_too_long)
{
	char *big = malloc(SO2_JWT_MAX + 2);
	so2_jwt_claims c;
	so2_err err;

	ck_assert_ptr_nonnull(big);
	memset(big, 'a', SO2_JWT_MAX + 1);
	big[SO2_JWT_MAX + 1] = '\0';
	ck_assert_int_eq(so2_jwt_read(big, SO2_JWT_MAX + 1, &c, &err), SO2_ERR_PARAM);
	free(big);
}
END_TEST

Suite *
suite_jwt(void)
{
	Suite *s = suite_create("jwt");
	TCase *tc = tcase_create("claims");

	tcase_add_loop_test(tc, test_jwt_cases, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_jwt_cut_claims);
	tcase_add_test(tc, test_jwt_too_long);
	tcase_add_loop_test(tc, test_jwt_damaged, 0,
			    (int)(sizeof(damaged_cases) / sizeof(damaged_cases[0])));
	suite_add_tcase(s, tc);
	return s;
}

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test_caps.c - every record the writer can produce is readable
 * DESCRIPTION
 *	Issue 10, point 1: a token reply under the default reply cap (a
 *	35,000-byte access token and a 30,400-byte refresh token) became a
 *	65,859-byte record that every reader refused, and it held the only
 *	copy of the new refresh token. The caps are derived from one another
 *	(record.h); these tests hold them at their boundaries, through the
 *	real parser, so2_record_apply_reply, the store's writer and reader:
 *	- that reply under the default max_reply, written and read back;
 *	- max_reply at its maximum (accepted by the configuration, one more
 *	  byte refused) and a reply of exactly that size, parsed, applied,
 *	  written and read back;
 *	- the members other than the tokens capped at SO2_RECORD_META_MAX
 *	  when serialising (so a record never outgrows the reader).
 */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "token/conf.h"
#include "token/record.h"
#include "token/store.h"
#include "token/token_reply.h"

#include "tests.h"

static char tmpdir[4096];

/* setup - a fresh 0700 directory */
static void
setup(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/so2-caps-XXXXXX", base && *base ? base : "/tmp");
	ck_assert_msg(mkdtemp(tmpdir) != NULL, "mkdtemp %s: %s", tmpdir, strerror(errno));
}

/* rm_entry - nftw callback: remove one entry (children first) */
static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP || flag == FTW_D || flag == FTW_DNR)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* teardown - remove tmpdir */
static void
teardown(void)
{
	if (tmpdir[0] != '\0')
		nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	tmpdir[0] = '\0';
}

/* reply_json - a Microsoft-shaped token reply with tokens of the given
 *	sizes (letters and digits: RFC 6750 b64token); *len its length */
static char *
reply_json(size_t at_len, size_t rt_len, size_t *len)
{
	static const char head[] = "{\"token_type\":\"Bearer\",\"expires_in\":3599,"
				   "\"access_token\":\"";
	static const char mid[] = "\",\"refresh_token\":\"";
	static const char tail[] = "\"}";
	size_t n = sizeof(head) - 1 + at_len + sizeof(mid) - 1 + rt_len + sizeof(tail) - 1;
	char *j = malloc(n + 1), *p;
	size_t i;

	ck_assert(j != NULL);
	p = j;
	memcpy(p, head, sizeof(head) - 1);
	p += sizeof(head) - 1;
	for (i = 0; i < at_len; i++)
		*p++ = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"[i % 62];
	memcpy(p, mid, sizeof(mid) - 1);
	p += sizeof(mid) - 1;
	for (i = 0; i < rt_len; i++)
		*p++ = "0123456789abcdefghijklmnopqrstuvwxyz.-_ABCDEFGHIJKLMNOPQRSTUVWXYZ"[i % 65];
	memcpy(p, tail, sizeof(tail));
	*len = n;
	return j;
}

/* ms_record - the record of a Microsoft 365 relay account, as login writes it */
static so2_record *
ms_record(void)
{
	so2_record *r = so2_record_new();

	ck_assert(r != NULL);
	ck_assert(so2_record_set_str(&r->account, "relay@example.com") == SO2_OK);
	ck_assert(so2_record_set_str(&r->provider, "microsoft") == SO2_OK);
	ck_assert(so2_record_set_str(&r->token_endpoint, "https://login.microsoftonline.com/"
				     "organizations/oauth2/v2.0/token") == SO2_OK);
	ck_assert(so2_record_set_str(&r->client_id, "9e5f94bc-e8a4-4e73-b8be-63364c29d753")
		  == SO2_OK);
	ck_assert(so2_record_set_str(&r->client_auth, "none") == SO2_OK);
	ck_assert(so2_record_set_str(&r->grant_type, SO2_RECORD_GRANT_DEVICE) == SO2_OK);
	ck_assert(so2_record_set_str(&r->scope, "https://outlook.office.com/SMTP.Send"
				     " offline_access") == SO2_OK);
	ck_assert(so2_secret_set(&r->refresh_token, "0.old", 5) == SO2_OK);
	r->obtained_at = 1795996400;
	r->expires_at = 1796000000;
	return r;
}

/* round_trip - parse reply (len bytes), apply it, write the record, read it back */
static void
round_trip(const char *what, const char *reply, size_t len, size_t at_len, size_t rt_len)
{
	so2_token_reply rep;
	so2_oauth_error oerr;
	so2_record *rec = ms_record(), *back = NULL;
	so2_store *st = NULL;
	so2_status got;
	so2_err err;

	so2_err_clear(&err);
	got = so2_token_reply_parse(200, reply, len, &rep, &oerr, &err);
	ck_assert_msg(got == SO2_OK, "%s: parse a %zu-byte reply: got %s (%s), want SO2_OK",
		      what, len, so2_status_name(got), err.msg);
	ck_assert(so2_record_apply_reply(rec, &rep, 1796000000, &err) == SO2_OK);
	ck_assert(so2_store_open(tmpdir, &st, &err) == SO2_OK);
	got = so2_store_write(st, "relay@example.com.json", rec, &err);
	ck_assert_msg(got == SO2_OK, "%s: write: got %s (%s), want SO2_OK", what,
		      so2_status_name(got), err.msg);
	got = so2_store_read(st, "relay@example.com.json", &back, NULL, &err);
	ck_assert_msg(got == SO2_OK, "%s: the writer produced a record the reader refuses:"
		      " %s (%s)", what, so2_status_name(got), err.msg);
	ck_assert_msg(back->access_token.len == at_len && back->refresh_token.len == rt_len,
		      "%s: tokens read back: got %zu and %zu bytes, want %zu and %zu", what,
		      back->access_token.len, back->refresh_token.len, at_len, rt_len);
	so2_record_free(back);
	so2_record_free(rec);
	so2_store_close(st);
	so2_token_reply_clear(&rep);
}

/* The field case: 35,000 + 30,400 bytes of tokens under the default cap. */
START_TEST(test_caps_default_reply)
{
	size_t len;
	char *reply = reply_json(35000, 30400, &len);

	ck_assert_msg(len <= SO2_DEFAULT_MAX_REPLY, "the reply (%zu bytes) must fit the default"
		      " max_reply (%d)", len, SO2_DEFAULT_MAX_REPLY);
	round_trip("default max_reply", reply, len, 35000, 30400);
	free(reply);
}
END_TEST

/* max_reply at its maximum: accepted, one more byte refused, and a reply
 * of exactly that size is parsed, written and read back. */
START_TEST(test_caps_max_reply)
{
	char text[128];
	so2_config *conf = NULL;
	size_t len, at_len, rt_len;
	char *reply;
	so2_err err;
	int n;

	n = snprintf(text, sizeof(text), "max_reply = %ld\n", (long)SO2_TOKEN_REPLY_MAX);
	ck_assert_msg(so2_config_parse("t.conf", text, (size_t)n, &conf, &err) == SO2_OK,
		      "max_reply = %ld: %s", (long)SO2_TOKEN_REPLY_MAX, err.msg);
	ck_assert(conf->max_reply == SO2_TOKEN_REPLY_MAX);
	so2_config_free(conf);
	n = snprintf(text, sizeof(text), "max_reply = %ld\n", (long)SO2_TOKEN_REPLY_MAX + 1);
	ck_assert_msg(so2_config_parse("t.conf", text, (size_t)n, &conf, &err) == SO2_ERR_CONFIG,
		      "max_reply = %ld (more than the parser reads) was accepted",
		      (long)SO2_TOKEN_REPLY_MAX + 1);

	/* A reply of exactly SO2_TOKEN_REPLY_MAX bytes, nearly all tokens. */
	reply = reply_json(0, 0, &len);
	free(reply);
	at_len = (SO2_TOKEN_REPLY_MAX - len) / 4 * 3;
	rt_len = SO2_TOKEN_REPLY_MAX - len - at_len;
	reply = reply_json(at_len, rt_len, &len);
	ck_assert(len == SO2_TOKEN_REPLY_MAX);
	round_trip("max_reply at its maximum", reply, len, at_len, rt_len);
	free(reply);
}
END_TEST

/* The members other than the tokens are capped when written, so that
 * tokens from any accepted reply always fit beside them. */
START_TEST(test_caps_meta)
{
	so2_record *rec = ms_record();
	char *big = malloc(SO2_RECORD_META_MAX + 1), *json = NULL;
	size_t len = 0;
	so2_status got;
	so2_err err;

	ck_assert(big != NULL);
	memset(big, 's', SO2_RECORD_META_MAX);
	big[SO2_RECORD_META_MAX] = '\0';
	ck_assert(so2_record_set_str(&rec->scope, big) == SO2_OK);
	got = so2_record_serialize(rec, &json, &len, &err);
	ck_assert_msg(got == SO2_ERR_RECORD, "a %d-byte scope: got %s, want %s",
		      SO2_RECORD_META_MAX, so2_status_name(got), so2_status_name(SO2_ERR_RECORD));
	ck_assert_msg(SO2_RECORD_MAX >= SO2_TOKEN_REPLY_MAX + SO2_RECORD_META_MAX,
		      "SO2_RECORD_MAX %ld < reply cap %ld + the rest %d", (long)SO2_RECORD_MAX,
		      (long)SO2_TOKEN_REPLY_MAX, SO2_RECORD_META_MAX);
	free(big);
	so2_record_free(rec);
}
END_TEST

Suite *
suite_caps(void)
{
	Suite *s = suite_create("caps");
	TCase *tc = tcase_create("boundaries");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_caps_default_reply);
	tcase_add_test(tc, test_caps_max_reply);
	tcase_add_test(tc, test_caps_meta);
	suite_add_tcase(s, tc);
	return s;
}

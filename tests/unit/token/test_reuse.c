/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test_reuse.c - unit tests of the parse-once cache (cache.c)
 * DESCRIPTION
 *	so2_cache_get() keeps the parsed record and reuses it while the
 *	file is unchanged. These tests change the file in the ways a naive
 *	check (size and mtime in seconds, or even in nanoseconds) misses,
 *	and want the new token each time:
 *	- a record replaced by rename(2) with the same size and the very
 *	  same mtime (the writer copied it, to the nanosecond): another
 *	  inode;
 *	- a record rewritten in place with the same size and mtime put
 *	  back: another ctime;
 *	- a record removed: not found, never served from memory;
 *	- a record marked needs_login: the error, from memory too.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "token/cache.h"
#include "token/conf.h"

#include "tests.h"

#define ACCOUNT "relay@example.com"

static char tmpdir[4096];
static so2_config *conf;
static so2_cache *cache;

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

/* record_text - a valid record holding token (same length for same-length tokens) */
static void
record_text(char *buf, size_t size, const char *token, const char *state)
{
	snprintf(buf, size,
		 "{\"version\":1,\"account\":\"" ACCOUNT "\",\"provider\":\"microsoft\","
		 "\"token_endpoint\":\"https://127.0.0.1:9/token\",\"client_id\":\"c\","
		 "\"client_auth\":\"none\",\"access_token\":\"%s\",\"expires_at\":%lld,"
		 "\"refresh_token\":\"RT\",\"state\":\"%s\"}\n",
		 token, (long long)time(NULL) + 3600, state);
}

/* write_file - create path (mode 0600) holding text */
static void
write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	size_t len = strlen(text);

	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	ck_assert_msg(write(fd, text, len) == (ssize_t)len, "write %s", path);
	close(fd);
}

/* record_path - the record file of ACCOUNT */
static void
record_path(char *buf, size_t size)
{
	snprintf(buf, size, "%s/" ACCOUNT ".json", tmpdir);
}

/* get_token - so2_cache_get of ACCOUNT; the status, the token in buf */
static so2_status
get_token(char *buf, size_t size, so2_err *err)
{
	so2_secret tok = SO2_SECRET_INIT;
	so2_token_info info;
	so2_status st;

	buf[0] = '\0';
	st = so2_cache_get(cache, ACCOUNT, 0, &tok, &info, err);
	if (st == SO2_OK)
		snprintf(buf, size, "%s", tok.data);
	so2_secret_clear(&tok);
	return st;
}

/* want_token - so2_cache_get gives want */
static void
want_token(const char *want, const char *when)
{
	char got[256];
	so2_err err;
	so2_status st = get_token(got, sizeof(got), &err);

	ck_assert_msg(st == SO2_OK, "%s: status %d: %s", when, st, err.msg);
	ck_assert_msg(strcmp(got, want) == 0, "%s: got token %s, want %s", when, got, want);
}

static void
setup(void)
{
	const char *base = getenv("TMPDIR");
	char text[4096 + 64], path[4096 + 64];
	so2_err err;
	int n;

	snprintf(tmpdir, sizeof(tmpdir), "%s/so2-reuse-XXXXXX", base && *base ? base : "/tmp");
	ck_assert_msg(mkdtemp(tmpdir) != NULL, "mkdtemp: %s", strerror(errno));
	n = snprintf(text, sizeof(text), "store_dir = %s\n", tmpdir);
	ck_assert(so2_config_parse("test", text, (size_t)n, &conf, &err) == SO2_OK);
	ck_assert_msg(so2_cache_open(conf, &cache, &err) == SO2_OK, "open: %s", err.msg);
	record_text(text, sizeof(text), "token-AAAAAAAA", "ok");
	record_path(path, sizeof(path));
	write_file(path, text);
}

static void
teardown(void)
{
	so2_cache_close(cache);
	so2_config_free(conf);
	cache = NULL;
	conf = NULL;
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* replaced by rename, same size, mtime copied to the nanosecond */
START_TEST(test_rename_same_size_same_time)
{
	char text[512], path[4096 + 64], tmp[4096 + 64];
	struct stat old;
	struct timespec times[2];

	want_token("token-AAAAAAAA", "first read");
	want_token("token-AAAAAAAA", "from memory");
	record_path(path, sizeof(path));
	ck_assert(stat(path, &old) == 0);
	snprintf(tmp, sizeof(tmp), "%s/.tmp", tmpdir);
	record_text(text, sizeof(text), "token-BBBBBBBB", "ok");
	write_file(tmp, text);
	times[0] = old.st_atim;
	times[1] = old.st_mtim;
	ck_assert(utimensat(AT_FDCWD, tmp, times, 0) == 0);
	ck_assert(rename(tmp, path) == 0);
	{
		struct stat now;

		ck_assert(stat(path, &now) == 0);
		ck_assert_msg(now.st_size == old.st_size && now.st_mtim.tv_sec == old.st_mtim.tv_sec
			      && now.st_mtim.tv_nsec == old.st_mtim.tv_nsec,
			      "the test must keep size and mtime (else it proves nothing)");
	}
	want_token("token-BBBBBBBB", "after a rename with the same size and mtime");
	want_token("token-BBBBBBBB", "the new record from memory");
}
END_TEST

/* rewritten in place, same size, mtime put back */
START_TEST(test_in_place_same_size_same_time)
{
	char text[512], path[4096 + 64];
	struct stat old;
	struct timespec times[2];

	want_token("token-AAAAAAAA", "first read");
	record_path(path, sizeof(path));
	ck_assert(stat(path, &old) == 0);
	/* ctime has a clock tick's granularity: let one pass */
	usleep(20 * 1000);
	record_text(text, sizeof(text), "token-CCCCCCCC", "ok");
	write_file(path, text);
	times[0] = old.st_atim;
	times[1] = old.st_mtim;
	ck_assert(utimensat(AT_FDCWD, path, times, 0) == 0);
	want_token("token-CCCCCCCC", "after an edit in place with the same size and mtime");
}
END_TEST

/* removed: not found, not the token kept in memory */
START_TEST(test_removed)
{
	char got[256], path[4096 + 64];
	so2_err err;

	want_token("token-AAAAAAAA", "first read");
	record_path(path, sizeof(path));
	ck_assert(unlink(path) == 0);
	ck_assert_int_eq(get_token(got, sizeof(got), &err), SO2_ERR_NOTFOUND);
}
END_TEST

/* needs_login: the error every time, also from memory */
START_TEST(test_needs_login)
{
	char text[512], got[256], path[4096 + 64], tmp[4096 + 64];
	so2_err err;

	want_token("token-AAAAAAAA", "first read");
	record_path(path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s/.tmp", tmpdir);
	record_text(text, sizeof(text), "token-AAAAAAAA", "needs_login");
	write_file(tmp, text);
	ck_assert(rename(tmp, path) == 0);
	ck_assert_int_eq(get_token(got, sizeof(got), &err), SO2_ERR_GRANT);
	ck_assert_int_eq(get_token(got, sizeof(got), &err), SO2_ERR_GRANT);
	ck_assert_msg(strstr(err.msg, "sasl-oauth2 login " ACCOUNT) != NULL, "message: %s",
		      err.msg);
}
END_TEST

Suite *
suite_reuse(void)
{
	Suite *s = suite_create("reuse");
	TCase *tc = tcase_create("parse-once");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_rename_same_size_same_time);
	tcase_add_test(tc, test_in_place_same_size_same_time);
	tcase_add_test(tc, test_removed);
	tcase_add_test(tc, test_needs_login);
	suite_add_tcase(s, tc);
	return s;
}

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
 *	- a record marked needs_login: the error, from memory too;
 *	- more accounts than slots, some replaced: each its own token, never
 *	  more than SO2_CACHE_SLOTS descriptors held, none after close;
 *	- a low RLIMIT_NOFILE: the host can still open what its limit allows;
 *	- trust: a record chmod'ed, a store made writable by every user: the
 *	  read's warning, also when the record itself did not change.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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

/* open_fds - descriptors open in this process */
static int
open_fds(void)
{
	struct dirent *e;
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	ck_assert(d != NULL);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;	/* the one opendir holds */
}

/* write_account - the record of account NAME holding token */
static void
write_account(const char *name, const char *token)
{
	char text[1024], path[4096 + 128], dest[4096 + 128];

	snprintf(text, sizeof(text),
		 "{\"version\":1,\"account\":\"%s\",\"provider\":\"microsoft\","
		 "\"token_endpoint\":\"https://127.0.0.1:9/token\",\"client_id\":\"c\","
		 "\"client_auth\":\"none\",\"access_token\":\"%s\",\"expires_at\":%lld,"
		 "\"refresh_token\":\"RT\",\"state\":\"ok\"}\n",
		 name, token, (long long)time(NULL) + 3600);
	snprintf(path, sizeof(path), "%s/.new", tmpdir);
	write_file(path, text);
	snprintf(dest, sizeof(dest), "%s/%.64s.json", tmpdir, name);
	ck_assert(rename(path, dest) == 0);
}

/* want_account - so2_cache_get of name gives want */
static void
want_account(const char *name, const char *want)
{
	so2_secret tok = SO2_SECRET_INIT;
	so2_token_info info;
	so2_err err;
	so2_status st = so2_cache_get(cache, name, 0, &tok, &info, &err);

	ck_assert_msg(st == SO2_OK, "%s: status %d: %s", name, st, err.msg);
	ck_assert_msg(strcmp(tok.data, want) == 0, "%s: got %s, want %s", name, tok.data, want);
	so2_secret_clear(&tok);
}

/* warning_of - the warning of so2_cache_get of ACCOUNT ("" when none) */
static void
warning_of(char *buf, size_t size)
{
	so2_secret tok = SO2_SECRET_INIT;
	so2_token_info info;
	so2_err err;

	ck_assert_msg(so2_cache_get(cache, ACCOUNT, 0, &tok, &info, &err) == SO2_OK, "get: %s",
		      err.msg);
	so2_secret_clear(&tok);
	snprintf(buf, size, "%s", info.warning);
}

/* trust re-checked from memory: a record chmod'ed, then the store made
 * writable by every user (the record's own times do not move) */
START_TEST(test_trust_rechecked)
{
	char warn[SO2_ERR_MSG_MAX], path[4096 + 64];

	warning_of(warn, sizeof(warn));
	ck_assert_msg(warn[0] == '\0', "first read: %s", warn);
	warning_of(warn, sizeof(warn));
	ck_assert_msg(warn[0] == '\0', "from memory: %s", warn);
	record_path(path, sizeof(path));
	ck_assert(chmod(path, 0644) == 0);
	warning_of(warn, sizeof(warn));
	ck_assert_msg(strstr(warn, "readable by group or others") != NULL,
		      "record chmod 644: warning '%s'", warn);
	ck_assert(chmod(path, 0600) == 0);
	warning_of(warn, sizeof(warn));
	ck_assert_msg(warn[0] == '\0', "record chmod 600 again: %s", warn);
	ck_assert(chmod(tmpdir, 0777) == 0);
	warning_of(warn, sizeof(warn));
	ck_assert(chmod(tmpdir, 0700) == 0);
	ck_assert_msg(strstr(warn, "writable by every user") != NULL,
		      "store chmod 777: warning '%s'", warn);
	warning_of(warn, sizeof(warn));
	ck_assert_msg(warn[0] == '\0', "store chmod 700 again: %s", warn);
}
END_TEST

#define MANY 13		/* accounts: more than SO2_CACHE_SLOTS */

/* more accounts than slots: each its own token, through evictions and
 * replacements, never more than SO2_CACHE_SLOTS descriptors, none after close */
START_TEST(test_many_accounts)
{
	char name[64], token[64];
	int base = open_fds(), round, i;

	for (i = 0; i < MANY; i++) {
		snprintf(name, sizeof(name), "acct%02d@example.com", i);
		snprintf(token, sizeof(token), "tok-%02d-0", i);
		write_account(name, token);
	}
	for (round = 0; round < 4; round++)
		for (i = 0; i < MANY; i++) {
			snprintf(name, sizeof(name), "acct%02d@example.com", i);
			if (round == 2 && i % 3 == 0) {	/* replaced while evicted or kept */
				snprintf(token, sizeof(token), "tok-%02d-1", i);
				write_account(name, token);
			}
			snprintf(token, sizeof(token), "tok-%02d-%d", i, round >= 2 && i % 3 == 0);
			want_account(name, token);
			want_account(name, token);
			ck_assert_msg(open_fds() - base <= SO2_CACHE_SLOTS, "%d descriptors held",
				      open_fds() - base);
		}
	so2_cache_close(cache);
	cache = NULL;
	/* the store directory and the CA bundle were open before base too */
	ck_assert_msg(open_fds() <= base - 2, "after close: %d open, %d before", open_fds(),
		      base);
}
END_TEST

/* a low RLIMIT_NOFILE: the cache takes none of the upper half, the host can
 * still open as many files as it could before */
START_TEST(test_fd_headroom)
{
	struct rlimit old, low;
	char name[64], token[64];
	int lowest, fds[8], i, opened = 0;

	ck_assert(getrlimit(RLIMIT_NOFILE, &old) == 0);
	lowest = dup(0);
	ck_assert(lowest >= 0);
	close(lowest);
	low = old;
	low.rlim_cur = (rlim_t)lowest + 8;	/* room for 8 more descriptors */
	for (i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "host%d@example.com", i);
		snprintf(token, sizeof(token), "tok-h%d", i);
		write_account(name, token);
	}
	ck_assert(setrlimit(RLIMIT_NOFILE, &low) == 0);
	for (i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "host%d@example.com", i);
		snprintf(token, sizeof(token), "tok-h%d", i);
		want_account(name, token);
		want_account(name, token);
	}
	/* the host opens what its limit allows: the cache kept fds from the
	 * upper half of it (lowest + 4 and above) free */
	for (i = 0; i < 4; i++)
		if ((fds[i] = open("/dev/null", O_RDONLY)) >= 0)
			opened++;
	for (i = 0; i < 4; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	ck_assert(setrlimit(RLIMIT_NOFILE, &old) == 0);
	ck_assert_msg(opened == 4, "the host could open %d of 4 files under its limit", opened);
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
	tcase_add_test(tc, test_many_accounts);
	tcase_add_test(tc, test_trust_rechecked);
	tcase_add_test(tc, test_fd_headroom);
	suite_add_tcase(s, tc);
	return s;
}

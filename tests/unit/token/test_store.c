/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test_store.c - unit tests of store.c
 * DESCRIPTION
 *	Each test runs in a fresh directory from mkdtemp(3), removed after.
 *	Write then read; file modes under umask 0; no temp file left behind,
 *	on success or failure; failed writes (read-only directory when not
 *	root, a directory in the way, a file size limit, a removed store)
 *	keep the old record and say which step failed, where and why; the
 *	store's refusals (world-writable directory, symbolic link); the
 *	account name rules; listing; the lock between threads and after
 *	its holder was killed.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "token/record.h"
#include "token/store.h"

#include "tests.h"

#define AT	"eyJ0eXAi.access-SECRET-at"
#define RT	"0.AAAA-refresh-SECRET-rt"

static char tmpdir[4096];

/* ---- fixture ----------------------------------------------------------- */

/* setup - a fresh 0700 directory in tmpdir */
static void
setup(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/so2-store-XXXXXX", base && *base ? base : "/tmp");
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

/* chmod_dir - nftw callback: make directories usable again */
static int
chmod_dir(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)ftw;
	if (flag == FTW_D || flag == FTW_DNR || S_ISDIR(sb->st_mode))
		chmod(path, 0700);
	return 0;
}

/* teardown - remove tmpdir and everything in it */
static void
teardown(void)
{
	if (tmpdir[0] == '\0')
		return;
	chmod(tmpdir, 0700);
	nftw(tmpdir, chmod_dir, 16, FTW_PHYS);
	nftw(tmpdir, rm_entry, 16, FTW_PHYS | FTW_DEPTH);
	tmpdir[0] = '\0';
}

/* ---- helpers ----------------------------------------------------------- */

/* make_record - a valid record for account with access token at */
static so2_record *
make_record(const char *account, const char *at, time_t expires_at)
{
	so2_record *r = so2_record_new();

	ck_assert(r != NULL);
	ck_assert(so2_record_set_str(&r->account, account) == SO2_OK);
	ck_assert(so2_record_set_str(&r->provider, "microsoft") == SO2_OK);
	ck_assert(so2_record_set_str(&r->token_endpoint, "https://login.example.com/t") == SO2_OK);
	ck_assert(so2_record_set_str(&r->client_id, "cid") == SO2_OK);
	ck_assert(so2_record_set_str(&r->scope, "offline_access") == SO2_OK);
	ck_assert(so2_secret_set(&r->access_token, at, strlen(at)) == SO2_OK);
	ck_assert(so2_secret_set(&r->refresh_token, RT, strlen(RT)) == SO2_OK);
	r->expires_at = expires_at;
	r->obtained_at = 1690000000;
	return r;
}

/* open_store - so2_store_open on the test directory, or fail */
static so2_store *
open_store(void)
{
	so2_store *st = NULL;
	so2_err err;

	ck_assert_msg(so2_store_open(tmpdir, &st, &err) == SO2_OK, "open %s: %s", tmpdir,
		      err.msg);
	return st;
}

/* write_record - write a record for account (file ACCOUNT.json), or fail */
static void
write_record(so2_store *st, const char *name, const char *at, time_t expires_at)
{
	so2_record *r = make_record("alice", at, expires_at);
	so2_err err;

	ck_assert_msg(so2_store_write(st, name, r, &err) == SO2_OK, "write %s: %s", name,
		      err.msg);
	so2_record_free(r);
}

/* assert_record - read name and check its token and expiry */
static void
assert_record(so2_store *st, const char *name, const char *at, time_t expires_at)
{
	so2_record *r = NULL;
	so2_err err;

	ck_assert_msg(so2_store_read(st, name, &r, NULL, &err) == SO2_OK, "read %s: %s", name,
		      err.msg);
	ck_assert_msg(r->access_token.data != NULL && strcmp(r->access_token.data, at) == 0,
		      "%s: access token: got \"%s\", want \"%s\"", name,
		      r->access_token.data ? r->access_token.data : "(null)", at);
	ck_assert_msg(r->expires_at == expires_at, "%s: expires_at: got %lld, want %lld", name,
		      (long long)r->expires_at, (long long)expires_at);
	so2_record_free(r);
}

/* dir_entries - the names in dir other than . and .., joined by " " */
static void
dir_entries(const char *dir, char *buf, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	buf[0] = '\0';
	ck_assert_msg(d != NULL, "opendir %s: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(buf + n, size - n, "%s%s", n ? " " : "", de->d_name);
		n = strlen(buf);
	}
	closedir(d);
}

/* assert_no_temp - no file ending in .tmp is left in dir */
static void
assert_no_temp(const char *what, const char *dir)
{
	char names[4096];
	struct stat sb;

	if (stat(dir, &sb) != 0 && errno == ENOENT)
		return;		/* the directory itself is gone */
	dir_entries(dir, names, sizeof(names));
	ck_assert_msg(strstr(names, ".tmp") == NULL, "%s: temp file left behind: %s", what,
		      names);
}

/* path_of - tmpdir/name */
static const char *
path_of(const char *name)
{
	static char path[8192];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

/* mono - CLOCK_MONOTONIC in seconds */
static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- write and read ------------------------------------------------------ */

START_TEST(test_store_round_trip)
{
	so2_store *st = open_store();
	so2_record *w = make_record("alice@example.com", AT, 1700003600), *r = NULL;
	char warn[SO2_ERR_MSG_MAX];
	so2_err err;

	ck_assert_msg(strcmp(so2_store_dir(st), tmpdir) == 0, "dir: got %s, want %s",
		      so2_store_dir(st), tmpdir);
	ck_assert_msg(!so2_store_exists(st, "alice@example.com.json"), "exists before write");
	ck_assert_msg(so2_store_write(st, "alice@example.com.json", w, &err) == SO2_OK,
		      "write: %s", err.msg);
	ck_assert_msg(so2_store_exists(st, "alice@example.com.json"), "not there after write");
	ck_assert_msg(so2_store_read(st, "alice@example.com.json", &r, warn, &err) == SO2_OK,
		      "read: %s", err.msg);
	ck_assert_msg(warn[0] == '\0', "warning for a 0600 record: %s", warn);
	ck_assert_msg(strcmp(r->account, "alice@example.com") == 0 && strcmp(r->scope,
		      "offline_access") == 0 && strcmp(r->provider, "microsoft") == 0,
		      "read back: strings differ");
	ck_assert_msg(r->access_token.len == strlen(AT) && strcmp(r->access_token.data, AT) == 0,
		      "read back: access token differs");
	ck_assert_msg(strcmp(r->refresh_token.data, RT) == 0, "read back: refresh token differs");
	ck_assert_msg(r->expires_at == 1700003600 && r->obtained_at == 1690000000,
		      "read back: times differ (%lld, %lld)", (long long)r->expires_at,
		      (long long)r->obtained_at);
	so2_record_free(r);

	/* Overwrite: the new record replaces the old. */
	write_record(st, "alice@example.com.json", "second-token", 1800000000);
	assert_record(st, "alice@example.com.json", "second-token", 1800000000);
	so2_record_free(w);
	so2_store_close(st);
}
END_TEST

START_TEST(test_store_mode_0600)
{
	so2_store *st;
	struct stat sb;
	mode_t old = umask(0);
	so2_err err;
	int fd = -1;

	st = open_store();
	write_record(st, "alice.json", AT, 1700003600);
	ck_assert(stat(path_of("alice.json"), &sb) == 0);
	ck_assert_msg((sb.st_mode & 07777) == 0600, "record mode under umask 0: got %04o,"
		      " want 0600", (unsigned)(sb.st_mode & 07777));
	/* Rewritten, still 0600. */
	chmod(path_of("alice.json"), 0644);
	write_record(st, "alice.json", AT, 1700003601);
	ck_assert(stat(path_of("alice.json"), &sb) == 0);
	ck_assert_msg((sb.st_mode & 07777) == 0600, "rewritten record mode: got %04o, want 0600",
		      (unsigned)(sb.st_mode & 07777));
	/* The lock file too. */
	ck_assert_msg(so2_store_lock(st, "alice.json", 1, &fd, &err) == SO2_OK, "lock: %s",
		      err.msg);
	ck_assert(stat(path_of("alice.lock"), &sb) == 0);
	ck_assert_msg((sb.st_mode & 07777) == 0600, "lock file mode: got %04o, want 0600",
		      (unsigned)(sb.st_mode & 07777));
	so2_store_unlock(fd);
	umask(old);
	so2_store_close(st);
}
END_TEST

START_TEST(test_store_no_temp_left)
{
	so2_store *st = open_store();
	char names[4096];
	int i;

	for (i = 0; i < 5; i++)
		write_record(st, "alice.json", AT, 1700000000 + i);
	dir_entries(tmpdir, names, sizeof(names));
	ck_assert_msg(strcmp(names, "alice.json") == 0, "directory after 5 writes: got \"%s\","
		      " want \"alice.json\"", names);
	so2_store_close(st);
}
END_TEST

/* try_write - write a new record to name; the status, message in *err */
static so2_status
try_write(so2_store *st, const char *name, so2_err *err)
{
	so2_record *r = make_record("alice", "new-token-SECRET", 1900000000);
	so2_status got;

	so2_err_clear(err);
	got = so2_store_write(st, name, r, err);
	so2_record_free(r);
	return got;
}

/* assert_write_failed - the write failed naming step, directory, errno
 *	text and euid, and left no temp file */
static void
assert_write_failed(const char *what, so2_status got, const so2_err *err, const char *step,
		    int want_errno)
{
	char want[512];

	ck_assert_msg(got == SO2_ERR_IO, "%s: got %s (%s), want %s", what, so2_status_name(got),
		      err->msg, so2_status_name(SO2_ERR_IO));
	ck_assert_msg(strstr(err->msg, step) != NULL, "%s: message \"%s\" does not name the step"
		      " \"%s\"", what, err->msg, step);
	ck_assert_msg(strstr(err->msg, tmpdir) != NULL, "%s: message \"%s\" does not name the"
		      " directory %s", what, err->msg, tmpdir);
	ck_assert_msg(strstr(err->msg, strerror(want_errno)) != NULL, "%s: message \"%s\", want"
		      " \"%s\"", what, err->msg, strerror(want_errno));
	snprintf(want, sizeof(want), "euid %ld", (long)geteuid());
	ck_assert_msg(strstr(err->msg, want) != NULL, "%s: message \"%s\" lacks \"%s\"", what,
		      err->msg, want);
	ck_assert_msg(strstr(err->msg, "SECRET") == NULL, "%s: message shows the token", what);
	assert_no_temp(what, tmpdir);
}

/* assert_write_fails - try_write then assert_write_failed */
static void
assert_write_fails(const char *what, so2_store *st, const char *name, const char *step,
		   int want_errno)
{
	so2_err err;
	so2_status got = try_write(st, name, &err);

	assert_write_failed(what, got, &err, step, want_errno);
}

/* Read-only directory: only meaningful when permissions apply to us. */
START_TEST(test_store_write_fail_readonly)
{
	so2_store *st;

	if (geteuid() == 0) {
		/* root bypasses directory permissions: see the other failure tests */
		return;
	}
	st = open_store();
	write_record(st, "alice.json", AT, 1700003600);
	ck_assert(chmod(tmpdir, 0500) == 0);
	assert_write_fails("read-only directory", st, "alice.json", "create temp file", EACCES);
	ck_assert(chmod(tmpdir, 0700) == 0);
	assert_record(st, "alice.json", AT, 1700003600);
	so2_store_close(st);
}
END_TEST

/* A directory where the record goes: rename over it fails (twice). The
 * complete new record stays in its temporary file, named in the message,
 * for the next writer to take (issue 10 item 16: it may hold the only copy
 * of a rotated refresh token). */
START_TEST(test_store_write_fail_rename)
{
	so2_store *st = open_store();
	struct stat sb;
	char names[4096];
	so2_record *kept = NULL;
	so2_status got;
	so2_err err;
	const char *tmp;

	ck_assert(mkdir(path_of("bob.json"), 0700) == 0);
	ck_assert(mkdir(path_of("bob.json/keep"), 0700) == 0);
	got = try_write(st, "bob.json", &err);
	ck_assert_msg(got == SO2_ERR_IO && strstr(err.msg, "rename to") != NULL
		      && strstr(err.msg, strerror(EISDIR)) != NULL
		      && strstr(err.msg, "is kept in") != NULL, "rename failure: %s", err.msg);
	ck_assert_msg(stat(path_of("bob.json/keep"), &sb) == 0 && S_ISDIR(sb.st_mode),
		      "the directory in the way was changed");
	dir_entries(tmpdir, names, sizeof(names));
	tmp = strstr(names, ".bob.json.");
	ck_assert_msg(tmp != NULL, "no kept temp file: %s", names);
	if (strchr(tmp, ' ') != NULL)
		*strchr(tmp, ' ') = '\0';
	ck_assert_msg(strstr(err.msg, tmp) != NULL, "the kept temp file %s is not named: %s",
		      tmp, err.msg);
	ck_assert_int_eq(so2_store_read(st, tmp, &kept, NULL, &err), SO2_OK);
	ck_assert_str_eq(kept->access_token.data, "new-token-SECRET");
	so2_record_free(kept);
	so2_store_close(st);
}
END_TEST

/* A file size limit: the write step fails (root too); the old record stays. */
START_TEST(test_store_write_fail_fsize)
{
	so2_store *st = open_store();
	struct rlimit old, small;
	struct sigaction ign, oldsa;
	so2_status got;
	so2_err err;

	write_record(st, "alice.json", AT, 1700003600);
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	ck_assert(sigaction(SIGXFSZ, &ign, &oldsa) == 0);
	ck_assert(getrlimit(RLIMIT_FSIZE, &old) == 0);
	small = old;
	small.rlim_cur = 16;
	/* Nothing but the write under the limit: Check writes files too. */
	ck_assert(setrlimit(RLIMIT_FSIZE, &small) == 0);
	got = try_write(st, "alice.json", &err);
	ck_assert(setrlimit(RLIMIT_FSIZE, &old) == 0);
	ck_assert(sigaction(SIGXFSZ, &oldsa, NULL) == 0);
	assert_write_failed("file size limit", got, &err, "write", EFBIG);
	assert_record(st, "alice.json", AT, 1700003600);
	so2_store_close(st);
}
END_TEST

/* The store directory was removed after it was opened. */
START_TEST(test_store_write_fail_removed)
{
	so2_store *st = open_store();
	so2_record *r = NULL;
	so2_err err;

	ck_assert(rmdir(tmpdir) == 0);
	assert_write_fails("removed directory", st, "alice.json", "create temp file", ENOENT);
	ck_assert_msg(so2_store_read(st, "alice.json", &r, NULL, &err) == SO2_ERR_NOTFOUND,
		      "read in removed directory: got %s, want %s", so2_status_name(err.status),
		      so2_status_name(SO2_ERR_NOTFOUND));
	so2_store_close(st);
	ck_assert(mkdir(tmpdir, 0700) == 0);	/* for teardown */
}
END_TEST

START_TEST(test_store_world_writable)
{
	so2_store *st = open_store();
	so2_record *r = make_record("alice", AT, 1700003600);
	so2_err err;
	so2_status got;

	ck_assert(chmod(tmpdir, 0777) == 0);
	got = so2_store_write(st, "alice.json", r, &err);
	ck_assert_msg(got == SO2_ERR_IO, "0777 store: got %s, want %s", so2_status_name(got),
		      so2_status_name(SO2_ERR_IO));
	ck_assert_msg(strstr(err.msg, "writable by every user") != NULL
		      && strstr(err.msg, tmpdir) != NULL, "0777 store: message \"%s\"", err.msg);
	ck_assert_msg(!so2_store_exists(st, "alice.json"), "0777 store: the record was written");
	ck_assert(chmod(tmpdir, 01777) == 0);
	got = so2_store_write(st, "alice.json", r, &err);
	ck_assert_msg(got == SO2_ERR_IO, "01777 store: got %s, want %s", so2_status_name(got),
		      so2_status_name(SO2_ERR_IO));
	assert_no_temp("world-writable", tmpdir);
	ck_assert(chmod(tmpdir, 0700) == 0);
	so2_record_free(r);
	so2_store_close(st);
}
END_TEST

START_TEST(test_store_read_warning)
{
	so2_store *st = open_store();
	char warn[SO2_ERR_MSG_MAX];
	so2_record *r = NULL;
	so2_err err;

	write_record(st, "alice.json", AT, 1700003600);
	ck_assert(chmod(path_of("alice.json"), 0644) == 0);
	ck_assert_msg(so2_store_read(st, "alice.json", &r, warn, &err) == SO2_OK,
		      "read 0644: %s", err.msg);
	ck_assert_msg(strstr(warn, "0644") != NULL && strstr(warn, path_of("alice.json")) != NULL
		      && strstr(warn, "chmod 600") != NULL,
		      "0644 record: warning \"%s\", want the mode, the path and chmod 600", warn);
	ck_assert_msg(strstr(warn, "SECRET") == NULL, "warning shows the token");
	so2_record_free(r);
	/* A NULL warn buffer is accepted. */
	ck_assert(so2_store_read(st, "alice.json", &r, NULL, &err) == SO2_OK);
	so2_record_free(r);
	/* Group-readable only: warned too. */
	ck_assert(chmod(path_of("alice.json"), 0640) == 0);
	ck_assert(so2_store_read(st, "alice.json", &r, warn, &err) == SO2_OK);
	ck_assert_msg(strstr(warn, "0640") != NULL, "0640 record: warning \"%s\"", warn);
	so2_record_free(r);
	ck_assert(chmod(path_of("alice.json"), 0600) == 0);
	ck_assert(so2_store_read(st, "alice.json", &r, warn, &err) == SO2_OK);
	ck_assert_msg(warn[0] == '\0', "0600 record: warning \"%s\", want none", warn);
	so2_record_free(r);
	so2_store_close(st);
}
END_TEST

START_TEST(test_store_symlink_refused)
{
	so2_store *st = open_store();
	so2_record *r = (so2_record *)&r;
	so2_err err;
	so2_status got;

	write_record(st, "alice.json", AT, 1700003600);
	ck_assert(symlink("alice.json", path_of("link.json")) == 0);
	got = so2_store_read(st, "link.json", &r, NULL, &err);
	ck_assert_msg(got == SO2_ERR_IO && r == NULL, "read through a symlink: got %s, want %s",
		      so2_status_name(got), so2_status_name(SO2_ERR_IO));
	ck_assert_msg(strstr(err.msg, path_of("link.json")) != NULL
		      && strstr(err.msg, "is a symbolic link, which is never followed") != NULL,
		      "symlink: message \"%s\", want the path and \"%s\"", err.msg,
		      "is a symbolic link, which is never followed");
	/* Writing replaces the link itself, never the file it points to. */
	write_record(st, "link.json", "via-link", 1800000000);
	assert_record(st, "alice.json", AT, 1700003600);
	assert_record(st, "link.json", "via-link", 1800000000);
	so2_store_close(st);
}
END_TEST

/* Files that are not records. */
START_TEST(test_store_read_bad)
{
	so2_store *st = open_store();
	so2_record *r = NULL;
	so2_err err;
	so2_status got;
	FILE *f;
	int i;

	got = so2_store_read(st, "nobody.json", &r, NULL, &err);
	ck_assert_msg(got == SO2_ERR_NOTFOUND, "missing record: got %s, want %s",
		      so2_status_name(got), so2_status_name(SO2_ERR_NOTFOUND));
	ck_assert_msg(strstr(err.msg, path_of("nobody.json")) != NULL,
		      "missing record: message \"%s\" lacks the path", err.msg);

	ck_assert(mkdir(path_of("dir.json"), 0700) == 0);
	got = so2_store_read(st, "dir.json", &r, NULL, &err);
	ck_assert_msg(got == SO2_ERR_RECORD, "directory: got %s, want %s", so2_status_name(got),
		      so2_status_name(SO2_ERR_RECORD));

	f = fopen(path_of("bad.json"), "w");
	ck_assert(f != NULL);
	fputs("{\n\"version\": 1,\n\"access_token\": \"SECRET\" oops\n}\n", f);
	fclose(f);
	got = so2_store_read(st, "bad.json", &r, NULL, &err);
	ck_assert_msg(got == SO2_ERR_RECORD, "bad JSON: got %s, want %s", so2_status_name(got),
		      so2_status_name(SO2_ERR_RECORD));
	ck_assert_msg(strstr(err.msg, path_of("bad.json:3:")) != NULL,
		      "bad JSON: message \"%s\", want PATH:3:COL", err.msg);
	ck_assert_msg(strstr(err.msg, "SECRET") == NULL, "bad JSON: message shows the token");

	f = fopen(path_of("big.json"), "w");
	ck_assert(f != NULL);
	for (i = 0; i <= SO2_RECORD_MAX; i++)
		fputc(' ', f);
	fclose(f);
	got = so2_store_read(st, "big.json", &r, NULL, &err);
	ck_assert_msg(got == SO2_ERR_RECORD && strstr(err.msg, "bytes") != NULL,
		      "%ld-byte file: got %s (%s), want %s", (long)SO2_RECORD_MAX + 1,
		      so2_status_name(got), err.msg, so2_status_name(SO2_ERR_RECORD));
	ck_assert(r == NULL);
	so2_store_close(st);
}
END_TEST

START_TEST(test_store_open_errors)
{
	so2_store *st = NULL;
	char *name = NULL;
	so2_err err;
	so2_status got;

	got = so2_store_open(path_of("missing"), &st, &err);
	ck_assert_msg(got == SO2_ERR_IO && st == NULL, "missing store: got %s, want %s",
		      so2_status_name(got), so2_status_name(SO2_ERR_IO));
	ck_assert_msg(strstr(err.msg, path_of("missing")) != NULL
		      && strstr(err.msg, strerror(ENOENT)) != NULL,
		      "missing store: message \"%s\"", err.msg);

	got = so2_store_open_file(path_of("alice.json"), &st, &name, &err);
	ck_assert_msg(got == SO2_OK, "open_file: %s", err.msg);
	ck_assert_msg(strcmp(so2_store_dir(st), tmpdir) == 0 && strcmp(name, "alice.json") == 0,
		      "open_file: got dir %s name %s, want %s alice.json", so2_store_dir(st), name,
		      tmpdir);
	free(name);
	so2_store_close(st);

	got = so2_store_open_file("/alice.json", &st, &name, &err);
	ck_assert_msg(got == SO2_OK && strcmp(so2_store_dir(st), "/") == 0,
		      "open_file /alice.json: got %s, want dir /", err.msg);
	free(name);
	so2_store_close(st);

	got = so2_store_open_file("alice.json", &st, &name, &err);
	ck_assert_msg(got == SO2_ERR_PARAM && st == NULL && name == NULL,
		      "open_file without a directory: got %s, want %s", so2_status_name(got),
		      so2_status_name(SO2_ERR_PARAM));
	got = so2_store_open_file(path_of(""), &st, &name, &err);
	ck_assert_msg(got == SO2_ERR_PARAM, "open_file of a directory path: got %s, want %s",
		      so2_status_name(got), so2_status_name(SO2_ERR_PARAM));
	so2_store_close(NULL);
}
END_TEST

START_TEST(test_store_remove)
{
	so2_store *st = open_store();
	char names[4096];
	so2_err err;
	int fd;

	write_record(st, "alice.json", AT, 1700003600);
	ck_assert(so2_store_lock(st, "alice.json", 1, &fd, &err) == SO2_OK);
	so2_store_unlock(fd);
	ck_assert_msg(so2_store_remove(st, "alice.json", &err) == SO2_OK, "remove: %s", err.msg);
	dir_entries(tmpdir, names, sizeof(names));
	ck_assert_msg(names[0] == '\0', "after remove: got \"%s\", want nothing", names);
	ck_assert_msg(so2_store_remove(st, "alice.json", &err) == SO2_ERR_NOTFOUND,
		      "remove again: got %s, want %s", so2_status_name(err.status),
		      so2_status_name(SO2_ERR_NOTFOUND));
	so2_store_unlock(-1);
	so2_store_close(st);
}
END_TEST

/* ---- recovery of temporary files (issue 10, point 4) ------------------------ */

/* put_temp - a complete temporary record of account in file tmp */
static void
put_temp(const char *account, const char *tmp, time_t refreshed_at)
{
	so2_record *r = make_record(account, AT, 1700003600);
	char *json = NULL;
	size_t len = 0;
	so2_err err;
	FILE *f;

	r->refreshed_at = refreshed_at;
	ck_assert(so2_record_serialize(r, &json, &len, &err) == SO2_OK);
	f = fopen(path_of(tmp), "w");
	ck_assert_msg(f != NULL, "fopen %s: %s", tmp, strerror(errno));
	ck_assert(fwrite(json, 1, len, f) == len);
	ck_assert(fclose(f) == 0);
	free(json);
	so2_record_free(r);
}

/* recover_spares - so2_store_recover(name) leaves the temp file other alone */
static void
recover_spares(const char *acct, const char *other_acct)
{
	char name[300], other[300], tmp[340], mine[340];
	so2_store *st = open_store();
	so2_record *r;
	struct stat sb;
	so2_err err;

	snprintf(name, sizeof(name), "%s.json", acct);
	snprintf(other, sizeof(other), "%s.json", other_acct);
	r = make_record(acct, AT, 1700003600);
	ck_assert_msg(so2_store_write(st, name, r, &err) == SO2_OK, "write: %s", err.msg);
	so2_record_free(r);
	/* A write of the other account in flight, and a dead one of ours. */
	snprintf(tmp, sizeof(tmp), ".%s.0011aabbccdd.tmp", other);
	put_temp(other_acct, tmp, 1800000000);
	snprintf(mine, sizeof(mine), ".%s.ffeeddccbbaa.tmp", name);
	put_temp(acct, mine, 1);
	ck_assert(so2_store_recover(st, name, &err) >= 0);
	ck_assert_msg(stat(path_of(tmp), &sb) == 0,
		      "recovery of %.40s... removed the temporary file %.60s... of account"
		      " %.40s...: %s", name, tmp, other_acct, strerror(errno));
	ck_assert_msg(stat(path_of(mine), &sb) != 0,
		      "recovery of %.40s... left its own dead temporary file", name);
	so2_store_close(st);
}

/* Recovery of account a never touches the temporary files of a.json.b
 * (it matched ".a.json." as a prefix and deleted them). */
START_TEST(test_store_recover_exact)
{
	recover_spares("a", "a.json.b");
}
END_TEST

/* Long names are never cut: two accounts alike in their first 200 bytes
 * have their own temporary files (names were cut to 200 bytes). */
START_TEST(test_store_recover_long)
{
	char a[SO2_ACCOUNT_MAX + 1], b[SO2_ACCOUNT_MAX + 1];

	memset(a, 'x', SO2_ACCOUNT_MAX);
	a[SO2_ACCOUNT_MAX] = '\0';
	memcpy(b, a, sizeof(b));
	b[SO2_ACCOUNT_MAX - 1] = 'y';
	recover_spares(a, b);
	/* The longest account name can be written (its temp name fits). */
	{
		so2_store *st = open_store();
		so2_record *r = make_record(a, AT, 1700003600);
		char name[300];
		so2_err err;

		snprintf(name, sizeof(name), "%s.json", b);
		ck_assert_msg(so2_store_write(st, name, r, &err) == SO2_OK,
			      "write of a %d-byte account: %s", SO2_ACCOUNT_MAX, err.msg);
		so2_record_free(r);
		so2_store_close(st);
	}
}
END_TEST

/* ---- account names --------------------------------------------------------- */

static const struct account_case {
	const char *name;	/* NULL with repeat 0: NULL */
	size_t repeat;		/* > 0: that many 'a' instead of name */
	int want;
} account_cases[] = {
	{ "alice", 0, 1 },
	{ "alice@example.com", 0, 1 },
	{ "a", 0, 1 },
	{ "a.b-c_d+e", 0, 1 },
	{ "with space", 0, 1 },
	{ "caf\xc3\xa9", 0, 1 },
	{ "-dash", 0, 1 },
	{ "x.json", 0, 1 },
	{ NULL, SO2_ACCOUNT_MAX, 1 },
	{ NULL, SO2_ACCOUNT_MAX + 1, 0 },
	{ NULL, 0, 0 },
	{ "", 0, 0 },
	{ ".hidden", 0, 0 },
	{ ".", 0, 0 },
	{ "..", 0, 0 },
	{ "a/b", 0, 0 },
	{ "/", 0, 0 },
	{ "../etc/passwd", 0, 0 },
	{ "a\nb", 0, 0 },
	{ "a\tb", 0, 0 },
	{ "\001", 0, 0 },
	{ "del\x7f", 0, 0 },
	{ "cr\r", 0, 0 },
};

START_TEST(test_account_valid)
{
	const struct account_case *c = &account_cases[_i];
	char buf[SO2_ACCOUNT_MAX + 16], fname[SO2_ACCOUNT_MAX + 16];
	const char *name = c->name;
	so2_err err;
	int got;

	if (c->repeat > 0) {
		ck_assert(c->repeat < sizeof(buf));
		memset(buf, 'a', c->repeat);
		buf[c->repeat] = '\0';
		name = buf;
	}
	got = so2_account_valid(name);
	ck_assert_msg(got == c->want, "\"%s\" (%zu bytes): got %d, want %d",
		      name ? name : "(null)", name ? strlen(name) : 0, got, c->want);
	/* so2_store_file_name agrees. */
	got = so2_store_file_name(name, fname, sizeof(fname), &err) == SO2_OK;
	ck_assert_msg(got == c->want, "file_name(\"%s\"): got %d, want %d",
		      name ? name : "(null)", got, c->want);
	if (got) {
		ck_assert_msg(strlen(fname) == strlen(name) + 5
			      && strcmp(fname + strlen(name), ".json") == 0,
			      "file_name(\"%s\"): got \"%s\"", name, fname);
	} else {
		ck_assert_msg(err.status == SO2_ERR_PARAM, "file_name(\"%s\"): status %s", name ?
			      name : "(null)", so2_status_name(err.status));
	}
}
END_TEST

START_TEST(test_store_file_name_small)
{
	char buf[8];
	so2_err err;

	ck_assert_msg(so2_store_file_name("ab", buf, sizeof(buf), &err) == SO2_OK
		      && strcmp(buf, "ab.json") == 0, "\"ab\": got \"%s\", want \"ab.json\"", buf);
	ck_assert_msg(so2_store_file_name("abc", buf, sizeof(buf), &err) == SO2_ERR_PARAM,
		      "\"abc\" into 8 bytes: got %s, want %s", so2_status_name(err.status),
		      so2_status_name(SO2_ERR_PARAM));
}
END_TEST

/* ---- list ---------------------------------------------------------------- */

START_TEST(test_store_list)
{
	static const char *const files[] = {
		"zed.json", "alice.json", "Bob.json", "m.json", "alice.lock",
		".alice.json.0011aabbccdd.tmp", ".hidden.json", "notes.txt", "x.json.bak",
		".json", "json",
	};
	static const char *const want[] = { "Bob.json", "alice.json", "m.json", "zed.json" };
	so2_store *st = open_store();
	char **names = NULL;
	so2_err err;
	size_t i, n;
	FILE *f;

	ck_assert_msg(so2_store_list(st, &names, &err) == SO2_OK, "list empty: %s", err.msg);
	ck_assert_msg(names != NULL && names[0] == NULL, "empty store: got a name");
	so2_store_list_free(names);

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		f = fopen(path_of(files[i]), "w");
		ck_assert(f != NULL);
		fclose(f);
	}
	ck_assert_msg(so2_store_list(st, &names, &err) == SO2_OK, "list: %s", err.msg);
	for (n = 0; names[n] != NULL; n++)
		;
	ck_assert_msg(n == sizeof(want) / sizeof(want[0]), "list: got %zu names, want %zu", n,
		      sizeof(want) / sizeof(want[0]));
	for (i = 0; i < n; i++)
		ck_assert_msg(strcmp(names[i], want[i]) == 0, "list[%zu]: got %s, want %s", i,
			      names[i], want[i]);
	so2_store_list_free(names);
	so2_store_list_free(NULL);
	so2_store_close(st);
}
END_TEST

START_TEST(test_store_list_many)
{
	so2_store *st = open_store();
	char **names = NULL, name[32];
	so2_err err;
	FILE *f;
	int i;

	/* More than the first allocation, written in reverse order. */
	for (i = 99; i >= 0; i--) {
		snprintf(name, sizeof(name), "acct%03d.json", i);
		f = fopen(path_of(name), "w");
		ck_assert(f != NULL);
		fclose(f);
	}
	ck_assert_msg(so2_store_list(st, &names, &err) == SO2_OK, "list: %s", err.msg);
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "acct%03d.json", i);
		ck_assert_msg(names[i] != NULL && strcmp(names[i], name) == 0,
			      "list[%d]: got %s, want %s", i, names[i] ? names[i] : "(end)", name);
	}
	ck_assert_msg(names[100] == NULL, "list: more than 100 names");
	so2_store_list_free(names);
	so2_store_close(st);
}
END_TEST

/* ---- locks ---------------------------------------------------------------- */

struct lock_try {
	so2_store *st;
	long timeout;
	so2_status got;
	double elapsed;
	so2_err err;
};

/* try_lock - thread: take the lock of alice.json, release it at once */
static void *
try_lock(void *arg)
{
	struct lock_try *t = arg;
	double start = mono();
	int fd = -1;

	t->got = so2_store_lock(t->st, "alice.json", t->timeout, &fd, &t->err);
	t->elapsed = mono() - start;
	so2_store_unlock(fd);
	return NULL;
}

START_TEST(test_store_lock_thread_timeout)
{
	so2_store *st = open_store();
	struct lock_try t;
	pthread_t th;
	so2_err err;
	int fd = -1;

	ck_assert_msg(so2_store_lock(st, "alice.json", 1, &fd, &err) == SO2_OK, "lock: %s",
		      err.msg);
	memset(&t, 0, sizeof(t));
	t.st = st;
	t.timeout = 1;
	ck_assert(pthread_create(&th, NULL, try_lock, &t) == 0);
	ck_assert(pthread_join(th, NULL) == 0);
	ck_assert_msg(t.got == SO2_ERR_LOCK, "second lock from a thread: got %s (%s), want %s",
		      so2_status_name(t.got), t.err.msg, so2_status_name(SO2_ERR_LOCK));
	ck_assert_msg(t.elapsed <= 2.0, "second lock: gave up after %.3f s, want at most 2 s",
		      t.elapsed);
	ck_assert_msg(strstr(t.err.msg, path_of("alice.lock")) != NULL,
		      "lock timeout: message \"%s\" lacks the lock path", t.err.msg);

	/* Released: the thread gets it at once. */
	so2_store_unlock(fd);
	memset(&t, 0, sizeof(t));
	t.st = st;
	t.timeout = 5;
	ck_assert(pthread_create(&th, NULL, try_lock, &t) == 0);
	ck_assert(pthread_join(th, NULL) == 0);
	ck_assert_msg(t.got == SO2_OK && t.elapsed < 0.5, "after unlock: got %s in %.3f s, want"
		      " SO2_OK at once", so2_status_name(t.got), t.elapsed);
	so2_store_close(st);
}
END_TEST

/*
 * The lock_timeout message says another process held the lock "for more
 * than N seconds": so2_store_lock must wait N seconds, wherever in the
 * second it starts. Start just before a whole second of CLOCK_MONOTONIC.
 */
START_TEST(test_store_lock_waits_full_timeout)
{
	so2_store *st = open_store();
	struct timespec ts, pause = { 0, 1000000 };
	struct lock_try t;
	so2_err err;
	int fd = -1;

	ck_assert(so2_store_lock(st, "alice.json", 1, &fd, &err) == SO2_OK);
	do {
		nanosleep(&pause, NULL);
		clock_gettime(CLOCK_MONOTONIC, &ts);
	} while (ts.tv_nsec < 900000000L || ts.tv_nsec > 950000000L);
	memset(&t, 0, sizeof(t));
	t.st = st;
	t.timeout = 1;
	try_lock(&t);
	/* Cleaned up first: a failure then leaves nothing behind, with or
	 * without CK_FORK (Check skips the teardown of a failed test). */
	so2_store_unlock(fd);
	so2_store_close(st);
	teardown();
	ck_assert_msg(t.got == SO2_ERR_LOCK, "second lock: got %s, want %s",
		      so2_status_name(t.got), so2_status_name(SO2_ERR_LOCK));
	ck_assert_msg(t.elapsed >= 0.9, "lock timeout 1 s: gave up after %.3f s, want about 1 s",
		      t.elapsed);
}
END_TEST

/* A holder killed with SIGKILL leaves the lock free at once. */
START_TEST(test_store_lock_holder_killed)
{
	so2_store *st = open_store();
	int pfd[2], fd = -1, status;
	char c = 0;
	so2_err err;
	double start, elapsed;
	pid_t pid;

	ck_assert(pipe(pfd) == 0);
	pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		so2_store *cst = NULL;
		int cfd = -1;

		close(pfd[0]);
		if (so2_store_open(tmpdir, &cst, &err) != SO2_OK
		    || so2_store_lock(cst, "alice.json", 1, &cfd, &err) != SO2_OK) {
			c = 'E';
			_exit(write(pfd[1], &c, 1) == 1 ? 1 : 2);
		}
		c = 'L';
		if (write(pfd[1], &c, 1) != 1)
			_exit(2);
		for (;;)
			pause();
	}
	close(pfd[1]);
	ck_assert_msg(read(pfd[0], &c, 1) == 1 && c == 'L', "child could not take the lock");
	close(pfd[0]);
	/* The child holds it. */
	ck_assert_msg(so2_store_lock(st, "alice.json", 0, &fd, &err) == SO2_ERR_LOCK,
		      "lock held by the child: got %s, want %s", so2_status_name(err.status),
		      so2_status_name(SO2_ERR_LOCK));
	ck_assert(kill(pid, SIGKILL) == 0);
	ck_assert(waitpid(pid, &status, 0) == pid);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "child not killed");
	start = mono();
	ck_assert_msg(so2_store_lock(st, "alice.json", 5, &fd, &err) == SO2_OK,
		      "lock after the holder was killed: %s", err.msg);
	elapsed = mono() - start;
	ck_assert_msg(elapsed < 0.5, "lock after kill: took %.3f s, want at once", elapsed);
	so2_store_unlock(fd);
	so2_store_close(st);
}
END_TEST

Suite *
suite_store(void)
{
	Suite *s = suite_create("store");
	TCase *tc;

	tc = tcase_create("files");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_store_round_trip);
	tcase_add_test(tc, test_store_mode_0600);
	tcase_add_test(tc, test_store_no_temp_left);
	tcase_add_test(tc, test_store_write_fail_readonly);
	tcase_add_test(tc, test_store_write_fail_rename);
	tcase_add_test(tc, test_store_write_fail_fsize);
	tcase_add_test(tc, test_store_write_fail_removed);
	tcase_add_test(tc, test_store_world_writable);
	tcase_add_test(tc, test_store_read_warning);
	tcase_add_test(tc, test_store_symlink_refused);
	tcase_add_test(tc, test_store_read_bad);
	tcase_add_test(tc, test_store_open_errors);
	tcase_add_test(tc, test_store_remove);
	tcase_add_test(tc, test_store_recover_exact);
	tcase_add_test(tc, test_store_recover_long);
	tcase_add_test(tc, test_store_list);
	tcase_add_test(tc, test_store_list_many);
	suite_add_tcase(s, tc);

	tc = tcase_create("names");
	tcase_add_loop_test(tc, test_account_valid, 0,
			    (int)(sizeof(account_cases) / sizeof(account_cases[0])));
	tcase_add_test(tc, test_store_file_name_small);
	suite_add_tcase(s, tc);

	tc = tcase_create("locks");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_store_lock_thread_timeout);
	tcase_add_test(tc, test_store_lock_waits_full_timeout);
	tcase_add_test(tc, test_store_lock_holder_killed);
	suite_add_tcase(s, tc);
	return s;
}

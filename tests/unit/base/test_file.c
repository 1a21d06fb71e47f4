/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test_file.c - unit tests of base/file.c (the one file reader)
 * DESCRIPTION
 *	Every property the five readers it replaced had, pinned: the whole
 *	file comes back NUL-terminated (NULs inside kept); the cap (a file
 *	of max bytes is read, one of max + 1 refused); only regular files
 *	(a directory, a FIFO refused at once: opening never blocks); a
 *	read error is an error, not an end of file (the truncated CA
 *	bundle); a file that grows or shrinks between fstat and read is
 *	refused; openat relative to a directory descriptor, O_NOFOLLOW
 *	passed through; a missing file is SO2_READ_OPEN with ENOENT.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file.h"
#include "base/secret.h"

#include "fault.h"
#include "tests.h"

static char tmpdir[4096];

/* setup - a fresh directory in tmpdir */
static void
setup(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/so2-file-XXXXXX", base && *base ? base : "/tmp");
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

/* teardown - remove tmpdir and everything in it */
static void
teardown(void)
{
	fault_read_disarm();
	if (tmpdir[0] != '\0')
		nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	tmpdir[0] = '\0';
}

/* put - tmpdir/name holding len bytes of text; its path into path */
static void
put(const char *name, const char *text, size_t len, char *path, size_t size)
{
	FILE *f;

	snprintf(path, size, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	ck_assert_msg(f != NULL, "fopen %s: %s", path, strerror(errno));
	ck_assert(fwrite(text, 1, len, f) == len);
	ck_assert(fclose(f) == 0);
}

/* expect_fail - so2_read_at(path) fails with want */
static void
expect_fail(const char *what, const char *path, int oflags, size_t max, so2_status want_st,
	    so2_read_fail want)
{
	char *buf = (char *)"untouched";
	size_t len = 99;
	so2_read_why why;
	so2_status got;

	got = so2_read_at(AT_FDCWD, path, oflags, max, &buf, &len, &why);
	ck_assert_msg(got == want_st && why.fail == want, "%s: got %s/%d, want %s/%d", what,
		      so2_status_name(got), (int)why.fail, so2_status_name(want_st), (int)want);
	ck_assert_msg(buf == NULL && len == 0, "%s: got a buffer (%zu bytes), want none",
		      what, len);
}

START_TEST(test_file_whole)
{
	static const char text[] = "line one\n\0after a NUL\n";
	char path[4200], *buf;
	size_t len;
	so2_read_why why;

	put("f", text, sizeof(text) - 1, path, sizeof(path));
	ck_assert(so2_read_at(AT_FDCWD, path, 0, 1000, &buf, &len, &why) == SO2_OK);
	ck_assert_msg(len == sizeof(text) - 1 && memcmp(buf, text, len) == 0 && buf[len] == '\0',
		      "content: got %zu bytes, want %zu and a NUL", len, sizeof(text) - 1);
	ck_assert_msg(why.fail == SO2_READ_OK && why.size == (long long)len
		      && S_ISREG(why.mode), "why: got fail %d size %lld mode %o", (int)why.fail,
		      why.size, why.mode);
	so2_wipe_free(buf, len + 1);

	/* an empty file is "" */
	put("empty", "", 0, path, sizeof(path));
	ck_assert(so2_read_at(AT_FDCWD, path, 0, 10, &buf, &len, NULL) == SO2_OK);
	ck_assert_msg(len == 0 && buf != NULL && buf[0] == '\0', "empty: got %zu bytes", len);
	so2_wipe_free(buf, 1);
}
END_TEST

/* The cap: max bytes are read, max + 1 refused (not truncated). */
START_TEST(test_file_cap)
{
	char path[4200], *buf;
	size_t len;

	put("f", "0123456789", 10, path, sizeof(path));
	ck_assert(so2_read_at(AT_FDCWD, path, 0, 10, &buf, &len, NULL) == SO2_OK && len == 10);
	so2_wipe_free(buf, len + 1);
	expect_fail("11 > 10", path, 0, 9, SO2_ERR_IO, SO2_READ_TOOBIG);
}
END_TEST

START_TEST(test_file_not_regular)
{
	char path[4200];

	expect_fail("directory", tmpdir, 0, 100, SO2_ERR_IO, SO2_READ_NOTREG);
	/* A FIFO with no writer: refused at once, never waited on (a
	 * blocking open would hang until the test times out). */
	snprintf(path, sizeof(path), "%s/fifo", tmpdir);
	ck_assert(mkfifo(path, 0600) == 0);
	expect_fail("fifo", path, 0, 100, SO2_ERR_IO, SO2_READ_NOTREG);
	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	expect_fail("missing", path, 0, 100, SO2_ERR_IO, SO2_READ_OPEN);
}
END_TEST

/* A read error is not the end of the file (cache.c's reader took it
 * for one and returned a CA bundle cut short). */
START_TEST(test_file_read_error)
{
	static const char text[] = "-----BEGIN CERTIFICATE-----\nMIIB...\n";
	char path[4200], *buf;
	size_t len;
	so2_read_why why;

	put("f", text, sizeof(text) - 1, path, sizeof(path));
	fault_read_arm(10, EIO);
	ck_assert(so2_read_at(AT_FDCWD, path, 0, 1000, &buf, &len, &why) == SO2_ERR_IO);
	fault_read_disarm();
	ck_assert_msg(why.fail == SO2_READ_IO && why.errnum == EIO && buf == NULL,
		      "read error: got fail %d errno %d", (int)why.fail, why.errnum);
}
END_TEST

/* grow, shrink - change the file between fstat and the first read */
static void
grow(void *arg)
{
	FILE *f = fopen(arg, "a");

	ck_assert(f != NULL && fputs("more", f) >= 0 && fclose(f) == 0);
}

static void
shrink(void *arg)
{
	ck_assert(truncate(arg, 3) == 0);
}

START_TEST(test_file_changed)
{
	char path[4200];

	put("f", "0123456789", 10, path, sizeof(path));
	fault_read_hook(grow, path);
	expect_fail("grew", path, 0, 100, SO2_ERR_IO, SO2_READ_CHANGED);
	put("f", "0123456789", 10, path, sizeof(path));
	fault_read_hook(shrink, path);
	expect_fail("shrank", path, 0, 100, SO2_ERR_IO, SO2_READ_CHANGED);
	/* grown past the cap: too big, as a file that was too big at fstat */
	put("f", "0123456789", 10, path, sizeof(path));
	fault_read_hook(grow, path);
	expect_fail("grew past the cap", path, 0, 10, SO2_ERR_IO, SO2_READ_TOOBIG);
}
END_TEST

/* Relative to a directory descriptor; O_NOFOLLOW passed through. */
START_TEST(test_file_dirfd)
{
	char path[4200], *buf;
	size_t len;
	so2_read_why why;
	int dirfd;

	put("rec", "{}", 2, path, sizeof(path));
	snprintf(path, sizeof(path), "%s/link", tmpdir);
	ck_assert(symlink("rec", path) == 0);
	dirfd = open(tmpdir, O_RDONLY | O_DIRECTORY);
	ck_assert(dirfd >= 0);
	ck_assert(so2_read_at(dirfd, "rec", 0, 10, &buf, &len, &why) == SO2_OK && len == 2);
	so2_wipe_free(buf, len + 1);
	ck_assert(so2_read_at(dirfd, "link", 0, 10, &buf, &len, &why) == SO2_OK);
	so2_wipe_free(buf, len + 1);
	ck_assert(so2_read_at(dirfd, "link", O_NOFOLLOW, 10, &buf, &len, &why) == SO2_ERR_IO);
	ck_assert_msg(why.fail == SO2_READ_OPEN && why.errnum == ELOOP,
		      "O_NOFOLLOW: got fail %d errno %d, want OPEN/ELOOP", (int)why.fail,
		      why.errnum);
	close(dirfd);
}
END_TEST

START_TEST(test_file_reason)
{
	so2_read_why why = { SO2_READ_TOOBIG, 0, 5000, 0100600 };
	char buf[128];

	ck_assert_str_eq(so2_read_reason(&why, 4096, buf, sizeof(buf)), "larger than 4096 bytes");
	why.fail = SO2_READ_OPEN;
	why.errnum = ENOENT;
	ck_assert_str_eq(so2_read_reason(&why, 1, buf, sizeof(buf)),
			 "cannot open: No such file or directory");
	why.fail = SO2_READ_CHANGED;
	ck_assert_str_eq(so2_read_reason(&why, 1, buf, sizeof(buf)), "changed while it was read");
}
END_TEST

Suite *
suite_file(void)
{
	Suite *s = suite_create("file");
	TCase *tc = tcase_create("read");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_file_whole);
	tcase_add_test(tc, test_file_cap);
	tcase_add_test(tc, test_file_not_regular);
	tcase_add_test(tc, test_file_read_error);
	tcase_add_test(tc, test_file_changed);
	tcase_add_test(tc, test_file_dirfd);
	tcase_add_test(tc, test_file_reason);
	suite_add_tcase(s, tc);
	return s;
}

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test_cache.c - unit tests of cache.c
 * DESCRIPTION
 *	so2_cache_open() reads the CA bundle whole, before a chroot: a
 *	bundle cut short by a read error is refused (reported at refresh),
 *	never handed to libcurl truncated; a good one is kept byte for
 *	byte.
 */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "token/cache.h"
#include "token/conf.h"

#include "fault.h"
#include "tests.h"

static char tmpdir[4096];

/* setup - a fresh directory in tmpdir */
static void
setup(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/so2-cache-XXXXXX", base && *base ? base : "/tmp");
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

/* write_file - path under tmpdir holding len bytes of text */
static void
write_file(const char *name, const char *text, size_t len, char *path, size_t size)
{
	FILE *f;

	snprintf(path, size, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	ck_assert_msg(f != NULL, "fopen %s: %s", path, strerror(errno));
	ck_assert(fwrite(text, 1, len, f) == len);
	ck_assert(fclose(f) == 0);
}

/* open_with_ca - a cache whose configuration names ca as the CA bundle */
static so2_cache *
open_with_ca(so2_config **conf, const char *ca)
{
	so2_cache *c = NULL;
	so2_err err;
	char store[4200];

	*conf = so2_config_defaults();
	ck_assert(*conf != NULL);
	snprintf(store, sizeof(store), "%s/store", tmpdir);
	ck_assert(mkdir(store, 0700) == 0);
	free((*conf)->store_dir);
	(*conf)->store_dir = strdup(store);
	(*conf)->ca_file = strdup(ca);
	ck_assert((*conf)->store_dir != NULL && (*conf)->ca_file != NULL);
	so2_err_clear(&err);
	ck_assert_msg(so2_cache_open(*conf, &c, &err) == SO2_OK, "open: %s", err.msg);
	return c;
}

static const char bundle[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBszCCAVmgAwIBAgIUQ29tZUNBIGJ1bmRsZSBmb3IgdGVzdHMwCgYIKoZIzj0E\n"
	"-----END CERTIFICATE-----\n";

/* A good bundle is kept whole, byte for byte. */
START_TEST(test_cache_ca_whole)
{
	so2_config *conf;
	so2_cache *c;
	const so2_http_conf *hc;
	char path[4200];

	write_file("ca.pem", bundle, sizeof(bundle) - 1, path, sizeof(path));
	c = open_with_ca(&conf, path);
	hc = so2_cache_http(c);
	ck_assert_msg(hc->ca_blob != NULL && hc->ca_blob_len == sizeof(bundle) - 1
		      && memcmp(hc->ca_blob, bundle, sizeof(bundle) - 1) == 0,
		      "ca_blob: got %zu bytes, want the %zu of the file", hc->ca_blob_len,
		      sizeof(bundle) - 1);
	so2_cache_close(c);
	so2_config_free(conf);
}
END_TEST

/* A bundle cut short by a read error is refused, not used truncated
 * (the old reader took the error for the end of the file). */
START_TEST(test_cache_ca_read_error)
{
	so2_config *conf;
	so2_cache *c;
	const so2_http_conf *hc;
	char path[4200];

	write_file("ca.pem", bundle, sizeof(bundle) - 1, path, sizeof(path));
	fault_read_arm(40, EIO);
	c = open_with_ca(&conf, path);
	fault_read_disarm();
	hc = so2_cache_http(c);
	ck_assert_msg(hc->ca_blob == NULL, "ca_blob: got %zu bytes of a %zu-byte bundle cut "
		      "short by EIO, want none (refused)", hc->ca_blob_len, sizeof(bundle) - 1);
	so2_cache_close(c);
	so2_config_free(conf);
}
END_TEST

Suite *
suite_cache(void)
{
	Suite *s = suite_create("cache");
	TCase *tc = tcase_create("ca bundle");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_cache_ca_whole);
	tcase_add_test(tc, test_cache_ca_read_error);
	suite_add_tcase(s, tc);
	return s;
}

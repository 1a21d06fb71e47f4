/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	test_cache.c - unit tests of cache.c
 * DESCRIPTION
 *	so2_cache_open() opens the CA bundle before a chroot and
 *	so2_cache_ca_bundle() reads it whole at each token request: a
 *	bundle cut short by a read error is refused, never handed to
 *	libcurl truncated; a good one comes byte for byte, also after its
 *	name is gone; no copy is kept in memory.
 *	so2_cache_get without a network (every token endpoint is
 *	https://127.0.0.1:1, where nothing listens): a valid token comes
 *	back as stored; a dead grant and a record without a refresh token
 *	fail at once naming the login command; during a back-off a valid
 *	token is used with a warning and an expired one fails at once,
 *	without a request, naming the next attempt; a failed refresh
 *	counts a failure in the record and keeps its tokens; mark_stale
 *	forces the next call to refresh; unknown and invalid accounts;
 *	so2_login_command; a record path asked for after a chroot (as root,
 *	in a child) names the chroot and the path as it is on the host.
 */
#include "config.h"

#include <errno.h>
#include <time.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "token/cache.h"
#include "token/conf.h"
#include "token/record.h"
#include "token/store.h"
#include "base/text.h"

#include <curl/curl.h>

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
	ck_assert(mkdir(store, 0700) == 0 || errno == EEXIST);
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

/* A good bundle is read whole, byte for byte, and no copy is kept. */
START_TEST(test_cache_ca_whole)
{
	so2_config *conf;
	so2_cache *c;
	char path[4200], *buf = NULL;
	size_t len = 0;
	so2_err err;

	write_file("ca.pem", bundle, sizeof(bundle) - 1, path, sizeof(path));
	c = open_with_ca(&conf, path);
	ck_assert_msg(so2_cache_http(c)->ca_blob == NULL, "a copy of the bundle is kept");
	ck_assert_msg(so2_cache_ca_bundle(c, &buf, &len, &err) == SO2_OK, "read: %s", err.msg);
	ck_assert_msg(len == sizeof(bundle) - 1 && memcmp(buf, bundle, len) == 0,
		      "bundle: got %zu bytes, want the %zu of the file", len, sizeof(bundle) - 1);
	so2_wipe_free(buf, len + 1);
	/* twice: read from the start again */
	ck_assert(so2_cache_ca_bundle(c, &buf, &len, &err) == SO2_OK);
	ck_assert_msg(len == sizeof(bundle) - 1, "second read: %zu bytes", len);
	so2_wipe_free(buf, len + 1);
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
	char path[4200], *buf = NULL;
	size_t len = 0;
	so2_err err;
	so2_status st;

	write_file("ca.pem", bundle, sizeof(bundle) - 1, path, sizeof(path));
	c = open_with_ca(&conf, path);
	fault_read_arm(40, EIO);
	st = so2_cache_ca_bundle(c, &buf, &len, &err);
	fault_read_disarm();
	ck_assert_msg(st == SO2_ERR_IO && buf == NULL, "got status %d and %zu bytes of a %zu-byte"
		      " bundle cut short by EIO, want none (refused)", st, len, sizeof(bundle) - 1);
	ck_assert_msg(strstr(err.msg, path) != NULL, "message names the file: %s", err.msg);
	so2_cache_close(c);
	so2_config_free(conf);
}
END_TEST

/* Opened at so2_cache_open: still read when its name is gone (a chroot). */
START_TEST(test_cache_ca_after_chroot)
{
	so2_config *conf;
	so2_cache *c;
	char path[4200], *buf = NULL;
	size_t len = 0;
	so2_err err;

	write_file("ca.pem", bundle, sizeof(bundle) - 1, path, sizeof(path));
	c = open_with_ca(&conf, path);
	ck_assert(unlink(path) == 0);
	ck_assert_msg(so2_cache_ca_bundle(c, &buf, &len, &err) == SO2_OK, "read: %s", err.msg);
	ck_assert_msg(len == sizeof(bundle) - 1, "got %zu bytes", len);
	so2_wipe_free(buf, len + 1);
	so2_cache_close(c);
	so2_config_free(conf);
}
END_TEST

/* grow - append to the bundle (a file that changes while it is read) */
static void
grow(void *arg)
{
	FILE *f = fopen(arg, "a");

	if (f != NULL) {
		fputs("# more\n", f);
		fclose(f);
	}
}

/* A bundle that grows while it is read is refused, not cut. */
START_TEST(test_cache_ca_changed)
{
	so2_config *conf;
	so2_cache *c;
	char path[4200], *buf = NULL;
	size_t len = 0;
	so2_err err;
	so2_status st;

	write_file("ca.pem", bundle, sizeof(bundle) - 1, path, sizeof(path));
	c = open_with_ca(&conf, path);
	fault_read_hook(grow, path);
	st = so2_cache_ca_bundle(c, &buf, &len, &err);
	fault_read_disarm();
	ck_assert_msg(st == SO2_ERR_IO && buf == NULL && strstr(err.msg, "changed") != NULL,
		      "status %d, %zu bytes, message: %s", st, len, err.msg);
	so2_cache_close(c);
	so2_config_free(conf);
}
END_TEST

/* A missing bundle: the open error, at each read. */
START_TEST(test_cache_ca_missing)
{
	so2_config *conf;
	so2_cache *c;
	char path[4200], *buf = NULL;
	size_t len = 0;
	so2_err err;

	snprintf(path, sizeof(path), "%s/no-such-ca.pem", tmpdir);
	c = open_with_ca(&conf, path);
	ck_assert_int_eq(so2_cache_ca_bundle(c, &buf, &len, &err), SO2_ERR_IO);
	ck_assert_msg(strstr(err.msg, "cannot open CA bundle") != NULL, "message: %s", err.msg);
	so2_cache_close(c);
	so2_config_free(conf);
}
END_TEST

/* ---- so2_cache_get without a network ------------------------------------ */

#define ACCOUNT	"relay@example.com"
#define AT	"eyJ0eXAi.access-SECRET-at"
#define RT	"0.AAAA-refresh-SECRET-rt"

/* put_record - write the record of ACCOUNT into the cache's store */
static void
put_record(so2_cache *c, time_t expires_at, const char *rt, const char *state,
	   long failures, time_t retry_after)
{
	so2_record *rec = so2_record_new();
	char name[300];
	so2_err err;

	ck_assert(rec != NULL);
	ck_assert(so2_record_set_str(&rec->account, ACCOUNT) == SO2_OK);
	ck_assert(so2_record_set_str(&rec->provider, "microsoft") == SO2_OK);
	ck_assert(so2_record_set_str(&rec->token_endpoint, "https://127.0.0.1:1/token")
		  == SO2_OK);
	ck_assert(so2_record_set_str(&rec->client_id, "11111111-2222-3333-4444-"
				     "555555555555") == SO2_OK);
	ck_assert(so2_record_set_str(&rec->grant_type, SO2_RECORD_GRANT_DEVICE) == SO2_OK);
	ck_assert(so2_record_set_str(&rec->token_type, "Bearer") == SO2_OK);
	ck_assert(so2_record_set_str(&rec->state, state) == SO2_OK);
	ck_assert(so2_secret_set(&rec->access_token, AT, strlen(AT)) == SO2_OK);
	if (rt != NULL)
		ck_assert(so2_secret_set(&rec->refresh_token, rt, strlen(rt)) == SO2_OK);
	rec->expires_at = expires_at;
	rec->obtained_at = rec->refreshed_at = time(NULL) - 100;
	rec->failures = failures;
	rec->retry_after = retry_after;
	if (failures > 0)
		ck_assert(so2_record_set_str(&rec->last_error, "HTTP 503") == SO2_OK);
	so2_err_clear(&err);
	ck_assert(so2_store_file_name(ACCOUNT, name, sizeof(name), &err) == SO2_OK);
	ck_assert_msg(so2_store_write(so2_cache_store(c), name, rec, &err) == SO2_OK,
		      "write: %s", err.msg);
	so2_record_free(rec);
}

/* get_record - the record of ACCOUNT as stored now */
static so2_record *
get_record(so2_cache *c)
{
	so2_record *rec = NULL;
	char name[300];
	so2_err err;

	ck_assert(so2_store_file_name(ACCOUNT, name, sizeof(name), &err) == SO2_OK);
	ck_assert_msg(so2_store_read(so2_cache_store(c), name, &rec, NULL, &err) == SO2_OK,
		      "read: %s", err.msg);
	return rec;
}

/* open_cache - a cache over a fresh store, with a readable CA bundle */
static so2_cache *
open_cache(so2_config **conf)
{
	char path[4200];
	so2_cache *c;

	write_file("ca.pem", bundle, sizeof(bundle) - 1, path, sizeof(path));
	c = open_with_ca(conf, path);
	ck_assert(so2_cache_store(c) != NULL);
	return c;
}

/* get - so2_cache_get of ACCOUNT; the token cleared, its status returned */
static so2_status
get(so2_cache *c, int force, so2_token_info *info, so2_err *err)
{
	so2_secret tok = SO2_SECRET_INIT;
	so2_status got;

	memset(info, 0, sizeof(*info));
	so2_err_clear(err);
	got = so2_cache_get(c, ACCOUNT, force, &tok, info, err);
	ck_assert_msg(got != SO2_OK || (tok.len == strlen(AT) && strcmp(tok.data, AT) == 0),
		      "token: got \"%s\", want the stored one", tok.data ? tok.data : "");
	ck_assert_msg(strstr(err->msg, "SECRET") == NULL && strstr(info->warning, "SECRET")
		      == NULL, "a message shows a secret: %s / %s", err->msg, info->warning);
	so2_secret_clear(&tok);
	return got;
}

START_TEST(test_cache_valid)
{
	so2_config *conf;
	so2_cache *c = open_cache(&conf);
	so2_token_info info;
	so2_err err;
	time_t exp = time(NULL) + 3000;

	put_record(c, exp, RT, SO2_STATE_OK, 0, 0);
	ck_assert_msg(get(c, 0, &info, &err) == SO2_OK, "valid token: %s", err.msg);
	ck_assert_msg(info.refreshed == 0 && info.expires_at == exp && info.warning[0] == '\0'
		      && strcmp(info.account, ACCOUNT) == 0, "info: refreshed %d expires %lld "
		      "warning \"%s\" account %s", info.refreshed, (long long)info.expires_at,
		      info.warning, info.account);
	ck_assert_int_eq(so2_cache_ref_exists(c, ACCOUNT), 1);
	ck_assert_int_eq(so2_cache_ref_exists(c, "other@example.com"), 0);
	so2_cache_close(c);
	so2_config_free(conf);
}
END_TEST

/* A rejection marks the record stale only while it holds the rejected
 * token (issue 10, point 5): the digest of an older token leaves a
 * refreshed record alone, however many times it comes. */
START_TEST(test_cache_mark_stale_digest)
{
	static const char old[] = "eyJ0eXAi.old-SECRET-token";
	unsigned char d_old[SO2_TOKEN_DIGEST_LEN], d_cur[SO2_TOKEN_DIGEST_LEN];
	so2_secret s_old = SO2_SECRET_INIT, s_cur = SO2_SECRET_INIT;
	so2_config *conf;
	so2_cache *c = open_cache(&conf);
	so2_record *rec;
	so2_err err;
	int i, marked = -1;

	put_record(c, time(NULL) + 3600, RT, SO2_STATE_OK, 0, 0);
	ck_assert(so2_secret_set(&s_old, old, sizeof(old) - 1) == SO2_OK);
	ck_assert(so2_secret_set(&s_cur, AT, strlen(AT)) == SO2_OK);
	ck_assert(so2_token_digest(&s_old, d_old) == SO2_OK);
	ck_assert(so2_token_digest(&s_cur, d_cur) == SO2_OK);
	for (i = 0; i < 10; i++) {
		ck_assert_msg(so2_cache_mark_stale(c, ACCOUNT, d_old, "535 5.7.3", &marked, &err)
			      == SO2_OK, "mark_stale (old token): %s", err.msg);
		ck_assert_msg(marked == 0, "rejection %d of an older token marked the record", i);
	}
	rec = get_record(c);
	ck_assert_msg(so2_record_has_state(rec, SO2_STATE_OK), "state after 10 rejections of an"
		      " older token: got %s, want ok", rec->state);
	so2_record_free(rec);
	ck_assert(so2_cache_mark_stale(c, ACCOUNT, d_cur, "535 5.7.3", &marked, &err) == SO2_OK);
	ck_assert_msg(marked == 1, "a rejection of the record's token did not mark it");
	rec = get_record(c);
	ck_assert_msg(so2_record_has_state(rec, SO2_STATE_STALE), "state: got %s, want stale",
		      rec->state);
	so2_record_free(rec);
	so2_secret_clear(&s_old);
	so2_secret_clear(&s_cur);
	so2_cache_close(c);
	so2_config_free(conf);
}
END_TEST

/* A dead grant, or no refresh token: at once, naming the login command. */
START_TEST(test_cache_needs_login)
{
	so2_config *conf;
	so2_cache *c = open_cache(&conf);
	so2_token_info info;
	so2_err err;

	put_record(c, time(NULL) - 10, RT, SO2_STATE_NEEDS_LOGIN, 0, 0);
	ck_assert(get(c, 0, &info, &err) == SO2_ERR_GRANT);
	ck_assert_msg(strstr(err.msg, "needs a new login") != NULL
		      && strstr(err.msg, "sasl-oauth2 login " ACCOUNT) != NULL,
		      "needs_login: message \"%s\"", err.msg);
	put_record(c, time(NULL) - 10, NULL, SO2_STATE_OK, 0, 0);
	ck_assert(get(c, 0, &info, &err) == SO2_ERR_GRANT);
	ck_assert_msg(strstr(err.msg, "sasl-oauth2 login " ACCOUNT) != NULL,
		      "no refresh token: message \"%s\"", err.msg);
	so2_cache_close(c);
	so2_config_free(conf);
}
END_TEST

/* Back-off: a valid token is used with a warning; an expired one fails
 * at once (no request: the endpoint would give a different message). */
START_TEST(test_cache_backoff)
{
	so2_config *conf;
	so2_cache *c = open_cache(&conf);
	so2_token_info info;
	so2_err err;
	time_t now = time(NULL);

	put_record(c, now + 60, RT, SO2_STATE_OK, 2, now + 600);
	ck_assert_msg(get(c, 0, &info, &err) == SO2_OK, "backing off, still valid: %s",
		      err.msg);
	ck_assert_msg(info.backing_off == 1 && strstr(info.warning, "failed 2 times") != NULL,
		      "backing off: got %d \"%s\"", info.backing_off, info.warning);
	put_record(c, now - 10, RT, SO2_STATE_OK, 2, now + 600);
	ck_assert(get(c, 0, &info, &err) == SO2_ERR_TEMP);
	ck_assert_msg(strstr(err.msg, "no new request to the token endpoint before") != NULL
		      && strstr(err.msg, "HTTP 503") != NULL, "expired while backing off: "
		      "message \"%s\"", err.msg);
	so2_cache_close(c);
	so2_config_free(conf);
}
END_TEST

/* A refresh that fails on the network counts a failure in the record and
 * keeps its tokens; mark_stale makes the next call refresh. */
START_TEST(test_cache_refresh_fails)
{
	so2_config *conf;
	so2_cache *c;
	so2_token_info info;
	so2_record *rec;
	so2_err err;
	time_t now = time(NULL);

	ck_assert_int_eq(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
	c = open_cache(&conf);
	put_record(c, now - 10, RT, SO2_STATE_OK, 0, 0);
	ck_assert(get(c, 0, &info, &err) == SO2_ERR_TEMP);
	ck_assert_msg(strstr(err.msg, "https://127.0.0.1:1/token") != NULL,
		      "closed port: message \"%s\" does not name the endpoint", err.msg);
	rec = get_record(c);
	ck_assert_msg(rec->failures == 1 && rec->retry_after > now && rec->last_error != NULL
		      && strcmp(rec->access_token.data, AT) == 0
		      && strcmp(rec->refresh_token.data, RT) == 0,
		      "after a failed refresh: failures %ld retry_after %lld", rec->failures,
		      (long long)rec->retry_after);
	so2_record_free(rec);

	put_record(c, now + 3000, RT, SO2_STATE_OK, 0, 0);
	so2_err_clear(&err);
	ck_assert_msg(so2_cache_mark_stale(c, ACCOUNT, NULL, "535 5.7.3", NULL, &err) == SO2_OK,
		      "mark_stale: %s", err.msg);
	rec = get_record(c);
	ck_assert_msg(so2_record_has_state(rec, SO2_STATE_STALE), "state: got %s, want stale",
		      rec->state ? rec->state : "(none)");
	so2_record_free(rec);
	ck_assert_msg(get(c, 0, &info, &err) == SO2_ERR_TEMP, "stale: no refresh attempted");
	so2_cache_close(c);
	so2_config_free(conf);
	curl_global_cleanup();
}
END_TEST

START_TEST(test_cache_refs)
{
	so2_config *conf;
	so2_cache *c = open_cache(&conf);
	so2_secret tok = SO2_SECRET_INIT;
	so2_token_info info;
	so2_err err;

	so2_err_clear(&err);
	ck_assert(so2_cache_get(c, "nobody@example.com", 0, &tok, &info, &err)
		  == SO2_ERR_NOTFOUND);
	ck_assert(so2_cache_get(c, "../etc/passwd", 0, &tok, &info, &err) != SO2_OK);
	ck_assert(tok.data == NULL);
	so2_cache_close(c);
	so2_config_free(conf);
}
END_TEST

/* ---- a record path in a chroot (issue 11) -------------------------------- */

/* get_chrooted - so2_cache_get of ref as Postfix's smtp would run it
 *	The cache is opened with start as the current directory (Postfix's
 *	master runs its daemons in queue_directory), then a child chroot()s
 *	into jail and asks for ref: its status, and its message into msg
 *	(size bytes). The test process itself never chroot()s. */
static so2_status
get_chrooted(const char *start, const char *jail, const char *ref, char *msg, size_t size)
{
	so2_config *conf;
	so2_cache *c;
	int fds[2], here, wstatus = 0;
	so2_status got = SO2_OK;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	here = open(".", O_RDONLY | O_DIRECTORY);
	ck_assert(here >= 0 && chdir(start) == 0);
	c = open_cache(&conf);
	ck_assert(fchdir(here) == 0 && close(here) == 0);
	put_record(c, time(NULL) + 3000, RT, SO2_STATE_OK, 0, 0);
	ck_assert(pipe(fds) == 0);
	if ((pid = fork()) == 0) {
		so2_secret tok = SO2_SECRET_INIT;
		so2_token_info info;
		so2_err err;

		close(fds[0]);
		so2_err_clear(&err);
		if (chroot(jail) != 0 || chdir("/") != 0)
			so2_err_set(&err, SO2_ERR_PARAM, "chroot %s: %s", jail, strerror(errno));
		else
			so2_cache_get(c, ref, 0, &tok, &info, &err);
		so2_secret_clear(&tok);
		if (write(fds[1], &err.status, sizeof(err.status)) < 0
		    || write(fds[1], err.msg, strlen(err.msg)) < 0)
			_exit(1);
		_exit(0);
	}
	ck_assert(pid > 0);
	close(fds[1]);
	ck_assert(read(fds[0], &got, sizeof(got)) == (ssize_t)sizeof(got));
	while (len + 1 < size && (n = read(fds[0], msg + len, size - 1 - len)) > 0)
		len += (size_t)n;
	msg[len] = '\0';
	close(fds[0]);
	ck_assert(waitpid(pid, &wstatus, 0) == pid && WIFEXITED(wstatus)
		  && WEXITSTATUS(wstatus) == 0);
	so2_cache_close(c);
	so2_config_free(conf);
	return got;
}

/* mkdirs - every directory of path below base (both absolute) */
static void
mkdirs(const char *base, const char *path)
{
	char buf[12800];
	char *p;

	snprintf(buf, sizeof(buf), "%s%s", base, path);
	for (p = buf + strlen(base) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		ck_assert_msg(mkdir(buf, 0755) == 0 || errno == EEXIST, "mkdir %s", buf);
		*p = '/';
	}
	ck_assert_msg(mkdir(buf, 0755) == 0 || errno == EEXIST, "mkdir %s", buf);
}

/* A record path that exists on the host only, asked for by a process that
 * chroot()ed after the cache was opened (Postfix's smtp): the message names
 * the chroot, the path as seen from the host and the fixes (issue 11). */
START_TEST(test_cache_chroot_path)
{
	char real[4096], jail[4200], ref[4200], host[8400], login[8500], msg[SO2_ERR_MSG_MAX];
	so2_status got;

	if (geteuid() != 0) {
		fprintf(stderr, "test_cache_chroot_path: skipped, chroot(2) needs root\n");
		return;
	}
	ck_assert(realpath(tmpdir, real) != NULL);
	snprintf(jail, sizeof(jail), "%s/jail", real);
	ck_assert(mkdir(jail, 0755) == 0);
	snprintf(ref, sizeof(ref), "%s/store/" ACCOUNT ".json", real);
	snprintf(host, sizeof(host), "%s%s", jail, ref);
	snprintf(login, sizeof(login), "sasl-oauth2 login " ACCOUNT " --store %s%s/store", jail,
		 real);

	/* Its directory does not exist inside the chroot. */
	got = get_chrooted(jail, jail, ref, msg, sizeof(msg));
	ck_assert_msg(got == SO2_ERR_IO, "no directory: got %s", so2_status_name(got));
	ck_assert_msg(strstr(msg, "runs chrooted in ") != NULL && strstr(msg, jail) != NULL
		      && strstr(msg, host) != NULL && strstr(msg, login) != NULL
		      && strstr(msg, "password empty") != NULL
		      && strstr(msg, "mkdir") == NULL, "no directory: message \"%s\" does not"
		      " name the chroot %s, the path %s on the host and %s", msg, jail, host,
		      login);

	/* Its directory exists inside, the record does not. */
	snprintf(host, sizeof(host), "%s/store", real);
	mkdirs(jail, host);
	snprintf(host, sizeof(host), "%s%s", jail, ref);
	got = get_chrooted(jail, jail, ref, msg, sizeof(msg));
	ck_assert_msg(got == SO2_ERR_NOTFOUND, "no record: got %s", so2_status_name(got));
	ck_assert_msg(strstr(msg, "runs chrooted in ") != NULL && strstr(msg, host) != NULL
		      && strstr(msg, login) != NULL, "no record: message \"%s\" does not name"
		      " the chroot %s, the path %s on the host and %s", msg, jail, host, login);

	/* Chrooted elsewhere than the directory it started in. */
	got = get_chrooted(real, jail, ref, msg, sizeof(msg));
	ck_assert_msg(got == SO2_ERR_NOTFOUND, "elsewhere: got %s", so2_status_name(got));
	ck_assert_msg(strstr(msg, "chrooted (in a directory the module cannot name") != NULL
		      && strstr(msg, ref) != NULL, "elsewhere: message \"%s\"", msg);

	/* Not chrooted: the record is there. */
	got = get_chrooted(jail, "/", ref, msg, sizeof(msg));
	ck_assert_msg(got == SO2_OK, "no chroot: got %s: %s", so2_status_name(got), msg);
}
END_TEST

/* Inputs nobody named: a chroot whose name holds a newline and a terminal
 * escape (the message goes to syslog: none may pass raw); a record path
 * climbing above the chroot with ".." and one through a symbolic link to
 * an absolute path inside it: the host path told is where the process
 * looks, not the chroot's parent or the host's own directory. */
START_TEST(test_cache_chroot_hostile)
{
	char real[4096], jail[4200], ref[4200], host[8400], link[8400], msg[SO2_ERR_MSG_MAX];
	so2_status got;

	if (geteuid() != 0) {
		fprintf(stderr, "test_cache_chroot_hostile: skipped, chroot(2) needs root\n");
		return;
	}
	ck_assert(realpath(tmpdir, real) != NULL);
	snprintf(jail, sizeof(jail), "%s/ja\nil\033[31m x", real);
	ck_assert(mkdir(jail, 0755) == 0);
	snprintf(ref, sizeof(ref), "/store/" ACCOUNT ".json");
	got = get_chrooted(jail, jail, ref, msg, sizeof(msg));
	ck_assert_msg(got == SO2_ERR_IO, "escape: got %s", so2_status_name(got));
	ck_assert_msg(!so2_has_control(msg) && strstr(msg, "ja?il?[31m x/store/") != NULL,
		      "escape: a control character passed raw: \"%s\"", msg);

	snprintf(jail, sizeof(jail), "%s/jail2", real);
	ck_assert(mkdir(jail, 0755) == 0);
	mkdirs(jail, "/store");
	got = get_chrooted(jail, jail, "/../../store/" ACCOUNT ".json", msg, sizeof(msg));
	snprintf(host, sizeof(host), " %s/store/" ACCOUNT ".json on the host", jail);
	ck_assert_msg(got == SO2_ERR_NOTFOUND && strstr(msg, host) != NULL,
		      "dot-dot: got %s, message \"%s\" does not say%s", so2_status_name(got),
		      msg, host);

	snprintf(link, sizeof(link), "%s/link", jail);
	ck_assert(symlink("/store", link) == 0);
	got = get_chrooted(jail, jail, "/link/" ACCOUNT ".json", msg, sizeof(msg));
	ck_assert_msg(got == SO2_ERR_NOTFOUND && strstr(msg, host) != NULL,
		      "symlink: got %s, message \"%s\" does not say%s", so2_status_name(got),
		      msg, host);
}
END_TEST

START_TEST(test_login_command)
{
	so2_record *rec = so2_record_new();
	char buf[512];

	ck_assert(rec != NULL);
	so2_login_command(NULL, "a@example.com", buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "sasl-oauth2 login a@example.com") == buf,
		      "no record: got \"%s\"", buf);
	ck_assert(so2_record_set_str(&rec->provider, "google") == SO2_OK);
	ck_assert(so2_record_set_str(&rec->grant_type, SO2_RECORD_GRANT_CODE) == SO2_OK);
	so2_login_command(rec, "a@example.com", buf, sizeof(buf));
	ck_assert_str_eq(buf, "sasl-oauth2 login a@example.com --provider google --grant code");
	ck_assert(so2_record_set_str(&rec->grant_type, SO2_RECORD_GRANT_CLIENT_CREDENTIALS)
		  == SO2_OK);
	so2_login_command(rec, "a@example.com", buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "--grant client-credentials") != NULL, "got \"%s\"", buf);
	so2_record_free(rec);
}
END_TEST

/* A name the shell would read: a quote inside must not end the quoting
 * (q'x'$(touch p) ran the touch), and the mv of a record path is quoted
 * too; a name too long to quote whole is not cut inside its quotes. */
START_TEST(test_login_command_quoting)
{
	char buf[1400], longname[2000];

	so2_login_command(NULL, "q'x'$(touch p)", buf, sizeof(buf));
	ck_assert_str_eq(buf, "sasl-oauth2 login 'q'\\''x'\\''$(touch p)'");
	so2_login_command(NULL, "/etc/my x;y", buf, sizeof(buf));
	ck_assert_str_eq(buf, "sasl-oauth2 login 'my x;y' --store /etc; then: mv "
			 "'/etc/my x;y.json' '/etc/my x;y'");
	so2_login_command(NULL, "/etc/a`id`.json", buf, sizeof(buf));
	ck_assert_str_eq(buf, "sasl-oauth2 login 'a`id`' --store /etc");
	memset(longname, 'a', sizeof(longname) - 1);
	longname[0] = ' ';
	longname[sizeof(longname) - 1] = '\0';
	so2_login_command(NULL, longname, buf, sizeof(buf));
	ck_assert_str_eq(buf, "sasl-oauth2 login NAME");
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
	tcase_add_test(tc, test_cache_ca_after_chroot);
	tcase_add_test(tc, test_cache_ca_missing);
	tcase_add_test(tc, test_cache_ca_changed);
	suite_add_tcase(s, tc);

	tc = tcase_create("get");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_cache_valid);
	tcase_add_test(tc, test_cache_needs_login);
	tcase_add_test(tc, test_cache_backoff);
	tcase_add_test(tc, test_cache_refresh_fails);
	tcase_add_test(tc, test_cache_refs);
	tcase_add_test(tc, test_cache_mark_stale_digest);
	tcase_add_test(tc, test_login_command);
	tcase_add_test(tc, test_login_command_quoting);
	tcase_add_test(tc, test_cache_chroot_path);
	tcase_add_test(tc, test_cache_chroot_hostile);
	suite_add_tcase(s, tc);
	return s;
}

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	login_record.c - where a login leaves its record: the store and the write
 * DESCRIPTION
 *	The store directory is created 0700 when missing, with the missing
 *	parents also 0700 (a fresh home has no ~/.local/state: XDG Base
 *	Directory Specification 0.8 creates them 0700) and, with --user as
 *	root, given to that user with the
 *	record. The record is written under its lock, so that a refresh
 *	of the old record running at the same moment cannot overwrite the
 *	new one, atomically and mode 0600 (store.h), with the signals
 *	caught so that the write completes.
 * SEE ALSO
 *	login.h, store.h
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "login.h"

/* make_parents - mkdir -p of dir's missing parents, each mode; 0 or -1 (errno) */
static int
make_parents(const char *dir, mode_t mode)
{
	char path[PATH_MAX];
	size_t n = strlen(dir), i;

	if (n >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(path, dir, n + 1);
	while (n > 1 && path[n - 1] == '/')
		path[--n] = '\0';
	for (i = 1; i < n; i++) {
		if (path[i] != '/')
			continue;
		path[i] = '\0';
		if (mkdir(path, mode) != 0 && errno != EEXIST)
			return -1;
		path[i] = '/';
	}
	return 0;
}

/* cli_login_prepare_store - create the store directory; chown it for --user */
so2_status
cli_login_prepare_store(const char *dir, const struct passwd *pw, so2_err *err)
{
	struct stat sb;
	int e, rc;

	rc = mkdir(dir, 0700);
	/* A store given to another user (--user) needs parents that user
	 * can pass through; a user's own only needs them private. */
	if (rc != 0 && errno == ENOENT) {
		if (make_parents(dir, pw != NULL ? 0755 : 0700) != 0) {
			e = errno;
			return so2_err_set(err, SO2_ERR_IO, "cannot create the "
					   "token store %s: %s", dir, strerror(e));
		}
		rc = mkdir(dir, 0700);
	}
	if (rc == 0) {
		cli_msg("created the token store %s (mode 0700)", dir);
	} else if (errno != EEXIST) {
		e = errno;
		return so2_err_set(err, SO2_ERR_IO, "cannot create the token "
				   "store %s: %s", dir, strerror(e));
	}
	if (stat(dir, &sb) != 0)
		return so2_err_set(err, SO2_ERR_IO, "token store %s: %s", dir,
				   strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return so2_err_set(err, SO2_ERR_IO, "token store %s is not a "
				   "directory", dir);
	if (pw != NULL && (sb.st_uid != pw->pw_uid || sb.st_gid != pw->pw_gid) &&
	    chown(dir, pw->pw_uid, pw->pw_gid) != 0)
		return so2_err_set(err, SO2_ERR_IO, "cannot give the token store "
				   "%s to %s: %s", dir, pw->pw_name,
				   strerror(errno));
	return SO2_OK;
}

/* give_record - chown the record file (no symlink followed) to --user */
static so2_status
give_record(const char *path, const struct passwd *pw, so2_err *err)
{
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return so2_err_set(err, SO2_ERR_IO, "cannot open %s: %s", path,
				   strerror(errno));
	if (fchown(fd, pw->pw_uid, pw->pw_gid) != 0) {
		so2_err_set(err, SO2_ERR_IO, "cannot give %s to %s: %s", path,
			    pw->pw_name, strerror(errno));
		close(fd);
		return SO2_ERR_IO;
	}
	close(fd);
	return SO2_OK;
}

/* cli_login_write - write rec under its lock; chown for --user */
so2_status
cli_login_write(cli_ctx *ctx, so2_store *st, const char *name,
		const so2_record *rec, const struct passwd *pw, char *path,
		size_t psize, so2_err *err)
{
	so2_status result;
	int lockfd = -1;

	snprintf(path, psize, "%s/%s", so2_store_dir(st), name);
	cli_catch_signals(1);
	/* Under the lock, so that a refresh of the old record running
	 * at the same moment cannot overwrite the new one. */
	result = so2_store_lock(st, name, ctx->conf->lock_timeout, &lockfd, err);
	if (result != SO2_OK)
		goto out;
	result = so2_store_write(st, name, rec, err);
	if (result != SO2_OK)
		goto out;
	if (pw != NULL)
		result = give_record(path, pw, err);
out:
	so2_store_unlock(lockfd);
	cli_interrupted = 0;	/* the login is complete: report it */
	cli_catch_signals(0);
	return result;
}

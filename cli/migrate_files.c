/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	migrate_files.c - the migration's files: read, replace, back up, restore
 * SYNOPSIS
 *	pfm_read(path, &buf, &len, &err);
 *	pfm_replace(path, data, len, &err); pfm_backup(p, paths, n, &err);
 *	pfm_restore(dir, &changed, &err)
 * DESCRIPTION
 *	Every file the migration changes is replaced, never edited in
 *	place: a temp file beside it with its owner and mode, fsync,
 *	rename(2), fsync of the directory, so Postfix reads either the old
 *	or the new contents and a crash leaves one of them.
 *
 *	A backup is a directory (mode 0700) holding one copy per file (mode
 *	0600: a password map holds passwords) and a manifest, written last:
 *	one line per file, "MODE UID GID MTIME COPY PATH" (MTIME
 *	seconds.nanoseconds), MODE "-" for a file that did not exist
 *	(restoring removes it). The new backup is built beside the old one
 *	and swapped in by rename(2), so a failure while backing up keeps the
 *	previous backup whole.
 *
 *	Restoring puts back the modification time too: Postfix's own checks
 *	(a map older than its source) and backup tools then see the old
 *	file. It compares first: a file already equal to its copy (bytes,
 *	owner, mode, time) is left alone, so restoring twice changes nothing
 *	the second time. A restore that put every file back leaves an empty
 *	file "rolled-back" in the backup: its migration is no longer in
 *	effect, so files edited since are no reason to keep the backup from
 *	the next migration (pfm_backup_pending).
 *
 *	Programs run with fork/execvp, no shell, output captured and capped.
 * SEE ALSO
 *	migrate.h, rename(2), fsync(2)
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/secret.h"

#include "migrate.h"

/* pfm_argv - PROG [-c DIR] WORDS... */
void
pfm_argv(const pfm *p, const char *prog, const char *const words[], const char *argv[16])
{
	int n = 0, i;

	argv[n++] = prog;
	if (p->config_dir != NULL) {
		argv[n++] = "-c";
		argv[n++] = p->config_dir;
	}
	for (i = 0; words[i] != NULL && n < 15; i++)
		argv[n++] = words[i];
	argv[n] = NULL;
}

/* pfm_read - a whole file, capped */
so2_status
pfm_read(const char *path, char **buf, size_t *len, so2_err *err)
{
	struct stat st;
	char *b;
	size_t n = 0;
	ssize_t r;
	int fd;

	*buf = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0)
		return so2_err_set(err, SO2_ERR_IO, "cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return so2_err_set(err, SO2_ERR_IO, "%s is not a regular file", path);
	}
	if (st.st_size > PFM_FILE_MAX) {
		close(fd);
		return so2_err_set(err, SO2_ERR_PARAM, "%s is larger than %d bytes", path,
				   PFM_FILE_MAX);
	}
	if ((b = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory reading %s", path);
	}
	while (n < (size_t)st.st_size) {
		r = read(fd, b + n, (size_t)st.st_size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n != (size_t)st.st_size) {
		so2_wipe_free(b, (size_t)st.st_size + 1);
		return so2_err_set(err, SO2_ERR_IO, "cannot read %s: it changed while read",
				   path);
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return SO2_OK;
}

/* sync_dir - fsync the directory holding path */
static void
sync_dir(const char *path)
{
	char dir[PFM_PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	so2_format(dir, sizeof(dir), "%.*s", slash == NULL ? 1 : slash == path ? 1
		   : (int)(slash - path), slash == NULL ? "." : path);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

/* write_as - replace path by data with this mode and owner (and modification
 *	time, when mtime is not NULL) */
static so2_status
write_as(const char *path, const char *data, size_t len, mode_t mode, uid_t uid, gid_t gid,
	 const struct timespec *mtime, so2_err *err)
{
	struct timespec times[2];

	char tmp[PFM_PATH_MAX + 32];
	int fd;

	so2_format(tmp, sizeof(tmp), "%s.so2-new.%ld", path, (long)getpid());
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		return so2_err_set(err, SO2_ERR_IO, "cannot create %s: %s", tmp,
				   strerror(errno));
	if (fchown(fd, uid, gid) != 0 && geteuid() == 0)
		goto fail;
	if (fchmod(fd, mode & 07777) != 0 || so2_write_all(fd, data, len) != 0)
		goto fail;
	if (mtime != NULL) {
		times[0] = *mtime;
		times[1] = *mtime;
		if (futimens(fd, times) != 0)
			goto fail;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path) != 0) {
		fd = -1;
		goto fail;
	}
	sync_dir(path);
	return SO2_OK;
fail:
	so2_err_set(err, SO2_ERR_IO, "cannot write %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	(void)unlink(tmp);
	return SO2_ERR_IO;
}

/* real_path - the file a path names: itself, or where its symbolic link leads
 *	A map or main.cf kept elsewhere and linked into place (configuration
 *	management) is changed and backed up where it is, and the link stays.
 *	-1 (errno) when a link leads nowhere. */
static int
real_path(const char *path, char *out, size_t size)
{
	struct stat st;
	char *real;

	if (lstat(path, &st) != 0 || !S_ISLNK(st.st_mode)) {
		so2_format(out, size, "%s", path);
		return 0;
	}
	if ((real = realpath(path, NULL)) == NULL)
		return -1;
	so2_format(out, size, "%s", real);
	free(real);
	return 0;
}

/* pfm_replace - new contents for path, its owner and mode kept */
so2_status
pfm_replace(const char *path, const char *data, size_t len, so2_err *err)
{
	char real[PFM_PATH_MAX];
	struct stat st;

	if (real_path(path, real, sizeof(real)) != 0)
		return so2_err_set(err, SO2_ERR_IO, "%s: a symbolic link that leads nowhere (%s)",
				   path, strerror(errno));
	if (stat(real, &st) != 0) {
		st.st_mode = 0600;
		st.st_uid = geteuid();
		st.st_gid = getegid();
	}
	return write_as(real, data, len, st.st_mode, st.st_uid, st.st_gid, NULL, err);
}

/* remove_dir - a directory of ours (a backup, built or replaced) and its files
 *	Never followed: a symbolic link or a file found under one of our names
 *	(another user may have put it there, as a trap for root) is removed
 *	itself, and the files are unlinked relative to the directory opened with
 *	O_NOFOLLOW, so nothing outside it is ever removed. */
static void
remove_dir(const char *dir)
{
	struct stat st;
	struct dirent *e;
	DIR *dp;
	int fd;

	if (lstat(dir, &st) != 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		(void)unlink(dir);
		return;
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return;
	if ((dp = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((e = readdir(dp)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		(void)unlinkat(dirfd(dp), e->d_name, 0);
	}
	closedir(dp);
	(void)rmdir(dir);
}

/* ROLLED_BACK - the mark of a backup that was restored in full */
#define ROLLED_BACK "rolled-back"

/* backup_name - is name a file this command puts in a backup? */
static int
backup_name(const char *name)
{
	return strcmp(name, "manifest") == 0 || strcmp(name, ROLLED_BACK) == 0
	       || (name[0] != '\0' && strspn(name, "0123456789") == strlen(name));
}

/* trusted_backup - may dir be read (restore) or replaced (backup) as ours?
 *	A real directory (not a link), owned by the effective user, writable
 *	by no one else, holding only a manifest and numbered copies, each a
 *	regular file of the effective user writable by no one else. Else an
 *	SO2_ERR_CONFIG naming what is wrong: root must not restore a manifest
 *	another user could write (it names the files to write, their owner and
 *	mode), nor delete a directory that is not a backup (--backup-dir naming
 *	an existing directory). ENOENT: SO2_ERR_NOTFOUND. */
static so2_status
trusted_backup(const char *dir, so2_err *err)
{
	struct stat st;
	struct dirent *e;
	so2_status result = SO2_OK;
	DIR *dp;
	int fd;

	if (lstat(dir, &st) != 0)
		return so2_err_set(err, errno == ENOENT ? SO2_ERR_NOTFOUND : SO2_ERR_IO,
				   "%s: %s", dir, strerror(errno));
	if (S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode))
		return so2_err_set(err, SO2_ERR_CONFIG, "%s is %s, not a backup made by this "
				   "command: name another --backup-dir", dir, S_ISLNK(st.st_mode)
				   ? "a symbolic link" : "not a directory");
	if (st.st_uid != geteuid() || (st.st_mode & 022) != 0)
		return so2_err_set(err, SO2_ERR_CONFIG, "%s belongs to uid %ld (mode %04o): a "
				   "backup must be this user's (uid %ld) and writable by no one "
				   "else; not used", dir, (long)st.st_uid,
				   (unsigned)(st.st_mode & 07777), (long)geteuid());
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return so2_err_set(err, SO2_ERR_IO, "cannot open %s: %s", dir, strerror(errno));
	if ((dp = fdopendir(fd)) == NULL) {
		close(fd);
		return so2_err_set(err, SO2_ERR_IO, "cannot open %s: %s", dir, strerror(errno));
	}
	while (result == SO2_OK && (e = readdir(dp)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (!backup_name(e->d_name))
			result = so2_err_set(err, SO2_ERR_CONFIG, "%s holds %s, which is not "
					     "part of a backup made by this command: name another "
					     "--backup-dir", dir, e->d_name);
		else if (fstatat(dirfd(dp), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0
			 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()
			 || (st.st_mode & 022) != 0)
			result = so2_err_set(err, SO2_ERR_CONFIG, "%s/%s is not a regular file "
					     "of uid %ld writable by no one else: the backup is "
					     "not used", dir, e->d_name, (long)geteuid());
	}
	closedir(dp);
	return result;
}

/* pfm_backup - copies and manifest, swapped in whole */
so2_status
pfm_backup(const pfm *p, const char *const paths[], size_t n, so2_err *err)
{
	char tmp[PFM_PATH_MAX + 32], old[PFM_PATH_MAX + 32], copy[PFM_PATH_MAX + 64];
	char line[PFM_PATH_MAX + 128], *man = NULL, *data;
	size_t manlen = 0, len, i, k = 0;
	char real[PFM_PATH_MAX], parent[PFM_PATH_MAX];
	const char *slash = strrchr(p->backup_dir, '/');
	struct stat st;
	so2_status result;

	/* An existing backup is replaced only when it is one of ours. */
	if ((result = trusted_backup(p->backup_dir, err)) != SO2_OK
	    && result != SO2_ERR_NOTFOUND)
		return result;
	/* Beside it, in a directory others may write without the sticky bit,
	 * they could swap the new backup for a link and receive the copies. */
	so2_format(parent, sizeof(parent), "%.*s", slash == NULL ? 1 : slash == p->backup_dir
		   ? 1 : (int)(slash - p->backup_dir), slash == NULL ? "." : p->backup_dir);
	if (stat(parent, &st) == 0 && (st.st_mode & S_IWOTH) != 0 && (st.st_mode & S_ISVTX) == 0)
		return so2_err_set(err, SO2_ERR_CONFIG, "the backup would go into %s, which "
				   "every user may write (mode %04o, no sticky bit): name "
				   "another --backup-dir", parent, (unsigned)(st.st_mode & 07777));
	so2_format(tmp, sizeof(tmp), "%s.new.%ld", p->backup_dir, (long)getpid());
	so2_format(old, sizeof(old), "%s.old.%ld", p->backup_dir, (long)getpid());
	remove_dir(tmp);
	if (mkdir(tmp, 0700) != 0)
		return so2_err_set(err, SO2_ERR_IO, "cannot create the backup %s: %s", tmp,
				   strerror(errno));
	for (i = 0; i < n; i++) {
		if (paths[i] == NULL)
			continue;
		/* The file itself is backed up (and restored), not its link. */
		if (real_path(paths[i], real, sizeof(real)) != 0) {
			result = so2_err_set(err, SO2_ERR_IO, "%s: a symbolic link that leads "
					     "nowhere (%s)", paths[i], strerror(errno));
			goto fail;
		}
		if (strchr(real, '\n') != NULL) {
			result = so2_err_set(err, SO2_ERR_PARAM, "a file name holds a new line");
			goto fail;
		}
		if (stat(real, &st) != 0) {
			if (errno != ENOENT) {
				result = so2_err_set(err, SO2_ERR_IO, "cannot back up %s: %s",
						     real, strerror(errno));
				goto fail;
			}
			so2_format(line, sizeof(line), "- 0 0 0.0 - %s\n", real);
		} else {
			k++;
			so2_format(copy, sizeof(copy), "%s/%zu", tmp, k);
			if ((result = pfm_read(real, &data, &len, err)) != SO2_OK)
				goto fail;
			result = write_as(copy, data, len, 0600, geteuid(), getegid(), NULL,
					  err);
			so2_wipe_free(data, len + 1);
			if (result != SO2_OK)
				goto fail;
			so2_format(line, sizeof(line), "%04o %ld %ld %lld.%09ld %zu %s\n",
				   (unsigned)(st.st_mode & 07777), (long)st.st_uid,
				   (long)st.st_gid, (long long)st.st_mtim.tv_sec,
				   (long)st.st_mtim.tv_nsec, k, real);
		}
		{
			char *grown = realloc(man, manlen + strlen(line) + 1);

			if (grown == NULL) {
				result = so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
				goto fail;
			}
			man = grown;
			memcpy(man + manlen, line, strlen(line) + 1);
			manlen += strlen(line);
		}
	}
	so2_format(copy, sizeof(copy), "%s/manifest", tmp);
	if ((result = write_as(copy, man ? man : "", manlen, 0600, geteuid(), getegid(), NULL,
			       err)) != SO2_OK)
		goto fail;
	free(man);
	man = NULL;
	remove_dir(old);
	if (rename(p->backup_dir, old) != 0 && errno != ENOENT) {
		result = so2_err_set(err, SO2_ERR_IO, "cannot replace the backup %s: %s",
				     p->backup_dir, strerror(errno));
		goto fail;
	}
	if (rename(tmp, p->backup_dir) != 0) {
		result = so2_err_set(err, SO2_ERR_IO, "cannot put the backup in place %s: %s",
				     p->backup_dir, strerror(errno));
		(void)rename(old, p->backup_dir);
		goto fail;
	}
	sync_dir(p->backup_dir);
	remove_dir(old);
	return SO2_OK;
fail:
	free(man);
	remove_dir(tmp);
	return result;
}

/* same_file - is path already copy's bytes with this mode, owner and time? */
static int
same_file(const char *path, const char *data, size_t len, unsigned mode, long uid, long gid,
	  const struct timespec *mtime)
{
	struct stat st;
	char *cur;
	size_t curlen;
	so2_err err;
	int same;

	if (stat(path, &st) != 0 || (unsigned)(st.st_mode & 07777) != mode
	    || (long)st.st_uid != uid || (long)st.st_gid != gid
	    || st.st_mtim.tv_sec != mtime->tv_sec || st.st_mtim.tv_nsec != mtime->tv_nsec)
		return 0;
	if (pfm_read(path, &cur, &curlen, &err) != SO2_OK)
		return 0;
	same = curlen == len && memcmp(cur, data, len) == 0;
	so2_wipe_free(cur, curlen + 1);
	return same;
}

/* manifest_line - one manifest line: "MODE UID GID SEC.NSEC COPY PATH" */
struct manifest_line {
	int absent;		/* MODE "-": the file did not exist */
	unsigned mode;
	long uid, gid;
	struct timespec mtime;
	char copy[16];
	const char *path;	/* points into the line */
};

/* parse_line - 0, or -1 when the line is not one */
static int
parse_line(const char *line, struct manifest_line *m)
{
	char mode_s[8];
	long long sec;
	long nsec;
	int off = 0;

	if (sscanf(line, "%7s %ld %ld %lld.%ld %15s %n", mode_s, &m->uid, &m->gid, &sec, &nsec,
		   m->copy, &off) != 6 || off == 0 || line[off] != '/')
		return -1;
	m->absent = strcmp(mode_s, "-") == 0;
	if (!m->absent && strspn(m->copy, "0123456789") != strlen(m->copy))
		return -1;	/* a copy is a number in the backup directory */
	m->mode = (unsigned)strtoul(mode_s, NULL, 8);
	m->mtime.tv_sec = (time_t)sec;
	m->mtime.tv_nsec = nsec;
	m->path = line + off;
	return 0;
}

/* restore_one - one file back; SO2_OK, or the failure */
static so2_status
restore_one(const char *dir, const struct manifest_line *m, size_t *changed, so2_err *err)
{
	char copy[PFM_PATH_MAX + 64], *data;
	size_t len;
	so2_status result = SO2_OK;

	if (m->absent) {
		if (unlink(m->path) == 0)
			(*changed)++;
		else if (errno != ENOENT)
			return so2_err_set(err, SO2_ERR_IO, "cannot remove %s: %s", m->path,
					   strerror(errno));
		return SO2_OK;
	}
	so2_format(copy, sizeof(copy), "%s/%s", dir, m->copy);
	if ((result = pfm_read(copy, &data, &len, err)) != SO2_OK)
		return result;
	if (!same_file(m->path, data, len, m->mode, m->uid, m->gid, &m->mtime)) {
		result = write_as(m->path, data, len, (mode_t)m->mode, (uid_t)m->uid,
				  (gid_t)m->gid, &m->mtime, err);
		if (result == SO2_OK)
			(*changed)++;
	}
	so2_wipe_free(data, len + 1);
	return result;
}

/* pfm_restore - every file of the backup back, byte for byte
 *	The manifest is checked whole first (a damaged one restores nothing);
 *	then every file is tried, a failure does not stop the others, and the
 *	first failure is returned. */
so2_status
pfm_restore(const char *dir, size_t *changed, so2_err *err)
{
	char path[PFM_PATH_MAX + 32], *man, *line, *end;
	struct manifest_line m;
	size_t manlen;
	so2_status result = SO2_OK, r;
	so2_err one;
	int pass;

	*changed = 0;
	so2_format(path, sizeof(path), "%s/manifest", dir);
	if ((result = trusted_backup(dir, err)) == SO2_ERR_NOTFOUND || (result == SO2_OK
	    && access(path, F_OK) != 0))
		return so2_err_set(err, SO2_ERR_NOTFOUND, "no backup in %s: nothing to roll "
				   "back", dir);
	if (result != SO2_OK)
		return result;
	if ((result = pfm_read(path, &man, &manlen, err)) != SO2_OK)
		return result;
	if (manlen > 0 && man[manlen - 1] != '\n') {
		free(man);
		return so2_err_set(err, SO2_ERR_RECORD, "%s: the last line is cut", path);
	}
	for (end = man; (end = strchr(end, '\n')) != NULL; end++)
		*end = '\0';
	for (pass = 0; pass < 2; pass++)
		for (line = man; line < man + manlen; line += strlen(line) + 1) {
			if (parse_line(line, &m) != 0) {
				result = so2_err_set(err, SO2_ERR_RECORD, "%s: unreadable line "
						     "\"%.80s\"; nothing was restored", path, line);
				free(man);
				return result;
			}
			if (pass == 0)
				continue;
			so2_err_clear(&one);
			if ((r = restore_one(dir, &m, changed, &one)) != SO2_OK
			    && result == SO2_OK) {
				result = r;
				*err = one;
			}
		}
	free(man);
	if (result == SO2_OK) {
		/* Not marked, the backup only stays guarded: the next migration
		 * is refused until it is removed, which loses nothing. */
		so2_format(path, sizeof(path), "%s/%s", dir, ROLLED_BACK);
		so2_err_clear(&one);
		(void)write_as(path, "", 0, 0600, geteuid(), getegid(), NULL, &one);
	}
	return result;
}

/* indexed_file - a map's indexed file (postmap's output, rebuilt from its source) */
static int
indexed_file(const char *path)
{
	size_t l = strlen(path);

	return (l > 3 && strcmp(path + l - 3, ".db") == 0)
	       || (l > 5 && strcmp(path + l - 5, ".lmdb") == 0);
}

/* copies_in - the number of numbered copies in the backup dir (0 when unreadable) */
static size_t
copies_in(const char *dir)
{
	struct dirent *e;
	size_t n = 0;
	DIR *dp;

	if ((dp = opendir(dir)) == NULL)
		return 0;
	while ((e = readdir(dp)) != NULL)
		n += e->d_name[0] != '\0' && strspn(e->d_name, "0123456789") == strlen(e->d_name);
	closedir(dp);
	return n;
}

/* pfm_backup_pending - does the backup in dir hold files the live ones no longer are? */
so2_status
pfm_backup_pending(const char *dir, int *pending, so2_err *err)
{
	char path[PFM_PATH_MAX + 64], *man, *line, *end, *data, *cur;
	struct manifest_line m;
	size_t manlen, len, curlen, listed;
	so2_status result;

	*pending = 0;
	so2_format(path, sizeof(path), "%s/manifest", dir);
	if ((result = trusted_backup(dir, err)) == SO2_ERR_NOTFOUND)
		return SO2_OK;
	if (result != SO2_OK)
		return result;
	/* Copies no manifest lists (it was removed or emptied) are still the
	 * files from before the migration: damaged, kept for a person. */
	if (access(path, F_OK) != 0) {
		*pending = copies_in(dir) > 0;
		return SO2_OK;
	}
	listed = 0;
	so2_format(path, sizeof(path), "%s/%s", dir, ROLLED_BACK);
	if (access(path, F_OK) == 0)
		return SO2_OK;	/* rolled back: files edited since are the admin's */
	so2_format(path, sizeof(path), "%s/manifest", dir);
	if ((result = pfm_read(path, &man, &manlen, err)) != SO2_OK)
		return result;
	for (end = man; (end = strchr(end, '\n')) != NULL; end++)
		*end = '\0';
	for (line = man; !*pending && line < man + manlen; line += strlen(line) + 1) {
		if (parse_line(line, &m) != 0) {
			*pending = 1;	/* damaged: keep it for a person to look at */
			break;
		}
		listed += !m.absent;
		if (indexed_file(m.path))
			continue;	/* its source decides */
		if (m.absent) {
			*pending = access(m.path, F_OK) == 0;
			continue;
		}
		so2_format(path, sizeof(path), "%s/%s", dir, m.copy);
		if (pfm_read(path, &data, &len, err) != SO2_OK) {
			*pending = 1;
			break;
		}
		if (pfm_read(m.path, &cur, &curlen, err) != SO2_OK)
			*pending = 1;
		else {
			*pending = curlen != len || memcmp(cur, data, len) != 0;
			so2_wipe_free(cur, curlen + 1);
		}
		so2_wipe_free(data, len + 1);
	}
	if (!*pending && listed != copies_in(dir))
		*pending = 1;	/* copies the manifest does not list: damaged */
	free(man);
	so2_err_clear(err);
	return SO2_OK;
}

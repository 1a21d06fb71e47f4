/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	store.c - the on-disk token store and its locking (see store.h)
 * DESCRIPTION
 *	All file operations go through the directory descriptor taken at
 *	so2_store_open(), so they keep working after chroot().
 *
 *	Write protocol (atomic replacement, DESIGN "flow" step 3):
 *	openat(".NAME.HEX.tmp", O_CREAT|O_EXCL|O_NOFOLLOW, 0600), reserve
 *	the largest record that may come (fallocate, FALLOC_FL_KEEP_SIZE),
 *	write all,
 *	fsync, renameat over NAME, fsync the directory. Any failure unlinks
 *	the temp file and leaves the old record as it was.
 *
 *	Locks are open file description locks (F_OFD_SETLK) on NAME.lock:
 *	they exclude threads of one process as well as other processes,
 *	and die with the descriptor, so a killed holder blocks nobody.
 * DIAGNOSTICS
 *	Messages name the operation, the path, strerror(errno) and, for
 *	write failures, the effective uid and gid.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "base/secret.h"
#include "token/store.h"

#include "base/file.h"
#include "base/text.h"

#define SO2_RECORD_SUFFIX	".json"
#define SO2_LOCK_SUFFIX		".lock"
#define SO2_TEMP_TRIES		16
#define SO2_TEMP_HEX		12	/* hex digits of a temporary file name */
#define SO2_TEMP_EXTRA		(1 + 1 + SO2_TEMP_HEX + 4)	/* ".", ".HEX", ".tmp" */
#define SO2_LOCK_POLL_NS	(20 * 1000 * 1000)	/* 20 ms */

struct so2_store {
	int dirfd;
	char *dir;
	char *link_target;	/* the directory dir points to when dir is a
				 * symbolic link, else NULL */
};

/* so2_store_dirfd - the directory descriptor */
int
so2_store_dirfd(const so2_store *st)
{
	return st->dirfd;
}

/* store_is_link - is the directory named by dir a symbolic link?
 *	Its last component, trailing slashes aside (lstat of "d/" follows). */
static int
store_is_link(const char *dir)
{
	char path[PATH_MAX];
	size_t len = strlen(dir);
	struct stat sb;

	while (len > 1 && dir[len - 1] == '/')
		len--;
	if (len >= sizeof(path))
		return 0;
	memcpy(path, dir, len);
	path[len] = '\0';
	return lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode);
}

/* so2_store_open - open the store directory */
so2_status
so2_store_open(const char *dir, so2_store **out, so2_err *err)
{
	so2_store *st;

	*out = NULL;
	st = calloc(1, sizeof(*st));
	if (st == NULL || (st->dir = strdup(dir)) == NULL) {
		free(st);
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	}
	st->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* Named at every read (issue 10, point 9); resolved now, before a
	 * chroot. */
	if (st->dirfd >= 0 && store_is_link(dir)
	    && (st->link_target = realpath(dir, NULL)) == NULL
	    && (st->link_target = strdup("?")) == NULL) {
		so2_store_close(st);
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	}
	if (st->dirfd < 0) {
		int e = errno;

		so2_store_close(st);
		return so2_err_set(err, SO2_ERR_IO, "token store %s: %s%s", dir, strerror(e),
				   e == ENOENT ? " (create it, or set store_dir in the"
				   " configuration file)" : "");
	}
	*out = st;
	return SO2_OK;
}

/* so2_store_open_file - a store holding the one record file at path */
so2_status
so2_store_open_file(const char *path, so2_store **out, char **name, so2_err *err)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	so2_status result;

	*out = NULL;
	*name = NULL;
	if (slash == NULL || slash[1] == '\0')
		return so2_err_set(err, SO2_ERR_PARAM, "record path %s: not a file path", path);
	dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	if (dir == NULL)
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	result = so2_store_open(dir, out, err);
	if (result == SO2_ERR_IO && access(dir, F_OK) != 0 && errno == ENOENT)
		/* store_dir does not apply to a record given by its path. */
		so2_err_set(err, SO2_ERR_IO, "token record %s: its directory %s does not exist;"
			    " create it: mkdir -m 700 %s", path, dir, dir);
	free(dir);
	if (result != SO2_OK)
		return result;
	if ((*name = strdup(slash + 1)) == NULL) {
		so2_store_close(*out);
		*out = NULL;
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	}
	return SO2_OK;
}

/* so2_store_close - close and free */
void
so2_store_close(so2_store *st)
{
	if (st == NULL)
		return;
	if (st->dirfd >= 0)
		close(st->dirfd);
	free(st->dir);
	free(st->link_target);
	free(st);
}

/* so2_store_dir - the directory path */
const char *
so2_store_dir(const so2_store *st)
{
	return st->dir;
}

/* so2_account_valid - can name be an account (a file name part)? */
int
so2_account_valid(const char *name)
{
	size_t i, len;

	if (name == NULL)
		return 0;
	len = strlen(name);
	if (len == 0 || len > SO2_ACCOUNT_MAX || name[0] == '.')
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x20 || c == 0x7f || c == '/')
			return 0;
	}
	return 1;
}

/* so2_store_file_name - "ACCOUNT.json" */
so2_status
so2_store_file_name(const char *account, char *buf, size_t size, so2_err *err)
{
	int n;

	char shown[64];

	if (!so2_account_valid(account))
		return so2_err_set(err, SO2_ERR_PARAM,
				   "\"%s\" is not a valid account name (1 to %d bytes,"
				   " no '/', no control characters, not starting with '.')",
				   so2_printable(account ? account : "", shown, sizeof(shown)),
				   SO2_ACCOUNT_MAX);
	n = snprintf(buf, size, "%s" SO2_RECORD_SUFFIX, account);
	if (n < 0 || (size_t)n >= size)
		return so2_err_set(err, SO2_ERR_PARAM, "account name too long");
	return SO2_OK;
}

/* lock_name - "NAME.lock" for record file NAME (suffix .json replaced) */
static int
lock_name(const char *name, char *buf, size_t size)
{
	size_t len = strlen(name), sl = strlen(SO2_RECORD_SUFFIX);
	int n;

	if (len > sl && strcmp(name + len - sl, SO2_RECORD_SUFFIX) == 0)
		len -= sl;
	n = snprintf(buf, size, "%.*s" SO2_LOCK_SUFFIX, (int)len, name);
	return n >= 0 && (size_t)n < size ? 0 : -1;
}

/* so2_store_exists - 1 when the record file exists */
int
so2_store_exists(so2_store *st, const char *name)
{
	struct stat sb;

	return fstatat(st->dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0;
}

/* perm_warning - a record others can read or another user owns, a store
 *	anyone can write or that is a symbolic link (the first that applies)
 *	A record may belong to the user running, or, when root runs, to the
 *	store directory's owner (root refreshing the mail system's store). */
static void
perm_warning(so2_store *st, const char *name, const char *path, unsigned mode, char *warn)
{
	struct stat dsb, sb;
	int have_dir = fstat(st->dirfd, &dsb) == 0;

	if ((mode & 077) != 0)
		so2_format(warn, SO2_ERR_MSG_MAX,
			 "token record %s is readable by group or others (mode %04o): it holds"
			 " bearer tokens; run chmod 600 %s",
			 path, mode & 07777, path);
	else if (have_dir && (dsb.st_mode & S_IWOTH) != 0)
		so2_format(warn, SO2_ERR_MSG_MAX,
			 "token store %s is writable by every user (mode %04o): renewed tokens"
			 " cannot be saved there; run chmod 700 %s", st->dir,
			 (unsigned)(dsb.st_mode & 07777), st->dir);
	else if (st->link_target != NULL)
		so2_format(warn, SO2_ERR_MSG_MAX,
			 "token store %s is a symbolic link (to %s): whoever can change the"
			 " link decides where tokens are read and written; set store_dir to"
			 " %s in the configuration file", st->dir, st->link_target,
			 st->link_target);
	else if (fstatat(st->dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0
		 && sb.st_uid != geteuid()
		 && !(geteuid() == 0 && have_dir && sb.st_uid == dsb.st_uid))
		so2_format(warn, SO2_ERR_MSG_MAX,
			 "token record %s belongs to uid %ld, not to uid %ld that uses it:"
			 " that user controls the tokens in it; run chown %ld %s (or use the"
			 " record as its owner)", path, (long)sb.st_uid, (long)geteuid(),
			 (long)geteuid(), path);
}

/* so2_store_read - read and parse a record file */
so2_status
so2_store_read(so2_store *st, const char *name, so2_record **out, char *warn, so2_err *err)
{
	char path[PATH_MAX + 256];
	char *buf = NULL;
	size_t len = 0;
	so2_read_why why;
	int read_whole;
	so2_status result;

	*out = NULL;
	if (warn != NULL)
		warn[0] = '\0';
	so2_format(path, sizeof(path), "%s/%s", st->dir, name);
	result = so2_read_at(st->dirfd, name, O_NOFOLLOW, SO2_RECORD_MAX, &buf, &len, &why);
	/* The permission warnings come with every regular file of an
	 * acceptable size, read or not. */
	read_whole = result == SO2_OK || why.fail == SO2_READ_IO || why.fail == SO2_READ_CHANGED
		     || (why.fail == SO2_READ_NOMEM && why.mode != 0);
	if (read_whole && warn != NULL)
		perm_warning(st, name, path, why.mode, warn);
	switch (result == SO2_OK ? SO2_READ_OK : why.fail) {
	case SO2_READ_OK:
		break;
	case SO2_READ_OPEN:
		if (why.errnum == ENOENT)
			return so2_err_set(err, SO2_ERR_NOTFOUND, "no token record %s", path);
		if (why.errnum == ELOOP)
			return so2_err_set(err, SO2_ERR_IO, "token record %s is a symbolic"
					   " link, which is never followed (a link could point"
					   " the mail system at another file): put the record"
					   " itself there", path);
		return so2_err_set(err, SO2_ERR_IO, "cannot open token record %s: %s (uid %ld)",
				   path, strerror(why.errnum), (long)geteuid());
	case SO2_READ_STAT:
		return so2_err_set(err, SO2_ERR_IO, "cannot stat %s: %s", path,
				   strerror(why.errnum));
	case SO2_READ_NOTREG:
		return so2_err_set(err, SO2_ERR_RECORD, "token record %s is not a regular file",
				   path);
	case SO2_READ_TOOBIG:
		return so2_err_set(err, SO2_ERR_RECORD,
				   "token record %s is %lld bytes, more than the %ld allowed",
				   path, why.size, (long)SO2_RECORD_MAX);
	case SO2_READ_IO:
		return so2_err_set(err, SO2_ERR_IO, "cannot read %s: %s", path,
				   strerror(why.errnum));
	case SO2_READ_CHANGED:
		return so2_err_set(err, SO2_ERR_RECORD, "token record %s changed while it was"
				   " read (records are replaced, never edited in place)", path);
	case SO2_READ_NOMEM:
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	}
	result = so2_record_parse(path, buf, len, out, err);
	so2_wipe_free(buf, len + 1);
	return result;
}

/* temp_name - ".NAME.HEX.tmp", the temporary file of record name
 *	HEX is SO2_TEMP_HEX lower-case hex digits from rnd. The name is
 *	never cut: -1 when it does not fit NAME_MAX (a record given by a
 *	path with a longer name cannot be written; accounts always fit,
 *	see SO2_ACCOUNT_MAX). */
static int
temp_name(const char *name, const unsigned char *rnd, char *buf, size_t size)
{
	int n = snprintf(buf, size, ".%s.%02x%02x%02x%02x%02x%02x.tmp", name, rnd[0], rnd[1],
			 rnd[2], rnd[3], rnd[4], rnd[5]);

	return n >= 0 && (size_t)n < size && n <= NAME_MAX ? 0 : -1;
}

/* is_temp_of - is file d exactly a temporary file of record name?
 *	".NAME." then exactly SO2_TEMP_HEX lower-case hex digits, then
 *	".tmp": no prefix match, so the temporary files of account
 *	"a.json.b" (".a.json.b.json.HEX.tmp") are never those of "a". */
static int
is_temp_of(const char *name, const char *d)
{
	size_t nlen = strlen(name), i;

	if (d[0] != '.' || strncmp(d + 1, name, nlen) != 0 || d[1 + nlen] != '.')
		return 0;
	d += nlen + 2;
	for (i = 0; i < SO2_TEMP_HEX; i++)
		if (!((d[i] >= '0' && d[i] <= '9') || (d[i] >= 'a' && d[i] <= 'f')))
			return 0;
	return strcmp(d + SO2_TEMP_HEX, ".tmp") == 0;
}

/* write_failed - the one message shape for a failed write step */
static so2_status
write_failed(so2_store *st, const char *op, const char *file, int e, so2_err *err)
{
	return so2_err_set(err, SO2_ERR_IO,
			   "cannot write token record: %s %s/%s failed: %s (euid %ld, egid %ld);"
			   " the previous record is unchanged", op, st->dir, file, strerror(e),
			   (long)geteuid(), (long)getegid());
}

/* give_to_store_owner - chown a new file to the store directory's owner
 *	When root writes into a store that belongs to the mail system's
 *	user, the record must stay usable (and refreshable) by that user. */
static void
give_to_store_owner(so2_store *st, int fd)
{
	struct stat dsb;

	if (geteuid() != 0 || fstat(st->dirfd, &dsb) != 0 || dsb.st_uid == 0)
		return;
	if (fchown(fd, dsb.st_uid, dsb.st_gid) != 0) {
		/* Not fatal: the record is still written, root-owned. */
	}
}

/* fallback_bytes - name bytes when OpenSSL has no random bytes (short of
 *	memory): the name need only be unused, which O_EXCL checks, so the
 *	pid, the time and the attempt do. */
static void
fallback_bytes(unsigned char *b, size_t n, int attempt)
{
	struct timespec ts;
	unsigned long long v;
	size_t i;

	clock_gettime(CLOCK_REALTIME, &ts);
	v = ((unsigned long long)getpid() << 32) ^ (unsigned long long)ts.tv_nsec
	    ^ ((unsigned long long)ts.tv_sec << 20) ^ (unsigned long long)attempt * 0x9e3779b9ULL;
	for (i = 0; i < n; i++, v >>= 8)
		b[i] = (unsigned char)v;
}

/* so2_store_prepare - check the store and create the temporary file */
so2_status
so2_store_prepare(so2_store *st, const char *name, size_t reserve, so2_store_tx *tx,
		  so2_err *err)
{
	unsigned char rnd[SO2_TEMP_HEX / 2];
	struct stat dsb;
	int i, fd = -1;

	tx->fd = -1;
	tx->kept = 0;
	tx->tmp[0] = '\0';
	so2_format(tx->name, sizeof(tx->name), "%s", name);
	if (strlen(name) >= sizeof(tx->name))
		return so2_err_set(err, SO2_ERR_PARAM, "record name too long: %.64s...", name);
	if (fstat(st->dirfd, &dsb) == 0 && (dsb.st_mode & S_IWOTH) != 0)
		return so2_err_set(err, SO2_ERR_IO,
				   "refusing to write into token store %s: it is writable by every"
				   " user (mode %04o); run chmod 700 %s", st->dir,
				   (unsigned)(dsb.st_mode & 07777), st->dir);
	for (i = 0; i < SO2_TEMP_TRIES; i++) {
		if (RAND_bytes(rnd, sizeof(rnd)) != 1)
			fallback_bytes(rnd, sizeof(rnd), i);
		if (temp_name(name, rnd, tx->tmp, sizeof(tx->tmp)) != 0)
			return so2_err_set(err, SO2_ERR_PARAM,
					   "cannot write token record %s/%s: its name is longer"
					   " than the %d bytes that leave room for its temporary"
					   " file name; rename the record", st->dir, name,
					   NAME_MAX - SO2_TEMP_EXTRA);
		fd = openat(st->dirfd, tx->tmp,
			    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0) {
		so2_status result = write_failed(st, "create temp file", tx->tmp, errno, err);

		tx->tmp[0] = '\0';
		return result;
	}
	give_to_store_owner(st, fd);
	tx->fd = fd;
	/* Reserve the space of the largest record that can come, so that a
	 * full disk or quota is found now rather than after the request.
	 * Kept beyond the end of the file (the size stays 0); a file system
	 * without fallocate(2) is simply not asked. */
	if (reserve > 0 && fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, (off_t)reserve) != 0
	    && (errno == ENOSPC || errno == EDQUOT || errno == EIO)) {
		so2_status result = write_failed(st, "reserve space for", tx->tmp, errno, err);

		so2_store_discard(st, tx);
		return result;
	}
	return SO2_OK;
}

/* so2_store_discard - remove an unused temporary file */
void
so2_store_discard(so2_store *st, so2_store_tx *tx)
{
	int e = errno;

	if (tx->fd >= 0)
		close(tx->fd);
	if (tx->tmp[0] != '\0')
		unlinkat(st->dirfd, tx->tmp, 0);
	tx->fd = -1;
	tx->tmp[0] = '\0';
	errno = e;
}

/* so2_store_commit - write rec into the prepared temp file, rename it */
so2_status
so2_store_commit(so2_store *st, so2_store_tx *tx, const so2_record *rec, so2_err *err)
{
	char *json = NULL;
	size_t jsonlen = 0;
	const char *op = "write";
	so2_status result;
	int attempt;

	if (tx->fd < 0)
		return so2_err_set(err, SO2_ERR_PARAM, "no prepared write for %s/%s", st->dir,
				   tx->name);
	result = so2_record_serialize(rec, &json, &jsonlen, err);
	if (result != SO2_OK)
		goto unlink;
	if (jsonlen > SO2_RECORD_MAX) {
		/* Never write what no reader accepts (record.h). */
		result = so2_err_set(err, SO2_ERR_RECORD,
				     "cannot write token record %s/%s: it would be %zu bytes,"
				     " more than the %ld any reader accepts; the previous record"
				     " is unchanged", st->dir, tx->name, jsonlen,
				     (long)SO2_RECORD_MAX);
		goto unlink;
	}
	/* The record may hold a rotated refresh token that exists nowhere
	 * else: a write or fsync that fails (a passing EIO, an interrupted
	 * call) is done once more, from the start of the file. */
	for (attempt = 0; attempt < 2; attempt++) {
		op = "write";
		if (lseek(tx->fd, 0, SEEK_SET) != 0 || so2_write_all(tx->fd, json, jsonlen) != 0)
			continue;
		op = "fsync";
		if (fsync(tx->fd) == 0)
			break;
	}
	if (attempt == 2) {
		result = write_failed(st, op, tx->tmp, errno, err);
		goto unlink;
	}
	/* After a good fsync the data is on disk; Linux releases the
	 * descriptor whatever close() says. */
	(void)close(tx->fd);
	tx->fd = -1;
	if (renameat(st->dirfd, tx->tmp, st->dirfd, tx->name) != 0
	    && renameat(st->dirfd, tx->tmp, st->dirfd, tx->name) != 0) {
		/* Keep the complete, synced temporary file: the next writer
		 * takes it under the lock (so2_store_recover), so a rotated
		 * refresh token in it is not lost. */
		result = write_failed(st, "rename to", tx->name, errno, err);
		so2_format(err->msg + strlen(err->msg), sizeof(err->msg) - strlen(err->msg),
			   "; the new record is kept in %s/%s and taken at the next refresh",
			   st->dir, tx->tmp);
		tx->kept = 1;
		tx->tmp[0] = '\0';
		goto out;
	}
	tx->tmp[0] = '\0';
	if (fsync(st->dirfd) != 0 && errno != EINVAL) {
		/* The rename happened; only its durability is in doubt. */
		result = so2_err_set(err, SO2_ERR_IO,
				     "token record %s/%s was replaced but fsync of the directory"
				     " failed: %s (euid %ld); the new record may not survive a"
				     " crash", st->dir, tx->name, strerror(errno),
				     (long)geteuid());
		goto out;
	}
	result = SO2_OK;
	goto out;
unlink:
	so2_store_discard(st, tx);
out:
	so2_wipe_free(json, jsonlen);
	return result;
}

/* so2_store_write - replace a record atomically */
so2_status
so2_store_write(so2_store *st, const char *name, const so2_record *rec, so2_err *err)
{
	so2_store_tx tx;
	so2_status result;

	if ((result = so2_store_prepare(st, name, 0, &tx, err)) != SO2_OK)
		return result;
	return so2_store_commit(st, &tx, rec, err);
}

/* mtime_of - modification time of file name in the store, {0,0} if none */
static struct timespec
mtime_of(so2_store *st, const char *name)
{
	struct stat sb;
	struct timespec zero = { 0, 0 };

	if (fstatat(st->dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
		return zero;
	return sb.st_mtim;
}

/* is_newer - does candidate t (written at tm) replace cur (written at cm)?
 *	Same account, not an older login, and a later refresh; within the
 *	same second (times in records are whole seconds) the file written
 *	last wins: the rename keeps the temp file's mtime. */
static int
is_newer(const so2_record *t, struct timespec tm, const so2_record *cur, struct timespec cm)
{
	if (cur == NULL)
		return 1;
	if (t->account != NULL && cur->account != NULL && strcmp(t->account, cur->account) != 0)
		return 0;
	if (t->obtained_at != cur->obtained_at)
		return t->obtained_at > cur->obtained_at;
	if (t->refreshed_at != cur->refreshed_at)
		return t->refreshed_at > cur->refreshed_at;
	return tm.tv_sec != cm.tv_sec ? tm.tv_sec > cm.tv_sec : tm.tv_nsec > cm.tv_nsec;
}

/* so2_store_recover - adopt a complete newer temp file, remove the others */
int
so2_store_recover(so2_store *st, const char *name, so2_err *err)
{
	char best[NAME_MAX + 1] = "";
	so2_record *cur = NULL, *t, *bestrec = NULL;
	struct timespec curm, bestm = { 0, 0 }, tm;
	struct dirent *de;
	so2_err e;
	DIR *d;
	int fd, adopted = 0;

	fd = openat(st->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		so2_err_set(err, SO2_ERR_IO, "cannot list token store %s: %s", st->dir,
			    strerror(errno));
		return -1;
	}
	if (so2_store_read(st, name, &cur, NULL, &e) != SO2_OK)
		cur = NULL;
	curm = mtime_of(st, name);
	while ((de = readdir(d)) != NULL) {
		if (!is_temp_of(name, de->d_name))
			continue;
		/* Unparsable: killed before or during its write; drop it. */
		if (so2_store_read(st, de->d_name, &t, NULL, &e) != SO2_OK)
			t = NULL;
		tm = mtime_of(st, de->d_name);
		if (t != NULL && (bestrec != NULL ? is_newer(t, tm, bestrec, bestm)
						  : is_newer(t, tm, cur, curm))) {
			if (best[0] != '\0')
				unlinkat(st->dirfd, best, 0);
			so2_record_free(bestrec);
			bestrec = t;
			bestm = tm;
			so2_format(best, sizeof(best), "%s", de->d_name);
			continue;
		}
		so2_record_free(t);
		unlinkat(st->dirfd, de->d_name, 0);
	}
	closedir(d);
	if (best[0] != '\0' && renameat(st->dirfd, best, st->dirfd, name) == 0) {
		fsync(st->dirfd);
		adopted = 1;
	} else if (best[0] != '\0') {
		unlinkat(st->dirfd, best, 0);
	}
	so2_record_free(bestrec);
	so2_record_free(cur);
	return adopted;
}

/* so2_store_remove - delete a record and its lock file */
so2_status
so2_store_remove(so2_store *st, const char *name, so2_err *err)
{
	char lk[NAME_MAX + 1];

	if (unlinkat(st->dirfd, name, 0) != 0) {
		if (errno == ENOENT)
			return so2_err_set(err, SO2_ERR_NOTFOUND, "no token record %s/%s",
					   st->dir, name);
		return so2_err_set(err, SO2_ERR_IO, "cannot remove %s/%s: %s", st->dir, name,
				   strerror(errno));
	}
	if (lock_name(name, lk, sizeof(lk)) == 0)
		unlinkat(st->dirfd, lk, 0);
	fsync(st->dirfd);
	return SO2_OK;
}

/* so2_store_lock - take the writer lock of a record, waiting up to timeout s */
so2_status
so2_store_lock(so2_store *st, const char *name, long timeout, int *lockfd, so2_err *err)
{
	char lk[NAME_MAX + 1];
	struct flock fl;
	struct timespec start, now, pause = { 0, SO2_LOCK_POLL_NS };
	int fd;

	*lockfd = -1;
	if (lock_name(name, lk, sizeof(lk)) != 0)
		return so2_err_set(err, SO2_ERR_PARAM, "record name too long: %s", name);
	fd = openat(st->dirfd, lk, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == ELOOP)
		return so2_err_set(err, SO2_ERR_IO, "cannot lock the token record: lock file"
				   " %s/%s is a symbolic link, which is never followed (it could"
				   " point the mail system at another file); remove it", st->dir,
				   lk);
	if (fd < 0)
		return so2_err_set(err, SO2_ERR_IO, "cannot lock the token record: open lock file"
				   " %s/%s failed: %s (euid %ld, egid %ld)", st->dir, lk,
				   strerror(errno), (long)geteuid(), (long)getegid());
	give_to_store_owner(st, fd);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
			break;
		if (errno != EAGAIN && errno != EACCES && errno != EINTR) {
			int e = errno;

			close(fd);
			return so2_err_set(err, SO2_ERR_IO, "cannot lock %s/%s: %s", st->dir, lk,
					   strerror(e));
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec)
		    >= timeout * 1000000000L) {
			close(fd);
			return so2_err_set(err, SO2_ERR_LOCK,
					   "another process held the lock %s/%s for more than %ld"
					   " seconds (lock_timeout); try again later", st->dir, lk,
					   timeout);
		}
		nanosleep(&pause, NULL);
	}
	*lockfd = fd;
	return SO2_OK;
}

/* so2_store_unlock - release a lock (closing drops the OFD lock) */
void
so2_store_unlock(int lockfd)
{
	if (lockfd >= 0)
		close(lockfd);
}

/* cmp_names - qsort comparator for C strings */
static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* so2_store_list - sorted record file names */
so2_status
so2_store_list(so2_store *st, char ***names, so2_err *err)
{
	DIR *d;
	struct dirent *de;
	char **v = NULL, **nv;
	size_t n = 0, cap = 0, len, sl = strlen(SO2_RECORD_SUFFIX);
	int fd;

	*names = NULL;
	fd = openat(st->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return so2_err_set(err, SO2_ERR_IO, "cannot list token store %s: %s", st->dir,
				   strerror(errno));
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len <= sl
		    || strcmp(de->d_name + len - sl, SO2_RECORD_SUFFIX) != 0)
			continue;
		if (n + 2 > cap) {
			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL)
				goto nomem;
			v = nv;
		}
		if ((v[n] = strdup(de->d_name)) == NULL)
			goto nomem;
		v[++n] = NULL;
	}
	closedir(d);
	if (v == NULL && (v = calloc(1, sizeof(*v))) == NULL)
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	qsort(v, n, sizeof(*v), cmp_names);
	*names = v;
	return SO2_OK;
nomem:
	closedir(d);
	if (v != NULL) {
		v[n] = NULL;
		so2_store_list_free(v);
	}
	return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
}

/* so2_store_list_free - free a list from so2_store_list */
void
so2_store_list_free(char **names)
{
	char **p;

	if (names == NULL)
		return;
	for (p = names; *p != NULL; p++)
		free(*p);
	free(names);
}

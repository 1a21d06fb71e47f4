/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	store.h - the on-disk token store and its locking
 * SYNOPSIS
 *	#include "token/store.h"
 * DESCRIPTION
 *	A store is a directory holding one record file per account,
 *	"ACCOUNT.json", and its lock file "ACCOUNT.lock". The directory is
 *	opened once (so2_store_open) and kept as a descriptor: everything
 *	after uses openat(2) and renameat(2), so a process that chroot()s
 *	later (Postfix smtp) still reaches the store outside the chroot.
 *
 *	Readers take no lock: writers never modify a record in place but
 *	write a temporary file in the same directory (O_CREAT|O_EXCL|
 *	O_NOFOLLOW, mode 0600), fsync it, rename it over the record and
 *	fsync the directory, so a reader sees the old or the new record,
 *	never a torn one.
 *
 *	Writers serialise on the lock file with an open file description
 *	lock (fcntl F_OFD_SETLK): it excludes other processes and other
 *	threads of this process alike, and the kernel drops it when its
 *	holder dies, even by SIGKILL.
 *
 *	When the process runs as root and the store directory belongs to
 *	another user (e.g. postfix), new files are given to that user so
 *	the mail system can keep refreshing them.
 * SEE ALSO
 *	record.h, sasl-oauth2-record(5), fcntl(2)
 */
#ifndef SO2_STORE_H
#define SO2_STORE_H

#include <limits.h>
#include <sys/types.h>
#include "base/error.h"
#include "token/record.h"

/* Bytes in an account name: "ACCOUNT.json" and its temporary file
 * ".ACCOUNT.json.<12 hex digits>.tmp" must fit NAME_MAX (255) whole:
 * 255 - 18 - 5. Names are never cut (a cut name is another account's). */
#define SO2_ACCOUNT_MAX 232

typedef struct so2_store so2_store;

/*
 * so2_store_open - open the store directory dir
 *	Keeps a directory descriptor (O_DIRECTORY|O_CLOEXEC).
 *	Errors: SO2_ERR_IO ("store DIR: <strerror>"), SO2_ERR_NOMEM.
 */
so2_status so2_store_open(const char *dir, so2_store **out, so2_err *err);

/*
 * so2_store_open_file - a store of one record given by its path
 *	For the SASL password form "/path/to/record.json": the directory
 *	of path becomes the store and the file name the record name.
 */
so2_status so2_store_open_file(const char *path, so2_store **out,
			       char **name, so2_err *err);

/* so2_store_close - close the descriptor and free; NULL ok */
void so2_store_close(so2_store *st);

/* so2_store_dirfd - the store directory's descriptor (for openat) */
int so2_store_dirfd(const so2_store *st);

/* so2_store_dir - the directory path the store was opened with */
const char *so2_store_dir(const so2_store *st);

/*
 * so2_account_valid - 1 when name can be an account (record name)
 *	1 to SO2_ACCOUNT_MAX bytes, no "/", no NUL or control bytes, not
 *	starting with ".".
 */
int so2_account_valid(const char *name);

/*
 * so2_store_file_name - the record file name of an account
 *	"ACCOUNT.json" into buf (size bytes). Returns SO2_OK or SO2_ERR_PARAM
 *	for an invalid account name.
 */
so2_status so2_store_file_name(const char *account, char *buf, size_t size,
			       so2_err *err);

/*
 * so2_store_exists - 1 when the record file for name exists
 *	name is a record file name ("ACCOUNT.json").
 */
int so2_store_exists(so2_store *st, const char *name);

/*
 * so2_store_read - read and parse the record file name
 *	Errors: SO2_ERR_NOTFOUND (no such file), SO2_ERR_IO (open/read
 *	failed: path and strerror), SO2_ERR_RECORD (bad content, with
 *	line and column), SO2_ERR_NOMEM.
 *	*warn (may be NULL) receives a warning text (size SO2_ERR_MSG_MAX),
 *	naming the file and the fix, for the first that applies: the
 *	record is readable by group or others; the store is writable by
 *	every user (writes are then refused); the store directory is a
 *	symbolic link; the record belongs to another user than the
 *	effective one (root may use records of the store directory's
 *	owner). Else "".
 */
so2_status so2_store_read(so2_store *st, const char *name, so2_record **out,
			  char *warn, so2_err *err);

/*
 * so2_store_write - replace the record file name atomically
 *	so2_store_prepare then so2_store_commit. Mode 0600.
 *	Errors: as those two; the old record is then left intact and no
 *	temp file remains.
 */
so2_status so2_store_write(so2_store *st, const char *name,
			   const so2_record *rec, so2_err *err);

/* so2_store_tx - a record write prepared before its content exists */
typedef struct so2_store_tx {
	int fd;			/* the open temporary file; -1: none */
	char tmp[NAME_MAX + 1];	/* its name ".NAME.HEX.tmp"; "": none */
	char name[NAME_MAX + 1];	/* the record it will replace */
	int kept;		/* commit: the rename failed and the complete
				 * new record stays in its temporary file,
				 * taken by the next writer */
} so2_store_tx;

/*
 * so2_store_prepare - make sure a new record name can be stored
 *	Call with the lock of name held, BEFORE asking the token endpoint
 *	for what will be written: a refresh whose result cannot be stored
 *	must not be sent (the server may rotate the refresh token and the
 *	new one would be lost). Refuses a store writable by every user and
 *	creates the temporary file ".NAME.HEX.tmp" (O_CREAT|O_EXCL|
 *	O_NOFOLLOW, 0600; HEX: 12 random hex digits; the name is never
 *	cut) with reserve bytes reserved (fallocate(2), where the file
 *	system has it; 0: none): the size of the largest record the
 *	caller may write, so that a full disk shows now. Finish with so2_store_commit or
 *	so2_store_discard. Errors: SO2_ERR_IO (world-writable store;
 *	create temp file or reserve space failed, naming the path,
 *	strerror and euid/egid), SO2_ERR_PARAM (name too
 *	long for its temporary name).
 */
so2_status so2_store_prepare(so2_store *st, const char *name,
			     size_t reserve, so2_store_tx *tx, so2_err *err);

/*
 * so2_store_commit - write rec into the prepared file and rename it
 *	Write, fsync, rename over the record, fsync(dir). A failed write or
 *	fsync is done once more from the start, a failed rename tried
 *	again; close() after a good fsync cannot lose data. The tx is used
 *	up whatever the result. Errors: SO2_ERR_RECORD (the record would
 *	be larger than SO2_RECORD_MAX: never written, as no reader would
 *	accept it), SO2_ERR_IO naming the step (write, fsync, rename, fsync
 *	of the directory), the path, strerror(errno) and the effective
 *	uid/gid; the old record is left intact, and the temporary file is
 *	removed except when the rename failed: then the complete new record
 *	stays in it (tx->kept = 1, the message names it) and the next
 *	writer takes it (so2_store_recover). SO2_ERR_NOMEM.
 */
so2_status so2_store_commit(so2_store *st, so2_store_tx *tx,
			    const so2_record *rec, so2_err *err);

/* so2_store_discard - remove a prepared, unused temporary file */
void so2_store_discard(so2_store *st, so2_store_tx *tx);

/*
 * so2_store_recover - finish or discard the writes of dead writers
 *	Call with the lock of record name held (no live writer then).
 *	A writer killed by a signal between creating its temporary file
 *	".NAME.HEX.tmp" and renaming it leaves the file behind; only files
 *	of exactly that shape for this name are looked at (never those of
 *	another account, e.g. ".a.json.b.json.HEX.tmp" for record a.json). A
 *	complete temporary record that is newer than NAME (same account)
 *	replaces NAME: it may
 *	hold a rotated refresh token (the server may refuse the old one).
 *	Newer: not an older login (obtained_at), a later refreshed_at, or
 *	in the same second a later file modification time. The other
 *	temporary files are removed.
 *	Returns 1 when a record was adopted, 0 when none was, -1 when the
 *	directory could not be read (message in err; err may be NULL).
 */
int so2_store_recover(so2_store *st, const char *name, so2_err *err);

/*
 * so2_store_remove - delete the record file name (and its lock file)
 *	Errors: SO2_ERR_NOTFOUND, SO2_ERR_IO.
 */
so2_status so2_store_remove(so2_store *st, const char *name, so2_err *err);

/*
 * so2_store_lock - take the writer lock of record name
 *	Waits up to timeout seconds (polling every 20 ms), then gives
 *	SO2_ERR_LOCK. The lock dies with its holder (even by SIGKILL).
 *	On success *lockfd is the lock file descriptor; release it with
 *	so2_store_unlock. Errors: SO2_ERR_LOCK (timeout), SO2_ERR_IO (the
 *	lock file cannot be opened for writing: read-only file system,
 *	permission denied; message naming path, errno text, euid/egid).
 */
so2_status so2_store_lock(so2_store *st, const char *name, long timeout,
			  int *lockfd, so2_err *err);

/* so2_store_unlock - release a lock from so2_store_lock; -1 ok */
void so2_store_unlock(int lockfd);

/*
 * so2_store_list - the record names in the store, sorted
 *	*names is a NULL-terminated malloc'd array of malloc'd strings
 *	(free with so2_store_list_free). Errors: SO2_ERR_IO, SO2_ERR_NOMEM.
 */
so2_status so2_store_list(so2_store *st, char ***names, so2_err *err);
void so2_store_list_free(char **names);

#endif

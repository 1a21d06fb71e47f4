/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	file.h - read a whole small file into memory, capped and checked
 * SYNOPSIS
 *	#include "base/file.h"
 * DESCRIPTION
 *	The one reader of configuration files, token records, client
 *	secrets, private keys, certificates and CA bundles. It promises:
 *	- only regular files: anything else (directory, FIFO, device) is
 *	  refused, and opening never blocks (O_NONBLOCK, so a FIFO put in
 *	  a file's place cannot hang a mail program);
 *	- a cap: a file larger than max bytes is refused, never truncated;
 *	- all or nothing: a read error is an error, never the end of the
 *	  file, and a file whose size changes while it is read (it grew or
 *	  shrank after fstat(2)) is refused, never returned half old, half
 *	  new (records are replaced by rename(2), never edited in place);
 *	- wiping: the bytes may be secrets; every buffer is wiped with
 *	  OPENSSL_cleanse before it is freed, on success by the caller.
 *	EINTR is retried. Descriptors are opened O_CLOEXEC | O_NOCTTY.
 *
 *	The functions set no message: callers name the file in their own
 *	words (a token record, the configuration) from *why; or use
 *	so2_read_reason() for the generic words.
 *	Never prints, never exits.
 * SEE ALSO
 *	open(2), openat(2), fstat(2), read(2)
 */
#ifndef SO2_FILE_H
#define SO2_FILE_H

#include <stddef.h>
#include "base/error.h"

/* so2_read_fail - which step stopped a read */
typedef enum so2_read_fail {
	SO2_READ_OK = 0,
	SO2_READ_OPEN,		/* open(2) failed: errnum */
	SO2_READ_STAT,		/* fstat(2) failed: errnum */
	SO2_READ_NOTREG,	/* not a regular file: mode */
	SO2_READ_TOOBIG,	/* larger than max bytes: size */
	SO2_READ_IO,		/* read(2) failed: errnum */
	SO2_READ_CHANGED,	/* the size changed while it was read */
	SO2_READ_NOMEM		/* out of memory */
} so2_read_fail;

/* so2_read_why - what stopped a read, for the caller's message */
typedef struct so2_read_why {
	so2_read_fail fail;
	int errnum;		/* errno of OPEN, STAT, IO; else 0 */
	long long size;		/* bytes fstat(2) gave; -1 before it ran */
	unsigned mode;		/* st_mode from fstat(2); 0 before it ran */
} so2_read_why;

/*
 * so2_read_fd - read the whole file open on fd, at most max bytes
 *	fd stays open (the caller closes it). On SO2_OK *out is a malloc'd
 *	buffer of *outlen + 1 bytes, NUL-terminated (the file may itself
 *	hold NULs: use *outlen); release it with
 *	so2_wipe_free(*out, *outlen + 1). Returns SO2_OK, SO2_ERR_NOMEM, or
 *	SO2_ERR_IO for every other failure (why->fail says which; callers
 *	reclassify). *why is always filled; why may be NULL.
 */
so2_status so2_read_fd(int fd, size_t max, char **out, size_t *outlen,
		       so2_read_why *why);

/*
 * so2_read_at - open path relative to dirfd (AT_FDCWD: the working
 *	directory) and read it as so2_read_fd
 *	oflags is added to O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK
 *	(e.g. O_NOFOLLOW). Returns as so2_read_fd; an open(2) failure is
 *	SO2_ERR_IO with why->fail SO2_READ_OPEN and why->errnum (ENOENT
 *	for a missing file).
 */
so2_status so2_read_at(int dirfd, const char *path, int oflags, size_t max,
		       char **out, size_t *outlen, so2_read_why *why);

/*
 * so2_read_reason - a few words on *why, for a message, into buf
 *	"cannot open: No such file or directory", "not a regular file",
 *	"larger than 4096 bytes", "read: Input/output error", "changed
 *	while it was read", "out of memory". max is the cap the read used.
 *	Returns buf (size bytes, NUL-terminated).
 */
char *so2_read_reason(const so2_read_why *why, size_t max, char *buf, size_t size);

#endif

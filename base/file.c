/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	file.c - read a whole small file, capped and checked (see file.h)
 * DESCRIPTION
 *	fstat(2) sizes the buffer at st_size + 1: the extra byte is how a
 *	file that grew since fstat is noticed (the buffer fills up), and a
 *	read(2) that ends before st_size bytes is how one that shrank is.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file.h"
#include "base/secret.h"

/* fail - record why and return the status of it */
static so2_status
fail(so2_read_why *why, so2_read_fail what, int errnum)
{
	why->fail = what;
	why->errnum = errnum;
	return what == SO2_READ_NOMEM ? SO2_ERR_NOMEM : SO2_ERR_IO;
}

/* so2_read_fd - read the whole file open on fd, at most max bytes */
so2_status
so2_read_fd(int fd, size_t max, char **out, size_t *outlen, so2_read_why *why)
{
	so2_read_why dummy;
	struct stat sb;
	char *buf = NULL;
	size_t len = 0, bufsize;
	ssize_t n;
	so2_status result;

	if (why == NULL)
		why = &dummy;
	memset(why, 0, sizeof(*why));
	why->size = -1;
	*out = NULL;
	*outlen = 0;
	if (fstat(fd, &sb) != 0)
		return fail(why, SO2_READ_STAT, errno);
	why->size = (long long)sb.st_size;
	why->mode = (unsigned)sb.st_mode;
	if (!S_ISREG(sb.st_mode))
		return fail(why, SO2_READ_NOTREG, 0);
	if (sb.st_size < 0 || (unsigned long long)sb.st_size > max)
		return fail(why, SO2_READ_TOOBIG, 0);
	bufsize = (size_t)sb.st_size + 1;
	if ((buf = malloc(bufsize)) == NULL)
		return fail(why, SO2_READ_NOMEM, 0);
	while (len < bufsize) {
		n = read(fd, buf + len, bufsize - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			result = fail(why, SO2_READ_IO, errno);
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len != bufsize - 1) {
		/* A full buffer: more than fstat said. Less: it shrank. A
		 * file that grew past max is refused as too big. */
		result = fail(why, len == bufsize && bufsize - 1 == max ? SO2_READ_TOOBIG
			      : SO2_READ_CHANGED, 0);
		goto out;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	buf = NULL;
	result = SO2_OK;
out:
	so2_wipe_free(buf, bufsize);
	return result;
}

/* so2_read_at - open path relative to dirfd and read it whole */
so2_status
so2_read_at(int dirfd, const char *path, int oflags, size_t max, char **out,
	    size_t *outlen, so2_read_why *why)
{
	so2_read_why dummy;
	so2_status result;
	int fd;

	if (why == NULL)
		why = &dummy;
	memset(why, 0, sizeof(*why));
	why->size = -1;
	*out = NULL;
	*outlen = 0;
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | oflags);
	if (fd < 0)
		return fail(why, SO2_READ_OPEN, errno);
	result = so2_read_fd(fd, max, out, outlen, why);
	(void)close(fd);
	return result;
}

/* so2_read_reason - a few words on *why */
char *
so2_read_reason(const so2_read_why *why, size_t max, char *buf, size_t size)
{
	switch (why->fail) {
	case SO2_READ_OK:
		return so2_format(buf, size, "read");
	case SO2_READ_OPEN:
		return so2_format(buf, size, "cannot open: %s", strerror(why->errnum));
	case SO2_READ_STAT:
		return so2_format(buf, size, "fstat: %s", strerror(why->errnum));
	case SO2_READ_NOTREG:
		return so2_format(buf, size, "not a regular file");
	case SO2_READ_TOOBIG:
		return so2_format(buf, size, "larger than %zu bytes", max);
	case SO2_READ_IO:
		return so2_format(buf, size, "read: %s", strerror(why->errnum));
	case SO2_READ_CHANGED:
		return so2_format(buf, size, "changed while it was read");
	case SO2_READ_NOMEM:
		return so2_format(buf, size, "out of memory");
	}
	return so2_format(buf, size, "unknown failure");
}

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	fault.c - read(2) faults for unit tests (see fault.h)
 * DESCRIPTION
 *	Needs the link option -Wl,--wrap=read: the linker then sends the
 *	code's read() calls here and __real_read is the C library's.
 */
#include "config.h"

#include <errno.h>
#include <sys/types.h>
#include <unistd.h>

#include "fault.h"

ssize_t __real_read(int fd, void *buf, size_t count);
ssize_t __wrap_read(int fd, void *buf, size_t count);
ssize_t __real_pread(int fd, void *buf, size_t count, off_t offset);
ssize_t __wrap_pread(int fd, void *buf, size_t count, off_t offset);

static int armed;
static size_t left;	/* bytes before the fault */
static int fault_errno;
static void (*hook)(void *);
static void *hook_arg;

/* fault_read_hook - call fn(arg) once before the next read(2) */
void
fault_read_hook(void (*fn)(void *), void *arg)
{
	hook = fn;
	hook_arg = arg;
}

/* fault_read_arm - after n more bytes, read(2) fails with errno e */
void
fault_read_arm(size_t n, int e)
{
	left = n;
	fault_errno = e;
	armed = 1;
}

/* fault_read_disarm - read(2) is read(2) again */
void
fault_read_disarm(void)
{
	armed = 0;
	hook = NULL;
}

/* __wrap_read - read(2), or the armed fault */
ssize_t
__wrap_read(int fd, void *buf, size_t count)
{
	ssize_t n;
	void (*fn)(void *) = hook;

	if (fn != NULL) {
		hook = NULL;
		fn(hook_arg);
	}
	if (!armed)
		return __real_read(fd, buf, count);
	if (left == 0) {
		errno = fault_errno;
		return -1;
	}
	n = __real_read(fd, buf, count < left ? count : left);
	if (n > 0)
		left -= (size_t)n;
	return n;
}

/* __wrap_pread - pread(2), or the armed fault (the same budget as read) */
ssize_t
__wrap_pread(int fd, void *buf, size_t count, off_t offset)
{
	ssize_t n;
	void (*fn)(void *) = hook;

	if (fn != NULL) {
		hook = NULL;
		fn(hook_arg);
	}
	if (!armed)
		return __real_pread(fd, buf, count, offset);
	if (left == 0) {
		errno = fault_errno;
		return -1;
	}
	n = __real_pread(fd, buf, count < left ? count : left, offset);
	if (n > 0)
		left -= (size_t)n;
	return n;
}

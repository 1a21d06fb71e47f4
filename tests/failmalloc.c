/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	failmalloc.c - LD_PRELOAD shim: fail the Nth allocation (tests only)
 * SYNOPSIS
 *	LD_PRELOAD=tests/.libs/libfailmalloc.so program
 *	void so2_failmalloc_scope(int on);
 *	void so2_failmalloc_enter(void), so2_failmalloc_leave(void);
 *	void so2_failmalloc_arm(unsigned long n);
 *	unsigned long so2_failmalloc_count(void);
 *	int so2_failmalloc_failed(void);
 * DESCRIPTION
 *	Replaces malloc, calloc, realloc, reallocarray, posix_memalign,
 *	aligned_alloc, memalign and valloc of the whole process (glibc routes
 *	its own strdup, fopen, getaddrinfo ... through them) and counts the
 *	allocations made after so2_failmalloc_arm(n): the n-th one returns
 *	NULL with errno ENOMEM (after a SIGTRAP when FAILMALLOC_TRAP is set,
 *	to stop a debugger there), every other one succeeds (glibc's __libc_*
 *	functions do the work). n = 0 disarms. The program finds the three
 *	functions with dlsym(RTLD_DEFAULT, ...), so it runs without the shim.
 *
 *	so2_failmalloc_scope(1): count only the allocations a thread makes
 *	between so2_failmalloc_enter() and so2_failmalloc_leave() (the driver
 *	wraps the module's entry points: its allocations and those of the
 *	libraries it calls, jansson, libcurl, OpenSSL, not the host's or
 *	libsasl2's own). 0 (the default) counts every allocation.
 *
 *	Like curl's "torture" tests: a sweep over n = 1, 2, ... until
 *	so2_failmalloc_count() < n shows that every allocation of an
 *	operation was made to fail once (tests/alloc-sweep.c).
 *
 *	Not for sanitizer builds (ASan replaces malloc itself).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <malloc.h>

#define SO2_EXPORT __attribute__((visibility("default")))

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static int trap;		/* FAILMALLOC_TRAP set: SIGTRAP at the failure */
static int scoped;		/* count only at depth > 0 */
static __thread int depth;	/* enter - leave on this thread */
static unsigned long fail_at;	/* 0: disarmed */
static unsigned long counted;	/* allocations since arm */
static int failed;		/* the fail_at-th one was failed */

SO2_EXPORT void so2_failmalloc_scope(int on);
SO2_EXPORT void so2_failmalloc_enter(void);
SO2_EXPORT void so2_failmalloc_leave(void);
SO2_EXPORT void so2_failmalloc_arm(unsigned long n);
SO2_EXPORT unsigned long so2_failmalloc_count(void);
SO2_EXPORT int so2_failmalloc_failed(void);

/* so2_failmalloc_scope - 1: count only between enter and leave */
void
so2_failmalloc_scope(int on)
{
	__atomic_store_n(&scoped, on, __ATOMIC_SEQ_CST);
}

/* so2_failmalloc_enter - this thread runs the code under test */
void
so2_failmalloc_enter(void)
{
	depth++;
}

/* so2_failmalloc_leave - this thread left the code under test */
void
so2_failmalloc_leave(void)
{
	depth--;
}

/* so2_failmalloc_arm - fail the n-th allocation from now on (0: never) */
void
so2_failmalloc_arm(unsigned long n)
{
	trap = getenv("FAILMALLOC_TRAP") != NULL;
	__atomic_store_n(&counted, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&failed, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&fail_at, n, __ATOMIC_SEQ_CST);
}

/* so2_failmalloc_count - allocations since the last arm */
unsigned long
so2_failmalloc_count(void)
{
	return __atomic_load_n(&counted, __ATOMIC_SEQ_CST);
}

/* so2_failmalloc_failed - 1 when the armed allocation was failed */
int
so2_failmalloc_failed(void)
{
	return __atomic_load_n(&failed, __ATOMIC_SEQ_CST);
}

/* fail_now - count one allocation; 1 when it must fail */
static int
fail_now(void)
{
	unsigned long at = __atomic_load_n(&fail_at, __ATOMIC_SEQ_CST), n;

	if (at == 0 || (depth <= 0 && __atomic_load_n(&scoped, __ATOMIC_SEQ_CST)))
		return 0;
	n = __atomic_add_fetch(&counted, 1, __ATOMIC_SEQ_CST);
	if (n != at)
		return 0;
	__atomic_store_n(&failed, 1, __ATOMIC_SEQ_CST);
	if (trap)
		raise(SIGTRAP);		/* FAILMALLOC_TRAP: under a debugger */
	errno = ENOMEM;
	return 1;
}

SO2_EXPORT void *
malloc(size_t size)
{
	return fail_now() ? NULL : __libc_malloc(size);
}

SO2_EXPORT void *
calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __libc_calloc(n, size);
}

SO2_EXPORT void *
realloc(void *p, size_t size)
{
	/* realloc(p, 0) frees: not an allocation that can fail */
	if (p != NULL && size == 0)
		return __libc_realloc(p, size);
	return fail_now() ? NULL : __libc_realloc(p, size);
}

SO2_EXPORT void *
reallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, n * size);
}

SO2_EXPORT void *
memalign(size_t align, size_t size)
{
	return fail_now() ? NULL : __libc_memalign(align, size);
}

SO2_EXPORT void *
aligned_alloc(size_t align, size_t size)
{
	return memalign(align, size);
}

SO2_EXPORT int
posix_memalign(void **out, size_t align, size_t size)
{
	void *p;

	if (fail_now())
		return ENOMEM;
	p = __libc_memalign(align, size);
	if (p == NULL)
		return ENOMEM;
	*out = p;
	return 0;
}

SO2_EXPORT void *
valloc(size_t size)
{
	return memalign(4096, size);
}

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	fault.h - read(2) faults for unit tests
 * DESCRIPTION
 *	The unit test programs are linked with -Wl,--wrap=read and
 *	--wrap=pread, so every read(2) and pread(2) of the code under test
 *	goes through __wrap_read or __wrap_pread (fault.c), which share the
 *	faults below.
 *	Disarmed (the default) it is read(2). fault_read_arm(n, e) lets
 *	reads return n more bytes in total (each read at most what is
 *	left) and then fail with errno e: a file cut short by an I/O
 *	error, which a real file system cannot be made to do on demand.
 *	fault_read_hook() runs a function before the next read: a file
 *	that changes while it is read.
 */
#ifndef SO2_FAULT_H
#define SO2_FAULT_H

#include <stddef.h>

/* fault_read_arm - after n more bytes, read(2) fails with errno e */
void fault_read_arm(size_t n, int e);

/* fault_read_hook - call fn(arg) once, just before the next read(2)
 *	(to change a file between fstat(2) and read(2)) */
void fault_read_hook(void (*fn)(void *), void *arg);

/* fault_read_disarm - read(2) is read(2) again */
void fault_read_disarm(void);

#endif

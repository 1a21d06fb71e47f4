/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	buf.h - a growable byte buffer with a cap, wiped when it moves
 * SYNOPSIS
 *	#include "base/buf.h"
 * DESCRIPTION
 *	For text that may hold secrets while it is built or received: a
 *	token endpoint reply, a SASL response, a serialised record. The
 *	buffer grows by allocating a new block, copying and wiping the old
 *	one (never realloc(3), which may leave an unwiped copy behind), and
 *	refuses to hold more than max bytes: going over is an error, never
 *	a truncation (STYLE.md 5). The data is always NUL-terminated (the
 *	NUL is not counted in len) once anything was added.
 *
 *	Errors are sticky: after a failed add, later adds do nothing and
 *	so2_buf_take() reports the first failure, so a sequence of adds
 *	needs one check at the end.
 *
 *	Ownership: the buffer owns data until so2_buf_take() hands it over;
 *	so2_buf_free() wipes and frees it. Never prints, never exits.
 * SEE ALSO
 *	secret.h (so2_wipe_free), OPENSSL_cleanse(3)
 */
#ifndef SO2_BUF_H
#define SO2_BUF_H

#include <stddef.h>
#include "base/error.h"

/* so2_buf - a capped growable buffer; members are read-only to callers */
typedef struct so2_buf {
	char *data;		/* NUL-terminated, NULL before the first add */
	size_t len;		/* bytes held, without the NUL */
	size_t cap;		/* bytes allocated */
	size_t max;		/* most bytes held (without the NUL) */
	so2_status bad;		/* SO2_OK, or the first failure: SO2_ERR_NOMEM,
				 * SO2_ERR_PARAM (over max) */
} so2_buf;

/* so2_buf_init - an empty buffer holding at most max bytes */
void so2_buf_init(so2_buf *b, size_t max);

/*
 * so2_buf_add - append n bytes of p (p may hold NULs)
 *	Returns SO2_OK; SO2_ERR_PARAM when len + n would exceed max;
 *	SO2_ERR_NOMEM. On failure the content stays as it was and the
 *	failure sticks (b->bad).
 */
so2_status so2_buf_add(so2_buf *b, const void *p, size_t n);

/* so2_buf_str - so2_buf_add of a C string without its NUL */
so2_status so2_buf_str(so2_buf *b, const char *s);

/*
 * so2_buf_take - hand the bytes over, or report the first failure
 *	On SO2_OK *out is the malloc'd NUL-terminated data (a zero-length
 *	buffer gives "") and *outlen its length; the caller releases it
 *	with so2_wipe_free(*out, *outlen + 1). On failure (b->bad) *out is
 *	NULL and the buffer is wiped and freed. Either way b is left empty.
 */
so2_status so2_buf_take(so2_buf *b, char **out, size_t *outlen);

/* so2_buf_free - wipe and free the data; b becomes empty (max kept) */
void so2_buf_free(so2_buf *b);

#endif

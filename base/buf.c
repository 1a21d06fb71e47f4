/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	buf.c - a growable byte buffer with a cap (see buf.h)
 * DESCRIPTION
 *	Grows to twice what is needed, at most max + 1 (the NUL); the old
 *	block is wiped with OPENSSL_cleanse before it is freed.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/secret.h"

/* so2_buf_init - an empty buffer holding at most max bytes */
void
so2_buf_init(so2_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
	b->bad = SO2_OK;
}

/* grow - make room for need bytes (NUL included) */
static so2_status
grow(so2_buf *b, size_t need)
{
	size_t cap = b->cap > 0 ? b->cap : 64;
	char *p;

	while (cap < need)
		cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
	if (b->max < (size_t)-1 && cap > b->max + 1)	/* SIZE_MAX: no cap (+1 wraps) */
		cap = b->max + 1;
	/* By hand rather than realloc(): the old block may hold secrets. */
	if ((p = malloc(cap)) == NULL)
		return SO2_ERR_NOMEM;
	if (b->len > 0)
		memcpy(p, b->data, b->len);
	so2_wipe_free(b->data, b->cap);
	b->data = p;
	b->cap = cap;
	return SO2_OK;
}

/* so2_buf_add - append n bytes of p */
so2_status
so2_buf_add(so2_buf *b, const void *p, size_t n)
{
	if (b->bad != SO2_OK)
		return b->bad;
	if (n > b->max - b->len)
		return b->bad = SO2_ERR_PARAM;
	if ((b->data == NULL || b->len + n + 1 > b->cap)
	    && (b->bad = grow(b, b->len + n + 1)) != SO2_OK)
		return b->bad;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return SO2_OK;
}

/* so2_buf_str - append a C string */
so2_status
so2_buf_str(so2_buf *b, const char *s)
{
	return so2_buf_add(b, s, strlen(s));
}

/* so2_buf_take - hand the bytes over, or report the first failure */
so2_status
so2_buf_take(so2_buf *b, char **out, size_t *outlen)
{
	so2_status result = b->bad;

	*out = NULL;
	*outlen = 0;
	if (result == SO2_OK && b->data == NULL)
		result = so2_buf_add(b, "", 0);
	if (result != SO2_OK) {
		so2_buf_free(b);
		return result;
	}
	*out = b->data;
	*outlen = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return SO2_OK;
}

/* so2_buf_free - wipe and free the data */
void
so2_buf_free(so2_buf *b)
{
	if (b == NULL)
		return;
	so2_wipe_free(b->data, b->cap);
	b->data = NULL;
	b->len = b->cap = 0;
	b->bad = SO2_OK;
}

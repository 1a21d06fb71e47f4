/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	secret.c - buffers for tokens and client secrets (see secret.h)
 * DESCRIPTION
 *	Every release path wipes with OPENSSL_cleanse(), which the
 *	compiler may not optimise away.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "base/secret.h"

/* so2_write_all - see secret.h */
int
so2_write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* so2_wipe_free - wipe len bytes then free */
void
so2_wipe_free(void *p, size_t len)
{
	if (p == NULL)
		return;
	OPENSSL_cleanse(p, len);
	free(p);
}

/* so2_wipe_free_str - wipe a NUL-terminated string then free */
void
so2_wipe_free_str(char *s)
{
	if (s != NULL)
		so2_wipe_free(s, strlen(s));
}

/* so2_secret_clear - wipe and free; s becomes empty */
void
so2_secret_clear(so2_secret *s)
{
	if (s == NULL)
		return;
	if (s->data != NULL)
		so2_wipe_free(s->data, s->len + 1);
	s->data = NULL;
	s->len = 0;
}

/* so2_secret_set - copy len bytes of value into s */
so2_status
so2_secret_set(so2_secret *s, const char *value, size_t len)
{
	char *copy;

	copy = malloc(len + 1);
	if (copy == NULL) {
		so2_secret_clear(s);
		return SO2_ERR_NOMEM;
	}
	if (len > 0)
		memcpy(copy, value, len);
	copy[len] = '\0';
	so2_secret_clear(s);
	s->data = copy;
	s->len = len;
	return SO2_OK;
}

/* so2_secret_take - move src into dst */
void
so2_secret_take(so2_secret *dst, so2_secret *src)
{
	so2_secret_clear(dst);
	*dst = *src;
	src->data = NULL;
	src->len = 0;
}

/* so2_secret_empty - 1 when s holds no bytes */
int
so2_secret_empty(const so2_secret *s)
{
	return s == NULL || s->data == NULL || s->len == 0;
}

/* so2_secret_describe - prefix and length, never the value */
char *
so2_secret_describe(const char *value, size_t len, char *buf, size_t size)
{
	char shown[SO2_SECRET_SHOW + 1];
	size_t i, n;

	if (size == 0)
		return buf;
	if (value == NULL || len == 0) {
		snprintf(buf, size, "(empty)");
		return buf;
	}
	/* Show at most SO2_SECRET_SHOW printable bytes, and never more
	 * than a quarter of a short value. */
	n = len / 4;
	if (n > SO2_SECRET_SHOW)
		n = SO2_SECRET_SHOW;
	for (i = 0; i < n; i++)
		shown[i] = (value[i] > 0x20 && value[i] < 0x7f) ? value[i] : '?';
	shown[n] = '\0';
	snprintf(buf, size, "%s... (%zu bytes)", shown, len);
	return buf;
}

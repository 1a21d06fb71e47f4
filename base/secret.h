/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	secret.h - the one type for tokens and client secrets
 * SYNOPSIS
 *	#include "base/secret.h"
 * DESCRIPTION
 *	An so2_secret owns a heap buffer holding a secret (access token,
 *	refresh token, client secret, device code) and its length in bytes.
 *	The buffer is always NUL-terminated (the NUL is not counted).
 *	so2_secret_clear() wipes it with OPENSSL_cleanse() before freeing,
 *	so no secret survives in freed memory.
 *
 *	Secrets are shown to people only through so2_secret_describe(),
 *	which prints a short prefix and the length, never the value.
 * SEE ALSO
 *	OPENSSL_cleanse(3)
 */
#ifndef SO2_SECRET_H
#define SO2_SECRET_H

#include <stddef.h>
#include "base/error.h"

typedef struct so2_secret {
	char *data;		/* NUL-terminated, NULL when empty */
	size_t len;		/* length in bytes, without the NUL */
} so2_secret;

#define SO2_SECRET_INIT { NULL, 0 }

/*
 * so2_secret_set - copy len bytes of value into s
 *	Wipes and frees what s held before. Returns SO2_OK or SO2_ERR_NOMEM
 *	(s is then empty). value may contain no NUL; len may be 0.
 */
so2_status so2_secret_set(so2_secret *s, const char *value, size_t len);

/* so2_secret_take - move src into dst (dst wiped first, src left empty) */
void so2_secret_take(so2_secret *dst, so2_secret *src);

/* so2_secret_clear - wipe and free the buffer; s becomes empty. NULL ok. */
void so2_secret_clear(so2_secret *s);

/* so2_secret_empty - 1 when s holds no bytes */
int so2_secret_empty(const so2_secret *s);

/*
 * so2_secret_describe - safe text for logs: "eyJ0eX... (1534 bytes)"
 *	Writes at most size bytes into buf (NUL-terminated) and returns buf.
 *	Shows at most SO2_SECRET_SHOW bytes of the value, or "(empty)".
 */
#define SO2_SECRET_SHOW 6
char *so2_secret_describe(const char *value, size_t len, char *buf, size_t size);

/*
 * so2_write_all - write(2) all len bytes of buf to fd
 *	Retries short writes and EINTR. Straight to the descriptor, so
 *	that no copy of a secret is left in a stdio buffer (the token
 *	command's output, token records). Returns 0, or -1 with errno set
 *	(EIO when write(2) wrote nothing).
 */
int so2_write_all(int fd, const char *buf, size_t len);

/* so2_wipe_free - OPENSSL_cleanse(p, len) then free(p); NULL ok */
void so2_wipe_free(void *p, size_t len);

/* so2_wipe_free_str - so2_wipe_free(s, strlen(s)); NULL ok */
void so2_wipe_free_str(char *s);

#endif

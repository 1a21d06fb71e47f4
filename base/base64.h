/*
 * NAME
 *	b64url.h - base64url without padding (RFC 4648 section 5), internal
 * DESCRIPTION
 *	For JWS segments (RFC 7515 section 2), PKCE values (RFC 7636
 *	section 4) and certificate thumbprints. Encoding uses OpenSSL's
 *	EVP_EncodeBlock and maps the alphabet.
 */
#ifndef SO2_B64URL_H
#define SO2_B64URL_H

#include <stddef.h>

/* SO2_B64URL_LEN - characters of the encoding of n bytes, without NUL */
#define SO2_B64URL_LEN(n) ((((n) + 2) / 3) * 4)

/*
 * so2_b64url_encode - encode len bytes of in into out (size bytes)
 *	Returns the length written (NUL-terminated, no '=' padding), or 0
 *	when out is smaller than SO2_B64URL_LEN(len) + 1 bytes.
 */
size_t so2_b64url_encode(const unsigned char *in, size_t len, char *out,
			 size_t size);

#endif

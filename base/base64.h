/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	base64.h - base64 and base64url, encode and decode (RFC 4648)
 * SYNOPSIS
 *	#include "base/base64.h"
 * DESCRIPTION
 *	base64 (RFC 4648 section 4, with '=' padding) for SASL exchanges
 *	(RFC 4954 section 4, RFC 3501 section 6.2.2), base64url without
 *	padding (section 5) for JWS segments (RFC 7515 section 2), PKCE
 *	values (RFC 7636 section 4) and certificate thumbprints. OpenSSL's
 *	EVP_EncodeBlock and EVP_DecodeBlock do the work; this module maps
 *	the url alphabet and decides what input is acceptable.
 *
 *	Decoding is strict, whatever the caller: only the alphabet of the
 *	variant, no white space, no line breaks. base64 needs a length that
 *	is a multiple of 4 and '=' only as the last one or two characters
 *	of the last group; base64url refuses '=', '+' and '/' and a length
 *	of 4n+1. The decoded bytes may be secrets: scratch space is wiped.
 *	Pure functions: no allocation, never print.
 * SEE ALSO
 *	EVP_EncodeBlock(3), RFC 4648
 */
#ifndef SO2_BASE64_H
#define SO2_BASE64_H

#include <stddef.h>
#include "base/error.h"

/* SO2_B64_LEN - characters of the base64 of n bytes, padded, without NUL */
#define SO2_B64_LEN(n) ((((n) + 2) / 3) * 4)

/* SO2_B64URL_LEN - at least the characters of the base64url of n bytes */
#define SO2_B64URL_LEN(n) SO2_B64_LEN(n)

/* SO2_B64_DECODE_SIZE - out size that always suffices to decode n chars
 *	(three bytes per group of four, plus a NUL) */
#define SO2_B64_DECODE_SIZE(n) ((((n) + 3) / 4) * 3 + 1)

/*
 * so2_b64_encode - base64 of len bytes of in into out (size bytes)
 *	Returns the length written (NUL-terminated, '=' padded), or 0 when
 *	out is smaller than SO2_B64_LEN(len) + 1 bytes or len is over 1 GiB
 *	(an empty input also gives 0, with out "").
 */
size_t so2_b64_encode(const unsigned char *in, size_t len, char *out, size_t size);

/*
 * so2_b64url_encode - base64url of len bytes of in into out (size bytes)
 *	Returns the length written (NUL-terminated, no '=' padding), or 0
 *	when out is smaller than SO2_B64URL_LEN(len) + 1 bytes.
 */
size_t so2_b64url_encode(const unsigned char *in, size_t len, char *out,
			 size_t size);

/*
 * so2_b64_decode - decode len characters of base64 into out (size bytes)
 *	On SO2_OK *outlen is the number of bytes written and out[*outlen]
 *	is a NUL (out may hold NULs before it). Empty input decodes to 0
 *	bytes. Returns SO2_ERR_PARAM when in is not base64 (as above) or
 *	out is smaller than SO2_B64_DECODE_SIZE(len) bytes; *outlen is then
 *	0 and out holds nothing of the input.
 */
so2_status so2_b64_decode(const char *in, size_t len, unsigned char *out,
			  size_t size, size_t *outlen);

/* so2_b64url_decode - as so2_b64_decode, for unpadded base64url */
so2_status so2_b64url_decode(const char *in, size_t len, unsigned char *out,
			     size_t size, size_t *outlen);

#endif

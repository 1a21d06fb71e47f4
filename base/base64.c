/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	base64.c - base64 and base64url via OpenSSL (see base64.h)
 * DESCRIPTION
 *	EVP_EncodeBlock writes standard base64 with padding; for base64url
 *	the alphabet is then mapped ('+' to '-', '/' to '_') and the padding
 *	cut, as RFC 7515 section 2 and RFC 7636 appendix A require.
 *	Decoding checks the input here (EVP_DecodeBlock skips some white
 *	space and counts padding as zero bytes), then hands EVP_DecodeBlock
 *	one group of four at a time, mapped back to the standard alphabet
 *	and padded in a small scratch group that is wiped at the end.
 */
#include "config.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "base/base64.h"

/* Largest input encoded: EVP_EncodeBlock takes an int. */
#define SO2_B64_IN_MAX	0x3fffffff

/* so2_b64_encode - base64 of in, padded */
size_t
so2_b64_encode(const unsigned char *in, size_t len, char *out, size_t size)
{
	int got;

	if (size < SO2_B64_LEN(len) + 1 || len > SO2_B64_IN_MAX)
		return 0;
	got = EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	if (got < 0) {
		out[0] = '\0';
		return 0;
	}
	out[got] = '\0';
	return (size_t)got;
}

/* so2_b64url_encode - base64url of in, unpadded */
size_t
so2_b64url_encode(const unsigned char *in, size_t len, char *out, size_t size)
{
	size_t i, n;

	if ((n = so2_b64_encode(in, len, out, size)) == 0)
		return 0;
	while (n > 0 && out[n - 1] == '=')
		n--;
	out[n] = '\0';
	for (i = 0; i < n; i++) {
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	}
	return n;
}

/* in_alphabet - c as a standard base64 character, or 0 when it is none
 *	url: the base64url alphabet ('-' and '_' instead of '+' and '/') */
static char
in_alphabet(char c, int url)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return c;
	if (url)
		return c == '-' ? '+' : c == '_' ? '/' : 0;
	return c == '+' || c == '/' ? c : 0;
}

/* decode - the one decoder of both variants */
static so2_status
decode(const char *in, size_t len, int url, unsigned char *out, size_t size,
       size_t *outlen)
{
	unsigned char group[4], bytes[3];
	size_t i, k, pad = 0, o = 0, glen;
	so2_status result = SO2_ERR_PARAM;

	*outlen = 0;
	if (size < SO2_B64_DECODE_SIZE(len))
		return SO2_ERR_PARAM;
	if (url ? len % 4 == 1 : len % 4 != 0)
		return SO2_ERR_PARAM;
	if (!url) {	/* '=' only as the last one or two characters */
		while (pad < 2 && pad < len && in[len - 1 - pad] == '=')
			pad++;
	}
	for (i = 0; i < len - pad; i += 4) {
		glen = len - pad - i < 4 ? len - pad - i : 4;
		if (glen < 2)
			goto out;
		for (k = 0; k < 4; k++) {
			char c = k < glen ? in_alphabet(in[i + k], url) : '=';

			if (c == 0)
				goto out;
			group[k] = (unsigned char)c;
		}
		if (EVP_DecodeBlock(bytes, group, 4) != 3)
			goto out;
		memcpy(out + o, bytes, glen - 1);	/* 2 chars: 1 byte, 3: 2, 4: 3 */
		o += glen - 1;
	}
	out[o] = '\0';
	*outlen = o;
	result = SO2_OK;
out:
	if (result != SO2_OK)
		OPENSSL_cleanse(out, o);
	OPENSSL_cleanse(group, sizeof(group));
	OPENSSL_cleanse(bytes, sizeof(bytes));
	return result;
}

/* so2_b64_decode - standard base64, padded */
so2_status
so2_b64_decode(const char *in, size_t len, unsigned char *out, size_t size,
	       size_t *outlen)
{
	return decode(in, len, 0, out, size, outlen);
}

/* so2_b64url_decode - base64url, unpadded */
so2_status
so2_b64url_decode(const char *in, size_t len, unsigned char *out, size_t size,
		  size_t *outlen)
{
	return decode(in, len, 1, out, size, outlen);
}

/*
 * NAME
 *	b64url.c - base64url without padding (see b64url.h)
 * DESCRIPTION
 *	EVP_EncodeBlock writes standard base64 with padding; the alphabet
 *	is then mapped ('+' to '-', '/' to '_') and the padding cut, as
 *	RFC 7515 section 2 and RFC 7636 appendix A require.
 */
#include "config.h"

#include <openssl/evp.h>

#include "base/base64.h"

/* so2_b64url_encode - base64url of in, unpadded */
size_t
so2_b64url_encode(const unsigned char *in, size_t len, char *out, size_t size)
{
	size_t i, n;
	int got;

	if (size < SO2_B64URL_LEN(len) + 1 || len > 0x3fffffff)
		return 0;
	got = EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	if (got < 0)
		return 0;
	n = (size_t)got;
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

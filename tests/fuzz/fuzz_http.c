/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	fuzz_http.c - libFuzzer target for the reply headers the token
 *	endpoint client reads (token/http.c: Retry-After, RFC 9110 10.2.3)
 * DESCRIPTION
 *	The header callback is static (libcurl calls it): this file
 *	includes http.c to reach it. The input is the header block of a
 *	reply; each line (up to and with its LF) is given to the callback
 *	as libcurl gives it, a status line starting a new header set.
 *	Besides the sanitizers' findings, the target traps when a contract
 *	of http.h breaks: the callback not taking the whole line, or
 *	retry_after outside 0..SO2_RETRY_AFTER_MAX.
 *	See tests/fuzz/README for building and running.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "token/http.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check - stop the fuzzer at a broken contract */
static void
check(int ok)
{
	if (!ok)
		__builtin_trap();
}

/* LLVMFuzzerTestOneInput - one header block */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	so2_http_reply hr;
	const uint8_t *nl;
	char *line;
	size_t n;

	memset(&hr, 0, sizeof(hr));
	while (size > 0) {
		nl = memchr(data, '\n', size);
		n = nl != NULL ? (size_t)(nl - data) + 1 : size;
		/* libcurl's buffer: a copy, so ASan sees reads past the line */
		if ((line = malloc(n)) == NULL)
			return 0;
		memcpy(line, data, n);
		check(reply_header(line, 1, n, &hr) == n);
		check(hr.retry_after >= 0 && hr.retry_after <= SO2_RETRY_AFTER_MAX);
		free(line);
		data += n;
		size -= n;
	}
	return 0;
}

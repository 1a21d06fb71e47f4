/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	fuzz_redirect.c - libFuzzer target for so2_redirect_parse()
 * DESCRIPTION
 *	The input is what reaches the login from outside: a request target
 *	seen by the loopback listener or an address the user pasted. Besides
 *	the sanitizers' findings, the target traps when a contract of
 *	pkce.h breaks:
 *	- a failure other than SO2_ERR_PARAM or SO2_ERR_NOMEM, without a
 *	  message, or that left a field of *out set;
 *	- a success on input over SO2_REDIRECT_MAX bytes or without '?';
 *	- a decoded value holding a control character (values are shown on
 *	  a terminal and in messages).
 *	See tests/fuzz/README for building and running.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/text.h"
#include "login/pkce.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check - stop the fuzzer at a broken contract */
static void
check(int ok)
{
	if (!ok)
		__builtin_trap();
}

/* LLVMFuzzerTestOneInput - one redirect */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	so2_redirect r;
	so2_err err;
	so2_status st;

	so2_err_clear(&err);
	st = so2_redirect_parse((const char *)data, size, &r, &err);
	if (st != SO2_OK) {
		check(st == SO2_ERR_PARAM || st == SO2_ERR_NOMEM);
		check(err.msg[0] != '\0');
		check(r.code.data == NULL && r.state == NULL && r.error == NULL &&
		      r.error_description == NULL);
		return 0;
	}
	check(size <= SO2_REDIRECT_MAX);
	check(memchr(data, '?', size) != NULL);
	check(!so2_has_control(r.code.data) && !so2_has_control(r.state)
	    && !so2_has_control(r.error) && !so2_has_control(r.error_description));
	so2_redirect_clear(&r);
	return 0;
}

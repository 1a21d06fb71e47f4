/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	fuzz_challenge.c - libFuzzer target for so2_challenge_parse()
 * DESCRIPTION
 *	The input is a server challenge, already base64-decoded (what the
 *	SASL library hands the plugin). Besides the sanitizers' findings,
 *	the target traps when a contract of mechanism.h breaks:
 *	- a failure other than SO2_ERR_PROTO or SO2_ERR_NOMEM, without a
 *	  message, with a control character in the message, or that left
 *	  a field of *out set;
 *	- a success on input over SO2_CHALLENGE_MAX bytes, or a field that
 *	  is not NUL-terminated within its buffer;
 *	- so2_challenge_token_invalid() not agreeing with the status;
 *	- a field holding a control character: the plugin logs status and
 *	  scope and keeps them as the record's last_error, so server text
 *	  must not forge log lines (same rule as fuzz_token_reply.c).
 *	See tests/fuzz/README for building and running.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/text.h"
#include "token/mechanism.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check - stop the fuzzer at a broken contract */
static void
check(int ok)
{
	if (!ok)
		__builtin_trap();
}

/* terminated - a NUL within the size bytes of buf */
static int
terminated(const char *buf, size_t size)
{
	return memchr(buf, '\0', size) != NULL;
}

/* LLVMFuzzerTestOneInput - one challenge */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	so2_challenge ch;
	so2_err err;
	so2_status st;
	int invalid;

	memset(&ch, 'X', sizeof(ch));
	so2_err_clear(&err);
	st = so2_challenge_parse((const char *)data, size, &ch, &err);
	check(terminated(ch.status, sizeof(ch.status)) && terminated(ch.scope, sizeof(ch.scope))
	    && terminated(ch.schemes, sizeof(ch.schemes))
	    && terminated(ch.openid_configuration, sizeof(ch.openid_configuration)));
	if (st != SO2_OK) {
		check(st == SO2_ERR_PROTO || st == SO2_ERR_NOMEM);
		check(err.status == st && err.msg[0] != '\0' && !so2_has_control(err.msg));
		check(ch.status[0] == '\0' && ch.scope[0] == '\0' && ch.schemes[0] == '\0'
		    && ch.openid_configuration[0] == '\0');
		check(!so2_challenge_token_invalid(&ch));
		return 0;
	}
	check(size <= SO2_CHALLENGE_MAX);
	invalid = strcmp(ch.status, "invalid_token") == 0 || strcmp(ch.status, "401") == 0
	    || strcmp(ch.status, "400") == 0;
	check(so2_challenge_token_invalid(&ch) == invalid);
	check(!so2_has_control(ch.status) && !so2_has_control(ch.scope)
	    && !so2_has_control(ch.schemes) && !so2_has_control(ch.openid_configuration));
	return 0;
}

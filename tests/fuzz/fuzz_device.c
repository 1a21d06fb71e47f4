/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	fuzz_device.c - libFuzzer target for the device authorization
 *	response parser (login/device.c, RFC 8628 3.2)
 * DESCRIPTION
 *	The parser is static (a so2_reply_parser given to so2_oauth_post):
 *	this file includes device.c to reach it. The first input byte picks
 *	the HTTP status (200 or an error status: errors have the token
 *	endpoint's shape and go to so2_token_reply_parse), the rest is the
 *	body. Besides the sanitizers' findings, the target traps when a
 *	contract of device.h breaks:
 *	- a success without device code, user code or verification URI, or
 *	  with a control character in what the terminal shows (user code,
 *	  URIs, message), expires_in not positive, interval outside 1..3600;
 *	- a failure outside the statuses of grant.h, without a message or
 *	  with a control character in it, or that left members set.
 *	See tests/fuzz/README for building and running.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/text.h"
#include "login/device.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check - stop the fuzzer at a broken contract */
static void
check(int ok)
{
	if (!ok)
		__builtin_trap();
}

/* LLVMFuzzerTestOneInput - one device authorization reply */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 200, 200, 400, 401, 429, 500 };
	so2_device_auth da;
	so2_oauth_error oerr;
	so2_status st;
	so2_err err;
	long status;

	if (size == 0)
		return 0;
	status = statuses[data[0] % (sizeof(statuses) / sizeof(statuses[0]))];
	memset(&oerr, 0, sizeof(oerr));
	so2_err_clear(&err);
	st = device_auth_parse(status, (const char *)data + 1, size - 1, &da, &oerr, &err);
	if (st == SO2_OK) {
		check(status == 200 && !so2_secret_empty(&da.device_code));
		check(da.user_code != NULL && da.verification_uri != NULL);
		check(!so2_has_control(da.user_code) && !so2_has_control(da.verification_uri)
		    && !so2_has_control(da.verification_uri_complete)
		    && !so2_has_control(da.message));
		check(da.expires_in > 0 && da.interval >= 1 && da.interval <= 3600);
	} else {
		check(st == SO2_ERR_TEMP || st == SO2_ERR_GRANT || st == SO2_ERR_OAUTH
		    || st == SO2_ERR_PENDING || st == SO2_ERR_SLOW_DOWN || st == SO2_ERR_NOMEM);
		check(err.status == st && err.msg[0] != '\0' && !so2_has_control(err.msg));
		check(so2_secret_empty(&da.device_code) && da.user_code == NULL
		    && da.verification_uri == NULL && da.verification_uri_complete == NULL
		    && da.message == NULL);
	}
	so2_device_auth_clear(&da);
	return 0;
}

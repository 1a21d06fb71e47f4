/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	fuzz_jwt.c - libFuzzer target for so2_jwt_read()
 * DESCRIPTION
 *	The input is an access token as the token endpoint sent it, or as
 *	a user gave it as a literal password: untrusted text whose claims
 *	doctor, inspect and the module's messages show. Besides the
 *	sanitizers' findings (UBSan: a claim time that does not fit a
 *	time_t), the target traps when a contract of jwt.h breaks:
 *	- a status other than SO2_OK, or SO2_ERR_PARAM for a token over
 *	  SO2_JWT_MAX bytes (only then), a failure without a message;
 *	- opaque or damaged not 0 or 1, damaged without opaque, an opaque
 *	  token with a claim set;
 *	- a claim not NUL-terminated in its field or holding a control
 *	  character (claim values are made printable), a negative time.
 *	See tests/fuzz/README for building and running.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/text.h"
#include "token/jwt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check - stop the fuzzer at a broken contract */
static void
check(int ok)
{
	if (!ok)
		__builtin_trap();
}

/* field_ok - NUL-terminated within size bytes and printable */
static int
field_ok(const char *buf, size_t size)
{
	return memchr(buf, '\0', size) != NULL && !so2_has_control(buf);
}

#define FIELD_OK(f) field_ok((f), sizeof(f))

/* LLVMFuzzerTestOneInput - one token */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	so2_jwt_claims c;
	so2_status st;
	so2_err err;

	memset(&c, 'X', sizeof(c));
	so2_err_clear(&err);
	st = so2_jwt_read((const char *)data, size, &c, &err);
	if (st != SO2_OK) {
		check(st == SO2_ERR_PARAM && size > SO2_JWT_MAX);
		check(err.status == st && err.msg[0] != '\0');
		return 0;
	}
	check(size <= SO2_JWT_MAX);
	check((c.opaque == 0 || c.opaque == 1) && (c.damaged == 0 || c.damaged == 1));
	check(!c.damaged || c.opaque);
	check(FIELD_OK(c.aud) && FIELD_OK(c.scp) && FIELD_OK(c.roles) && FIELD_OK(c.upn)
	    && FIELD_OK(c.tid) && FIELD_OK(c.appid) && FIELD_OK(c.idtyp) && FIELD_OK(c.iss));
	check(c.iat >= 0 && c.nbf >= 0 && c.exp >= 0);
	if (c.opaque)
		check(c.aud[0] == '\0' && c.upn[0] == '\0' && c.roles[0] == '\0'
		    && c.exp == 0);
	(void)so2_jwt_app_only(&c);
	(void)so2_jwt_audience_exchange(c.aud);
	(void)so2_jwt_audience_graph(c.aud);
	return 0;
}

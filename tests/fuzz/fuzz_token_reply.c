/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	fuzz_token_reply.c - libFuzzer target for so2_token_reply_parse()
 * DESCRIPTION
 *	The first input byte picks the HTTP status (one of the statuses a
 *	token endpoint sends, so that every branch of the classifier is
 *	reached), the rest is the reply body. A successful parse is then
 *	applied to a record with so2_record_apply_reply().
 *
 *	Besides the sanitizers' findings, the target traps when a contract
 *	of token_reply.h breaks: a failure without a message or with a status
 *	outside the documented set, a success without an access token, an
 *	error message or OAuth error field holding a control character
 *	(server text must not forge log lines), a failed parse that left
 *	members in *out, or SO2_ERR_GRANT (a new login) where neither the
 *	error code nor the AADSTS row of the table (which decides when it
 *	knows the code) says the grant is dead.
 *	See tests/fuzz/README for building and running.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "token/diagnose.h"
#include "token/record.h"
#include "token/token_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check - stop the fuzzer at a broken contract */
static void
check(int ok)
{
	if (!ok)
		__builtin_trap();
}

/* visible - 1 when s holds only visible ASCII (0x21-0x7e) */
static int
visible(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/* apply - so2_record_apply_reply() on a bare record, then release it */
static void
apply(const so2_token_reply *rep)
{
	so2_record rec;
	so2_err err;

	memset(&rec, 0, sizeof(rec));
	check(so2_record_apply_reply(&rec, rep, 1700000000, &err) == SO2_OK);
	check(rec.access_token.len == rep->access_token.len);
	check(rec.expires_at >= 1700000000);
	so2_secret_clear(&rec.access_token);
	so2_secret_clear(&rec.refresh_token);
	free(rec.token_type);
	free(rec.state);
}

/* LLVMFuzzerTestOneInput - one reply */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 400, 401, 403, 429, 500, 503, 302 };
	so2_token_reply rep;
	so2_oauth_error oerr;
	so2_err err;
	const so2_diag_row *row;
	so2_status st;
	long status;

	if (size == 0)
		return 0;
	status = statuses[data[0] % (sizeof(statuses) / sizeof(statuses[0]))];
	so2_err_clear(&err);
	st = so2_token_reply_parse(status, (const char *)data + 1, size - 1, &rep, &oerr, &err);
	check(oerr.http_status == status);
	check(!so2_has_control(oerr.error) && !so2_has_control(oerr.description)
	    && !so2_has_control(oerr.trace_id) && !so2_has_control(oerr.correlation_id)
	    && !so2_has_control(oerr.timestamp));
	if (st == SO2_OK) {
		check(status == 200 && !so2_secret_empty(&rep.access_token));
		check(rep.access_token.len == strlen(rep.access_token.data));
		check(rep.token_type != NULL && rep.expires_in >= -1);
		apply(&rep);
	} else {
		check(st == SO2_ERR_TEMP || st == SO2_ERR_GRANT || st == SO2_ERR_OAUTH
		    || st == SO2_ERR_PENDING || st == SO2_ERR_SLOW_DOWN || st == SO2_ERR_NOMEM);
		check(err.status == st && err.msg[0] != '\0' && !so2_has_control(err.msg));
		check(so2_secret_empty(&rep.access_token) && rep.token_type == NULL
		    && rep.scope == NULL);
		/* Only an unusable HTTP 200 reply leaves its rotated refresh
		 * token, visible ASCII, for the caller to keep. */
		check(so2_secret_empty(&rep.refresh_token)
		    || (st == SO2_ERR_TEMP && status == 200
			&& rep.refresh_token.len == strlen(rep.refresh_token.data)
			&& visible(rep.refresh_token.data)));
		/* A dead grant: the error code says so, or the AADSTS row of
		 * the table does (it decides when it knows the code); never
		 * for a 5xx or 429. */
		row = so2_diag_aadsts(oerr.code);
		if (st == SO2_ERR_GRANT)
			check(status < 500 && status != 429
			    && (row != NULL ? so2_diag_grant_dead(row)
				: so2_oauth_error_grant_dead(oerr.error)));
		else if (row == NULL && status < 500 && status != 429)
			check(!so2_oauth_error_grant_dead(oerr.error));
	}
	so2_token_reply_clear(&rep);
	return 0;
}

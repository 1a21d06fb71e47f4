/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	fuzz_record.c - libFuzzer target for so2_record_parse()
 * DESCRIPTION
 *	The input is a token record file. Besides the sanitizers' findings,
 *	the target traps when a contract of record.h breaks:
 *	- a failure that is not SO2_ERR_RECORD or SO2_ERR_NOMEM, that left
 *	  *out set, or whose message is empty, does not start with the
 *	  origin or holds a control character (record text must not forge
 *	  log lines: messages go to syslog and terminals);
 *	- a success with a required member empty, an unknown state, a
 *	  negative time or counter, a token whose length is not its strlen;
 *	- a parsed record that does not serialize, or whose serialization
 *	  does not parse back to the same record, field for field.
 *	See tests/fuzz/README for building and running.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "token/record.h"

#define ORIGIN "fuzz.json"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check - stop the fuzzer at a broken contract */
static void
check(int ok)
{
	if (!ok)
		__builtin_trap();
}

/* full - a required string member: set and not empty */
static int
full(const char *s)
{
	return s != NULL && *s != '\0';
}

/* str_same - both NULL or equal */
static int
str_same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* secret_ok - length and NUL agree */
static int
secret_ok(const so2_secret *s)
{
	return s->data == NULL ? s->len == 0 : strlen(s->data) == s->len;
}

/* secret_same - same bytes, all empty secrets alike */
static int
secret_same(const so2_secret *a, const so2_secret *b)
{
	if (so2_secret_empty(a) || so2_secret_empty(b))
		return so2_secret_empty(a) && so2_secret_empty(b);
	return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

/* same - every field equal */
static int
same(const so2_record *a, const so2_record *b)
{
	return str_same(a->account, b->account) && str_same(a->provider, b->provider)
	    && str_same(a->token_endpoint, b->token_endpoint)
	    && str_same(a->client_id, b->client_id) && str_same(a->client_auth, b->client_auth)
	    && str_same(a->client_secret_file, b->client_secret_file)
	    && str_same(a->grant_type, b->grant_type) && str_same(a->scope, b->scope)
	    && str_same(a->token_type, b->token_type) && str_same(a->state, b->state)
	    && str_same(a->last_error, b->last_error)
	    && secret_same(&a->access_token, &b->access_token)
	    && secret_same(&a->refresh_token, &b->refresh_token)
	    && a->expires_at == b->expires_at && a->obtained_at == b->obtained_at
	    && a->refreshed_at == b->refreshed_at && a->last_error_at == b->last_error_at
	    && a->failures == b->failures && a->retry_after == b->retry_after;
}

/* valid - the invariants of a parsed record */
static int
valid(const so2_record *r)
{
	return full(r->account) && full(r->token_endpoint) && full(r->client_id)
	    && r->state != NULL
	    && (so2_record_has_state(r, SO2_STATE_OK) || so2_record_has_state(r, SO2_STATE_STALE)
		|| so2_record_has_state(r, SO2_STATE_NEEDS_LOGIN))
	    && r->expires_at >= 0 && r->obtained_at >= 0 && r->refreshed_at >= 0
	    && r->last_error_at >= 0 && r->retry_after >= 0 && r->failures >= 0
	    && secret_ok(&r->access_token) && secret_ok(&r->refresh_token)
	    && (!so2_secret_empty(&r->access_token) || !so2_secret_empty(&r->refresh_token)
		|| so2_record_has_state(r, SO2_STATE_NEEDS_LOGIN));
}

/* LLVMFuzzerTestOneInput - one record file */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	so2_record *rec = (so2_record *)&rec, *again = NULL;
	char *json = NULL;
	size_t len = 0;
	so2_err err;
	so2_status st;

	so2_err_clear(&err);
	st = so2_record_parse(ORIGIN, (const char *)data, size, &rec, &err);
	if (st != SO2_OK) {
		check(rec == NULL);
		check(st == SO2_ERR_RECORD || st == SO2_ERR_NOMEM);
		check(err.status == st && err.msg[0] != '\0');
		check(st == SO2_ERR_NOMEM || strncmp(err.msg, ORIGIN, strlen(ORIGIN)) == 0);
		check(!so2_has_control(err.msg));
		return 0;
	}
	check(rec != NULL && valid(rec));
	(void)so2_record_needs_refresh(rec, 1700000000, 300);
	check(so2_record_serialize(rec, &json, &len, &err) == SO2_OK);
	check(json != NULL && len == strlen(json) && len > 0 && json[len - 1] == '\n');
	check(so2_record_parse(ORIGIN, json, len, &again, &err) == SO2_OK);
	check(same(rec, again));
	so2_record_free(again);
	so2_wipe_free(json, len);
	so2_record_free(rec);
	return 0;
}

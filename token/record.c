/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	record.c - token records as JSON (see record.h, sasl-oauth2-record(5))
 * DESCRIPTION
 *	so2_record_parse() reads a record written by any version of this
 *	project, or edited by hand: every member is type-checked, times
 *	must be non-negative integers, unknown members are ignored.
 *	so2_record_serialize() writes members in a fixed order with
 *	indentation, so that records diff well and stay readable.
 * DIAGNOSTICS
 *	SO2_ERR_RECORD with "PATH:LINE:COL: text" for JSON errors and
 *	"PATH: member NAME: what is wrong" for content errors.
 */
#include "config.h"

#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "token/record.h"

#include "base/buf.h"
#include "base/json.h"
#include "base/text.h"

/* so2_record_new - an empty record */
so2_record *
so2_record_new(void)
{
	so2_record *rec = calloc(1, sizeof(*rec));

	if (rec == NULL)
		return NULL;
	if ((rec->state = strdup(SO2_STATE_OK)) == NULL) {
		free(rec);
		return NULL;
	}
	return rec;
}

/* so2_record_free - wipe tokens and free */
void
so2_record_free(so2_record *rec)
{
	if (rec == NULL)
		return;
	free(rec->account);
	free(rec->provider);
	free(rec->token_endpoint);
	free(rec->client_id);
	free(rec->client_auth);
	free(rec->client_secret_file);
	free(rec->private_key_file);
	free(rec->certificate_file);
	free(rec->assertion_alg);
	free(rec->grant_type);
	free(rec->scope);
	free(rec->token_type);
	so2_secret_clear(&rec->access_token);
	so2_secret_clear(&rec->refresh_token);
	free(rec->state);
	free(rec->last_error);
	free(rec);
}

/* so2_record_set_str - replace a string member with a copy */
so2_status
so2_record_set_str(char **member, const char *value)
{
	char *copy = NULL;

	if (value != NULL && (copy = strdup(value)) == NULL)
		return SO2_ERR_NOMEM;
	free(*member);
	*member = copy;
	return SO2_OK;
}

/* so2_record_has_state - compare the state member */
int
so2_record_has_state(const so2_record *rec, const char *state)
{
	const char *s = rec->state ? rec->state : SO2_STATE_OK;

	return strcmp(s, state) == 0;
}

/* so2_record_lifetime - seconds the last access token was issued for, 0: unknown */
long
so2_record_lifetime(const so2_record *rec)
{
	if (rec->refreshed_at <= 0 || rec->expires_at <= rec->refreshed_at)
		return 0;
	return (long)(rec->expires_at - rec->refreshed_at);
}

/* so2_record_needs_refresh - must the access token be renewed before use? */
int
so2_record_needs_refresh(const so2_record *rec, time_t now, long margin)
{
	if (so2_secret_empty(&rec->access_token))
		return 1;
	if (so2_record_has_state(rec, SO2_STATE_STALE))
		return 1;
	return rec->expires_at <= now + margin;
}

/* String members: JSON name and offset in the struct. */
struct str_member {
	const char *name;
	size_t offset;
	int required;
};

#define STR(n, req) { #n, offsetof(so2_record, n), req }
static const struct str_member str_members[] = {
	STR(account, 1),
	STR(provider, 0),
	STR(token_endpoint, 1),
	STR(client_id, 1),
	STR(client_auth, 0),
	STR(client_secret_file, 0),
	STR(private_key_file, 0),
	STR(certificate_file, 0),
	STR(assertion_alg, 0),
	STR(grant_type, 0),
	STR(scope, 0),
	STR(token_type, 0),
	STR(state, 0),
	STR(last_error, 0),
};

/* Time members (seconds since the epoch) and counters. */
struct num_member {
	const char *name;
	size_t offset;
	int is_time;
	int required;
};

#define NUM(n, t, req) { #n, offsetof(so2_record, n), t, req }
static const struct num_member num_members[] = {
	NUM(expires_at, 1, 1),
	NUM(obtained_at, 1, 0),
	NUM(refreshed_at, 1, 0),
	NUM(last_error_at, 1, 0),
	NUM(retry_after, 1, 0),
	NUM(failures, 0, 0),
};

#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

/* parse_num - a non-negative integer member */
static so2_status
parse_num(json_t *root, const struct num_member *m, so2_record *rec, const char *origin,
	  so2_err *err)
{
	json_t *v = json_object_get(root, m->name);
	long x = 0;
	double d;

	if (v == NULL || json_is_null(v)) {
		if (m->required)
			return so2_err_set(err, SO2_ERR_RECORD, "%s: member %s is missing",
					   origin, m->name);
		return SO2_OK;
	}
	/* Written as integers; read also as another tool may write them:
	 * a string of digits ("1796000000") or an integral real (1.796e9). */
	if (json_is_real(v) && (d = json_real_value(v)) >= 0 && d <= (double)LONG_MAX / 2
	    && d == (double)(long)d)
		x = (long)d;
	else if (json_is_real(v) || so2_json_int_or_numeric_string(v, &x) != SO2_OK)
		return so2_err_set(err, SO2_ERR_RECORD,
				   "%s: member %s must be a non-negative integer%s", origin,
				   m->name, m->is_time ? " (seconds since the epoch)" : "");
	if (m->is_time)
		*(time_t *)((char *)rec + m->offset) = (time_t)x;
	else
		*(long *)((char *)rec + m->offset) = (long)x;
	return SO2_OK;
}

/* so2_record_parse - parse a record */
so2_status
so2_record_parse(const char *origin, const char *json, size_t len, so2_record **out,
		 so2_err *err)
{
	json_t *root = NULL, *v;
	so2_record *rec;
	so2_status result;
	size_t i;

	*out = NULL;
	if ((rec = so2_record_new()) == NULL)
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	result = so2_json_reclass(so2_json_load(origin, json, len, SO2_RECORD_MAX, &root, err),
				  SO2_ERR_RECORD, err);
	if (result != SO2_OK)
		goto out;
	v = json_object_get(root, "version");
	if (v == NULL || !json_is_integer(v)) {
		result = so2_err_set(err, SO2_ERR_RECORD,
				     "%s: member version is missing or not an integer", origin);
		goto out;
	}
	if (json_integer_value(v) != SO2_RECORD_VERSION) {
		result = so2_err_set(err, SO2_ERR_RECORD,
				     "%s: record version %lld is not supported (this program"
				     " reads version %d)", origin,
				     (long long)json_integer_value(v), SO2_RECORD_VERSION);
		goto out;
	}
	for (i = 0; i < N_ELEM(str_members); i++) {
		char **dst = (char **)((char *)rec + str_members[i].offset);

		free(*dst);
		*dst = NULL;
		result = so2_json_dup_str(root, str_members[i].name, dst, err);
		if (result == SO2_ERR_PARAM)
			result = so2_err_prefix(err, "%s", origin);
		result = so2_json_reclass(result, SO2_ERR_RECORD, err);
		if (result != SO2_OK)
			goto out;
		if (str_members[i].required && (*dst == NULL || **dst == '\0')) {
			result = so2_err_set(err, SO2_ERR_RECORD, "%s: member %s is missing or"
					     " empty", origin, str_members[i].name);
			goto out;
		}
	}
	if (rec->state == NULL && (rec->state = strdup(SO2_STATE_OK)) == NULL) {
		result = so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (!so2_record_has_state(rec, SO2_STATE_OK) && !so2_record_has_state(rec, SO2_STATE_STALE)
	    && !so2_record_has_state(rec, SO2_STATE_NEEDS_LOGIN)) {
		char shown[32];

		result = so2_err_set(err, SO2_ERR_RECORD, "%s: member state: unknown value \"%s\""
				     " (ok, stale or needs_login)", origin,
				     so2_printable(rec->state, shown, sizeof(shown)));
		goto out;
	}
	for (i = 0; i < N_ELEM(num_members); i++)
		if ((result = parse_num(root, &num_members[i], rec, origin, err)) != SO2_OK)
			goto out;
	result = so2_json_secret(root, "access_token", &rec->access_token, err);
	if (result == SO2_OK)
		result = so2_json_secret(root, "refresh_token", &rec->refresh_token, err);
	if (result == SO2_ERR_PARAM)
		so2_err_prefix(err, "%s", origin);
	if ((result = so2_json_reclass(result, SO2_ERR_RECORD, err)) != SO2_OK)
		goto out;
	if (so2_secret_empty(&rec->access_token)
	    && !so2_record_has_state(rec, SO2_STATE_NEEDS_LOGIN)
	    && so2_secret_empty(&rec->refresh_token)) {
		result = so2_err_set(err, SO2_ERR_RECORD,
				     "%s: member access_token is missing and there is no"
				     " refresh_token", origin);
		goto out;
	}
	*out = rec;
	rec = NULL;
	result = SO2_OK;
out:
	so2_json_wipe_decref(root);
	so2_record_free(rec);
	return result;
}

/* How records are written: indented, members in a fixed order. */
#define SO2_RECORD_DUMP_FLAGS	(JSON_INDENT(2) | JSON_PRESERVE_ORDER)

/* set_str - add a string member when the value is set */
static int
set_str(json_t *obj, const char *name, const char *value)
{
	if (value == NULL)
		return 0;
	return json_object_set_new(obj, name, json_string(value));
}

/* so2_record_serialize - the record as JSON text */
so2_status
so2_record_serialize(const so2_record *rec, char **out, size_t *outlen, so2_err *err)
{
	json_t *obj;
	char *text = NULL;
	int bad = 0;
	size_t i, n;
	so2_buf b;

	*out = NULL;
	*outlen = 0;
	if ((obj = json_object()) == NULL)
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	bad |= json_object_set_new(obj, "version", json_integer(SO2_RECORD_VERSION));
	for (i = 0; i < N_ELEM(str_members); i++)
		bad |= set_str(obj, str_members[i].name,
			       *(char *const *)((const char *)rec + str_members[i].offset));
	/* Empty tokens first, to measure everything else (record.h). */
	bad |= set_str(obj, "access_token", rec->access_token.data ? "" : NULL);
	bad |= set_str(obj, "refresh_token", rec->refresh_token.data ? "" : NULL);
	for (i = 0; i < N_ELEM(num_members); i++) {
		const char *p = (const char *)rec + num_members[i].offset;
		json_int_t x = num_members[i].is_time ? (json_int_t)*(const time_t *)p
						      : (json_int_t)*(const long *)p;

		if (x != 0 || num_members[i].required)
			bad |= json_object_set_new(obj, num_members[i].name, json_integer(x));
	}
	if (!bad && (n = json_dumpb(obj, NULL, 0, SO2_RECORD_DUMP_FLAGS)) + 1
	    > SO2_RECORD_META_MAX) {
		so2_json_wipe_decref(obj);
		return so2_err_set(err, SO2_ERR_RECORD, "cannot serialise the token record: its"
				   " members other than the tokens take %zu bytes, more than the"
				   " %d allowed", n + 1, SO2_RECORD_META_MAX);
	}
	bad |= set_str(obj, "access_token", rec->access_token.data);
	bad |= set_str(obj, "refresh_token", rec->refresh_token.data);
	/* jansson 2.14 may return a text with pieces missing when one of its
	 * allocations fails while dumping: a record no reader accepts, and
	 * its refresh token lost. So the text is read back and compared;
	 * once more, then "out of memory". */
	for (i = 0; !bad && i < 2; i++) {
		json_t *back = NULL;
		so2_err e;

		text = json_dumps(obj, SO2_RECORD_DUMP_FLAGS);
		if (text == NULL)
			continue;
		n = strlen(text);
		if (so2_json_load("record", text, n, n, &back, &e) == SO2_OK
		    && json_equal(back, obj)) {
			so2_json_wipe_decref(back);
			break;
		}
		so2_json_wipe_decref(back);
		so2_wipe_free(text, n);
		text = NULL;
	}
	so2_json_wipe_decref(obj);
	if (bad || text == NULL) {
		free(text);
		return so2_err_set(err, bad ? SO2_ERR_RECORD : SO2_ERR_NOMEM,
				   "cannot serialise the token record: %s",
				   bad ? "a member is not valid UTF-8 (or out of memory)"
				   : "out of memory");
	}
	/* End with a newline, like every text file, in a buffer that wipes
	 * what it moves (the JSON text holds the tokens). */
	n = strlen(text);
	so2_buf_init(&b, n + 1);
	so2_buf_add(&b, text, n);
	so2_buf_add(&b, "\n", 1);
	so2_wipe_free(text, n);
	if (so2_buf_take(&b, &text, outlen) != SO2_OK)
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	*out = text;
	return SO2_OK;
}

/* so2_record_apply_reply - store a successful reply into a record
 *	Everything is allocated first, so that on SO2_ERR_NOMEM the record
 *	is unchanged. */
so2_status
so2_record_apply_reply(so2_record *rec, const so2_token_reply *rep, time_t now,
		       so2_err *err)
{
	so2_secret access = SO2_SECRET_INIT, refresh = SO2_SECRET_INIT;
	char *token_type = NULL, *state = NULL;
	long expires_in;
	so2_status result;

	if (so2_secret_empty(&rep->access_token)) {
		result = so2_err_set(err, SO2_ERR_PARAM, "token reply without an access token");
		goto out;
	}
	if (so2_secret_set(&access, rep->access_token.data, rep->access_token.len) != SO2_OK
	    || (!so2_secret_empty(&rep->refresh_token)
		&& so2_secret_set(&refresh, rep->refresh_token.data, rep->refresh_token.len)
		!= SO2_OK)
	    || (token_type = strdup(rep->token_type ? rep->token_type : "Bearer")) == NULL
	    || (state = strdup(SO2_STATE_OK)) == NULL) {
		result = so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
		goto out;
	}
	expires_in = rep->expires_in >= 0 ? rep->expires_in : SO2_EXPIRES_IN_DEFAULT;
	if (expires_in > SO2_EXPIRES_IN_MAX)
		expires_in = SO2_EXPIRES_IN_MAX;

	so2_secret_take(&rec->access_token, &access);
	if (!so2_secret_empty(&refresh))
		so2_secret_take(&rec->refresh_token, &refresh);
	free(rec->token_type);
	rec->token_type = token_type;
	token_type = NULL;
	free(rec->state);
	rec->state = state;
	state = NULL;
	rec->expires_at = now + (time_t)expires_in;
	rec->refreshed_at = now;
	if (rec->obtained_at == 0)
		rec->obtained_at = now;
	free(rec->last_error);
	rec->last_error = NULL;
	rec->last_error_at = 0;
	rec->failures = 0;
	rec->retry_after = 0;
	result = SO2_OK;
out:
	so2_secret_clear(&access);
	so2_secret_clear(&refresh);
	free(token_type);
	free(state);
	return result;
}

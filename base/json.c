/*
 * NAME
 *	json.c - small jansson helpers (see json.h)
 * DESCRIPTION
 *	so2_json_load() scans the input once for nesting depth before
 *	handing it to jansson: jansson's own limit (2048) is a compile-time
 *	constant far above anything we accept, and a depth bomb must be
 *	refused before it costs memory.
 * DIAGNOSTICS
 *	SO2_ERR_PARAM with a message naming the origin and, where one
 *	applies, the line and column; SO2_ERR_NOMEM.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "base/json.h"

/* Most decimal digits accepted in a numeric string: 18 digits always fit
 * in a 64-bit long; the overflow check below covers a 32-bit one. */
#define SO2_JSON_DIGITS_MAX	18

/* depth_scan - find where buf nests deeper than SO2_JSON_DEPTH_MAX
 *	Returns 1 and the 1-based line and column of the offending bracket,
 *	0 when the depth is fine. Strings are skipped (with their escapes),
 *	so brackets inside them do not count; syntax is jansson's job. */
static int
depth_scan(const char *buf, size_t len, size_t *line, size_t *col)
{
	size_t i, depth = 0, ln = 1, cl = 0;
	int in_str = 0, esc = 0;

	for (i = 0; i < len; i++) {
		char c = buf[i];

		if (c == '\n') {
			ln++;
			cl = 0;
			continue;
		}
		cl++;
		if (in_str) {
			if (esc)
				esc = 0;
			else if (c == '\\')
				esc = 1;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		switch (c) {
		case '"':
			in_str = 1;
			break;
		case '[':
		case '{':
			if (++depth > SO2_JSON_DEPTH_MAX) {
				*line = ln;
				*col = cl;
				return 1;
			}
			break;
		case ']':
		case '}':
			if (depth > 0)
				depth--;
			break;
		default:
			break;
		}
	}
	return 0;
}

/* strip_near - cut jansson's " near 'TEXT'" context off a message
 *	The context is up to 20 bytes of the input, which may be part of a
 *	token: messages never show a secret, so it goes. */
static void
strip_near(char *text)
{
	char *p;

	p = strstr(text, " near '");
	if (p != NULL)
		*p = '\0';
}

/* so2_json_load - parse len bytes of buf as one JSON object, with caps */
so2_status
so2_json_load(const char *origin, const char *buf, size_t len, size_t max,
	      json_t **out, so2_err *err)
{
	return so2_json_load_opts(origin, buf, len, max, 0, out, err);
}

/* so2_json_load_opts - so2_json_load with SO2_JSON_* flags */
so2_status
so2_json_load_opts(const char *origin, const char *buf, size_t len, size_t max, int flags,
		   json_t **out, so2_err *err)
{
	json_error_t jerr;
	json_t *root = NULL;
	size_t line, col;
	so2_status result;

	*out = NULL;
	if (origin == NULL)
		origin = "JSON";
	if (len > max) {
		result = so2_err_set(err, SO2_ERR_PARAM,
		    "%s: %zu bytes, more than the limit of %zu", origin, len, max);
		goto out;
	}
	if (buf == NULL || len == 0) {
		result = so2_err_set(err, SO2_ERR_PARAM, "%s: empty, a JSON object was expected",
		    origin);
		goto out;
	}
	if (depth_scan(buf, len, &line, &col)) {
		result = so2_err_set(err, SO2_ERR_PARAM,
		    "%s:%zu:%zu: nested deeper than %d levels", origin, line, col,
		    SO2_JSON_DEPTH_MAX);
		goto out;
	}
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
#if JANSSON_VERSION_HEX >= 0x020b00
	if (root == NULL && (flags & SO2_JSON_BIG_NUMBERS) != 0
	    && json_error_code(&jerr) == json_error_numeric_overflow)
		root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL,
				  &jerr);
#endif
	if (root == NULL) {
#if JANSSON_VERSION_HEX >= 0x020b00
		if (json_error_code(&jerr) == json_error_out_of_memory) {
			result = so2_err_set(err, SO2_ERR_NOMEM, "%s: out of memory", origin);
			goto out;
		}
#endif
		strip_near(jerr.text);
		if (jerr.line > 0)
			result = so2_err_set(err, SO2_ERR_PARAM, "%s:%d:%d: %s", origin,
			    jerr.line, jerr.column, jerr.text);
		else
			result = so2_err_set(err, SO2_ERR_PARAM, "%s: %s", origin, jerr.text);
		goto out;
	}
	if (!json_is_object(root)) {
		result = so2_err_set(err, SO2_ERR_PARAM, "%s: not a JSON object", origin);
		goto out;
	}
	*out = root;
	root = NULL;
	result = SO2_OK;
out:
	so2_json_wipe_decref(root);
	return result;
}

/* so2_json_str - borrowed string member, or NULL */
const char *
so2_json_str(json_t *obj, const char *key)
{
	json_t *v;

	if (!json_is_object(obj) || key == NULL)
		return NULL;
	v = json_object_get(obj, key);
	if (!json_is_string(v))
		return NULL;
	return json_string_value(v);
}

/* member_string - the string member key, NULL when absent or null
 *	Returns SO2_ERR_PARAM when it is present with another type. */
static so2_status
member_string(json_t *obj, const char *key, json_t **v, so2_err *err)
{
	*v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
	if (*v == NULL || json_is_null(*v)) {
		*v = NULL;
		return SO2_OK;
	}
	if (!json_is_string(*v)) {
		*v = NULL;
		return so2_err_set(err, SO2_ERR_PARAM, "member %s: not a string", key);
	}
	return SO2_OK;
}

/* so2_json_dup_str - malloc'd copy of a string member */
so2_status
so2_json_dup_str(json_t *obj, const char *key, char **out, so2_err *err)
{
	json_t *v;
	so2_status result;

	*out = NULL;
	result = member_string(obj, key, &v, err);
	if (result != SO2_OK || v == NULL)
		return result;
	*out = strdup(json_string_value(v));
	if (*out == NULL)
		return so2_err_set(err, SO2_ERR_NOMEM, "member %s: out of memory", key);
	return SO2_OK;
}

/* so2_json_secret - copy a string member into a secret */
so2_status
so2_json_secret(json_t *obj, const char *key, so2_secret *out, so2_err *err)
{
	json_t *v;
	so2_status result;

	so2_secret_clear(out);
	result = member_string(obj, key, &v, err);
	if (result != SO2_OK || v == NULL)
		return result;
	if (so2_secret_set(out, json_string_value(v), json_string_length(v)) != SO2_OK)
		return so2_err_set(err, SO2_ERR_NOMEM, "member %s: out of memory", key);
	return SO2_OK;
}

/* so2_json_int_or_numeric_string - non-negative integer, number or digits */
so2_status
so2_json_int_or_numeric_string(json_t *v, long *out)
{
	const char *s;
	json_int_t n;
	long val = 0;
	size_t i, len;

	if (json_is_integer(v)) {
		n = json_integer_value(v);
		if (n < 0 || (unsigned long long)n > (unsigned long long)LONG_MAX)
			return SO2_ERR_PARAM;
		*out = (long)n;
		return SO2_OK;
	}
	if (!json_is_string(v))
		return SO2_ERR_PARAM;
	s = json_string_value(v);
	len = json_string_length(v);
	if (len == 0 || len > SO2_JSON_DIGITS_MAX)
		return SO2_ERR_PARAM;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return SO2_ERR_PARAM;
		if (val > (LONG_MAX - (s[i] - '0')) / 10)
			return SO2_ERR_PARAM;
		val = val * 10 + (s[i] - '0');
	}
	*out = val;
	return SO2_OK;
}

/* so2_json_reclass - map a helper's SO2_ERR_PARAM to the caller's status */
so2_status
so2_json_reclass(so2_status result, so2_status status, so2_err *err)
{
	if (result != SO2_ERR_PARAM)
		return result;
	if (err != NULL)
		err->status = status;
	return status;
}

/* wipe_strings - wipe the string values of a tree we alone hold */
static void
wipe_strings(json_t *v)
{
	const char *key;
	json_t *child;
	size_t i;

	if (v == NULL || v->refcount != 1)
		return;
	if (json_is_string(v)) {
		/* jansson owns this heap copy; it is freed right after. */
		OPENSSL_cleanse((char *)json_string_value(v), json_string_length(v));
	} else if (json_is_object(v)) {
		json_object_foreach(v, key, child)
			wipe_strings(child);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, child)
			wipe_strings(child);
	}
}

/* so2_json_wipe_decref - wipe string values, then drop the reference */
void
so2_json_wipe_decref(json_t *v)
{
	if (v == NULL)
		return;
	wipe_strings(v);
	json_decref(v);
}

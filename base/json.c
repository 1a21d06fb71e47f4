/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	json.c - small jansson helpers (see json.h)
 * DESCRIPTION
 *	so2_json_load() scans the input once before handing it to jansson:
 *	for nesting depth (jansson's own limit, 2048, is a compile-time
 *	constant far above anything we accept, and a depth bomb must be
 *	refused before it costs memory), and for what jansson 2.14 does
 *	wrong when an allocation fails (see SO2_JSON_TOKEN_MAX and the
 *	comment in so2_json_load): it may abort the process, drop a
 *	character, or call the failure a syntax error.
 * DIAGNOSTICS
 *	SO2_ERR_PARAM with a message naming the origin and, where one
 *	applies, the line and column; SO2_ERR_NOMEM.
 */
#include "config.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "base/json.h"
#include "base/secret.h"

/* Most decimal digits accepted in a numeric string: 18 digits always fit
 * in a 64-bit long; the overflow check below covers a 32-bit one. */
#define SO2_JSON_DIGITS_MAX	18

/*
 * Longest number or bare word handed to jansson. Its lexer (2.14) keeps
 * the token in a buffer of 16 bytes that grows as needed; when that
 * growth fails at the character ending a number or a word, the lexer
 * aborts the process (load.c lex_unget_unsave: assert(c == d)), and a
 * growth failing elsewhere silently drops the character. So no number
 * or word may need the buffer to grow: a longer number goes to jansson
 * as a string of the same characters (the readers of numbers take digit
 * strings too), a longer word is never JSON.
 */
#define SO2_JSON_TOKEN_MAX	14

/* json_scan - what so2_json_load checks before and after jansson */
struct json_scan {
	size_t line, col;		/* of the first problem */
	int too_deep, long_word;
	size_t nlong;			/* numbers longer than SO2_JSON_TOKEN_MAX */
	unsigned long long strbytes;	/* decoded bytes of every string and
					 * key (and of every long number) */
	unsigned long long intchars;	/* characters of every integer */
};

/* hex4 - the value of 4 hex digits at p (len bytes left), -1 if not */
static long
hex4(const char *p, size_t len)
{
	long v = 0;
	size_t i;

	if (len < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* string_bytes - decoded length of the string whose body starts at buf[*i]
 *	Advances *i past the closing quote (or to len). Escapes decode as
 *	jansson does: \uXXXX to 1-3 UTF-8 bytes, a surrogate pair to 4. */
static unsigned long long
string_bytes(const char *buf, size_t len, size_t *i)
{
	unsigned long long n = 0;
	long cp, lo;

	while (*i < len && buf[*i] != '"') {
		if (buf[*i] != '\\') {
			n++;
			(*i)++;
			continue;
		}
		(*i)++;
		if (*i >= len)
			break;
		if (buf[*i] != 'u') {
			n++;
			(*i)++;
			continue;
		}
		cp = hex4(buf + *i + 1, len - *i - 1);
		*i += 5;
		if (cp >= 0xD800 && cp <= 0xDBFF && *i + 1 < len && buf[*i] == '\\'
		    && buf[*i + 1] == 'u'
		    && (lo = hex4(buf + *i + 2, len - *i - 2)) >= 0xDC00 && lo <= 0xDFFF) {
			*i += 6;
			n += 4;
		} else {
			n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3;
		}
	}
	if (*i < len)
		(*i)++;		/* the closing quote */
	return n;
}

/* json_scan_run - scan buf once (strings skipped with their escapes)
 *	Finds nesting deeper than SO2_JSON_DEPTH_MAX and words longer than
 *	SO2_JSON_TOKEN_MAX (stops there, position in s->line and col),
 *	counts long numbers and what the tree jansson builds must hold.
 *	Syntax is jansson's job. */
static void
json_scan_run(const char *buf, size_t len, struct json_scan *s)
{
	size_t i = 0, depth = 0, ln = 1, lstart = 0, start, k;
	int real;

	memset(s, 0, sizeof(*s));
	while (i < len) {
		char c = buf[i];

		if (c == '\n') {
			ln++;
			lstart = ++i;
			continue;
		}
		if (c == '"') {
			i++;
			s->strbytes += string_bytes(buf, len, &i);
			continue;
		}
		if (c == '[' || c == '{') {
			if (++depth > SO2_JSON_DEPTH_MAX) {
				s->too_deep = 1;
				goto stop;
			}
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
		if (c != '-' && !(c >= '0' && c <= '9')
		    && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
			i++;
			continue;
		}
		/* a number or a word: up to the next separator */
		start = i;
		real = 0;
		while (i < len && strchr(" \t\r\n,:[]{}\"", buf[i]) == NULL) {
			if (buf[i] == '.' || buf[i] == 'e' || buf[i] == 'E')
				real = 1;
			i++;
		}
		k = i - start;
		if (c != '-' && !(c >= '0' && c <= '9')) {
			if (k > SO2_JSON_TOKEN_MAX) {
				s->long_word = 1;
				i = start;
				goto stop;
			}
		} else if (k > SO2_JSON_TOKEN_MAX) {
			s->nlong++;
			s->strbytes += k;
		} else if (!real) {
			/* "-0" is the integer 0 */
			s->intchars += k == 2 && buf[start] == '-' && buf[start + 1] == '0' ? 1 : k;
		}
	}
	return;
stop:
	s->line = ln;
	s->col = i - lstart + 1;
}

/* quote_long_numbers - a copy of buf with every long number made a string
 *	*outlen bytes; NULL when out of memory. The caller wipes and frees. */
static char *
quote_long_numbers(const char *buf, size_t len, size_t nlong, size_t *outlen)
{
	size_t i = 0, o = 0, start;
	char *out;

	if (nlong > (SIZE_MAX - len) / 2 || (out = malloc(len + 2 * nlong)) == NULL)
		return NULL;
	while (i < len) {
		char c = buf[i];

		if (c == '"') {
			start = i++;
			(void)string_bytes(buf, len, &i);
			memcpy(out + o, buf + start, i - start);
			o += i - start;
			continue;
		}
		if (c != '-' && !(c >= '0' && c <= '9')) {
			out[o++] = buf[i++];
			continue;
		}
		start = i;
		while (i < len && strchr(" \t\r\n,:[]{}\"", buf[i]) == NULL)
			i++;
		if (i - start > SO2_JSON_TOKEN_MAX)
			out[o++] = '"';
		memcpy(out + o, buf + start, i - start);
		o += i - start;
		if (i - start > SO2_JSON_TOKEN_MAX)
			out[o++] = '"';
	}
	*outlen = o;
	return out;
}

/* decimal_chars - characters of v written in decimal */
static unsigned long long
decimal_chars(json_int_t v)
{
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	unsigned long long n = v < 0 ? 2 : 1;

	while (u >= 10) {
		u /= 10;
		n++;
	}
	return n;
}

/* tree_counts - what json_scan counted, counted again in the tree */
static void
tree_counts(json_t *v, unsigned long long *strbytes, unsigned long long *intchars)
{
	const char *key;
	json_t *child;
	size_t i;

	if (json_is_string(v)) {
		*strbytes += json_string_length(v);
	} else if (json_is_integer(v)) {
		*intchars += decimal_chars(json_integer_value(v));
	} else if (json_is_object(v)) {
		json_object_foreach(v, key, child) {
			*strbytes += strlen(key);
			tree_counts(child, strbytes, intchars);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, child)
			tree_counts(child, strbytes, intchars);
	}
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
	json_error_t jerr, first;
	json_t *root = NULL;
	struct json_scan sc;
	unsigned long long strbytes, intchars;
	const char *in = buf;
	char *copy = NULL;
	size_t inlen = len, copylen = 0;
	so2_status result;
	int attempt, lost = 0;

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
	/* SO2_JSON_BIG_NUMBERS needs nothing more: a number too large for
	 * json_int_t has more than SO2_JSON_TOKEN_MAX characters, so it
	 * reaches the tree as a string (token_reply.c reads those). */
	(void)flags;
	json_scan_run(buf, len, &sc);
	if (sc.too_deep || sc.long_word) {
		result = sc.too_deep
		    ? so2_err_set(err, SO2_ERR_PARAM, "%s:%zu:%zu: nested deeper than %d levels",
				  origin, sc.line, sc.col, SO2_JSON_DEPTH_MAX)
		    : so2_err_set(err, SO2_ERR_PARAM, "%s:%zu:%zu: invalid token", origin,
				  sc.line, sc.col);
		goto out;
	}
	if (sc.nlong > 0) {
		if ((copy = quote_long_numbers(buf, len, sc.nlong, &copylen)) == NULL) {
			result = so2_err_set(err, SO2_ERR_NOMEM, "%s: out of memory", origin);
			goto out;
		}
		in = copy;
		inlen = copylen;
	}
	/*
	 * jansson reports a failed allocation as a syntax error ("invalid
	 * token", "string or '}' expected", or no text at all) or drops a
	 * character without an error. So: a tree whose strings, keys and
	 * integers do not add up to what the scan counted lost data, and a
	 * syntax error that a second parse does not repeat exactly was no
	 * syntax error; both are reported as out of memory.
	 */
	memset(&first, 0, sizeof(first));
	for (attempt = 0; attempt < 2; attempt++) {
		root = json_loadb(in, inlen, JSON_REJECT_DUPLICATES, &jerr);
		if (root == NULL) {
#if JANSSON_VERSION_HEX >= 0x020b00
			if (json_error_code(&jerr) == json_error_out_of_memory)
				lost = 1;
#endif
			if (jerr.text[0] == '\0')
				lost = 1;
			if (attempt == 1 && (jerr.line != first.line || jerr.column != first.column
					     || strcmp(jerr.text, first.text) != 0))
				lost = 1;
			first = jerr;
			continue;
		}
		strbytes = intchars = 0;
		tree_counts(root, &strbytes, &intchars);
		if (strbytes == sc.strbytes && intchars == sc.intchars)
			break;
		so2_json_wipe_decref(root);
		root = NULL;
		lost = 1;
	}
	if (root == NULL && lost) {
		result = so2_err_set(err, SO2_ERR_NOMEM, "%s: out of memory", origin);
		goto out;
	}
	if (root == NULL) {
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
	if (copy != NULL)
		so2_wipe_free(copy, copylen);
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

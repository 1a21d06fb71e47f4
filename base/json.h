/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	json.h - small jansson helpers: capped loading, typed members
 * SYNOPSIS
 *	#include "base/json.h"
 * DESCRIPTION
 *	Everything the core reads as JSON (token records, token endpoint
 *	replies, server challenges) comes from outside and is parsed through
 *	so2_json_load(), which enforces a size cap, a nesting depth cap
 *	(SO2_JSON_DEPTH_MAX), rejects duplicate keys, trailing garbage,
 *	"\u0000" in strings and any top level other than an object, and
 *	words its errors "ORIGIN:LINE:COL: text" (jansson's text without
 *	its " near '...'" excerpt of the input, which may be a token).
 *
 *	The member accessors never fail on a missing member: they report
 *	it (NULL, SO2_OK with *out NULL) and let the caller decide whether
 *	the member was required. They return SO2_ERR_PARAM when a member is
 *	present with the wrong type, so that the caller can say which.
 *
 *	Status of bad input: the helpers cannot know the caller's domain,
 *	so they return SO2_ERR_PARAM for input that is not acceptable and
 *	the caller re-classifies with so2_json_reclass() (record.c:
 *	SO2_ERR_RECORD, token_reply.c: SO2_ERR_TEMP, mechanism.c:
 *	SO2_ERR_PROTO). SO2_ERR_NOMEM is always returned as such.
 *
 *	Secrets: jansson keeps its own copies of string values. Release a
 *	tree that held tokens with so2_json_wipe_decref(), which wipes
 *	every string value before the last reference is dropped. (The
 *	parser's internal scratch buffer is freed by jansson unwiped; that
 *	is a known limit of using jansson without global allocator hooks,
 *	which a library living in other programs must not install.)
 * DIAGNOSTICS
 *	SO2_ERR_PARAM (bad input, message set), SO2_ERR_NOMEM.
 * SEE ALSO
 *	jansson documentation (json_loadb, JSON_REJECT_DUPLICATES)
 */
#ifndef SO2_JSON_UTIL_H
#define SO2_JSON_UTIL_H

#include <stddef.h>
#include <jansson.h>

#include "base/error.h"
#include "base/secret.h"

/* Deepest nesting of arrays and objects accepted (the top object is 1). */
#define SO2_JSON_DEPTH_MAX	16

/*
 * so2_json_load - parse len bytes of buf as one JSON object
 *	origin names the input in messages (a path, a URL, "challenge").
 *	Rejects len > max ("ORIGIN: N bytes, more than the limit of MAX"),
 *	nesting deeper than SO2_JSON_DEPTH_MAX, syntax errors, duplicate
 *	keys, trailing data and a top level that is not an object, all as
 *	SO2_ERR_PARAM with "ORIGIN:LINE:COL: text" (or "ORIGIN: text" when
 *	no position applies). buf need not be NUL-terminated and may be
 *	NULL when len is 0 (then: error, empty input).
 *	A number longer than 14 characters reaches the tree as a string of
 *	the same characters (jansson 2.14 can abort on such a number when
 *	memory runs out; the readers of numbers take digit strings); a bare
 *	word that long is refused ("invalid token").
 *	On SO2_OK *out is a new reference: release it with json_decref()
 *	or so2_json_wipe_decref(). On failure *out is NULL.
 *	Errors: SO2_ERR_PARAM, SO2_ERR_NOMEM (also when jansson, short of
 *	memory, reported a syntax error a second parse does not repeat, or
 *	built a tree whose strings, keys or integers differ from the input).
 */
so2_status so2_json_load(const char *origin, const char *buf, size_t len,
			 size_t max, json_t **out, so2_err *err);

/* so2_json_load_opts flags */
#define SO2_JSON_BIG_NUMBERS	1	/* an integer too large for json_int_t
					 * (2^63) does not fail the document
					 * (every number longer than 14
					 * characters reaches the tree as a
					 * string of its characters, with or
					 * without this flag) */

/*
 * so2_json_load_opts - so2_json_load with flags (SO2_JSON_*)
 *	For untrusted replies where one absurd number must not throw away
 *	the rest (a token reply carrying a rotated refresh token).
 *	Returns as so2_json_load.
 */
so2_status so2_json_load_opts(const char *origin, const char *buf, size_t len,
			      size_t max, int flags, json_t **out,
			      so2_err *err);

/*
 * so2_json_str - the string value of member key of obj, borrowed
 *	NULL when obj is not an object, the member is absent or it is not
 *	a string. The pointer lives as long as obj.
 */
const char *so2_json_str(json_t *obj, const char *key);

/*
 * so2_json_dup_str - a malloc'd copy of string member key of obj
 *	*out = NULL and SO2_OK when the member is absent or JSON null.
 *	Errors: SO2_ERR_PARAM (present but not a string; *out NULL, message
 *	"member KEY: not a string"), SO2_ERR_NOMEM. The caller frees *out.
 */
so2_status so2_json_dup_str(json_t *obj, const char *key, char **out,
			    so2_err *err);

/*
 * so2_json_secret - copy string member key of obj into a secret
 *	As so2_json_dup_str, but into *out (its old content wiped); *out is
 *	left empty when the member is absent or null.
 *	Errors: SO2_ERR_PARAM ("member KEY: not a string"), SO2_ERR_NOMEM.
 */
so2_status so2_json_secret(json_t *obj, const char *key, so2_secret *out,
			   so2_err *err);

/*
 * so2_json_int_or_numeric_string - a non-negative integer, also as text
 *	Accepts a JSON integer >= 0 (3600) or a string of 1 to 18 decimal
 *	digits and nothing else ("3600"; Microsoft v1.0 endpoints send
 *	expires_in that way). Rejects NULL, negative numbers, reals,
 *	"36x", "", " 3600", "+3600", "-1" and values above LONG_MAX.
 *	Returns SO2_OK with *out set, or SO2_ERR_PARAM (*out untouched, no
 *	message: the caller names the member).
 */
so2_status so2_json_int_or_numeric_string(json_t *v, long *out);

/*
 * so2_json_reclass - give a helper's SO2_ERR_PARAM the caller's status
 *	Returns status when result is SO2_ERR_PARAM (and sets err->status
 *	to it), result otherwise (SO2_OK and SO2_ERR_NOMEM pass through).
 *	Usage: result = so2_json_reclass(so2_json_load(...), SO2_ERR_RECORD,
 *	err);
 */
so2_status so2_json_reclass(so2_status result, so2_status status,
			    so2_err *err);

/*
 * so2_json_wipe_decref - wipe every string value in v, then json_decref
 *	For trees that held tokens or secrets. Only wipes when the caller
 *	holds the last reference to v (a shared tree is just decref'd).
 *	NULL ok.
 */
void so2_json_wipe_decref(json_t *v);

#endif

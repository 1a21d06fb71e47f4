/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	doctor_report.c - doctor's checklist: its lines, verdicts, and output
 * DESCRIPTION
 *	Every check of doctor (cmd_doctor.c, doctor_probe.c,
 *	doctor_postfix.c) adds its line here (doc_add): a level, a stable
 *	id, the text, and a fix for every warn and fail with ACCOUNT filled
 *	in. A server reply classified by diagnose.h becomes one line with
 *	doc_apply_verdict, which also marks the record stale when the reply
 *	says the token is (as the module does). The checklist is printed
 *	for people or as one JSON object. doc_provider is what the checks
 *	ask of the record they share.
 * DIAGNOSTICS
 *	Out of memory while adding: the line is dropped and d->nomem set.
 * SEE ALSO
 *	doctor.h, diagnose.h, sasl-oauth2-troubleshooting(7)
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "doctor.h"

static const char *const level_names[] = { "pass", "info", "warn", "fail", "skip" };

/* doc_add - append a check */
void
doc_add(doctor *d, doc_level level, const char *id, const char *fix, const char *fmt, ...)
{
	doc_check *c;
	va_list ap;

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 32;
		doc_check *p = realloc(d->checks, cap * sizeof(*p));

		if (p == NULL) {
			d->nomem = 1;
			return;
		}
		d->checks = p;
		d->cap = cap;
	}
	c = &d->checks[d->n++];
	c->level = level;
	so2_format(c->id, sizeof(c->id), "%s", id);
	va_start(ap, fmt);
	vsnprintf(c->text, sizeof(c->text), fmt, ap);
	va_end(ap);
	so2_format(c->fix, sizeof(c->fix), "%s", fix != NULL ? fix : "");
	so2_diag_fill(c->fix, sizeof(c->fix), "ACCOUNT", d->account);
	/* Commands in the checklist act on this run's configuration and store. */
	cli_fill_globals(c->fix, sizeof(c->fix));
	cli_fill_globals(c->text, sizeof(c->text));
}

/* line_lengths - for a "line too long" verdict: how long this account's AUTH
 *	line is (RFC 4954 section 4: a client must not send an initial
 *	response that makes the AUTH command exceed the 512-octet line of
 *	RFC 5321 4.5.3.1.4, but send it after an empty 334); "" otherwise */
static const char *
line_lengths(const doctor *d, const so2_diag_verdict *v, char *buf, size_t size)
{
	size_t raw, b64;

	buf[0] = '\0';
	if (strncmp(v->id, "smtp-line-too-long", 18) != 0 || so2_secret_empty(&d->token))
		return buf;
	/* XOAUTH2: "user=" U ^A "auth=Bearer " T ^A ^A, base64 */
	raw = 5 + strlen(d->sasl_user) + 1 + 12 + d->token.len + 2;
	b64 = (raw + 2) / 3 * 4;
	so2_format(buf, size, "; with this account's token the response is %zu base64 bytes, "
		   "so \"AUTH XOAUTH2 <response>\" is %zu bytes: %s", b64, b64 + 15,
		   b64 + 15 > 512 ? "too long for one line; it must follow an empty 334"
		   : "within 512, so the server's own limit is lower");
	return buf;
}

/* doc_apply_verdict - one checklist line for a classified reply; act on the record */
void
doc_apply_verdict(doctor *d, const char *id, const char *what, const char *reply,
		  const so2_diag_verdict *v)
{
	doc_level level = v->action == SO2_DIAG_SUCCESS ? DOC_PASS
	    : v->action == SO2_DIAG_RETRY ? DOC_WARN : DOC_FAIL;
	char fix[DOC_TEXT_MAX], lengths[300];
	const char *effect = "";
	so2_err err;

	so2_format(fix, sizeof(fix), "%s", v->fix);
	so2_diag_fill(fix, sizeof(fix), "MAILBOX", d->sasl_user);
	if (v->action == SO2_DIAG_REFRESH && d->rec != NULL && d->cache != NULL) {
		so2_err_clear(&err);
		unsigned char digest[SO2_TOKEN_DIGEST_LEN];
		int marked = 0;

		effect = so2_token_digest(&d->token, digest) == SO2_OK
		    && so2_cache_mark_stale(d->cache, d->account, digest, v->cause, &marked,
					    &err) == SO2_OK
		    ? (marked ? " [the record is marked: the next use refreshes the token]"
		       : " [the record already holds a newer token]")
		    : " [the record could not be marked stale]";
	} else if (v->action == SO2_DIAG_KEEP) {
		effect = " [nothing refreshed or invalidated]";
	}
	if (level == DOC_PASS)
		doc_add(d, level, id, NULL, "%s: %s", what, reply);
	else
		doc_add(d, level, id, fix, "%s: %s => %s%s (%s: %s)%s", what, reply, v->cause,
			line_lengths(d, v, lengths, sizeof(lengths)), v->id,
			so2_diag_action_name(v->action), effect);
}

/* doc_print_text - the checklist for people */
void
doc_print_text(const doctor *d, int nfail, int nwarn, int npass)
{
	size_t i;

	printf("sasl-oauth2 doctor %s (runtime user %s, user= %s)\n", d->account, d->run_user,
	       d->sasl_user);
	for (i = 0; i < d->n; i++) {
		printf("[%s] %s\n", level_names[d->checks[i].level], d->checks[i].text);
		if (d->checks[i].fix[0] != '\0')
			printf("       fix: %s\n", d->checks[i].fix);
	}
	printf("%d passed, %d warning%s, %d failed\n", npass, nwarn, nwarn == 1 ? "" : "s",
	       nfail);
}

/* doc_print_json - the checklist as data */
int
doc_print_json(const doctor *d, int nfail, int nwarn, int npass)
{
	json_t *root, *arr, *o;
	size_t i;
	int r;

	root = json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:b}", "account", d->account,
			 "runtime_user", d->run_user, "sasl_user", d->sasl_user, "passed", npass,
			 "warnings", nwarn, "failed", nfail, "ok", nfail == 0);
	arr = json_array();
	if (root == NULL || arr == NULL) {
		json_decref(root);
		json_decref(arr);
		return -1;
	}
	for (i = 0; i < d->n; i++) {
		o = json_pack("{s:s, s:s, s:s}", "id", d->checks[i].id, "status",
			      level_names[d->checks[i].level], "text", d->checks[i].text);
		if (o != NULL && d->checks[i].fix[0] != '\0')
			json_object_set_new(o, "fix", json_string(d->checks[i].fix));
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			json_decref(arr);
			json_decref(root);
			return -1;
		}
	}
	json_object_set_new(root, "checks", arr);
	r = json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(root);
	return r;
}

/* doc_provider - the record's provider, NULL when unknown */
const char *
doc_provider(const doctor *d)
{
	return d->rec != NULL ? d->rec->provider : NULL;
}

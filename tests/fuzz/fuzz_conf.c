/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	fuzz_conf.c - libFuzzer target for so2_config_parse()
 * DESCRIPTION
 *	The input is a configuration file (sasl-oauth2.conf(5)): read by
 *	every mail program that loads the module, written by an
 *	administrator or a package. Besides the sanitizers' findings, the
 *	target traps when a contract of conf.h breaks:
 *	- a failure other than SO2_ERR_CONFIG or SO2_ERR_NOMEM, that left
 *	  *out set, without a message, whose SO2_ERR_CONFIG message does
 *	  not name the file first, or with a control character in the
 *	  message (file text must not forge log lines);
 *	- a success on input over SO2_CONF_MAX_SIZE, without store_dir, with
 *	  a number outside the range sasl-oauth2.conf(5) gives, a path that
 *	  is not absolute, a URL that is not https:// or holds a blank, a
 *	  provider, cloud or assertion_alg outside their words, a value with
 *	  a control character other than a tab, a section name that is
 *	  empty, too long or repeated, or a profile that
 *	  so2_config_profile() does not find.
 *	See tests/fuzz/README for building and running.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "base/text.h"
#include "token/conf.h"

#define NAME "fuzz.conf"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check - stop the fuzzer at a broken contract */
static void
check(int ok)
{
	if (!ok)
		__builtin_trap();
}

/* value_ok - NULL, or a value without control characters but tabs */
static int
value_ok(const char *s)
{
	if (s == NULL)
		return 1;
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return 0;
	return 1;
}

/* path_ok - NULL, or an absolute path */
static int
path_ok(const char *s)
{
	return s == NULL || (s[0] == '/' && value_ok(s));
}

/* url_ok - NULL, or https:// and more, without blanks */
static int
url_ok(const char *s)
{
	return s == NULL || (strlen(s) > 8 && strncasecmp(s, "https://", 8) == 0
			     && strpbrk(s, " \t") == NULL && value_ok(s));
}

/* word_ok - NULL, or one of the words (a NULL-terminated list) */
static int
word_ok(const char *s, const char *const *words)
{
	if (s == NULL)
		return 1;
	for (; *words != NULL; words++)
		if (strcmp(s, *words) == 0)
			return 1;
	return 0;
}

/* in - lo <= v <= hi */
static int
in(long v, long lo, long hi)
{
	return v >= lo && v <= hi;
}

/* profile_ok - one parsed [NAME] section */
static void
profile_ok(const so2_config *conf, const so2_profile *pr)
{
	static const char *const providers[] = { "microsoft", "google", "generic", NULL };
	static const char *const clouds[] = { "global", "usgov", "dod", "china", NULL };
	static const char *const algs[] = { "PS256", "RS256", NULL };
	const so2_profile *other;
	size_t n;

	check(pr->name != NULL);
	n = strlen(pr->name);
	check(n > 0 && n <= 64 && strspn(pr->name, "abcdefghijklmnopqrstuvwxyz"
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.@+") == n);
	check(pr->line > 0);
	check(so2_config_profile(conf, pr->name) == pr);
	for (other = pr->next; other != NULL; other = other->next)
		check(strcmp(other->name, pr->name) != 0);
	check(pr->provider != NULL && word_ok(pr->provider, providers));
	check(word_ok(pr->cloud, clouds) && word_ok(pr->assertion_alg, algs));
	check(url_ok(pr->authority) && url_ok(pr->token_endpoint)
	    && url_ok(pr->device_authorization_endpoint)
	    && url_ok(pr->authorization_endpoint));
	check(path_ok(pr->private_key_file) && path_ok(pr->certificate_file));
	check(value_ok(pr->client_id) && value_ok(pr->tenant) && value_ok(pr->scope)
	    && value_ok(pr->client_secret_file));
}

/* LLVMFuzzerTestOneInput - one configuration file */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	so2_config *conf = (so2_config *)1;
	const so2_profile *pr;
	so2_status st;
	so2_err err;

	so2_err_clear(&err);
	st = so2_config_parse(NAME, (const char *)data, size, &conf, &err);
	if (st != SO2_OK) {
		check(st == SO2_ERR_CONFIG || st == SO2_ERR_NOMEM);
		check(conf == NULL);
		check(err.status == st && err.msg[0] != '\0' && !so2_has_control(err.msg));
		check(st != SO2_ERR_CONFIG || strncmp(err.msg, NAME ":", strlen(NAME) + 1) == 0);
		return 0;
	}
	check(conf != NULL && size <= SO2_CONF_MAX_SIZE);
	check(conf->path != NULL && strcmp(conf->path, NAME) == 0);
	check(conf->store_dir != NULL && path_ok(conf->store_dir));
	check(path_ok(conf->ca_file) && value_ok(conf->proxy));
	check(in(conf->refresh_margin, 0, 86400) && in(conf->connect_timeout, 1, 600)
	    && in(conf->http_timeout, 1, 600) && in(conf->lock_timeout, 1, 600)
	    && in(conf->backoff_min, 0, 86400) && in(conf->backoff_max, 1, 86400)
	    && in(conf->max_reply, 1024, 16L * 1024 * 1024));
	for (pr = conf->profiles; pr != NULL; pr = pr->next)
		profile_ok(conf, pr);
	so2_config_free(conf);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	conf.c - read the sasl-oauth2 configuration file (see conf.h)
 * DESCRIPTION
 *	The file is a list of lines:
 *
 *		# a comment (whole lines only: values may contain "#")
 *		key = value
 *		[NAME]
 *
 *	Blank space around keys, "=" and values is ignored; a CR before
 *	the LF is tolerated. Keys before the first section are global,
 *	keys after a "[NAME]" header belong to that provider profile.
 *
 *	Everything in the file is checked where it is read: unknown keys,
 *	keys in the wrong part of the file, duplicate keys and sections,
 *	numbers out of range, NUL and control bytes, over-long lines and
 *	files. Each error names the file, the line and the (byte) column
 *	so that a typo in a file read by a mail system at start-up is
 *	found without guessing.
 * DIAGNOSTICS
 *	SO2_ERR_CONFIG "FILE:LINE:COL: what is wrong" or "FILE: why it
 *	could not be read"; SO2_ERR_NOMEM.
 * SEE ALSO
 *	sasl-oauth2.conf(5)
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "token/conf.h"
#include "token/token_reply.h"

#include "base/file.h"
#include "base/secret.h"
#include "base/text.h"

#ifndef SO2_CONF_PATH
#define SO2_CONF_PATH "/etc/sasl-oauth2.conf"
#endif
#ifndef SO2_STORE_DIR
#define SO2_STORE_DIR "/var/lib/sasl-oauth2"
#endif

#define CONF_LINE_MAX	4096	/* bytes in one line, without the newline */
#define CONF_NAME_MAX	64	/* bytes in a section name */
#define QUOTE_MAX	64	/* bytes of a wrong value quoted in a message */

/* Ranges of the numeric keys. */
#define MARGIN_MIN	0
#define MARGIN_MAX	86400		/* seconds: one day */
#define TIMEOUT_MIN	1
#define TIMEOUT_MAX	600		/* seconds */
#define REPLY_MIN	1024		/* bytes */
#define REPLY_MAX	SO2_TOKEN_REPLY_MAX	/* every reply accepted can be
					 * parsed and stored (record.h) */

/* What a key's value is. */
enum conf_kind {
	KIND_STR,		/* any text */
	KIND_STR_EMPTY,		/* any text, "" allowed (it means "none") */
	KIND_PATH,		/* an absolute path */
	KIND_URL,		/* an https:// URL */
	KIND_NUM,		/* a whole number within [min, max] */
	KIND_WORD		/* one of words[] */
};

/* Where a key may appear. */
enum conf_part {
	PART_GLOBAL,		/* before the first section */
	PART_PROFILE		/* inside a [NAME] section */
};

static const char *const provider_words[] = {
	"microsoft", "google", "generic", NULL
};
static const char *const alg_words[] = {
	"PS256", "RS256", NULL
};
static const char *const cloud_words[] = {
	"global", "usgov", "dod", "china", NULL
};

/* conf_key - one known key: where it lives in the structures */
struct conf_key {
	const char *name;
	enum conf_part part;
	enum conf_kind kind;
	size_t offset;		/* in so2_config or so2_profile */
	long min, max;		/* KIND_NUM */
	const char *unit;	/* KIND_NUM: the unit; KIND_WORD: the
				 * words as a phrase (for messages) */
	const char *const *words;	/* KIND_WORD */
};

#define GSTR(n, k) { #n, PART_GLOBAL, k, offsetof(so2_config, n), 0, 0, NULL, NULL }
#define GNUM(n, lo, hi, u) \
	{ #n, PART_GLOBAL, KIND_NUM, offsetof(so2_config, n), lo, hi, u, NULL }
#define PSTR(n, k) { #n, PART_PROFILE, k, offsetof(so2_profile, n), 0, 0, NULL, NULL }
#define PWORD(n, w, text) \
	{ #n, PART_PROFILE, KIND_WORD, offsetof(so2_profile, n), 0, 0, text, w }

static const struct conf_key conf_keys[] = {
	GSTR(store_dir, KIND_PATH),
	GSTR(ca_file, KIND_PATH),
	GSTR(proxy, KIND_STR),
	GNUM(refresh_margin, MARGIN_MIN, MARGIN_MAX, "seconds"),
	GNUM(connect_timeout, TIMEOUT_MIN, TIMEOUT_MAX, "seconds"),
	GNUM(http_timeout, TIMEOUT_MIN, TIMEOUT_MAX, "seconds"),
	GNUM(lock_timeout, TIMEOUT_MIN, TIMEOUT_MAX, "seconds"),
	GNUM(backoff_min, 0, MARGIN_MAX, "seconds"),
	GNUM(backoff_max, 1, MARGIN_MAX, "seconds"),
	GNUM(max_reply, REPLY_MIN, REPLY_MAX, "bytes"),
	PWORD(provider, provider_words, "microsoft, google or generic"),
	PSTR(client_id, KIND_STR),
	PSTR(tenant, KIND_STR),
	PWORD(cloud, cloud_words, "global, usgov, dod or china"),
	PSTR(authority, KIND_URL),
	PSTR(token_endpoint, KIND_URL),
	PSTR(device_authorization_endpoint, KIND_URL),
	PSTR(authorization_endpoint, KIND_URL),
	PSTR(scope, KIND_STR),
	PSTR(client_secret_file, KIND_STR_EMPTY),	/* "" = public client */
	PSTR(private_key_file, KIND_PATH),
	PSTR(certificate_file, KIND_PATH),
	PWORD(assertion_alg, alg_words, "PS256 or RS256"),
};

#define N_KEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))

/* conf_parser - state while parsing one text */
struct conf_parser {
	const char *name;	/* for messages */
	so2_config *conf;
	so2_profile *cur;	/* NULL: the global part */
	so2_profile **tail;	/* where the next profile is linked */
	int cur_col;		/* column of the current section's name */
	int seen[N_KEYS];	/* line where each key was set in the
				 * current part, 0 when not yet */
	so2_err *err;
};

/* conf_error - set a "NAME:LINE:COL: message" error */
static so2_status
conf_error(struct conf_parser *p, int line, int col, const char *what)
{
	return so2_err_set(p->err, SO2_ERR_CONFIG, "%s:%d:%d: %s",
			   p->name, line, col, what);
}

/* conf_strndup - a NUL-terminated copy of n bytes; NULL on ENOMEM */
static char *
conf_strndup(const char *s, size_t n)
{
	char *copy;

	copy = malloc(n + 1);
	if (copy == NULL)
		return NULL;
	memcpy(copy, s, n);
	copy[n] = '\0';
	return copy;
}

/* conf_set_str - replace *member with a copy of s; 0 or -1 (ENOMEM) */
static int
conf_set_str(char **member, const char *s, size_t n)
{
	char *copy;

	copy = conf_strndup(s, n);
	if (copy == NULL)
		return -1;
	free(*member);
	*member = copy;
	return 0;
}

/* profile_free - free one profile */
static void
profile_free(so2_profile *pr)
{
	if (pr == NULL)
		return;
	free(pr->name);
	free(pr->provider);
	free(pr->client_id);
	free(pr->tenant);
	free(pr->cloud);
	free(pr->authority);
	free(pr->token_endpoint);
	free(pr->device_authorization_endpoint);
	free(pr->authorization_endpoint);
	free(pr->scope);
	free(pr->client_secret_file);
	free(pr->private_key_file);
	free(pr->certificate_file);
	free(pr->assertion_alg);
	free(pr);
}

/* so2_config_free - free everything; NULL ok */
void
so2_config_free(so2_config *conf)
{
	so2_profile *pr, *next;

	if (conf == NULL)
		return;
	for (pr = conf->profiles; pr != NULL; pr = next) {
		next = pr->next;
		profile_free(pr);
	}
	free(conf->path);
	free(conf->store_dir);
	free(conf->ca_file);
	free(conf->proxy);
	free(conf);
}

/* so2_config_defaults - a config holding only the defaults */
so2_config *
so2_config_defaults(void)
{
	so2_config *conf;

	conf = calloc(1, sizeof(*conf));
	if (conf == NULL)
		return NULL;
	conf->store_dir = strdup(SO2_STORE_DIR);
	if (conf->store_dir == NULL) {
		free(conf);
		return NULL;
	}
	conf->refresh_margin = SO2_DEFAULT_REFRESH_MARGIN;
	conf->connect_timeout = SO2_DEFAULT_CONNECT_TIMEOUT;
	conf->http_timeout = SO2_DEFAULT_HTTP_TIMEOUT;
	conf->lock_timeout = SO2_DEFAULT_LOCK_TIMEOUT;
	conf->backoff_min = SO2_DEFAULT_BACKOFF_MIN;
	conf->backoff_max = SO2_DEFAULT_BACKOFF_MAX;
	conf->max_reply = SO2_DEFAULT_MAX_REPLY;
	return conf;
}

/* so2_config_profile - the profile named name, or NULL */
const so2_profile *
so2_config_profile(const so2_config *conf, const char *name)
{
	const so2_profile *pr;

	if (conf == NULL || name == NULL)
		return NULL;
	for (pr = conf->profiles; pr != NULL; pr = pr->next)
		if (strcmp(pr->name, name) == 0)
			return pr;
	return NULL;
}

/* user_dir - $VAR when it is absolute, else $HOME/FALLBACK, then "/" SUB
 *	(XDG Base Directory Specification 0.8: relative values are ignored);
 *	0, or -1 without a home or when it does not fit in size bytes */
static int
user_dir(const char *var, const char *fallback, const char *sub, char *buf,
	 size_t size)
{
	const char *v, *home;
	int n;

	v = getenv(var);
	if (v != NULL && v[0] == '/')
		n = snprintf(buf, size, "%s/%s", v, sub);
	else if ((home = getenv("HOME")) != NULL && home[0] == '/')
		n = snprintf(buf, size, "%s/%s/%s", home, fallback, sub);
	else
		return -1;
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* so2_config_user_path - the per-user file, whether or not it exists */
int
so2_config_user_path(char *buf, size_t size)
{
	return user_dir("XDG_CONFIG_HOME", ".config", "sasl-oauth2/sasl-oauth2.conf",
			buf, size);
}

/* so2_config_user_store - the per-user store directory */
int
so2_config_user_store(char *buf, size_t size)
{
	return user_dir("XDG_STATE_HOME", ".local/state", "sasl-oauth2", buf, size);
}

/* so2_config_default_path - $SASL_OAUTH2_CONF, the user's file, else built-in */
const char *
so2_config_default_path(void)
{
	static _Thread_local char user[PATH_MAX];
	const char *env;

	/* A set-id program must not read a file its caller names: the
	 * file names the CA bundle and the store it would write to. */
	if (getuid() == geteuid() && getgid() == getegid()) {
		env = getenv("SASL_OAUTH2_CONF");
		if (env != NULL && *env != '\0')
			return env;
		if (so2_config_user_path(user, sizeof(user)) == 0 &&
		    access(user, F_OK) == 0)
			return user;
	}
	return SO2_CONF_PATH;
}

/* is_blank - space or tab */
static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* is_key_char - a byte that may appear in a key */
static int
is_key_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

/* is_name_char - a byte that may appear in a section name */
static int
is_name_char(int c)
{
	return is_key_char(c) || c == '@' || c == '+';
}

/* word_index - index of the n bytes s in words, or -1 */
static int
word_index(const char *const *words, const char *s, size_t n)
{
	int i;

	for (i = 0; words[i] != NULL; i++)
		if (strlen(words[i]) == n && memcmp(words[i], s, n) == 0)
			return i;
	return -1;
}

/* finish_section - check the section just ended; default its provider */
static so2_status
finish_section(struct conf_parser *p)
{
	so2_profile *pr = p->cur;

	if (pr == NULL || pr->provider != NULL)
		return SO2_OK;
	if (word_index(provider_words, pr->name, strlen(pr->name)) < 0)
		return so2_err_set(p->err, SO2_ERR_CONFIG,
				   "%s:%d:%d: section [%s] needs a provider line: "
				   "provider = microsoft, google or generic",
				   p->name, pr->line, p->cur_col, pr->name);
	pr->provider = strdup(pr->name);
	if (pr->provider == NULL)
		return so2_err_set(p->err, SO2_ERR_NOMEM, "out of memory");
	return SO2_OK;
}

/* parse_section - a "[NAME]" line; s points at "[", col is its column */
static so2_status
parse_section(struct conf_parser *p, int line, const char *s, size_t n,
	      int col)
{
	const so2_profile *old;
	so2_profile *pr;
	size_t i, start, end;
	so2_status result;

	i = 1;
	while (i < n && is_blank(s[i]))
		i++;
	start = i;
	while (i < n && is_name_char((unsigned char)s[i]))
		i++;
	end = i;
	while (i < n && is_blank(s[i]))
		i++;
	if (i >= n)
		return conf_error(p, line, col + (int)i,
				  "missing ']' at the end of the section header");
	if (s[i] != ']')
		return conf_error(p, line, col + (int)i,
				  "a section name may hold letters, digits and "
				  "\"_-.@+\" only");
	if (end == start)
		return conf_error(p, line, col + (int)start,
				  "empty section name");
	if (end - start > CONF_NAME_MAX)
		return conf_error(p, line, col + (int)start,
				  "section name too long");
	for (i++; i < n; i++)
		if (!is_blank(s[i]))
			return conf_error(p, line, col + (int)i,
					  "unexpected text after ']' (comments "
					  "take a whole line)");

	result = finish_section(p);
	if (result != SO2_OK)
		return result;
	for (old = p->conf->profiles; old != NULL; old = old->next)
		if (strlen(old->name) == end - start &&
		    memcmp(old->name, s + start, end - start) == 0)
			return so2_err_set(p->err, SO2_ERR_CONFIG,
					   "%s:%d:%d: duplicate section [%s] "
					   "(first at line %d)", p->name, line,
					   col + (int)start, old->name, old->line);

	pr = calloc(1, sizeof(*pr));
	if (pr == NULL)
		return so2_err_set(p->err, SO2_ERR_NOMEM, "out of memory");
	pr->name = conf_strndup(s + start, end - start);
	if (pr->name == NULL) {
		free(pr);
		return so2_err_set(p->err, SO2_ERR_NOMEM, "out of memory");
	}
	pr->line = line;
	*p->tail = pr;
	p->tail = &pr->next;
	p->cur = pr;
	p->cur_col = col + (int)start;
	memset(p->seen, 0, sizeof(p->seen));
	return SO2_OK;
}

/* find_key - the known key spelled by n bytes of s, or NULL */
static const struct conf_key *
find_key(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < N_KEYS; i++)
		if (strlen(conf_keys[i].name) == n &&
		    memcmp(conf_keys[i].name, s, n) == 0)
			return &conf_keys[i];
	return NULL;
}

/* same_key - 1 when the n bytes of s spell name but for case and "-" */
static int
same_key(const char *name, const char *s, size_t n)
{
	size_t i;

	if (strlen(name) != n)
		return 0;
	for (i = 0; i < n; i++) {
		int c = s[i] == '-' ? '_' : s[i];

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c != name[i])
			return 0;
	}
	return 1;
}

/* unknown_key - the error for a key that is not known */
static so2_status
unknown_key(struct conf_parser *p, int line, int col, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < N_KEYS; i++)
		if (same_key(conf_keys[i].name, s, n))
			return so2_err_set(p->err, SO2_ERR_CONFIG,
					   "%s:%d:%d: unknown key \"%.*s\"; did you "
					   "mean %s?", p->name, line, col, (int)n, s,
					   conf_keys[i].name);
	return so2_err_set(p->err, SO2_ERR_CONFIG,
			   "%s:%d:%d: unknown key \"%.*s\"", p->name, line, col,
			   (int)n, s);
}

/* quote - at most QUOTE_MAX bytes of a value for a message, printable: a
 *	line may hold tabs, a message none (base/text.h); returns buf */
static const char *
quote(const char *s, size_t n, char *buf, size_t size)
{
	return so2_printable_line(s, n > QUOTE_MAX ? QUOTE_MAX : n, buf, size);
}

/* set_number - a KIND_NUM value */
static so2_status
set_number(struct conf_parser *p, const struct conf_key *k, int line, int col,
	   const char *s, size_t n, long *member)
{
	char buf[32], show[QUOTE_MAX + 1];
	char *end;
	long v;
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			break;
	if (i < n || n >= sizeof(buf))
		goto bad;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno != 0 || *end != '\0' || v < k->min || v > k->max)
		goto bad;
	*member = v;
	return SO2_OK;

bad:
	return so2_err_set(p->err, SO2_ERR_CONFIG,
			   "%s:%d:%d: %s must be a whole number from %ld to %ld "
			   "(%s), not \"%s\"", p->name, line, col, k->name,
			   k->min, k->max, k->unit, quote(s, n, show, sizeof(show)));
}

/* check_value - the value fits the key's kind; col is the value's column */
static so2_status
check_value(struct conf_parser *p, const struct conf_key *k, int line, int col,
	    const char *s, size_t n)
{
	char show[QUOTE_MAX + 1];
	size_t i;

	switch (k->kind) {
	case KIND_PATH:
		if (s[0] != '/')
			return so2_err_set(p->err, SO2_ERR_CONFIG,
					   "%s:%d:%d: %s must be an absolute path "
					   "(starting with /)", p->name, line, col,
					   k->name);
		break;
	case KIND_URL:
		if (n <= 8 || strncasecmp(s, "https://", 8) != 0)
			return so2_err_set(p->err, SO2_ERR_CONFIG,
					   "%s:%d:%d: %s must be an https:// URL",
					   p->name, line, col, k->name);
		for (i = 0; i < n; i++)
			if (is_blank(s[i]))
				return conf_error(p, line, col + (int)i,
						  "a URL may not contain blanks");
		break;
	case KIND_WORD:
		if (word_index(k->words, s, n) < 0)
			return so2_err_set(p->err, SO2_ERR_CONFIG,
					   "%s:%d:%d: %s must be %s, not \"%s\"",
					   p->name, line, col, k->name, k->unit,
					   quote(s, n, show, sizeof(show)));
		break;
	case KIND_STR:
	case KIND_STR_EMPTY:
	case KIND_NUM:
		break;
	}
	return SO2_OK;
}

/* parse_setting - a "key = value" line; s points at the key */
static so2_status
parse_setting(struct conf_parser *p, int line, const char *s, size_t n,
	      int col)
{
	const struct conf_key *k;
	size_t i, klen, vstart, vend;
	so2_status result;
	char *base;

	for (i = 0; i < n && is_key_char((unsigned char)s[i]); i++)
		;
	klen = i;
	if (klen == 0)
		return conf_error(p, line, col,
				  "expected \"key = value\", \"[NAME]\" or a "
				  "\"#\" comment");
	while (i < n && is_blank(s[i]))
		i++;
	if (i >= n || s[i] != '=')
		return so2_err_set(p->err, SO2_ERR_CONFIG,
				   "%s:%d:%d: expected \"=\" after \"%.*s\"",
				   p->name, line, col + (int)i, (int)klen, s);
	for (i++; i < n && is_blank(s[i]); i++)
		;
	vstart = i;
	vend = n;
	while (vend > vstart && is_blank(s[vend - 1]))
		vend--;

	k = find_key(s, klen);
	if (k == NULL)
		return unknown_key(p, line, col, s, klen);
	if (k->part == PART_GLOBAL && p->cur != NULL)
		return so2_err_set(p->err, SO2_ERR_CONFIG,
				   "%s:%d:%d: %s is a global key: put it above "
				   "the first [section] (it is inside [%s])",
				   p->name, line, col, k->name, p->cur->name);
	if (k->part == PART_PROFILE && p->cur == NULL)
		return so2_err_set(p->err, SO2_ERR_CONFIG,
				   "%s:%d:%d: %s belongs to a provider profile: "
				   "put it below a section header such as "
				   "[microsoft]", p->name, line, col, k->name);
	if (p->seen[k - conf_keys] != 0)
		return so2_err_set(p->err, SO2_ERR_CONFIG,
				   "%s:%d:%d: duplicate key %s (first set at "
				   "line %d)", p->name, line, col, k->name,
				   p->seen[k - conf_keys]);
	if (vend == vstart && k->kind != KIND_STR_EMPTY)
		return so2_err_set(p->err, SO2_ERR_CONFIG,
				   "%s:%d:%d: missing value for %s", p->name,
				   line, col + (int)vstart, k->name);

	result = check_value(p, k, line, col + (int)vstart, s + vstart,
			     vend - vstart);
	if (result != SO2_OK)
		return result;
	base = k->part == PART_GLOBAL ? (char *)p->conf : (char *)p->cur;
	if (k->kind == KIND_NUM) {
		result = set_number(p, k, line, col + (int)vstart, s + vstart,
				    vend - vstart, (long *)(base + k->offset));
		if (result != SO2_OK)
			return result;
	} else if (conf_set_str((char **)(base + k->offset), s + vstart,
				vend - vstart) != 0) {
		return so2_err_set(p->err, SO2_ERR_NOMEM, "out of memory");
	}
	p->seen[k - conf_keys] = line;
	if (k->part == PART_GLOBAL && k->offset == offsetof(so2_config, store_dir))
		p->conf->store_dir_set = 1;
	return SO2_OK;
}

/* parse_line - one line of n bytes, without its line end */
static so2_status
parse_line(struct conf_parser *p, int line, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return so2_err_set(p->err, SO2_ERR_CONFIG,
					   "%s:%d:%zu: control character 0x%02x",
					   p->name, line, i + 1, c);
	}
	for (i = 0; i < n && is_blank(s[i]); i++)
		;
	if (i == n || s[i] == '#')
		return SO2_OK;
	if (s[i] == '[')
		return parse_section(p, line, s + i, n - i, (int)i + 1);
	return parse_setting(p, line, s + i, n - i, (int)i + 1);
}

/* nul_position - line and column of the first NUL byte of text */
static void
nul_position(const char *text, size_t at, int *line, int *col)
{
	size_t i, start = 0;

	*line = 1;
	for (i = 0; i < at; i++)
		if (text[i] == '\n') {
			(*line)++;
			start = i + 1;
		}
	*col = (int)(at - start) + 1;
}

/* so2_config_parse - parse text already in memory */
so2_status
so2_config_parse(const char *name, const char *text, size_t len,
		 so2_config **out, so2_err *err)
{
	struct conf_parser p;
	const char *nul, *s, *nl;
	size_t n, off;
	int line, col;
	so2_status result;

	*out = NULL;
	memset(&p, 0, sizeof(p));
	p.name = name != NULL ? name : "(configuration)";
	p.err = err;
	if (len > SO2_CONF_MAX_SIZE)
		return so2_err_set(err, SO2_ERR_CONFIG,
				   "%s: larger than %d bytes", p.name,
				   SO2_CONF_MAX_SIZE);
	/* A UTF-8 byte order mark, as some editors write, is no key. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
	}
	if (len > 0 && (nul = memchr(text, '\0', len)) != NULL) {
		nul_position(text, (size_t)(nul - text), &line, &col);
		return so2_err_set(err, SO2_ERR_CONFIG,
				   "%s:%d:%d: NUL byte (not a text file?)",
				   p.name, line, col);
	}
	p.conf = so2_config_defaults();
	if (p.conf == NULL)
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	p.tail = &p.conf->profiles;

	result = SO2_OK;
	line = 0;
	for (off = 0; off < len; off = (size_t)(nl - text) + 1) {
		line++;
		s = text + off;
		nl = memchr(s, '\n', len - off);
		if (nl == NULL)
			nl = text + len;
		n = (size_t)(nl - s);
		if (n > 0 && s[n - 1] == '\r')
			n--;
		if (n > CONF_LINE_MAX) {
			result = so2_err_set(err, SO2_ERR_CONFIG,
					     "%s:%d:%d: line longer than %d bytes",
					     p.name, line, CONF_LINE_MAX + 1,
					     CONF_LINE_MAX);
			goto out;
		}
		result = parse_line(&p, line, s, n);
		if (result != SO2_OK)
			goto out;
	}
	result = finish_section(&p);
	if (result != SO2_OK)
		goto out;
	if (name != NULL) {
		p.conf->path = strdup(name);
		if (p.conf->path == NULL) {
			result = so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	*out = p.conf;
	p.conf = NULL;

out:
	so2_config_free(p.conf);
	return result;
}

/* user_store_default - a user's own file keeps its records in the user's
 *	state directory unless it names store_dir (sasl-oauth2.conf(5)) */
static so2_status
user_store_default(const char *path, so2_config *conf, so2_err *err)
{
	char user[PATH_MAX], store[PATH_MAX];
	char *copy;

	if (so2_config_user_path(user, sizeof(user)) != 0 || strcmp(path, user) != 0 ||
	    so2_config_user_store(store, sizeof(store)) != 0)
		return SO2_OK;
	copy = strdup(store);
	if (copy == NULL)
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	free(conf->store_dir);
	conf->store_dir = copy;
	return SO2_OK;
}

/* so2_config_load - read and parse a configuration file */
so2_status
so2_config_load(const char *path, int must_exist, so2_config **out,
		so2_err *err)
{
	char *buf = NULL;
	char reason[256];
	size_t len = 0;
	so2_read_why why;
	so2_status result;

	*out = NULL;
	if (path == NULL)
		path = so2_config_default_path();
	result = so2_read_at(AT_FDCWD, path, 0, SO2_CONF_MAX_SIZE, &buf, &len, &why);
	if (result != SO2_OK) {
		if (why.fail == SO2_READ_OPEN && why.errnum == ENOENT && !must_exist) {
			*out = so2_config_defaults();
			if (*out == NULL)
				return so2_err_set(err, SO2_ERR_NOMEM,
						   "out of memory");
			return SO2_OK;
		}
		if (result == SO2_ERR_NOMEM)
			return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
		return so2_err_set(err, SO2_ERR_CONFIG, "%s: %s", path,
				   so2_read_reason(&why, SO2_CONF_MAX_SIZE, reason,
						   sizeof(reason)));
	}
	result = so2_config_parse(path, buf, len, out, err);
	so2_wipe_free(buf, len + 1);
	if (result == SO2_OK && !(*out)->store_dir_set &&
	    (result = user_store_default(path, *out, err)) != SO2_OK) {
		so2_config_free(*out);
		*out = NULL;
	}
	return result;
}

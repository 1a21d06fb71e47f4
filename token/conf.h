/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	conf.h - the sasl-oauth2 configuration file
 * SYNOPSIS
 *	#include "token/conf.h"
 * DESCRIPTION
 *	The file (default SO2_CONF_PATH, environment SASL_OAUTH2_CONF) is a
 *	list of "key = value" lines; "#" starts a comment line; "[NAME]"
 *	starts a provider profile. Keys before the first section are global.
 *	The format is documented in sasl-oauth2.conf(5).
 *
 *	Global keys: store_dir, ca_file, proxy, refresh_margin (seconds),
 *	connect_timeout, http_timeout, lock_timeout, backoff_min,
 *	backoff_max (seconds), max_reply (bytes). Profile keys: provider
 *	(microsoft, google, generic; default: the section name when it is
 *	one of those), client_id, tenant, cloud, authority, token_endpoint,
 *	device_authorization_endpoint, authorization_endpoint, scope,
 *	client_secret_file, private_key_file, certificate_file, assertion_alg.
 *
 *	Errors name the file, the line and the column.
 * SEE ALSO
 *	sasl-oauth2.conf(5)
 */
#ifndef SO2_CONFIG_H
#define SO2_CONFIG_H

#include "base/error.h"

/* Defaults (seconds unless noted). */
#define SO2_DEFAULT_REFRESH_MARGIN	300
#define SO2_DEFAULT_CONNECT_TIMEOUT	10
#define SO2_DEFAULT_HTTP_TIMEOUT	30
#define SO2_DEFAULT_LOCK_TIMEOUT	30
#define SO2_DEFAULT_BACKOFF_MIN		30	/* first pause after a failure */
#define SO2_DEFAULT_BACKOFF_MAX		900	/* longest pause (doubling) */
#define SO2_DEFAULT_MAX_REPLY		(64 * 1024)	/* bytes */
#define SO2_CONF_MAX_SIZE		(256 * 1024)	/* bytes */

/* so2_profile - one [NAME] section */
typedef struct so2_profile {
	char *name;		/* section name */
	int line;		/* line of the section header */
	char *provider;		/* "microsoft", "google" or "generic" */
	char *client_id;
	char *tenant;		/* Microsoft: common, organizations,
				 * consumers, a tenant id or a domain */
	char *cloud;		/* Microsoft: global, usgov, dod, china */
	char *authority;	/* base URL of the login host */
	char *token_endpoint;
	char *device_authorization_endpoint;
	char *authorization_endpoint;
	char *scope;		/* space-separated */
	char *client_secret_file; /* confidential client: file holding the
				 * client secret; "" = public client */
	char *private_key_file;	/* certificate credential: PEM RSA key */
	char *certificate_file;	/* certificate credential: PEM cert */
	char *assertion_alg;	/* PS256 (default) or RS256 */
	struct so2_profile *next;
} so2_profile;

/* so2_config - the whole file, with defaults applied */
typedef struct so2_config {
	char *path;		/* the file that was read, NULL if none */
	char *store_dir;	/* never NULL after load */
	int store_dir_set;	/* 1 when the file names store_dir */
	char *ca_file;		/* NULL: libcurl's default CA bundle */
	char *proxy;		/* NULL: libcurl's environment rules */
	long refresh_margin;
	long connect_timeout;
	long http_timeout;
	long lock_timeout;
	long backoff_min;	/* 0: no back-off (Retry-After still kept) */
	long backoff_max;
	long max_reply;
	so2_profile *profiles;
} so2_config;

/*
 * so2_config_default_path - the file to read when none is named
 *	$SASL_OAUTH2_CONF when set and the process is not set-id; else the
 *	user's own file (so2_config_user_path) when it exists and the
 *	process is not set-id; else SO2_CONF_PATH (compiled in).
 *	Returns a static or thread-local string, valid until the thread's
 *	next call.
 */
const char *so2_config_default_path(void);

/*
 * so2_config_user_path - the per-user configuration file
 *	$XDG_CONFIG_HOME/sasl-oauth2/sasl-oauth2.conf, $XDG_CONFIG_HOME
 *	only when absolute, else $HOME/.config/... (XDG Base Directory
 *	Specification 0.8), written into buf (size bytes) whether or not
 *	it exists. Returns 0, or -1 when HOME is unset or relative or the
 *	path does not fit.
 */
int so2_config_user_path(char *buf, size_t size);

/*
 * so2_config_user_store - the per-user store directory
 *	$XDG_STATE_HOME/sasl-oauth2, else $HOME/.local/state/sasl-oauth2:
 *	store_dir's default when the file read is the user's own and does
 *	not name store_dir (so2_config_load). Returns 0 or -1 as above.
 */
int so2_config_user_store(char *buf, size_t size);

/*
 * so2_config_load - read and parse a configuration file
 *	path: the file; NULL means so2_config_default_path().
 *	must_exist: when 0, a missing file (ENOENT) gives the defaults.
 *	When path is the user's own file (so2_config_user_path) and it does
 *	not name store_dir, store_dir is so2_config_user_store's directory.
 *	On success *out is a new config (free with so2_config_free).
 *	Errors: SO2_ERR_CONFIG ("FILE:LINE:COL: what is wrong"),
 *	SO2_ERR_NOMEM. *out is NULL on error.
 */
so2_status so2_config_load(const char *path, int must_exist,
			   so2_config **out, so2_err *err);

/*
 * so2_config_parse - parse text already in memory (len bytes)
 *	name is used in messages. Same results as so2_config_load.
 */
so2_status so2_config_parse(const char *name, const char *text, size_t len,
			    so2_config **out, so2_err *err);

/* so2_config_defaults - a config holding only the defaults; NULL on ENOMEM */
so2_config *so2_config_defaults(void);

/* so2_config_profile - the profile named name, or NULL */
const so2_profile *so2_config_profile(const so2_config *conf, const char *name);

/* so2_config_free - free everything; NULL ok */
void so2_config_free(so2_config *conf);

#endif

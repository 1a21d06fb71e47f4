/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	login.h - the login flow of the sasl-oauth2 command, for any command
 * SYNOPSIS
 *	#include "login.h"	(cli/ only)
 * DESCRIPTION
 *	cli_login_account() signs one account in and writes its token
 *	record: the login command calls it with its command line; another
 *	command (a migration, say) fills a cli_login_req and calls it the
 *	same way. The steps, each in its own file:
 *
 *	1. login_plan.c: pick the provider profile, merge the request's
 *	   settings over it, resolve endpoints and scope (provider.h) and
 *	   refuse what cannot work before any request.
 *	2. login_client.c: the client part of the record: account,
 *	   provider, client id, endpoint, client authentication (secret file, secret from
 *	   standard input, certificate), checked before any request.
 *	3. The grant, one function of one shape each (cli_grant_fn):
 *	   login_device.c (RFC 8628), login_code.c (RFC 6749 4.1 with PKCE
 *	   and the loopback listener), login.c (client credentials, RFC
 *	   6749 4.4). login_explain.c adds what to do to a refusal.
 *	4. login_record.c: the store directory, and the record written
 *	   under its lock, atomically, given to --user.
 *
 *	Signals: from the prompt on, between requests, SIGINT, SIGTERM and
 *	SIGHUP only set cli_interrupted (signals.c; a wait ends at once);
 *	during an HTTP request they keep their default action (nothing has
 *	been written yet); during the write they are caught, so the record
 *	is complete.
 * SEE ALSO
 *	sasl-oauth2(1), provider.h, grant.h, device.h, code.h, pkce.h, loopback.h,
 *	store.h
 */
#ifndef SO2_CLI_LOGIN_H
#define SO2_CLI_LOGIN_H

#include <pwd.h>
#include <stddef.h>

#include "login/provider.h"
#include "token/grant.h"
#include "token/record.h"
#include "token/store.h"

#include "cli.h"

/* cli_grant - the grants a login can use */
typedef enum cli_grant {
	CLI_GRANT_DEVICE,		/* "device", SO2_RECORD_GRANT_DEVICE */
	CLI_GRANT_CODE,			/* "code", SO2_RECORD_GRANT_CODE */
	CLI_GRANT_CLIENT_CREDENTIALS	/* "client-credentials",
					 * SO2_RECORD_GRANT_CLIENT_CREDENTIALS */
} cli_grant;

/* cli_code_opts - the authorization code grant's options */
struct cli_code_opts {
	long port;		/* 0: any free port */
	const char *redirect_uri;	/* NULL: http://localhost:PORT/ */
	int paste;		/* no listener: read the redirect from stdin */
	int no_browser;		/* never run xdg-open */
	long timeout;		/* seconds to wait for the redirect */
};

/* cli_login_req - what to log in, and how; strings are borrowed */
typedef struct cli_login_req {
	const char *account;
	const char *provider;	/* profile name or provider word; NULL: default */
	so2_profile over;	/* settings over the profile's; NULL: not given */
	unsigned protocols;	/* SO2_PROTO_* bits; 0: SMTP */
	const char *user;	/* give the store and the record to (root) */
	cli_grant grant;
	int secret_stdin;	/* read the client secret from standard input */
	int no_options;		/* 1: the caller (postfix migrate) has no
				 * --tenant or --scope: messages name the
				 * configuration only */
	struct cli_code_opts code;
} cli_login_req;

/* cli_login - a login under way: what every grant is given */
typedef struct cli_login {
	cli_ctx *ctx;
	const cli_login_req *req;
	const so2_login_plan *plan;
	const so2_http_conf *hc;
	const so2_record *client;	/* the new record: client id, token
					 * endpoint, client authentication,
					 * scope */
} cli_login;

/*
 * cli_grant_fn - one grant, up to the token reply
 *	On SO2_OK *rep holds the reply (free with so2_token_reply_clear);
 *	else err says why and *oerr holds the server's OAuth error, if any.
 *	SO2_ERR_PENDING when the user interrupted (cli_interrupted is set).
 */
typedef so2_status cli_grant_fn(const cli_login *l, so2_token_reply *rep,
				so2_oauth_error *oerr, so2_err *err);

/* login_device.c: the device authorization grant (RFC 8628); the code
 *	expiring is SO2_ERR_GRANT */
cli_grant_fn cli_grant_device;
/* login_code.c: the authorization code grant with PKCE (RFC 8252);
 *	SO2_ERR_PARAM (bad redirect, state mismatch in paste mode),
 *	SO2_ERR_GRANT (access_denied), SO2_ERR_OAUTH (another error on the
 *	redirect), SO2_ERR_TEMP (no redirect in time), SO2_ERR_IO (listener) */
cli_grant_fn cli_grant_code;
/* login.c: the client credentials grant (RFC 6749 4.4) */
cli_grant_fn cli_grant_client_credentials;

/* --- login.c ------------------------------------------------------------ */

/* cli_grant_parse - --grant NAME (or the record's name); 0 or -1 */
int cli_grant_parse(const char *name, cli_grant *g);

/*
 * cli_login_account - sign req->account in and write its record
 *	Prints progress on stderr and "Logged in ..." on stdout, then the
 *	token's warnings. Errors: configuration and credentials
 *	(SO2_ERR_CONFIG, SO2_ERR_PARAM), the store (SO2_ERR_IO), the grant's
 *	(with what to do added), SO2_ERR_OAUTH (no refresh token), and
 *	SO2_ERR_PENDING "login cancelled; nothing was written" when
 *	interrupted (cli_interrupted set: the login command exits 130).
 */
so2_status cli_login_account(cli_ctx *ctx, const cli_login_req *req, so2_err *err);

/* --- login_plan.c ------------------------------------------------------- */

/*
 * cli_login_plan - profile, merged settings, endpoints and scope
 *	prof: the merged profile (strings borrowed from the configuration
 *	and req); where (wsize bytes): what to edit to fix a setting. On
 *	SO2_OK *plan is filled (so2_login_plan_clear). Errors:
 *	SO2_ERR_CONFIG (no such profile, a Microsoft scope without
 *	offline_access, client credentials without a tenant or a scope,
 *	so2_provider_resolve's), SO2_ERR_PARAM (several profiles, none
 *	chosen).
 */
so2_status cli_login_plan(const cli_ctx *ctx, const cli_login_req *req,
			  so2_profile *prof, char *where, size_t wsize,
			  so2_login_plan *plan, so2_err *err);

/* --- login_client.c ----------------------------------------------------- */

/*
 * cli_login_client - the client part of the new record: id, endpoint, auth
 *	*tmp_secret (psize bytes) receives the path of a secret saved from
 *	standard input (renamed to *final_secret once the login succeeded),
 *	else "". Errors: SO2_ERR_PARAM, SO2_ERR_CONFIG (an unusable secret,
 *	key or certificate), SO2_ERR_IO, SO2_ERR_NOMEM.
 */
so2_status cli_login_client(cli_ctx *ctx, const cli_login_req *req,
			    const so2_profile *prof, const so2_login_plan *plan,
			    const char *store_dir, const struct passwd *pw,
			    so2_record *rec, char *tmp_secret, char *final_secret,
			    size_t psize, so2_err *err);

/*
 * cli_login_store_paths - credential paths inside the store made relative
 *	to it (the module reads them through the store's directory
 *	descriptor, so they keep working in Postfix's chroot). SO2_OK or
 *	SO2_ERR_NOMEM.
 */
so2_status cli_login_store_paths(so2_record *rec, const char *store_dir,
				 so2_err *err);

/* --- login_record.c ----------------------------------------------------- */

/* cli_login_prepare_store - create the store directory (0700), give it to
 *	pw (NULL: nobody); SO2_ERR_IO */
so2_status cli_login_prepare_store(const char *dir, const struct passwd *pw,
				   so2_err *err);

/*
 * cli_login_write - write rec as name under its lock, signals caught; give
 *	it to pw (NULL: nobody). path (psize bytes): the record's path.
 *	Clears cli_interrupted (the login is complete). Errors: those of
 *	so2_store_lock and so2_store_write, SO2_ERR_IO.
 */
so2_status cli_login_write(cli_ctx *ctx, so2_store *st, const char *name,
			   const so2_record *rec, const struct passwd *pw,
			   char *path, size_t psize, so2_err *err);

/* --- login_explain.c ---------------------------------------------------- */

/*
 * cli_login_explain - what to do about a failed first token request
 *	result: the grant's status; returns it, or SO2_ERR_CONFIG when the
 *	client or its consent is the problem, with err's message extended
 *	by the advice for the AADSTS code (oerr) and where to fix it.
 */
so2_status cli_login_explain(so2_status result, const so2_oauth_error *oerr,
			     const char *where, so2_err *err);

/* cli_login_no_refresh - SO2_ERR_OAUTH for a reply without a refresh
 *	token, saying how plan's provider issues one */
so2_status cli_login_no_refresh(const so2_login_plan *plan, so2_err *err);

#endif

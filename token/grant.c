/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	grant.c - token requests, client authentication, renewal grants
 *	(see grant.h)
 * DESCRIPTION
 *	so2_grant_request() is where every grant's request is finished:
 *	client_id, scope, client authentication; so2_oauth_post() is where
 *	it is sent and its reply parsed.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "token/assertion.h"
#include "token/diagnose.h"
#include "token/grant.h"

#include "base/file.h"
#include "base/secret.h"

/* retry_note - append the server's Retry-After to a transient failure */
static void
retry_note(so2_status result, long retry_after, so2_err *err)
{
	if (result != SO2_ERR_TEMP || retry_after <= 0)
		return;
	so2_err_append(err, "; retry after %ld seconds", retry_after);
}

/* so2_oauth_post - POST form to url, parse the reply with parse */
so2_status
so2_oauth_post(const so2_http_conf *hc, const char *url, const so2_form_field *form,
	       so2_reply_parser parse, void *out, so2_oauth_error *oerr, so2_err *err)
{
	so2_http_reply hr;
	so2_status result;

	result = so2_http_post_form(hc, url, form, &hr, err);
	if (result != SO2_OK)
		return result;
	result = parse(hr.status, hr.body.data, hr.body.len, out, oerr, err);
	oerr->http_status = hr.status;
	oerr->retry_after = hr.retry_after;
	so2_http_reply_clear(&hr);
	if (result != SO2_OK) {
		so2_err_prefix(err, "%s", url);
		retry_note(result, oerr->retry_after, err);
	}
	return result;
}

/* parse_token_reply - so2_token_reply_parse as a reply_parser */
static so2_status
parse_token_reply(long http_status, const char *body, size_t len, void *out,
		  so2_oauth_error *oerr, so2_err *err)
{
	return so2_token_reply_parse(http_status, body, len, out, oerr, err);
}

/* so2_token_request - POST a form to a token endpoint and parse the reply */
so2_status
so2_token_request(const so2_http_conf *hc, const char *url,
		  const so2_form_field *form, so2_token_reply *out,
		  so2_oauth_error *oerr, so2_err *err)
{
	memset(out, 0, sizeof(*out));
	out->expires_in = -1;
	memset(oerr, 0, sizeof(*oerr));
	return so2_oauth_post(hc, url, form, parse_token_reply, out, oerr, err);
}

/* read_client_secret - the client secret from a file, trailing newlines cut
 *	Errors: SO2_ERR_CONFIG (unreadable, not a regular file, empty,
 *	larger than SO2_CLIENT_SECRET_MAX), SO2_ERR_NOMEM. */
static so2_status
read_client_secret(int dirfd, const char *path, so2_secret *out, so2_err *err)
{
	char *buf = NULL;
	size_t len = 0, size = 0;
	so2_read_why why;
	so2_status result;

	if (path == NULL || *path == '\0')
		return so2_err_set(err, SO2_ERR_CONFIG,
		    "client_auth is secret but no client secret file is set");
	result = so2_read_at(dirfd, path, 0, SO2_CLIENT_SECRET_MAX, &buf, &len, &why);
	size = len + 1;
	if (result == SO2_ERR_NOMEM) {
		result = so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (result != SO2_OK) {
		char reason[256];

		if (why.fail == SO2_READ_OPEN || why.fail == SO2_READ_IO
		    || why.fail == SO2_READ_STAT)
			so2_format(reason, sizeof(reason), "%s", strerror(why.errnum));
		else
			so2_read_reason(&why, SO2_CLIENT_SECRET_MAX, reason, sizeof(reason));
		result = so2_err_set(err, SO2_ERR_CONFIG, "client secret file %s: %s", path,
		    reason);
		goto out;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	if (len == 0 || memchr(buf, '\0', len) != NULL) {
		result = so2_err_set(err, SO2_ERR_CONFIG,
		    "client secret file %s: %s", path,
		    len == 0 ? "empty" : "contains a NUL byte");
		goto out;
	}
	if (so2_secret_set(out, buf, len) != SO2_OK) {
		result = so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
		goto out;
	}
	result = SO2_OK;
out:
	so2_wipe_free(buf, size);
	return result;
}

/* client_auth_add - the client authentication of rec into form[*n...]
 *	(RFC 6749 2.3.1 client_secret in the body; RFC 7523 2.2 client
 *	assertion). *secret and *assertion hold what the form points to;
 *	the caller clears them. Errors: SO2_ERR_CONFIG, SO2_ERR_NOMEM. */
static so2_status
client_auth_add(const so2_http_conf *hc, const so2_record *rec, so2_form_field *form,
		int *n, so2_secret *secret, so2_secret *assertion, so2_err *err)
{
	int dirfd = hc->cred_dir_set ? hc->cred_dirfd : AT_FDCWD;
	const char *how = rec->client_auth;
	const char *acct = rec->account ? rec->account : "?";
	so2_status result;

	if (how == NULL || strcmp(how, SO2_CLIENT_AUTH_NONE) == 0)
		return SO2_OK;
	if (strcmp(how, SO2_CLIENT_AUTH_SECRET) == 0) {
		result = read_client_secret(dirfd, rec->client_secret_file, secret, err);
		if (result != SO2_OK)
			return so2_err_prefix(err, "account %s", acct);
		form[(*n)++] = (so2_form_field){ "client_secret", secret->data, 1 };
		return SO2_OK;
	}
	if (strcmp(how, SO2_CLIENT_AUTH_CERT) == 0) {
		result = so2_client_assertion(rec->client_id, rec->token_endpoint, dirfd,
		    rec->private_key_file, rec->certificate_file, rec->assertion_alg,
		    time(NULL), assertion, err);
		if (result != SO2_OK)
			return so2_err_prefix(err, "account %s", acct);
		form[(*n)++] = (so2_form_field){ "client_assertion_type", SO2_ASSERTION_TYPE, 0 };
		form[(*n)++] = (so2_form_field){ "client_assertion", assertion->data, 1 };
		return SO2_OK;
	}
	return so2_err_set(err, SO2_ERR_CONFIG, "account %s: client_auth \"%.32s\" is not "
	    "none, secret or certificate", acct, how);
}

/* so2_grant_request - finish a token request of client rec and send it
 *	The secret and assertion the form points to are wiped after the
 *	request. */
so2_status
so2_grant_request(const so2_http_conf *hc, const so2_record *rec, so2_form_field *form,
		  int n, int with_scope, so2_token_reply *out, so2_oauth_error *oerr,
		  so2_err *err)
{
	so2_secret client_secret = SO2_SECRET_INIT, assertion = SO2_SECRET_INIT;
	so2_status result;

	form[n++] = (so2_form_field){ "client_id", rec->client_id, 0 };
	if (with_scope && rec->scope != NULL && *rec->scope != '\0')
		form[n++] = (so2_form_field){ "scope", rec->scope, 0 };
	result = client_auth_add(hc, rec, form, &n, &client_secret, &assertion, err);
	if (result == SO2_OK) {
		form[n] = (so2_form_field){ NULL, NULL, 0 };
		result = so2_token_request(hc, rec->token_endpoint, form, out, oerr, err);
	}
	so2_secret_clear(&client_secret);
	so2_secret_clear(&assertion);
	return result;
}

/* so2_grant_refresh - refresh grant (RFC 6749 section 6) for a record
 *	A client_credentials record has no refresh token (RFC 6749 4.4.3):
 *	it is renewed by asking again with the client's credentials. */
so2_status
so2_grant_refresh(const so2_http_conf *hc, const so2_record *rec,
		  so2_token_reply *out, so2_oauth_error *oerr, so2_err *err)
{
	so2_form_field form[SO2_FORM_FIELDS];
	int n = 0, client_creds, confidential;
	so2_status result;

	memset(out, 0, sizeof(*out));
	out->expires_in = -1;
	memset(oerr, 0, sizeof(*oerr));
	client_creds = rec->grant_type != NULL
	    && strcmp(rec->grant_type, SO2_RECORD_GRANT_CLIENT_CREDENTIALS) == 0;
	confidential = rec->client_auth != NULL
	    && strcmp(rec->client_auth, SO2_CLIENT_AUTH_NONE) != 0;
	if (rec->token_endpoint == NULL || rec->client_id == NULL) {
		result = so2_err_set(err, SO2_ERR_PARAM, "account %s: record has no %s",
		    rec->account ? rec->account : "?",
		    rec->token_endpoint == NULL ? "token_endpoint" : "client_id");
		goto out;
	}
	if (client_creds && !confidential) {
		result = so2_err_set(err, SO2_ERR_CONFIG,
		    "account %s: client_credentials needs client_auth secret or certificate",
		    rec->account ? rec->account : "?");
		goto out;
	}
	if (!client_creds && so2_secret_empty(&rec->refresh_token)) {
		result = so2_err_set(err, SO2_ERR_GRANT,
		    "account %s: the record has no refresh token; a new login is needed",
		    rec->account ? rec->account : "?");
		goto out;
	}

	if (client_creds) {
		form[n++] = (so2_form_field){ "grant_type", SO2_GRANT_CLIENT_CREDENTIALS, 0 };
	} else {
		form[n++] = (so2_form_field){ "grant_type", SO2_GRANT_REFRESH_TOKEN, 0 };
		form[n++] = (so2_form_field){ "refresh_token", rec->refresh_token.data, 1 };
	}
	result = so2_grant_request(hc, rec, form, n, 1, out, oerr, err);
	if (result != SO2_OK && err != NULL && rec->account != NULL)
		so2_diag_fill(err->msg, sizeof(err->msg), "ACCOUNT", rec->account);
out:
	return result;
}

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	mechanism.c - XOAUTH2 and OAUTHBEARER messages (see mechanism.h)
 * DESCRIPTION
 *	Pure functions: the client's initial responses and the parser of
 *	the server's error challenge. The challenge is untrusted input: it
 *	is size-capped and must be a JSON object with a string "status".
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "token/mechanism.h"
#include "base/secret.h"

#include "base/buf.h"
#include "base/json.h"
#include "base/text.h"

/* finish - hand the response over, or name why it could not be built */
static so2_status
finish(so2_buf *b, char **out, size_t *outlen, so2_err *err)
{
	so2_status result = so2_buf_take(b, out, outlen);

	if (result == SO2_ERR_PARAM)
		return so2_err_set(err, SO2_ERR_PARAM, "the SASL response would be longer"
				   " than %d bytes", SO2_RESPONSE_MAX);
	if (result != SO2_OK)
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	return SO2_OK;
}

/* check_token - a bearer token must be non-empty and hold no ^A or NUL */
static so2_status
check_token(const char *token, size_t len, so2_err *err)
{
	if (token == NULL || len == 0)
		return so2_err_set(err, SO2_ERR_PARAM, "empty access token");
	if (memchr(token, '\001', len) != NULL || memchr(token, '\0', len) != NULL)
		return so2_err_set(err, SO2_ERR_PARAM,
				   "the access token contains a control character (0x01 or NUL)");
	return SO2_OK;
}

/* so2_xoauth2_response - "user=U^Aauth=Bearer T^A^A" */
so2_status
so2_xoauth2_response(const char *user, const char *token, size_t token_len, char **out,
		     size_t *outlen, so2_err *err)
{
	so2_buf b;
	so2_status result;

	*out = NULL;
	*outlen = 0;
	if (user == NULL || *user == '\0')
		return so2_err_set(err, SO2_ERR_PARAM, "empty SASL user name");
	if (strchr(user, '\001') != NULL)
		return so2_err_set(err, SO2_ERR_PARAM, "the SASL user name contains 0x01");
	if ((result = check_token(token, token_len, err)) != SO2_OK)
		return result;
	/* the NUL counts against SO2_RESPONSE_MAX */
	so2_buf_init(&b, SO2_RESPONSE_MAX - 1);
	so2_buf_str(&b, "user=");
	so2_buf_str(&b, user);
	so2_buf_str(&b, "\001auth=Bearer ");
	so2_buf_add(&b, token, token_len);
	so2_buf_add(&b, "\001\001", 2);
	return finish(&b, out, outlen, err);
}

/* so2_oauthbearer_response - RFC 7628 3.1 client response */
so2_status
so2_oauthbearer_response(const char *authzid, const char *host, unsigned port,
			 const char *token, size_t token_len, char **out, size_t *outlen,
			 so2_err *err)
{
	so2_buf b;
	char num[32];
	const char *p;
	so2_status result;

	*out = NULL;
	*outlen = 0;
	if ((result = check_token(token, token_len, err)) != SO2_OK)
		return result;
	if ((authzid != NULL && strchr(authzid, '\001') != NULL)
	    || (host != NULL && strchr(host, '\001') != NULL))
		return so2_err_set(err, SO2_ERR_PARAM, "authzid or host contains 0x01");
	so2_buf_init(&b, SO2_RESPONSE_MAX - 1);
	/* gs2-header = "n," [ "a=" saslname ] "," (RFC 5801 section 4) */
	so2_buf_str(&b, "n,");
	if (authzid != NULL && *authzid != '\0') {
		so2_buf_str(&b, "a=");
		for (p = authzid; *p != '\0'; p++) {
			if (*p == ',')
				so2_buf_str(&b, "=2C");
			else if (*p == '=')
				so2_buf_str(&b, "=3D");
			else
				so2_buf_add(&b, p, 1);
		}
	}
	so2_buf_str(&b, ",\001");
	if (host != NULL && *host != '\0') {
		so2_buf_str(&b, "host=");
		so2_buf_str(&b, host);
		so2_buf_str(&b, "\001");
	}
	if (port != 0) {
		snprintf(num, sizeof(num), "port=%u\001", port);
		so2_buf_str(&b, num);
	}
	so2_buf_str(&b, "auth=Bearer ");
	so2_buf_add(&b, token, token_len);
	so2_buf_add(&b, "\001\001", 2);
	return finish(&b, out, outlen, err);
}

/* copy_member - a string member into a fixed buffer ("" when absent)
 *	Control characters become '?' (the text reaches logs); a value that
 *	does not fit is an error, not a truncation. */
static so2_status
copy_member(json_t *obj, const char *key, char *buf, size_t size, so2_err *err)
{
	const char *s = so2_json_str(obj, key);

	buf[0] = '\0';
	if (s == NULL)
		return SO2_OK;
	if (strlen(s) >= size)
		return so2_err_set(err, SO2_ERR_PROTO,
				   "server challenge: member \"%s\" is longer than %zu bytes", key,
				   size - 1);
	so2_printable(s, buf, size);
	return SO2_OK;
}

/* so2_challenge_parse - read a server error challenge */
so2_status
so2_challenge_parse(const char *in, size_t len, so2_challenge *out, so2_err *err)
{
	json_t *root = NULL;
	json_t *status;
	so2_status result;

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return so2_err_set(err, SO2_ERR_PROTO, "empty server challenge");
	result = so2_json_reclass(so2_json_load("server challenge", in, len, SO2_CHALLENGE_MAX,
						&root, err), SO2_ERR_PROTO, err);
	if (result != SO2_OK)
		return result;
	status = json_object_get(root, "status");
	if (json_is_string(status)) {
		result = copy_member(root, "status", out->status, sizeof(out->status), err);
	} else if (json_is_integer(status)) {
		snprintf(out->status, sizeof(out->status), "%lld",
			 (long long)json_integer_value(status));
	} else {
		json_decref(root);
		return so2_err_set(err, SO2_ERR_PROTO,
				   "server challenge is JSON without a \"status\" member");
	}
	if (result == SO2_OK)
		result = copy_member(root, "scope", out->scope, sizeof(out->scope), err);
	if (result == SO2_OK)
		result = copy_member(root, "schemes", out->schemes, sizeof(out->schemes), err);
	if (result == SO2_OK)
		result = copy_member(root, "openid-configuration", out->openid_configuration,
				     sizeof(out->openid_configuration), err);
	json_decref(root);
	if (result != SO2_OK)
		memset(out, 0, sizeof(*out));
	return result;
}

/* so2_challenge_token_invalid - does the status say the token was refused? */
int
so2_challenge_token_invalid(const so2_challenge *ch)
{
	return strcmp(ch->status, "invalid_token") == 0 || strcmp(ch->status, "401") == 0
	       || strcmp(ch->status, "400") == 0;
}

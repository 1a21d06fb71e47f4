/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	device.c - the device authorization grant (see device.h)
 * DESCRIPTION
 *	The device authorization response is parsed here (a
 *	so2_reply_parser for so2_oauth_post); an error reply has the token
 *	endpoint's shape (RFC 8628 3.2) and goes to so2_token_reply_parse.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "device.h"

#include "base/json.h"
#include "base/text.h"

/* so2_device_auth_clear - wipe the device code and free; NULL ok */
void
so2_device_auth_clear(so2_device_auth *da)
{
	if (da == NULL)
		return;
	so2_secret_clear(&da->device_code);
	free(da->user_code);
	free(da->verification_uri);
	free(da->verification_uri_complete);
	free(da->message);
	memset(da, 0, sizeof(*da));
}

/* device_auth_parse - the device authorization response (RFC 8628 3.2)
 *	user_code and the URIs are shown on a terminal: control characters
 *	are refused. Google sends verification_url; it is accepted too.
 *	A reply_parser: vout is an so2_device_auth. */
static so2_status
device_auth_parse(long http_status, const char *body, size_t len,
		  void *vout, so2_oauth_error *oerr, so2_err *err)
{
	so2_device_auth *out = vout;
	static const char *const shown[] = { "user_code", "verification_uri",
	    "verification_url", "verification_uri_complete", "message", NULL };
	json_t *root = NULL;
	so2_token_reply unused;
	so2_status result;
	size_t i;
	long v;

	memset(out, 0, sizeof(*out));
	if (http_status != 200) {
		/* An error has the token endpoint's shape (RFC 8628 3.2). */
		result = so2_token_reply_parse(http_status, body, len, &unused, oerr, err);
		so2_token_reply_clear(&unused);
		if (result == SO2_OK)
			result = so2_err_set(err, SO2_ERR_TEMP, "HTTP %ld%s, not a device "
			    "authorization response", http_status,
			    so2_http_status_words(http_status));
		return result;
	}
	result = so2_json_load("body", body, len, SO2_TOKEN_REPLY_MAX, &root, err);
	if (result == SO2_OK)
		result = so2_json_secret(root, "device_code", &out->device_code, err);
	if (result == SO2_OK)
		result = so2_json_dup_str(root, "user_code", &out->user_code, err);
	if (result == SO2_OK)
		result = so2_json_dup_str(root, "verification_uri", &out->verification_uri, err);
	if (result == SO2_OK && out->verification_uri == NULL)
		result = so2_json_dup_str(root, "verification_url", &out->verification_uri, err);
	if (result == SO2_OK)
		result = so2_json_dup_str(root, "verification_uri_complete",
		    &out->verification_uri_complete, err);
	if (result == SO2_OK)
		result = so2_json_dup_str(root, "message", &out->message, err);
	if (result != SO2_OK) {
		result = so2_json_reclass(result, SO2_ERR_TEMP, err);
		so2_err_prefix(err, "HTTP 200, bad device authorization response");
		goto out;
	}
	if (so2_secret_empty(&out->device_code) || out->user_code == NULL
	    || out->verification_uri == NULL) {
		result = so2_err_set(err, SO2_ERR_TEMP, "HTTP 200, device authorization "
		    "response without %s", so2_secret_empty(&out->device_code) ? "device_code"
		    : out->user_code == NULL ? "user_code" : "verification_uri");
		goto out;
	}
	for (i = 0; shown[i] != NULL; i++) {
		const char *s = so2_json_str(root, shown[i]);

		if (so2_has_control(s)) {
			result = so2_err_set(err, SO2_ERR_TEMP, "HTTP 200, device authorization "
			    "response: member %s holds control characters", shown[i]);
			goto out;
		}
	}
	out->expires_in = SO2_DEVICE_EXPIRES_DEFAULT;
	if (so2_json_int_or_numeric_string(json_object_get(root, "expires_in"), &v) == SO2_OK
	    && v > 0)
		out->expires_in = v;
	out->interval = SO2_DEVICE_INTERVAL_DEFAULT;
	if (so2_json_int_or_numeric_string(json_object_get(root, "interval"), &v) == SO2_OK
	    && v > 0 && v <= 3600)
		out->interval = v;
	result = SO2_OK;
out:
	if (result != SO2_OK)
		so2_device_auth_clear(out);
	so2_json_wipe_decref(root);
	return result;
}

/* so2_device_authorize - device authorization request (RFC 8628 3.1) */
so2_status
so2_device_authorize(const so2_http_conf *hc, const char *url,
		     const char *client_id, const char *scope,
		     so2_device_auth *out, so2_oauth_error *oerr, so2_err *err)
{
	so2_form_field form[3];
	int n = 0;

	memset(out, 0, sizeof(*out));
	memset(oerr, 0, sizeof(*oerr));
	if (client_id == NULL)
		return so2_err_set(err, SO2_ERR_PARAM, "%s: no client_id", url ? url : "?");
	form[n++] = (so2_form_field){ "client_id", client_id, 0 };
	if (scope != NULL && *scope != '\0')
		form[n++] = (so2_form_field){ "scope", scope, 0 };
	form[n] = (so2_form_field){ NULL, NULL, 0 };
	return so2_oauth_post(hc, url, form, device_auth_parse, out, oerr, err);
}

/* so2_device_poll - one device access token request (RFC 8628 3.4) */
so2_status
so2_device_poll(const so2_http_conf *hc, const so2_record *client,
		const so2_secret *device_code, so2_token_reply *out,
		so2_oauth_error *oerr, so2_err *err)
{
	const char *token_url = client->token_endpoint;
	so2_form_field form[SO2_FORM_FIELDS];
	int n = 0;
	so2_status result;

	memset(out, 0, sizeof(*out));
	out->expires_in = -1;
	memset(oerr, 0, sizeof(*oerr));
	if (client->client_id == NULL || token_url == NULL || so2_secret_empty(device_code))
		return so2_err_set(err, SO2_ERR_PARAM, "%s: no %s", token_url ? token_url : "?",
		    client->client_id == NULL ? "client_id" : token_url == NULL
		    ? "token endpoint" : "device code");
	form[n++] = (so2_form_field){ "grant_type", SO2_GRANT_DEVICE_CODE, 0 };
	form[n++] = (so2_form_field){ "device_code", device_code->data, 1 };
	/* Google's "TVs and Limited Input devices" clients send their
	 * secret here (RFC 8628 3.4: client authentication as 6749 3.2.1). */
	result = so2_grant_request(hc, client, form, n, 0, out, oerr, err);
	/* RFC 8628 3.5: expired_token and access_denied end the flow. */
	if (strcmp(oerr->error, "expired_token") == 0)
		result = so2_err_set(err, SO2_ERR_GRANT, "the device code expired before the "
		    "sign-in was completed; run the login command again");
	else if (strcmp(oerr->error, "access_denied") == 0
	    || strcmp(oerr->error, "authorization_declined") == 0)
		result = so2_err_set(err, SO2_ERR_GRANT, "the sign-in was declined");
	return result;
}

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	jwt.c - read the claims of an access token (see jwt.h)
 * DESCRIPTION
 *	base64url via base/base64.h (strict: the url alphabet only, no
 *	padding); JSON via the capped loader. No signature check.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "token/jwt.h"
#include "base/secret.h"

#include "base/base64.h"
#include "base/json.h"
#include "base/text.h"

/* b64url_decode - decode a base64url segment; NULL when it is not one
 *	(or empty, or out of memory). NUL-terminated; free() it. */
static unsigned char *
b64url_decode(const char *in, size_t len, size_t *outlen)
{
	unsigned char *out;

	if (len == 0 || len > SO2_JWT_MAX || (out = malloc(SO2_B64_DECODE_SIZE(len))) == NULL)
		return NULL;
	if (so2_b64url_decode(in, len, out, SO2_B64_DECODE_SIZE(len), outlen) != SO2_OK) {
		free(out);
		return NULL;
	}
	return out;
}

/* is_jwe - five dot-separated parts (RFC 7516 compact serialisation) */
static int
is_jwe(const char *token, size_t len)
{
	size_t i, dots = 0;

	for (i = 0; i < len; i++)
		dots += token[i] == '.';
	return dots == 4;
}

/* claim - copy a string claim, printable */
static void
claim(json_t *obj, const char *key, char *buf, size_t size)
{
	const char *s = so2_json_str(obj, key);

	if (s != NULL && buf[0] == '\0')
		so2_printable(s, buf, size);
}

/* claim_words - a claim of space-separated names, printable; one too long
 *	for buf loses its last names whole, never keeps part of one (a cut
 *	"SMTP.Send.Extra" would read as SMTP.Send) */
static void
claim_words(json_t *obj, const char *key, char *buf, size_t size)
{
	const char *s = so2_json_str(obj, key);
	char *space;

	if (s == NULL || size == 0)
		return;
	so2_printable(s, buf, size);
	if (strlen(s) < size || s[size - 1] == ' ')
		return;
	space = strrchr(buf, ' ');
	if (space != NULL)
		*space = '\0';
	else
		buf[0] = '\0';
}

/* claim_time - a numeric date claim (RFC 7519 NumericDate); 0 when absent
 *	or not a time up to SO2_JWT_TIME_MAX (a real beyond time_t would make
 *	the cast undefined) */
static time_t
claim_time(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (json_is_integer(v) && json_integer_value(v) > 0
	    && json_integer_value(v) <= SO2_JWT_TIME_MAX)
		return (time_t)json_integer_value(v);
	if (json_is_real(v) && json_real_value(v) > 0
	    && json_real_value(v) <= (double)SO2_JWT_TIME_MAX)
		return (time_t)json_real_value(v);
	return 0;
}

/* so2_jwt_read - decode the claims of a token */
so2_status
so2_jwt_read(const char *token, size_t len, so2_jwt_claims *out, so2_err *err)
{
	const char *dot1, *dot2;
	unsigned char *payload;
	size_t plen = 0, i;
	json_t *root = NULL, *roles, *aud;
	so2_err jerr;

	memset(out, 0, sizeof(*out));
	if (len > SO2_JWT_MAX)
		return so2_err_set(err, SO2_ERR_PARAM, "token longer than %d bytes", SO2_JWT_MAX);
	out->opaque = 1;
	/* A JOSE header is a JSON object: base64url of '{"' is "eyJ". A token
	 * that starts so is meant to be a JWT (or a five-part JWE, which is
	 * opaque by design); until it decodes, it is damaged. */
	out->damaged = len >= 3 && memcmp(token, "eyJ", 3) == 0 && !is_jwe(token, len);
	dot1 = memchr(token, '.', len);
	if (dot1 == NULL)
		return SO2_OK;
	dot2 = memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token));
	if (dot2 == NULL || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)) != NULL)
		return SO2_OK;
	payload = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), &plen);
	if (payload == NULL)
		return SO2_OK;
	if (so2_json_load("token claims", (const char *)payload, plen, SO2_JWT_MAX, &root,
			  &jerr) != SO2_OK) {
		so2_wipe_free(payload, plen);
		return SO2_OK;
	}
	so2_wipe_free(payload, plen);
	out->opaque = 0;
	out->damaged = 0;
	aud = json_object_get(root, "aud");
	if (json_is_array(aud))		/* RFC 7519 4.1.3: a string or an array */
		aud = json_array_get(aud, 0);
	if (json_is_string(aud))
		so2_printable(json_string_value(aud), out->aud, sizeof(out->aud));
	claim_words(root, "scp", out->scp, sizeof(out->scp));
	claim(root, "upn", out->upn, sizeof(out->upn));
	claim(root, "preferred_username", out->upn, sizeof(out->upn));
	claim(root, "unique_name", out->upn, sizeof(out->upn));
	claim(root, "email", out->upn, sizeof(out->upn));
	claim(root, "tid", out->tid, sizeof(out->tid));
	claim(root, "appid", out->appid, sizeof(out->appid));
	claim(root, "azp", out->appid, sizeof(out->appid));
	claim(root, "idtyp", out->idtyp, sizeof(out->idtyp));
	claim(root, "iss", out->iss, sizeof(out->iss));
	roles = json_object_get(root, "roles");
	for (i = 0; json_is_array(roles) && i < json_array_size(roles); i++) {
		const char *r = json_string_value(json_array_get(roles, i));
		size_t used = strlen(out->roles);
		char one[256];

		/* Whole roles only: a cut Mail.Send.Shared would read as Mail.Send. */
		if (r == NULL || strlen(r) >= sizeof(one)
		    || strlen(r) + (used ? 1 : 0) >= sizeof(out->roles) - used)
			continue;
		so2_printable(r, one, sizeof(one));
		so2_format(out->roles + used, sizeof(out->roles) - used, "%s%s",
			   used ? " " : "", one);
	}
	out->iat = claim_time(root, "iat");
	out->nbf = claim_time(root, "nbf");
	out->exp = claim_time(root, "exp");
	so2_json_wipe_decref(root);
	return SO2_OK;
}

/* Exchange Online audiences, by cloud (m365.md 1.3, 7.2). */
static const char *const exchange_auds[] = {
	"https://outlook.office.com", "https://outlook.office365.com",
	"https://outlook.office365.us", "https://outlook-dod.office365.us",
	"https://partner.outlook.cn", "00000002-0000-0ff1-ce00-000000000000",
	NULL
};

/* so2_jwt_audience_exchange - is aud Exchange Online? */
int
so2_jwt_audience_exchange(const char *aud)
{
	size_t i, n;

	for (i = 0; exchange_auds[i] != NULL; i++) {
		n = strlen(exchange_auds[i]);
		if (strncmp(aud, exchange_auds[i], n) == 0
		    && (aud[n] == '\0' || (aud[n] == '/' && aud[n + 1] == '\0')))
			return 1;
	}
	return 0;
}

/* so2_jwt_audience_graph - is aud Microsoft Graph? */
int
so2_jwt_audience_graph(const char *aud)
{
	return strcmp(aud, "00000003-0000-0000-c000-000000000000") == 0
	       || strncmp(aud, "https://graph.microsoft.com", 27) == 0
	       || strncmp(aud, "https://graph.microsoft.us", 26) == 0
	       || strncmp(aud, "https://microsoftgraph.chinacloudapi.cn", 39) == 0;
}

/* so2_jwt_app_only - app-only (client credentials) token? */
int
so2_jwt_app_only(const so2_jwt_claims *c)
{
	return strcmp(c->idtyp, "app") == 0 || (c->roles[0] != '\0' && c->scp[0] == '\0');
}

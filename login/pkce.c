/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	pkce.c - PKCE values, authorization URL, redirect parser (pkce.h)
 * DESCRIPTION
 *	Random bytes from RAND_bytes, SHA-256 from EVP_Digest, base64url
 *	from base/base64.h. The URL is built with curl_easy_escape, which
 *	percent-encodes every byte outside RFC 3986's unreserved set. The
 *	redirect parser walks the query once: name=value pairs split on
 *	'&', '+' read as a space (application/x-www-form-urlencoded), %XX
 *	decoded by curl_easy_unescape, and refuses rather than guesses on
 *	anything malformed (a bad or cut %-escape, a control character).
 * DIAGNOSTICS
 *	SO2_ERR_PARAM naming what is wrong (never the code's value);
 *	SO2_ERR_NOMEM.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <curl/curl.h>

#include "login/pkce.h"

#include "base/base64.h"
#include "base/buf.h"

#define PARAM_MAX	4096	/* bytes of one decoded value */

/* so2_pkce_challenge - BASE64URL(SHA256(ASCII(verifier))), RFC 7636 4.2 */
so2_status
so2_pkce_challenge(const char *verifier, char *out, size_t size, so2_err *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (verifier == NULL ||
	    EVP_Digest(verifier, strlen(verifier), md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    so2_b64url_encode(md, mdlen, out, size) == 0)
		return so2_err_set(err, SO2_ERR_PARAM, "cannot compute the PKCE challenge");
	return SO2_OK;
}

/* so2_pkce_new - fresh verifier, challenge and state */
so2_status
so2_pkce_new(so2_pkce *p, so2_err *err)
{
	unsigned char v[32], st[16];
	so2_status result;

	memset(p, 0, sizeof(*p));
	if (RAND_bytes(v, sizeof(v)) != 1 || RAND_bytes(st, sizeof(st)) != 1)
		return so2_err_set(err, SO2_ERR_NOMEM, "no random bytes for PKCE");
	so2_b64url_encode(v, sizeof(v), p->verifier, sizeof(p->verifier));
	so2_b64url_encode(st, sizeof(st), p->state, sizeof(p->state));
	OPENSSL_cleanse(v, sizeof(v));
	result = so2_pkce_challenge(p->verifier, p->challenge, sizeof(p->challenge), err);
	if (result != SO2_OK)
		OPENSSL_cleanse(p, sizeof(*p));
	return result;
}

/* add_param - append "&name=value" (value percent-encoded) to b
 *	curl_easy_escape encodes every byte outside RFC 3986's unreserved
 *	set (2.3) as %XX with upper-case digits. */
static so2_status
add_param(so2_buf *b, const char *name, const char *value)
{
	char *esc;

	if ((esc = curl_easy_escape(NULL, value, (int)strlen(value))) == NULL)
		return SO2_ERR_NOMEM;
	so2_buf_str(b, "&");
	so2_buf_str(b, name);
	so2_buf_str(b, "=");
	so2_buf_str(b, esc);
	curl_free(esc);
	return b->bad;
}

/* so2_authorize_url - the authorization request URL */
so2_status
so2_authorize_url(const so2_authorize_req *req, const so2_pkce *p, char **out,
		  so2_err *err)
{
	const char *pairs[32];
	size_t n = 0, i, len;
	so2_buf b;
	so2_status result;

	*out = NULL;
	if (req->endpoint == NULL || req->client_id == NULL ||
	    req->redirect_uri == NULL || req->scope == NULL)
		return so2_err_set(err, SO2_ERR_PARAM, "authorization request: missing %s",
				   req->endpoint == NULL ? "endpoint" :
				   req->client_id == NULL ? "client_id" :
				   req->redirect_uri == NULL ? "redirect_uri" : "scope");
#define PAIR(a, b) do { pairs[n++] = (a); pairs[n++] = (b); } while (0)
	PAIR("client_id", req->client_id);
	PAIR("response_type", "code");
	PAIR("redirect_uri", req->redirect_uri);
	PAIR("scope", req->scope);
	PAIR("state", p->state);
	PAIR("code_challenge", p->challenge);
	PAIR("code_challenge_method", "S256");
	if (req->login_hint != NULL)
		PAIR("login_hint", req->login_hint);
	for (i = 0; req->extra != NULL && req->extra[i] != NULL &&
	     req->extra[i + 1] != NULL && n + 2 < sizeof(pairs) / sizeof(pairs[0]); i += 2)
		PAIR(req->extra[i], req->extra[i + 1]);
#undef PAIR
	so2_buf_init(&b, SO2_AUTHORIZE_URL_MAX);
	so2_buf_str(&b, req->endpoint);
	for (i = 0, result = SO2_OK; i < n && result == SO2_OK; i += 2)
		result = add_param(&b, pairs[i], pairs[i + 1]);
	if (result == SO2_OK)
		result = so2_buf_take(&b, out, &len);
	so2_buf_free(&b);
	if (result == SO2_ERR_PARAM)
		return so2_err_set(err, result, "the authorization URL would be longer than "
				   "%d bytes", SO2_AUTHORIZE_URL_MAX);
	if (result != SO2_OK)
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	/* the first separator is '?', or '&' when the endpoint has a query */
	(*out)[strlen(req->endpoint)] = strchr(req->endpoint, '?') != NULL ? '&' : '?';
	return SO2_OK;
}

/* is_hex - a hex digit */
static int
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* decode - percent-decode n bytes of s into a new string; NULL + *bad
 *	application/x-www-form-urlencoded: '+' is a space. Refuses what
 *	curl_easy_unescape would pass through: a truncated or bad %-escape;
 *	and any control character (or NUL) in the result. */
static char *
decode(const char *s, size_t n, const char **bad)
{
	char *plus = NULL, *dec = NULL, *out = NULL;
	size_t i;
	int declen = 0;

	*bad = NULL;
	if (n > PARAM_MAX) {
		*bad = "a value is too long";
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (s[i] != '%')
			continue;
		if (i + 2 >= n) {
			*bad = "a truncated %-escape";
			return NULL;
		}
		if (!is_hex(s[i + 1]) || !is_hex(s[i + 2])) {
			*bad = "a bad %-escape";
			return NULL;
		}
	}
	/* '+' before decoding, so that %2B stays a '+' */
	if ((plus = malloc(n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		plus[i] = s[i] == '+' ? ' ' : s[i];
	plus[n] = '\0';
	if ((dec = curl_easy_unescape(NULL, plus, (int)n, &declen)) == NULL)
		goto out;
	for (i = 0; i < (size_t)declen; i++) {
		if ((unsigned char)dec[i] < 0x20 || dec[i] == 0x7f) {
			*bad = "a control character";
			goto out;
		}
	}
	out = strdup(dec);
out:
	so2_wipe_free(plus, n + 1);
	if (dec != NULL) {
		OPENSSL_cleanse(dec, (size_t)declen);
		curl_free(dec);
	}
	return out;
}

/* so2_redirect_clear - free and wipe */
void
so2_redirect_clear(so2_redirect *r)
{
	if (r == NULL)
		return;
	so2_secret_clear(&r->code);
	free(r->state);
	free(r->error);
	free(r->error_description);
	memset(r, 0, sizeof(*r));
}

/* so2_redirect_parse - code, state and error of a redirect */
so2_status
so2_redirect_parse(const char *in, size_t len, so2_redirect *out, so2_err *err)
{
	static const char *const names[] = { "code", "state", "error",
	    "error_description", NULL };
	const char *q, *end, *amp, *eq, *bad;
	char *vals[4] = { NULL, NULL, NULL, NULL };
	size_t i;
	so2_status result;

	memset(out, 0, sizeof(*out));
	if (len > SO2_REDIRECT_MAX)
		return so2_err_set(err, SO2_ERR_PARAM, "the redirect is longer than %d "
				   "bytes", SO2_REDIRECT_MAX);
	for (i = 0; i < len; i++)
		if (in[i] == '\0' || (unsigned char)in[i] < 0x20 || in[i] == 0x7f)
			return so2_err_set(err, SO2_ERR_PARAM, "the redirect holds a control "
					   "character");
	q = memchr(in, '?', len);
	if (q == NULL)
		return so2_err_set(err, SO2_ERR_PARAM, "the redirect has no query "
				   "(\"?code=...&state=...\")");
	end = memchr(in, '#', len);
	if (end == NULL || end < q)
		end = in + len;
	for (q++; q < end; q = amp + 1) {
		amp = memchr(q, '&', (size_t)(end - q));
		if (amp == NULL)
			amp = end;
		eq = memchr(q, '=', (size_t)(amp - q));
		if (eq == NULL)
			eq = amp;
		for (i = 0; names[i] != NULL; i++)
			if ((size_t)(eq - q) == strlen(names[i]) &&
			    memcmp(q, names[i], (size_t)(eq - q)) == 0)
				break;
		if (names[i] != NULL) {
			if (vals[i] != NULL) {
				result = so2_err_set(err, SO2_ERR_PARAM, "the redirect "
						     "holds %s twice", names[i]);
				goto out;
			}
			vals[i] = decode(eq < amp ? eq + 1 : eq,
					 eq < amp ? (size_t)(amp - eq - 1) : 0, &bad);
			if (vals[i] == NULL) {
				result = bad != NULL ? so2_err_set(err, SO2_ERR_PARAM,
				    "the redirect's %s holds %s", names[i], bad) :
				    so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
				goto out;
			}
		}
		if (amp == end)
			break;
	}
	if (vals[0] != NULL && so2_secret_set(&out->code, vals[0], strlen(vals[0])) != SO2_OK) {
		result = so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
		goto out;
	}
	out->state = vals[1];
	out->error = vals[2];
	out->error_description = vals[3];
	vals[1] = vals[2] = vals[3] = NULL;
	result = SO2_OK;
out:
	if (vals[0] != NULL)
		so2_wipe_free_str(vals[0]);
	free(vals[1]);
	free(vals[2]);
	free(vals[3]);
	if (result != SO2_OK)
		so2_redirect_clear(out);
	return result;
}

/* so2_state_equal - compare the state that came back with ours */
int
so2_state_equal(const char *got, const char *want)
{
	size_t n = strlen(want);

	if (got == NULL || strlen(got) != n)
		return 0;
	return CRYPTO_memcmp(got, want, n) == 0;
}

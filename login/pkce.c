/*
 * NAME
 *	pkce.c - PKCE values, authorization URL, redirect parser (pkce.h)
 * DESCRIPTION
 *	Random bytes from RAND_bytes, SHA-256 from EVP_Digest, base64url
 *	from b64url.c. The URL is built by percent-encoding every byte
 *	outside RFC 3986's unreserved set. The redirect parser walks the
 *	query once: name=value pairs split on '&', '+' read as a space
 *	(application/x-www-form-urlencoded), %XX decoded, and refuses
 *	rather than guesses on anything malformed.
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

#include "login/pkce.h"

#include "base/base64.h"

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

/* unreserved - RFC 3986 2.3 */
static int
unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

/* url_len_of - bytes "&name=value" takes once encoded */
static size_t
url_len_of(const char *name, const char *value)
{
	size_t n = 2 + strlen(name);

	for (; *value != '\0'; value++)
		n += unreserved((unsigned char)*value) ? 1 : 3;
	return n;
}

/* add_param - append "&name=value" (value percent-encoded) at *pos */
static void
add_param(char *buf, size_t *pos, const char *name, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i = *pos;

	buf[i++] = '&';
	memcpy(buf + i, name, strlen(name));
	i += strlen(name);
	buf[i++] = '=';
	for (; *value != '\0'; value++) {
		unsigned char c = (unsigned char)*value;

		if (unreserved(c)) {
			buf[i++] = (char)c;
		} else {
			buf[i++] = '%';
			buf[i++] = hex[c >> 4];
			buf[i++] = hex[c & 15];
		}
	}
	buf[i] = '\0';
	*pos = i;
}

/* so2_authorize_url - the authorization request URL */
so2_status
so2_authorize_url(const so2_authorize_req *req, const so2_pkce *p, char **out,
		  so2_err *err)
{
	const char *pairs[32];
	size_t n = 0, i, len, pos;
	char *buf;

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
	len = strlen(req->endpoint);
	for (i = 0; i < n; i += 2)
		len += url_len_of(pairs[i], pairs[i + 1]);
	if ((buf = malloc(len + 1)) == NULL)
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	memcpy(buf, req->endpoint, strlen(req->endpoint) + 1);
	pos = strlen(req->endpoint);
	for (i = 0; i < n; i += 2)
		add_param(buf, &pos, pairs[i], pairs[i + 1]);
	/* the first separator is '?', or '&' when the endpoint has a query */
	buf[strlen(req->endpoint)] = strchr(req->endpoint, '?') != NULL ? '&' : '?';
	*out = buf;
	return SO2_OK;
}

/* hexval - value of a hex digit, -1 if none */
static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* decode - percent-decode n bytes of s into a new string; NULL + *bad */
static char *
decode(const char *s, size_t n, const char **bad)
{
	char *out;
	size_t i, j = 0;
	int hi, lo;
	unsigned char c;

	*bad = NULL;
	if (n > PARAM_MAX) {
		*bad = "a value is too long";
		return NULL;
	}
	if ((out = malloc(n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '%') {
			if (i + 2 >= n) {
				*bad = "a truncated %-escape";
				goto fail;
			}
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0) {
				*bad = "a bad %-escape";
				goto fail;
			}
			c = (unsigned char)(hi * 16 + lo);
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		if (c < 0x20 || c == 0x7f) {
			*bad = "a control character";
			goto fail;
		}
		out[j++] = (char)c;
	}
	out[j] = '\0';
	return out;
fail:
	so2_wipe_free(out, n + 1);
	return NULL;
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

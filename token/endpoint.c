/*
 * NAME
 *	endpoint.c - OAuth 2.0 token endpoint and device authorization client
 * SYNOPSIS
 *	#include "token/endpoint.h"
 * DESCRIPTION
 *	Implements endpoint.h. Each request uses its own libcurl easy
 *	handle: POST application/x-www-form-urlencoded, https only, no
 *	redirects, TLS verification on, CURLOPT_NOSIGNAL (we run inside
 *	other programs and must not touch their signal handlers), no
 *	compression, and a write callback that refuses a body larger than
 *	max_reply bytes instead of truncating it.
 *
 *	The caller must have called curl_global_init() once before the
 *	first request (the SASL module does it at plugin init, the command
 *	in main()); this module never does, because curl_global_init() is
 *	not thread-safe on every platform and belongs to the program.
 *
 *	Secrets: the encoded request body (refresh token, client secret,
 *	device code) and the reply body (tokens) are wiped before they are
 *	freed; a growing reply buffer is moved by hand, not realloc'd, so
 *	no copy is left behind. Messages show the URL, the HTTP status and
 *	what the server said about the error, never a token or a secret.
 *	Jansson's own copies are wiped with so2_json_wipe_decref().
 * DIAGNOSTICS
 *	Error classes are those of endpoint.h: SO2_ERR_TEMP, SO2_ERR_GRANT,
 *	SO2_ERR_OAUTH, SO2_ERR_PENDING, SO2_ERR_SLOW_DOWN, plus
 *	SO2_ERR_PARAM (not an https URL, missing record member),
 *	SO2_ERR_CONFIG (client secret file) and SO2_ERR_NOMEM.
 * SEE ALSO
 *	RFC 6749, RFC 8628, RFC 9110 section 10.2.3 (Retry-After)
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "token/assertion.h"
#include "token/diagnose.h"
#include "token/endpoint.h"

#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "base/text.h"

/* Largest reply so2_token_reply_parse() looks at, whatever max_reply is. */
#define SO2_TOKEN_REPLY_MAX	(256 * 1024)
/* Reply cap when the caller's max_reply is not positive. */
#define SO2_REPLY_DEFAULT_MAX	(64 * 1024)
/* Largest encoded request body. */
#define SO2_FORM_MAX		(64 * 1024)
/* Largest client secret file. */
#define SO2_CLIENT_SECRET_MAX	4096
/* A Retry-After further away than this is taken as this (one day). */
#define SO2_RETRY_AFTER_MAX	86400L
/* An expires_in larger than this is taken as this (one year); it also
 * keeps now + expires_in from overflowing time_t. */
#define SO2_EXPIRES_IN_MAX	(366L * 86400L)
/* Default expiry when the reply has no expires_in (RFC 6749 5.1 lets the
 * server leave it out; Microsoft and Google always send it). */
#define SO2_EXPIRES_IN_DEFAULT	3600L
/* Device grant defaults (RFC 8628 3.2: interval defaults to 5). */
#define SO2_DEVICE_INTERVAL_DEFAULT	5L
#define SO2_DEVICE_EXPIRES_DEFAULT	900L
/* Longest Retry-After header value we read. */
#define SO2_HEADER_VALUE_MAX	128

#define SO2_USER_AGENT		"sasl-oauth2/" PACKAGE_VERSION

/* http_result - what one POST brought back */
struct http_result {
	long status;		/* HTTP status, 0 when none came */
	long retry_after;	/* seconds, 0 when none */
	so2_buf body;		/* capped at max_reply; holds tokens */
};

/* copy_member - the first line of a string member, printable; "" when absent */
static void
copy_member(char *dst, size_t size, json_t *obj, const char *key)
{
	const char *s = so2_json_str(obj, key);

	so2_printable_line(s, s != NULL ? strlen(s) : 0, dst, size);
}

/* err_append - add text at the end of err->msg, truncating */
static void
err_append(so2_err *err, const char *text)
{
	size_t n;

	if (err == NULL)
		return;
	n = strlen(err->msg);
	if (n + 1 < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - n, "%s", text);
}

/* so2_oauth_error_grant_dead - 1 for error codes meaning "login again" */
int
so2_oauth_error_grant_dead(const char *error)
{
	static const char *const dead[] = {
		"invalid_grant",	/* RFC 6749 5.2: expired, revoked */
		"interaction_required",	/* OpenID Connect Core 3.1.2.6 */
		"consent_required",	/* idem */
		"unauthorized_client",	/* the grant is no longer allowed */
		NULL
	};
	size_t i;

	if (error == NULL)
		return 0;
	for (i = 0; dead[i] != NULL; i++)
		if (strcmp(error, dead[i]) == 0)
			return 1;
	return 0;
}

/* aadsts_from_text - the number of a leading "AADSTS<digits>", or 0 */
static long
aadsts_from_text(const char *s)
{
	long code = 0;

	if (s == NULL || strncmp(s, "AADSTS", 6) != 0)
		return 0;
	for (s += 6; *s >= '0' && *s <= '9'; s++) {
		if (code > (LONG_MAX - (*s - '0')) / 10)
			return 0;
		code = code * 10 + (*s - '0');
	}
	return code;
}

/* oauth_error_fill - copy an OAuth error object into *oerr (RFC 6749 5.2)
 *	Also Microsoft's error_codes, trace_id, correlation_id, timestamp. */
static void
oauth_error_fill(json_t *root, so2_oauth_error *oerr)
{
	json_t *codes;
	long code;

	copy_member(oerr->error, sizeof(oerr->error), root, "error");
	copy_member(oerr->description, sizeof(oerr->description), root,
	    "error_description");
	copy_member(oerr->trace_id, sizeof(oerr->trace_id), root, "trace_id");
	copy_member(oerr->correlation_id, sizeof(oerr->correlation_id), root,
	    "correlation_id");
	copy_member(oerr->timestamp, sizeof(oerr->timestamp), root, "timestamp");
	codes = json_object_get(root, "error_codes");
	if (json_is_array(codes) && json_array_size(codes) > 0
	    && so2_json_int_or_numeric_string(json_array_get(codes, 0), &code) == SO2_OK)
		oerr->code = code;
	else
		oerr->code = aadsts_from_text(oerr->description);
}

/* oauth_error_status - the class of an OAuth error (endpoint.h)
 *	The device grant's polling answers come first: some servers send
 *	them with unusual statuses, and they are never fatal. Then HTTP 5xx
 *	and 429 are transient whatever the body says. */
static so2_status
oauth_error_status(long http_status, const char *error)
{
	if (strcmp(error, "authorization_pending") == 0)
		return SO2_ERR_PENDING;
	if (strcmp(error, "slow_down") == 0)
		return SO2_ERR_SLOW_DOWN;
	if (http_status >= 500 || http_status == 429)
		return SO2_ERR_TEMP;
	if (strcmp(error, "temporarily_unavailable") == 0)
		return SO2_ERR_TEMP;
	if (so2_oauth_error_grant_dead(error))
		return SO2_ERR_GRANT;
	return SO2_ERR_OAUTH;
}

/* oauth_error_message - "HTTP 400, invalid_grant: AADSTS70008: text (trace id..)" */
static so2_status
oauth_error_message(so2_status status, const so2_oauth_error *oerr, so2_err *err)
{
	const so2_diag_row *row;
	char code[32] = "";
	char ids[160] = "";
	char more[SO2_ERR_MSG_MAX];

	if (oerr->code != 0 && aadsts_from_text(oerr->description) != oerr->code)
		snprintf(code, sizeof(code), "AADSTS%ld: ", oerr->code);
	if (oerr->trace_id[0] != '\0' || oerr->correlation_id[0] != '\0')
		snprintf(ids, sizeof(ids), " (trace id %s, correlation id %s)",
		    oerr->trace_id[0] ? oerr->trace_id : "none",
		    oerr->correlation_id[0] ? oerr->correlation_id : "none");
	if (oerr->description[0] != '\0' || code[0] != '\0')
		so2_err_set(err, status, "HTTP %ld, %s: %s%s%s", oerr->http_status,
		    oerr->error, code, oerr->description, ids);
	else
		so2_err_set(err, status, "HTTP %ld, %s%s", oerr->http_status, oerr->error, ids);
	/* The cause and the fix from the one table (diagnose.h). */
	if ((row = so2_diag_token_error(oerr->code, oerr->error)) != NULL) {
		so2_format(more, sizeof(more), "; this means %s; fix: %s", row->cause, row->fix);
		err_append(err, more);
	}
	return status;
}

/* http_status_words - a few words on a status without an OAuth error */
static const char *
http_status_words(long status)
{
	if (status == 429)
		return " (too many requests)";
	if (status >= 500)
		return " (server error)";
	if (status >= 300 && status < 400)
		return " (a redirect; redirects are not followed)";
	if (status == 0)
		return " (no HTTP status)";
	return "";
}

/* reply_success - fill *out from a 200 reply holding an access_token */
static so2_status
reply_success(json_t *root, so2_token_reply *out, so2_err *err)
{
	json_t *v;
	so2_status result;

	result = so2_json_secret(root, "access_token", &out->access_token, err);
	if (result == SO2_OK)
		result = so2_json_secret(root, "refresh_token", &out->refresh_token, err);
	if (result == SO2_OK)
		result = so2_json_dup_str(root, "token_type", &out->token_type, err);
	if (result == SO2_OK)
		result = so2_json_dup_str(root, "scope", &out->scope, err);
	if (result != SO2_OK) {
		result = so2_json_reclass(result, SO2_ERR_TEMP, err);
		so2_err_prefix(err, "HTTP 200, bad token reply");
		return result;
	}
	/* RFC 6749 5.1 makes token_type required; a server that leaves it
	 * out means what everyone sends. */
	if (out->token_type == NULL && (out->token_type = strdup("Bearer")) == NULL)
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	/* A malformed expires_in is taken as absent rather than failing the
	 * reply: it may carry a rotated refresh token that must be kept. */
	v = json_object_get(root, "expires_in");
	if (v == NULL || so2_json_int_or_numeric_string(v, &out->expires_in) != SO2_OK)
		out->expires_in = -1;
	return SO2_OK;
}

/* so2_token_reply_parse - classify and parse a token endpoint reply */
so2_status
so2_token_reply_parse(long http_status, const char *body, size_t len,
		      so2_token_reply *out, so2_oauth_error *oerr, so2_err *err)
{
	so2_err jerr;
	json_t *root = NULL;
	json_t *tok;
	so2_status result;

	memset(out, 0, sizeof(*out));
	out->expires_in = -1;
	memset(oerr, 0, sizeof(*oerr));
	oerr->http_status = http_status;
	so2_err_clear(&jerr);

	result = so2_json_load("body", body, len, SO2_TOKEN_REPLY_MAX, &root, &jerr);
	if (result == SO2_ERR_NOMEM) {
		so2_err_set(err, result, "%s", jerr.msg);
		goto out;
	}
	if (result != SO2_OK) {
		result = so2_err_set(err, SO2_ERR_TEMP, "HTTP %ld%s, not an OAuth reply: %s",
		    http_status, http_status_words(http_status), jerr.msg);
		goto out;
	}
	if (json_object_get(root, "error") != NULL) {
		if (!json_is_string(json_object_get(root, "error"))) {
			result = so2_err_set(err, SO2_ERR_TEMP,
			    "HTTP %ld%s, not an OAuth reply: member error is not a string",
			    http_status, http_status_words(http_status));
			goto out;
		}
		oauth_error_fill(root, oerr);
		result = oauth_error_message(oauth_error_status(http_status, oerr->error),
		    oerr, err);
		goto out;
	}
	tok = json_object_get(root, "access_token");
	if (http_status == 200 && json_is_string(tok) && json_string_length(tok) > 0) {
		result = reply_success(root, out, err);
		goto out;
	}
	if (http_status == 200)
		result = so2_err_set(err, SO2_ERR_TEMP,
		    "HTTP 200, reply has neither a usable access_token nor an error");
	else
		result = so2_err_set(err, SO2_ERR_TEMP, "HTTP %ld%s, reply has no OAuth error",
		    http_status, http_status_words(http_status));
out:
	if (result != SO2_OK)
		so2_token_reply_clear(out);
	so2_json_wipe_decref(root);
	return result;
}

/* so2_token_reply_clear - wipe tokens and free; the reply becomes empty */
void
so2_token_reply_clear(so2_token_reply *rep)
{
	if (rep == NULL)
		return;
	so2_secret_clear(&rep->access_token);
	so2_secret_clear(&rep->refresh_token);
	free(rep->token_type);
	free(rep->scope);
	rep->token_type = NULL;
	rep->scope = NULL;
	rep->expires_in = -1;
}

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

/* ---- HTTP ------------------------------------------------------------ */

/* reply_write - libcurl write callback: append, refuse more than max
 *	Returning less than given fails the transfer (CURLE_WRITE_ERROR);
 *	body.bad then says why. */
static size_t
reply_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	so2_buf *b = userdata;
	size_t n = size * nmemb;

	return so2_buf_add(b, ptr, n) == SO2_OK ? n : 0;
}

/* parse_retry_after - seconds to wait from a Retry-After value
 *	RFC 9110 10.2.3: delay-seconds or an HTTP-date. 0 when unusable;
 *	at most SO2_RETRY_AFTER_MAX. */
static long
parse_retry_after(const char *v)
{
	long secs = 0;
	time_t when, now;
	const char *p;

	while (*v == ' ' || *v == '\t')
		v++;
	if (*v >= '0' && *v <= '9') {
		for (p = v; *p >= '0' && *p <= '9'; p++) {
			secs = secs * 10 + (*p - '0');
			if (secs > SO2_RETRY_AFTER_MAX)
				return SO2_RETRY_AFTER_MAX;
		}
		while (*p == ' ' || *p == '\t')
			p++;
		return *p == '\0' ? secs : 0;
	}
	when = curl_getdate(v, NULL);
	now = time(NULL);
	if (when == (time_t)-1 || when <= now)
		return 0;
	if (when - now > SO2_RETRY_AFTER_MAX)
		return SO2_RETRY_AFTER_MAX;
	return (long)(when - now);
}

/* reply_header - libcurl header callback: keep Retry-After */
static size_t
reply_header(char *ptr, size_t size, size_t nitems, void *userdata)
{
	static const char name[] = "Retry-After:";
	struct http_result *hr = userdata;
	size_t n = size * nitems;
	char value[SO2_HEADER_VALUE_MAX];

	/* A new status line (after 100 Continue) starts a new header set. */
	if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0)
		hr->retry_after = 0;
	else if (n > sizeof(name) - 1 && strncasecmp(ptr, name, sizeof(name) - 1) == 0) {
		so2_printable_line(ptr + sizeof(name) - 1, n - (sizeof(name) - 1), value,
		    sizeof(value));
		hr->retry_after = parse_retry_after(value);
	}
	return n;
}

/* form_encode - "a=1&b=2" with every value percent-encoded
 *	*out is malloc'd and holds secrets: release with so2_wipe_free(*out,
 *	*outlen + 1). */
static so2_status
form_encode(CURL *h, const so2_form_field *form, char **out, size_t *outlen,
	    so2_err *err)
{
	char *buf = NULL, *esc = NULL;
	size_t len = 0, nlen, elen;
	const so2_form_field *f;
	so2_status result;

	*out = NULL;
	*outlen = 0;
	if ((buf = malloc(SO2_FORM_MAX + 1)) == NULL) {
		result = so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (f = form; f->name != NULL; f++) {
		const char *v = f->value != NULL ? f->value : "";

		if (strlen(v) > SO2_FORM_MAX) {
			result = so2_err_set(err, SO2_ERR_PARAM,
			    "request field %s is longer than %d bytes", f->name, SO2_FORM_MAX);
			goto out;
		}
		if ((esc = curl_easy_escape(h, v, (int)strlen(v))) == NULL) {
			result = so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
			goto out;
		}
		nlen = strlen(f->name);
		elen = strlen(esc);
		if (len + (len > 0) + nlen + 1 + elen > SO2_FORM_MAX) {
			result = so2_err_set(err, SO2_ERR_PARAM,
			    "request body is longer than %d bytes", SO2_FORM_MAX);
			goto out;
		}
		if (len > 0)
			buf[len++] = '&';
		memcpy(buf + len, f->name, nlen);
		len += nlen;
		buf[len++] = '=';
		memcpy(buf + len, esc, elen);
		len += elen;
		OPENSSL_cleanse(esc, elen);
		curl_free(esc);
		esc = NULL;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	buf = NULL;
	result = SO2_OK;
out:
	if (esc != NULL) {
		OPENSSL_cleanse(esc, strlen(esc));
		curl_free(esc);
	}
	so2_wipe_free(buf, SO2_FORM_MAX + 1);
	return result;
}

/* is_tls_verify_error - libcurl results that mean "certificate not trusted" */
static int
is_tls_verify_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		return 1;
	default:
		return 0;
	}
}

/* ca_in_use - words naming the CA bundle a request trusts */
static void
ca_in_use(CURL *h, const so2_http_conf *hc, char *buf, size_t size)
{
	char *def = NULL;

	if (hc->ca_blob != NULL) {
		snprintf(buf, size, "the CA bundle loaded in memory (%zu bytes)",
		    hc->ca_blob_len);
		return;
	}
	if (hc->ca_file != NULL) {
		snprintf(buf, size, "CA file %s", hc->ca_file);
		return;
	}
#if LIBCURL_VERSION_NUM >= 0x075400
	if (curl_easy_getinfo(h, CURLINFO_CAINFO, &def) != CURLE_OK)
		def = NULL;
#else
	(void)h;
#endif
	snprintf(buf, size, "libcurl's default CA file %s", def != NULL ? def : "(none)");
}

/* curl_failure - the message for a failed transfer */
static so2_status
curl_failure(CURL *h, const so2_http_conf *hc, const char *url, CURLcode rc,
	     const char *errbuf, const so2_buf *body, so2_err *err)
{
	const char *why = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
	char ca[512];

	if (body->bad == SO2_ERR_PARAM || rc == CURLE_FILESIZE_EXCEEDED)
		return so2_err_set(err, SO2_ERR_TEMP, "%s: reply larger than %zu bytes",
		    url, body->max);
	if (rc == CURLE_OUT_OF_MEMORY)
		return so2_err_set(err, SO2_ERR_NOMEM, "%s: out of memory", url);
	if (rc == CURLE_WRITE_ERROR)	/* our callback's malloc() failed */
		return so2_err_set(err, SO2_ERR_NOMEM, "%s: out of memory", url);
	if (is_tls_verify_error(rc)) {
		ca_in_use(h, hc, ca, sizeof(ca));
		if (rc == CURLE_SSL_CACERT_BADFILE)
			return so2_err_set(err, SO2_ERR_TEMP,
			    "%s: TLS certificate verification impossible, cannot use %s: %s",
			    url, ca, why);
		return so2_err_set(err, SO2_ERR_TEMP,
		    "%s: TLS certificate verification failed (trusting %s): %s", url, ca, why);
	}
	if (rc == CURLE_SSL_CONNECT_ERROR)
		return so2_err_set(err, SO2_ERR_TEMP, "%s: TLS handshake failed: %s", url, why);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return so2_err_set(err, SO2_ERR_TEMP, "%s: timed out: %s", url, why);
	return so2_err_set(err, SO2_ERR_TEMP, "%s: %s", url, why);
}

/* set_options - everything a request sets on its handle
 *	Returns the first failing CURLcode, CURLE_OK when all took. */
static CURLcode
set_options(CURL *h, const so2_http_conf *hc, const char *url, const char *body,
	    size_t bodylen, struct curl_slist *headers, struct http_result *hr,
	    char *errbuf)
{
	CURLcode rc = CURLE_OK;

#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(h, opt, val); } while (0)
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, "https");
#else
	SET(CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_USERAGENT, SO2_USER_AGENT);
	SET(CURLOPT_HTTPHEADER, headers);
	SET(CURLOPT_POST, 1L);
	SET(CURLOPT_POSTFIELDS, body);
	SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)bodylen);
	SET(CURLOPT_WRITEFUNCTION, reply_write);
	SET(CURLOPT_WRITEDATA, &hr->body);
	SET(CURLOPT_HEADERFUNCTION, reply_header);
	SET(CURLOPT_HEADERDATA, hr);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)hr->body.max);
	if (hc->ca_blob != NULL) {
		struct curl_blob blob;

		blob.data = (void *)hc->ca_blob;
		blob.len = hc->ca_blob_len;
		blob.flags = CURL_BLOB_COPY;
		SET(CURLOPT_CAINFO_BLOB, &blob);
	} else if (hc->ca_file != NULL) {
		SET(CURLOPT_CAINFO, hc->ca_file);
	}
	if (hc->proxy != NULL)
		SET(CURLOPT_PROXY, hc->proxy);
	if (hc->connect_timeout > 0)
		SET(CURLOPT_CONNECTTIMEOUT, hc->connect_timeout);
	if (hc->total_timeout > 0)
		SET(CURLOPT_TIMEOUT, hc->total_timeout);
#undef SET
	return rc;
}

/* http_post - POST form to url; status, Retry-After and body into *hr
 *	Returns SO2_OK whenever an HTTP reply came, whatever its status. */
static so2_status
http_post(const so2_http_conf *hc, const char *url, const so2_form_field *form,
	  struct http_result *hr, so2_err *err)
{
	CURL *h = NULL;
	/* "Expect:" off: no 100-continue round trip for a small form. */
	static const char *const hdrs[] = {
		"Accept: application/json",
		"Content-Type: application/x-www-form-urlencoded",
		"Expect:",
		NULL
	};
	struct curl_slist *headers = NULL, *more;
	char errbuf[CURL_ERROR_SIZE];
	size_t i;
	char *body = NULL;
	size_t bodylen = 0;
	CURLcode rc;
	so2_status result;

	memset(hr, 0, sizeof(*hr));
	so2_buf_init(&hr->body, hc->max_reply > 0 ? (size_t)hc->max_reply
	    : SO2_REPLY_DEFAULT_MAX);
	errbuf[0] = '\0';
	if (url == NULL || strncasecmp(url, "https://", 8) != 0) {
		result = so2_err_set(err, SO2_ERR_PARAM, "%s: not an https URL",
		    url != NULL ? url : "(no URL)");
		goto out;
	}
	if ((h = curl_easy_init()) == NULL) {
		result = so2_err_set(err, SO2_ERR_NOMEM, "%s: cannot create a libcurl handle", url);
		goto out;
	}
	if ((result = form_encode(h, form, &body, &bodylen, err)) != SO2_OK)
		goto out;
	for (i = 0; hdrs[i] != NULL; i++) {
		if ((more = curl_slist_append(headers, hdrs[i])) == NULL) {
			result = so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
			goto out;
		}
		headers = more;
	}
	rc = set_options(h, hc, url, body, bodylen, headers, hr, errbuf);
	if (rc != CURLE_OK) {
		result = so2_err_set(err, rc == CURLE_OUT_OF_MEMORY ? SO2_ERR_NOMEM : SO2_ERR_PARAM,
		    "%s: libcurl refused an option: %s", url, curl_easy_strerror(rc));
		goto out;
	}
	rc = curl_easy_perform(h);
	if (rc != CURLE_OK) {
		result = curl_failure(h, hc, url, rc, errbuf, &hr->body, err);
		goto out;
	}
	if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &hr->status) != CURLE_OK)
		hr->status = 0;
	result = SO2_OK;
out:
	if (result != SO2_OK)
		so2_buf_free(&hr->body);
	/* The handle points at body (POSTFIELDS is not copied): it goes first. */
	if (h != NULL)
		curl_easy_cleanup(h);
	curl_slist_free_all(headers);
	so2_wipe_free(body, SO2_FORM_MAX + 1);
	return result;
}

/* http_result_free - wipe and free the reply body */
static void
http_result_free(struct http_result *hr)
{
	so2_buf_free(&hr->body);
}

/* retry_note - append the server's Retry-After to a transient failure */
static void
retry_note(so2_status result, long retry_after, so2_err *err)
{
	char note[64];

	if (result != SO2_ERR_TEMP || retry_after <= 0)
		return;
	snprintf(note, sizeof(note), "; retry after %ld seconds", retry_after);
	err_append(err, note);
}

/* reply_parser - turns one HTTP reply into out (a token or device reply) */
typedef so2_status (*reply_parser)(long http_status, const char *body, size_t len,
				   void *out, so2_oauth_error *oerr, so2_err *err);

/*
 * post_and_parse - POST form to url, parse the reply with parse
 *	The one request path of the token and device endpoints: oerr gets
 *	the HTTP status and Retry-After; a failure's message starts with
 *	the URL and ends with the retry note. Returns what http_post or
 *	parse returned.
 */
static so2_status
post_and_parse(const so2_http_conf *hc, const char *url, const so2_form_field *form,
	       reply_parser parse, void *out, so2_oauth_error *oerr, so2_err *err)
{
	struct http_result hr;
	so2_status result;

	result = http_post(hc, url, form, &hr, err);
	if (result != SO2_OK)
		return result;
	result = parse(hr.status, hr.body.data, hr.body.len, out, oerr, err);
	oerr->http_status = hr.status;
	oerr->retry_after = hr.retry_after;
	http_result_free(&hr);
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
	return post_and_parse(hc, url, form, parse_token_reply, out, oerr, err);
}

/* ---- grants ---------------------------------------------------------- */

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

/* client_request - finish a token request of client rec and send it
 *	form[0..n-1] holds the grant's own fields; appended here: client_id,
 *	scope (when with_scope and the record has one), the client
 *	authentication, the terminator (form has room for SO2_FORM_FIELDS).
 *	The secret and assertion the form points to are wiped after the
 *	request. Returns as so2_token_request. */
#define SO2_FORM_FIELDS 12
static so2_status
client_request(const so2_http_conf *hc, const so2_record *rec, so2_form_field *form, int n,
	       int with_scope, so2_token_reply *out, so2_oauth_error *oerr, so2_err *err)
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
	result = client_request(hc, rec, form, n, 1, out, oerr, err);
	if (result != SO2_OK && err != NULL && rec->account != NULL)
		so2_diag_fill(err->msg, sizeof(err->msg), "ACCOUNT", rec->account);
out:
	return result;
}

/* so2_grant_authorization_code - redeem an authorization code (RFC 6749
 *	4.1.3) with its PKCE verifier (RFC 7636 4.5) */
so2_status
so2_grant_authorization_code(const so2_http_conf *hc, const so2_record *rec,
			     const char *code, const char *redirect_uri,
			     const char *code_verifier, so2_token_reply *out,
			     so2_oauth_error *oerr, so2_err *err)
{
	so2_form_field form[SO2_FORM_FIELDS];
	int n = 0;

	memset(out, 0, sizeof(*out));
	out->expires_in = -1;
	memset(oerr, 0, sizeof(*oerr));
	if (rec->token_endpoint == NULL || rec->client_id == NULL || code == NULL
	    || redirect_uri == NULL || code_verifier == NULL)
		return so2_err_set(err, SO2_ERR_PARAM, "authorization code grant: "
		    "missing parameter");
	form[n++] = (so2_form_field){ "grant_type", SO2_GRANT_AUTHORIZATION_CODE, 0 };
	form[n++] = (so2_form_field){ "code", code, 1 };
	form[n++] = (so2_form_field){ "redirect_uri", redirect_uri, 0 };
	form[n++] = (so2_form_field){ "code_verifier", code_verifier, 1 };
	return client_request(hc, rec, form, n, 1, out, oerr, err);
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
			    "authorization response", http_status, http_status_words(http_status));
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
	return post_and_parse(hc, url, form, device_auth_parse, out, oerr, err);
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
	result = client_request(hc, client, form, n, 0, out, oerr, err);
	/* RFC 8628 3.5: expired_token and access_denied end the flow. */
	if (strcmp(oerr->error, "expired_token") == 0)
		result = so2_err_set(err, SO2_ERR_GRANT, "the device code expired before the "
		    "sign-in was completed; run the login command again");
	else if (strcmp(oerr->error, "access_denied") == 0
	    || strcmp(oerr->error, "authorization_declined") == 0)
		result = so2_err_set(err, SO2_ERR_GRANT, "the sign-in was declined");
	return result;
}

/* so2_record_apply_reply - store a successful reply into a record
 *	Everything is allocated first, so that on SO2_ERR_NOMEM the record
 *	is unchanged. */
so2_status
so2_record_apply_reply(so2_record *rec, const so2_token_reply *rep, time_t now,
		       so2_err *err)
{
	so2_secret access = SO2_SECRET_INIT, refresh = SO2_SECRET_INIT;
	char *token_type = NULL, *state = NULL;
	long expires_in;
	so2_status result;

	if (so2_secret_empty(&rep->access_token)) {
		result = so2_err_set(err, SO2_ERR_PARAM, "token reply without an access token");
		goto out;
	}
	if (so2_secret_set(&access, rep->access_token.data, rep->access_token.len) != SO2_OK
	    || (!so2_secret_empty(&rep->refresh_token)
		&& so2_secret_set(&refresh, rep->refresh_token.data, rep->refresh_token.len)
		!= SO2_OK)
	    || (token_type = strdup(rep->token_type ? rep->token_type : "Bearer")) == NULL
	    || (state = strdup(SO2_STATE_OK)) == NULL) {
		result = so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
		goto out;
	}
	expires_in = rep->expires_in >= 0 ? rep->expires_in : SO2_EXPIRES_IN_DEFAULT;
	if (expires_in > SO2_EXPIRES_IN_MAX)
		expires_in = SO2_EXPIRES_IN_MAX;

	so2_secret_take(&rec->access_token, &access);
	if (!so2_secret_empty(&refresh))
		so2_secret_take(&rec->refresh_token, &refresh);
	free(rec->token_type);
	rec->token_type = token_type;
	token_type = NULL;
	free(rec->state);
	rec->state = state;
	state = NULL;
	rec->expires_at = now + (time_t)expires_in;
	rec->refreshed_at = now;
	if (rec->obtained_at == 0)
		rec->obtained_at = now;
	free(rec->last_error);
	rec->last_error = NULL;
	rec->last_error_at = 0;
	rec->failures = 0;
	rec->retry_after = 0;
	result = SO2_OK;
out:
	so2_secret_clear(&access);
	so2_secret_clear(&refresh);
	free(token_type);
	free(state);
	return result;
}

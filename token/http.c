/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	http.c - the one HTTPS client (see http.h)
 * DESCRIPTION
 *	new_handle() sets what every request shares; so2_http_post_form
 *	adds the form and the capped body, so2_http_probe a GET whose body
 *	is dropped. A growing reply buffer is moved by hand, not
 *	realloc'd (base/buf.h), so no copy of a token is left behind.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "token/diagnose.h"
#include "token/http.h"

#include "base/secret.h"
#include "base/text.h"

/* Longest Retry-After or Date header value we read. */
#define SO2_HEADER_VALUE_MAX	128

#define SO2_USER_AGENT		"sasl-oauth2/" PACKAGE_VERSION

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
	so2_http_reply *hr = userdata;
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

/* no_credentials - url without "user:password@" */
static void
no_credentials(const char *url, char *buf, size_t size)
{
	const char *host = strstr(url, "://"), *at;

	host = host != NULL ? host + 3 : url;
	at = strchr(host, '@');
	if (at != NULL && at < host + strcspn(host, "/"))
		so2_format(buf, size, "%.*s%s", (int)(host - url), url, at + 1);
	else
		so2_format(buf, size, "%s", url);
}

/* so2_http_proxy_source - which proxy a request uses, and where it came from */
void
so2_http_proxy_source(const so2_http_conf *hc, char *buf, size_t size)
{
	static const char *const names[] = { "https_proxy", "HTTPS_PROXY", "all_proxy",
					     "ALL_PROXY", NULL };
	const char *v = NULL, *no = getenv("no_proxy");
	char shown[512];
	size_t i;

	if (no == NULL)
		no = getenv("NO_PROXY");
	if (hc->proxy != NULL && hc->proxy[0] != '\0') {
		no_credentials(hc->proxy, shown, sizeof(shown));
		so2_format(buf, size, "through proxy %s (proxy in sasl-oauth2.conf)", shown);
		return;
	}
	for (i = 0; names[i] != NULL && (v == NULL || *v == '\0'); i++)
		v = getenv(names[i]);
	if (v != NULL && *v != '\0') {
		no_credentials(v, shown, sizeof(shown));
		so2_format(buf, size, "through proxy %s (%s in the environment; Postfix's "
			   "daemons do not inherit a shell's)%s%s", shown, names[i - 1],
			   no != NULL && *no ? ", no_proxy=" : "", no != NULL ? no : "");
		return;
	}
	so2_format(buf, size, "without a proxy (none in sasl-oauth2.conf or the environment)");
}

/* curl_failure - the message for a failed transfer */
static so2_status
curl_failure(CURL *h, const so2_http_conf *hc, const char *url, CURLcode rc,
	     const char *errbuf, const so2_buf *body, so2_err *err)
{
	const char *why = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
	char ca[512], clock[256], proxy[700];

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
		so2_diag_tls_clock(why, time(NULL), clock, sizeof(clock));
		return so2_err_set(err, SO2_ERR_TEMP,
		    "%s: TLS certificate verification failed (trusting %s): %s%s", url, ca, why,
		    clock);
	}
	so2_http_proxy_source(hc, proxy, sizeof(proxy));
	if (rc == CURLE_SSL_CONNECT_ERROR)
		return so2_err_set(err, SO2_ERR_TEMP, "%s: TLS handshake failed: %s (%s)", url,
		    why, proxy);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return so2_err_set(err, SO2_ERR_TEMP, "%s: timed out: %s (%s)", url, why, proxy);
	return so2_err_set(err, SO2_ERR_TEMP, "%s: %s (%s)", url, why, proxy);
}

#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(h, opt, val); } while (0)

/* common_options - what every request sets on its handle
 *	Returns the first failing CURLcode, CURLE_OK when all took. */
static CURLcode
common_options(CURL *h, const so2_http_conf *hc, const char *url, char *errbuf)
{
	CURLcode rc = CURLE_OK;

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
	/* No TLS session cache: a handle serves one request, so it never
	 * resumes, and libcurl 7.88's cache frees twice when storing a
	 * session ticket fails for lack of memory (tests/alloc-fail.sh). */
	SET(CURLOPT_SSL_SESSIONID_CACHE, 0L);
	SET(CURLOPT_USERAGENT, SO2_USER_AGENT);
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
	return rc;
}

/* post_options - the form POST and its capped reply */
static CURLcode
post_options(CURL *h, const char *body, size_t bodylen, struct curl_slist *headers,
	     so2_http_reply *hr)
{
	CURLcode rc = CURLE_OK;

	SET(CURLOPT_HTTPHEADER, headers);
	SET(CURLOPT_POST, 1L);
	SET(CURLOPT_POSTFIELDS, body);
	SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)bodylen);
	SET(CURLOPT_WRITEFUNCTION, reply_write);
	SET(CURLOPT_WRITEDATA, &hr->body);
	SET(CURLOPT_HEADERFUNCTION, reply_header);
	SET(CURLOPT_HEADERDATA, hr);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)hr->body.max);
	return rc;
}

/* https_only - SO2_OK for an https URL */
static so2_status
https_only(const char *url, so2_err *err)
{
	if (url == NULL || strncasecmp(url, "https://", 8) != 0)
		return so2_err_set(err, SO2_ERR_PARAM, "%s: not an https URL",
		    url != NULL ? url : "(no URL)");
	return SO2_OK;
}

/* options_failed - the message for an option libcurl refused */
static so2_status
options_failed(const char *url, CURLcode rc, so2_err *err)
{
	return so2_err_set(err, rc == CURLE_OUT_OF_MEMORY ? SO2_ERR_NOMEM : SO2_ERR_PARAM,
	    "%s: libcurl refused an option: %s", url, curl_easy_strerror(rc));
}

/* so2_http_post_form - POST form to url; status, Retry-After and body */
so2_status
so2_http_post_form(const so2_http_conf *hc, const char *url, const so2_form_field *form,
		   so2_http_reply *hr, so2_err *err)
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
	if ((result = https_only(url, err)) != SO2_OK)
		goto out;
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
	rc = common_options(h, hc, url, errbuf);
	if (rc == CURLE_OK)
		rc = post_options(h, body, bodylen, headers, hr);
	if (rc != CURLE_OK) {
		result = options_failed(url, rc, err);
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

/* so2_http_reply_clear - wipe and free the body */
void
so2_http_reply_clear(so2_http_reply *r)
{
	if (r != NULL)
		so2_buf_free(&r->body);
}

/* probe_header - libcurl header callback: keep the Date header */
static size_t
probe_header(char *ptr, size_t size, size_t nitems, void *userdata)
{
	static const char name[] = "Date:";
	so2_http_probe_result *pr = userdata;
	size_t n = size * nitems;
	char value[SO2_HEADER_VALUE_MAX];

	if (n > sizeof(name) - 1 && strncasecmp(ptr, name, sizeof(name) - 1) == 0) {
		so2_printable_line(ptr + sizeof(name) - 1, n - (sizeof(name) - 1), value,
		    sizeof(value));
		pr->server_date = curl_getdate(value, NULL);
		if (pr->server_date <= 0)
			pr->server_date = -1;
	}
	return n;
}

/* probe_discard - libcurl write callback: the body is not needed */
static size_t
probe_discard(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	(void)ptr;
	(void)userdata;
	return size * nmemb;
}

/* so2_http_probe - GET url: reachable over verified TLS? */
so2_status
so2_http_probe(const so2_http_conf *hc, const char *url, so2_http_probe_result *out,
	       so2_err *err)
{
	char errbuf[CURL_ERROR_SIZE];
	so2_buf none;
	CURL *h;
	CURLcode rc;
	so2_status result;

	memset(out, 0, sizeof(*out));
	out->server_date = -1;
	errbuf[0] = '\0';
	if ((result = https_only(url, err)) != SO2_OK)
		return result;
	if ((h = curl_easy_init()) == NULL)
		return so2_err_set(err, SO2_ERR_NOMEM, "%s: cannot create a libcurl handle", url);
	rc = common_options(h, hc, url, errbuf);
	SET(CURLOPT_HEADERFUNCTION, probe_header);
	SET(CURLOPT_HEADERDATA, out);
	SET(CURLOPT_WRITEFUNCTION, probe_discard);
	if (rc != CURLE_OK) {
		result = options_failed(url, rc, err);
		goto out;
	}
	rc = curl_easy_perform(h);
	if (curl_easy_getinfo(h, CURLINFO_SSL_VERIFYRESULT, &out->verify_result) != CURLE_OK)
		out->verify_result = 0;
	if (rc != CURLE_OK) {
		so2_format(out->why, sizeof(out->why), "%s",
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
		out->tls_untrusted = is_tls_verify_error(rc);
		so2_buf_init(&none, 0);
		result = curl_failure(h, hc, url, rc, errbuf, &none, err);
		goto out;
	}
	if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status) != CURLE_OK)
		out->status = 0;
	result = SO2_OK;
out:
	curl_easy_cleanup(h);
	return result;
}
#undef SET

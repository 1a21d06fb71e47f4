/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	http.h - the one HTTPS client (libcurl)
 * SYNOPSIS
 *	#include "token/http.h"
 * DESCRIPTION
 *	Every HTTP request of sasl-oauth2 goes through here: token and
 *	device authorization requests (so2_http_post_form) and doctor's
 *	reachability check (so2_http_probe). Each request uses its own
 *	libcurl easy handle with the same settings: https only
 *	(CURLOPT_PROTOCOLS_STR "https"), no redirects, TLS verification on
 *	(CURLOPT_SSL_VERIFYPEER and VERIFYHOST stay on), CURLOPT_NOSIGNAL
 *	(we run inside other programs and must not touch their signal
 *	handlers), the CA bundle of so2_http_conf (in memory or a file),
 *	its proxy and timeouts.
 *
 *	The caller must have called curl_global_init() once before the
 *	first request (the SASL module does it at plugin init, the command
 *	in main()); this module never does, because curl_global_init() is
 *	not thread-safe on every platform and belongs to the program.
 *
 *	Replies are untrusted input: the body is capped at max_reply bytes
 *	(a larger one is an error, not a truncation). Secrets: the encoded
 *	request body (refresh token, client secret, device code) and the
 *	reply body (tokens) are wiped before they are freed (base/buf.h).
 *	Messages name the URL and libcurl's reason, never a form value.
 * DIAGNOSTICS
 *	SO2_ERR_TEMP: no HTTP reply (network, DNS, timeout, TLS; TLS
 *	verification failures named as such with the CA bundle trusted),
 *	a reply over the cap. SO2_ERR_PARAM: not an https URL, a form
 *	field over SO2_FORM_MAX. SO2_ERR_NOMEM.
 * SEE ALSO
 *	libcurl(3), RFC 9110 section 10.2.3 (Retry-After), RFC 6749 appendix B
 */
#ifndef SO2_HTTP_H
#define SO2_HTTP_H

#include <stddef.h>
#include <time.h>
#include "base/buf.h"
#include "base/error.h"

/* Largest encoded request body, bytes. */
#define SO2_FORM_MAX		(64 * 1024)
/* Reply cap when the caller's max_reply is not positive, bytes. */
#define SO2_REPLY_DEFAULT_MAX	(64 * 1024)
/* A Retry-After further away than this is taken as this (one day). */
#define SO2_RETRY_AFTER_MAX	86400L

/* so2_http_conf - how to reach the server; strings are borrowed */
typedef struct so2_http_conf {
	const char *ca_file;	/* CA bundle path, NULL: libcurl default */
	const char *ca_blob;	/* CA bundle already in memory (PEM); when
				 * set it wins over ca_file (chroot) */
	size_t ca_blob_len;	/* bytes */
	const char *proxy;	/* NULL: libcurl's environment rules */
	long connect_timeout;	/* seconds */
	long total_timeout;	/* seconds, whole request */
	long max_reply;		/* bytes of body accepted */
	int cred_dir_set;	/* 1: cred_dirfd is valid */
	int cred_dirfd;		/* directory that relative client secret,
				 * key and certificate paths of a record are
				 * read from (openat): the record's store,
				 * so that a chrooted process reaches them */
} so2_http_conf;

/* so2_form_field - one application/x-www-form-urlencoded field */
typedef struct so2_form_field {
	const char *name;	/* NULL terminates the list */
	const char *value;
	int secret;		/* 1: never shown in logs or errors */
} so2_form_field;

/* so2_http_reply - what one request brought back */
typedef struct so2_http_reply {
	long status;		/* HTTP status */
	long retry_after;	/* seconds from Retry-After (delay-seconds or
				 * HTTP-date), 0 when none; at most
				 * SO2_RETRY_AFTER_MAX */
	so2_buf body;		/* NUL-terminated; data NULL when empty */
} so2_http_reply;

/*
 * so2_http_post_form - POST form (application/x-www-form-urlencoded,
 *	every value percent-encoded) to url, Accept: application/json
 *	Returns SO2_OK whenever an HTTP reply came, whatever its status,
 *	with *out filled (release with so2_http_reply_clear); else the
 *	errors above with *out empty. Messages start with the URL.
 */
so2_status so2_http_post_form(const so2_http_conf *hc, const char *url,
			      const so2_form_field *form, so2_http_reply *out,
			      so2_err *err);

/* so2_http_reply_clear - wipe and free the body; NULL ok */
void so2_http_reply_clear(so2_http_reply *r);

/* so2_http_probe_result - what a reachability check found */
typedef struct so2_http_probe_result {
	long status;		/* HTTP status, 0 when no reply came */
	int tls_untrusted;	/* 1: the server's certificate was not
				 * verified (or the CA bundle unusable) */
	long verify_result;	/* OpenSSL's X509_V_* verify result, 0: none */
	time_t server_date;	/* the reply's Date header, -1 when none */
	char why[256];		/* libcurl's reason when no reply came */
} so2_http_probe_result;

/*
 * so2_http_proxy_source - the proxy a request of hc uses and where it comes
 *	from (proxy in sasl-oauth2.conf, https_proxy/HTTPS_PROXY/all_proxy in
 *	the environment, which libcurl reads, or none), without credentials,
 *	as a clause for messages into buf (size bytes).
 */
void so2_http_proxy_source(const so2_http_conf *hc, char *buf, size_t size);

/*
 * so2_http_probe - GET url and throw the body away: is the server
 *	reachable over verified TLS, and what does its clock say?
 *	Returns SO2_OK when an HTTP reply came (any status); SO2_ERR_TEMP
 *	(message as so2_http_post_form's) when none did, SO2_ERR_PARAM for
 *	a URL that is not https, SO2_ERR_NOMEM. *out is filled either way.
 */
so2_status so2_http_probe(const so2_http_conf *hc, const char *url,
			  so2_http_probe_result *out, so2_err *err);

#endif

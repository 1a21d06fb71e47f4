/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	tls.c - the mail client's TLS handshake, always verified
 * DESCRIPTION
 *	TLS 1.2 or later on the connection's socket, the chain checked
 *	against the given CA bundle (or OpenSSL's default paths) and the
 *	certificate against the host name or IP address (RFC 6125 through
 *	OpenSSL's X509_VERIFY_PARAM), SNI sent for names. Used for implicit
 *	TLS and after STARTTLS alike. What went wrong is kept in the
 *	connection's so2_mail_info for doctor (the X509 verification code,
 *	OpenSSL's handshake error, the version on success).
 * DIAGNOSTICS
 *	SO2_ERR_PARAM: the CA bundle cannot be read, a bad host name or
 *	address; SO2_ERR_NOMEM: no TLS context or session; SO2_ERR_PROTO:
 *	the certificate was refused (message names the check and
 *	--server-ca); SO2_ERR_TEMP: the handshake failed otherwise.
 * SEE ALSO
 *	conn.h, RFC 8314, RFC 6125
 */
#include "config.h"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "conn.h"

/* is_ip - 1 when host is an IPv4 or IPv6 literal */
static int
is_ip(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* mail_start_tls - TLS handshake with chain and name verification */
so2_status
mail_start_tls(so2_mail_conn *c, const so2_mail_opts *o, so2_err *err)
{
	char msg[600], why[256];
	so2_status st;
	long vr;
	int r, e;

	mail_set_stage(c, SO2_MAIL_STAGE_TLS_SETUP);
	c->ctx = SSL_CTX_new(TLS_client_method());
	if (c->ctx == NULL)
		return mail_fail(c, err, SO2_ERR_NOMEM, "cannot create a TLS context");
	SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
	/* Many mail servers close without close_notify after LOGOUT/QUIT;
	 * the protocols delimit their own data, so that is an end, not an
	 * error (OpenSSL 3 reports it as one otherwise). */
	SSL_CTX_set_options(c->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
	if (o->ca_file != NULL) {
		if (SSL_CTX_load_verify_locations(c->ctx, o->ca_file, NULL) != 1) {
			so2_format(msg, sizeof(msg), "cannot read the CA bundle %s: %s",
				   o->ca_file, mail_tls_error(why, sizeof(why), "?"));
			return mail_fail(c, err, SO2_ERR_PARAM, msg);
		}
	} else if (SSL_CTX_set_default_verify_paths(c->ctx) != 1) {
		return mail_fail(c, err, SO2_ERR_PARAM, "cannot load the system's CA "
				 "certificates");
	}
	c->ssl = SSL_new(c->ctx);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1)
		return mail_fail(c, err, SO2_ERR_NOMEM, "cannot create a TLS session");
	if (is_ip(o->host)) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), o->host) != 1)
			return mail_fail(c, err, SO2_ERR_PARAM, "bad IP address");
	} else {
		if (SSL_set1_host(c->ssl, o->host) != 1 ||
		    SSL_set_tlsext_host_name(c->ssl, o->host) != 1)
			return mail_fail(c, err, SO2_ERR_PARAM, "bad host name for TLS");
	}
	mail_set_stage(c, SO2_MAIL_STAGE_TLS);
	for (;;) {
		ERR_clear_error();
		r = SSL_connect(c->ssl);
		if (r == 1)
			break;
		e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			if ((st = mail_wait(c, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
					    err)) != SO2_OK)
				return st;
			continue;
		}
		vr = SSL_get_verify_result(c->ssl);
		if (vr != X509_V_OK) {
			if (c->info != NULL) {
				c->info->tls_verify = vr;
				so2_format(c->info->tls_error, sizeof(c->info->tls_error),
					   "%s", X509_verify_cert_error_string(vr));
			}
			so2_format(msg, sizeof(msg), "the server's TLS certificate was "
				   "refused: %s (check the host name, or give the CA "
				   "with --server-ca)", X509_verify_cert_error_string(vr));
			return mail_fail(c, err, SO2_ERR_PROTO, msg);
		}
		mail_tls_error(why, sizeof(why), "the server closed the connection");
		if (c->info != NULL)
			so2_format(c->info->tls_error, sizeof(c->info->tls_error), "%s", why);
		so2_format(msg, sizeof(msg), "TLS handshake failed: %s", why);
		return mail_fail(c, err, SO2_ERR_TEMP, msg);
	}
	if (c->info != NULL)
		so2_format(c->info->tls_version, sizeof(c->info->tls_version), "%s",
			   SSL_get_version(c->ssl));
	return SO2_OK;
}

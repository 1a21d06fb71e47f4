/*
 * NAME
 *	doctor_probe.c - a live XOAUTH2 login over SMTP or IMAP, no mail sent
 * SYNOPSIS
 *	doc_probe(d, "smtp" | "imap", "HOST[:PORT]")
 * DESCRIPTION
 *	SMTP (RFC 5321, STARTTLS RFC 3207, AUTH RFC 4954): greeting, EHLO,
 *	STARTTLS (or implicit TLS on port 465), EHLO again, checks that
 *	XOAUTH2 is offered after TLS, "AUTH XOAUTH2 <initial response>"; a
 *	334 error challenge (Gmail) is decoded and answered with an empty
 *	line (Google "OAuth 2.0 Mechanism"); the final reply is classified
 *	(diagnose.h) with the token's claims; QUIT.
 *	IMAP (RFC 9051): greeting, CAPABILITY, STARTTLS (or implicit TLS on
 *	993), AUTH=XOAUTH2, AUTHENTICATE (SASL-IR, RFC 4959, when offered),
 *	an error challenge answered with an empty line, the tagged result
 *	classified, LOGOUT.
 *	The response is built by the module's own code (mechanism.h). TLS
 *	is always verified: the CA bundle of the configuration (else
 *	OpenSSL's default paths), the host name or IP address checked
 *	against the certificate (SSL_set1_host). The verification result
 *	is reported precisely (X509_verify_cert_error_string).
 *	Lines are capped at LINE_MAX_BYTES; every read and write times out
 *	after DOC_IO_TIMEOUT seconds. The token and the encoded response
 *	are wiped after sending and never shown.
 * DIAGNOSTICS
 *	Adds checklist lines "probe.PROTO.*" (doctor.h).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <sasl-oauth2/mechanism.h>

#include "doctor.h"

#define LINE_MAX_BYTES	8192	/* longest line read from the server */
#define REPLY_MAX	2048	/* bytes of a (multi-line) reply kept */

/* probe - one connection */
struct probe {
	doctor *d;
	const char *proto;	/* "smtp" or "imap" */
	char what[300];		/* "SMTP host:port", for messages */
	char host[256];
	unsigned port;
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	char buf[LINE_MAX_BYTES];
	size_t len;
};

/* split_hostport - "host[:port]" or "[v6]:port" */
static int
split_hostport(const char *in, char *host, size_t size, unsigned *port)
{
	const char *colon;
	char *end;
	unsigned long v;

	if (in[0] == '[') {
		const char *close = strchr(in, ']');

		if (close == NULL || (size_t)(close - in - 1) >= size)
			return -1;
		so2_format(host, size, "%.*s", (int)(close - in - 1), in + 1);
		colon = close[1] == ':' ? close + 1 : NULL;
	} else {
		colon = strrchr(in, ':');
		if ((size_t)(colon ? colon - in : (long)strlen(in)) >= size)
			return -1;
		so2_format(host, size, "%.*s", (int)(colon ? colon - in : (long)strlen(in)), in);
	}
	if (colon == NULL)
		return host[0] != '\0' ? 0 : -1;
	v = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || v == 0 || v > 65535)
		return -1;
	*port = (unsigned)v;
	return host[0] != '\0' ? 0 : -1;
}

/* tcp_connect - a connected socket with timeouts, or -1 and errno */
static int
tcp_connect(const char *host, unsigned port, char *why, size_t size)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct timeval tv = { DOC_IO_TIMEOUT, 0 };
	char portstr[16];
	int fd = -1, rc, saved = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	snprintf(portstr, sizeof(portstr), "%u", port);
	if ((rc = getaddrinfo(host, portstr, &hints, &res)) != 0) {
		so2_format(why, size, "cannot resolve %s: %s", host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		so2_format(why, size, "cannot connect: %s", saved == EINPROGRESS || saved == EAGAIN
			   ? "timed out" : strerror(saved));
	return fd;
}

/* io_write - send all of buf over the socket or TLS */
static int
io_write(struct probe *p, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if (p->ssl != NULL) {
			int w = SSL_write(p->ssl, buf, (int)len);

			n = w > 0 ? w : -1;
		} else {
			n = send(p->fd, buf, len, MSG_NOSIGNAL);
		}
		if (n < 0 && errno == EINTR && p->ssl == NULL)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* io_line - one line without CRLF into out (size bytes); -1 on EOF/error/too long */
static int
io_line(struct probe *p, char *out, size_t size)
{
	char *nl;
	ssize_t n;
	size_t l;

	for (;;) {
		if ((nl = memchr(p->buf, '\n', p->len)) != NULL) {
			l = (size_t)(nl - p->buf);
			if (l > 0 && p->buf[l - 1] == '\r')
				l--;
			so2_format(out, size, "%.*s", (int)l, p->buf);
			p->len -= (size_t)(nl + 1 - p->buf);
			memmove(p->buf, nl + 1, p->len);
			return 0;
		}
		if (p->len == sizeof(p->buf))
			return -1;
		if (p->ssl != NULL) {
			int r = SSL_read(p->ssl, p->buf + p->len, (int)(sizeof(p->buf) - p->len));

			n = r > 0 ? r : -1;
		} else {
			n = recv(p->fd, p->buf + p->len, sizeof(p->buf) - p->len, 0);
		}
		if (n < 0 && errno == EINTR && p->ssl == NULL)
			continue;
		if (n <= 0)
			return -1;
		p->len += (size_t)n;
	}
}

/* smtp_reply - read a (multi-line) reply; its code, text joined by "\n" */
static int
smtp_reply(struct probe *p, char *text, size_t size)
{
	char line[LINE_MAX_BYTES];
	size_t n = 0;

	text[0] = '\0';
	for (;;) {
		if (io_line(p, line, sizeof(line)) != 0)
			return -1;
		if (n < size)
			n += (size_t)snprintf(text + n, size - n, "%s%s", n ? "\n" : "", line);
		if (n >= size)
			n = size - 1;
		if (strlen(line) < 3 || line[3] != '-')
			break;
	}
	return (int)strtol(text, NULL, 10);
}

/* smtp_cmd - send a command line, read the reply */
static int
smtp_cmd(struct probe *p, const char *cmd, char *text, size_t size)
{
	char line[512];

	so2_format(line, sizeof(line), "%s\r\n", cmd);
	if (io_write(p, line, strlen(line)) != 0)
		return -1;
	return smtp_reply(p, text, size);
}

/* tls_start - TLS over the socket, verified; 0 or -1 with a checklist line */
static int
tls_start(struct probe *p)
{
	const char *ca = p->d->ctx->conf ? p->d->ctx->conf->ca_file : NULL;
	char fix[DOC_TEXT_MAX], errtext[256] = "";
	struct in6_addr a6;
	long vr;

	p->ctx = SSL_CTX_new(TLS_client_method());
	if (p->ctx == NULL)
		return -1;
	SSL_CTX_set_min_proto_version(p->ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(p->ctx, SSL_VERIFY_PEER, NULL);
	if (ca != NULL ? SSL_CTX_load_verify_locations(p->ctx, ca, NULL) != 1
	    : SSL_CTX_set_default_verify_paths(p->ctx) != 1) {
		doc_add(p->d, DOC_FAIL, "probe.tls", "set ca_file in sasl-oauth2.conf to a "
			"readable PEM bundle", "%s: cannot load the CA bundle %s", p->what,
			ca ? ca : "(OpenSSL default paths)");
		return -1;
	}
	if ((p->ssl = SSL_new(p->ctx)) == NULL || SSL_set_fd(p->ssl, p->fd) != 1
	    || SSL_set1_host(p->ssl, p->host) != 1)
		return -1;
	if (inet_pton(AF_INET, p->host, &a6) != 1 && inet_pton(AF_INET6, p->host, &a6) != 1)
		SSL_set_tlsext_host_name(p->ssl, p->host);
	if (SSL_connect(p->ssl) == 1) {
		doc_add(p->d, DOC_PASS, "probe.tls", NULL, "%s: %s, certificate verified for %s "
			"(trusting %s)", p->what, SSL_get_version(p->ssl), p->host,
			ca ? ca : "the system CA bundle");
		return 0;
	}
	vr = SSL_get_verify_result(p->ssl);
	ERR_error_string_n(ERR_peek_last_error(), errtext, sizeof(errtext));
	so2_format(fix, sizeof(fix), "%s", vr != X509_V_OK
		   ? "set ca_file in sasl-oauth2.conf to the bundle that signs this server, "
		   "connect by the name in its certificate, or fix the clock if the "
		   "certificate is \"not yet valid\""
		   : "the server needs TLS 1.2 or later; check the port and any TLS proxy");
	doc_add(p->d, DOC_FAIL, "probe.tls", fix, "%s: TLS %s: %s (trusting %s)", p->what,
		vr != X509_V_OK ? "certificate verification failed" : "handshake failed",
		vr != X509_V_OK ? X509_verify_cert_error_string(vr) : errtext,
		ca ? ca : "the system CA bundle");
	SSL_free(p->ssl);
	p->ssl = NULL;
	return -1;
}

/* has_word - 1 when the space-separated list (after prefix) holds word */
static int
has_word(const char *text, const char *word)
{
	const char *s = text;
	size_t n = strlen(word);

	while ((s = strcasestr(s, word)) != NULL) {
		if ((s == text || s[-1] == ' ' || s[-1] == '-' || s[-1] == '\n' || s[-1] == '=')
		    && (s[n] == '\0' || s[n] == ' ' || s[n] == '\n' || s[n] == ']'))
			return 1;
		s += n;
	}
	return 0;
}

/* build_response - base64 of the XOAUTH2 initial response; NULL on error */
static char *
build_response(struct probe *p, size_t *b64len)
{
	char *raw = NULL, *b64;
	size_t rawlen = 0;
	so2_err err;

	if (so2_xoauth2_response(p->d->sasl_user, p->d->token.data, p->d->token.len, &raw,
				 &rawlen, &err) != SO2_OK) {
		doc_add(p->d, DOC_FAIL, "probe.auth", "see the message", "%s: %s", p->what,
			err.msg);
		return NULL;
	}
	b64 = malloc(4 * ((rawlen + 2) / 3) + 1);
	if (b64 != NULL)
		*b64len = (size_t)EVP_EncodeBlock((unsigned char *)b64, (unsigned char *)raw,
						  (int)rawlen);
	so2_wipe_free(raw, rawlen + 1);
	return b64;
}

/* note_challenge - "challenge status \"400\"" from base64 text, or "" */
static void
note_challenge(const char *b64, char *out, size_t size)
{
	unsigned char dec[SO2_CHALLENGE_MAX + 4];
	so2_challenge ch;
	so2_err err;
	size_t n = strlen(b64);
	int len;

	out[0] = '\0';
	if (n == 0 || n > 4 * (SO2_CHALLENGE_MAX / 3) || n % 4 != 0)
		return;
	len = EVP_DecodeBlock(dec, (const unsigned char *)b64, (int)n);
	if (len < 0)
		return;
	while (n > 0 && b64[--n] == '=')
		len--;
	if (so2_challenge_parse((const char *)dec, (size_t)len, &ch, &err) == SO2_OK)
		so2_format(out, size, "error challenge status \"%s\"%s%s%s; ", ch.status,
			   ch.scope[0] ? ", scope \"" : "", ch.scope, ch.scope[0] ? "\"" : "");
}

/* verdict - classify the final reply and add the line */
static void
verdict(struct probe *p, const so2_diag_row *row, const char *chal, const char *reply)
{
	so2_diag_verdict v;
	char shown[REPLY_MAX + 600], clean[REPLY_MAX];
	char *nl;

	so2_format(clean, sizeof(clean), "%s", reply);
	while ((nl = strchr(clean, '\n')) != NULL)	/* one line in the checklist */
		*nl = ' ';
	so2_printable(clean, clean, sizeof(clean));
	so2_format(shown, sizeof(shown), "%s%s", chal, clean);
	so2_diag_explain(row, p->d->have_claims ? &p->d->claims : NULL, p->d->sasl_user,
			 p->proto, time(NULL), &v);
	doc_apply_verdict(p->d, strcmp(p->proto, "smtp") == 0 ? "probe.smtp" : "probe.imap",
			  p->what, shown, &v);
}

/* probe_smtp - the SMTP dialogue */
static void
probe_smtp(struct probe *p, int implicit)
{
	char text[REPLY_MAX], chal[700] = "", *b64 = NULL, *line = NULL;
	size_t b64len = 0;
	int code;

	if (implicit && tls_start(p) != 0)
		return;
	if ((code = smtp_reply(p, text, sizeof(text))) != 220) {
		doc_add(p->d, DOC_FAIL, "probe.greeting", "check HOST:PORT (Microsoft 365: "
			"smtp.office365.com:587)", "%s: no SMTP greeting (%s)", p->what,
			code < 0 ? "connection closed or timed out" : text);
		return;
	}
	if (smtp_cmd(p, "EHLO sasl-oauth2-doctor.invalid", text, sizeof(text)) != 250)
		goto broken;
	if (!implicit) {
		if (!has_word(text, "STARTTLS")) {
			doc_add(p->d, DOC_FAIL, "probe.starttls", "use the submission port 587 "
				"(Microsoft 365 and Gmail offer STARTTLS there)", "%s: the server "
				"does not offer STARTTLS", p->what);
			goto quit;
		}
		if (smtp_cmd(p, "STARTTLS", text, sizeof(text)) != 220)
			goto broken;
		if (tls_start(p) != 0)
			return;
		if (smtp_cmd(p, "EHLO sasl-oauth2-doctor.invalid", text, sizeof(text)) != 250)
			goto broken;
	}
	if (!has_word(text, "XOAUTH2")) {
		char *auth = strcasestr(text, "AUTH");

		doc_add(p->d, DOC_FAIL, "probe.mechanism", "SMTP AUTH is off for the "
			"organisation or not available on this host: Set-TransportConfig "
			"-SmtpClientAuthenticationDisabled $false, and use smtp.office365.com:587",
			"%s: XOAUTH2 not offered after TLS (%.*s)", p->what,
			auth ? (int)strcspn(auth, "\n") : 12, auth ? auth : "no AUTH at all");
		goto quit;
	}
	doc_add(p->d, DOC_PASS, "probe.mechanism", NULL, "%s: XOAUTH2 offered after TLS",
		p->what);
	if ((b64 = build_response(p, &b64len)) == NULL)
		goto quit;
	if ((line = malloc(b64len + 16)) == NULL)
		goto quit;
	snprintf(line, b64len + 16, "AUTH XOAUTH2 %s\r\n", b64);
	code = io_write(p, line, strlen(line)) == 0 ? smtp_reply(p, text, sizeof(text)) : -1;
	if (code == 334) {
		note_challenge(text + 4, chal, sizeof(chal));
		code = io_write(p, "\r\n", 2) == 0 ? smtp_reply(p, text, sizeof(text)) : -1;
	}
	if (code < 0)
		goto broken;
	verdict(p, so2_diag_smtp(text), chal, text);
quit:
	smtp_cmd(p, "QUIT", text, sizeof(text));
	goto out;
broken:
	doc_add(p->d, DOC_FAIL, "probe.smtp", "retry; check firewalls and TLS proxies on the "
		"way", "%s: the dialogue broke off (%s)", p->what,
		text[0] ? text : "connection closed or timed out");
out:
	if (b64 != NULL)
		so2_wipe_free(b64, b64len);
	if (line != NULL)
		so2_wipe_free(line, b64len + 16);
}

/* imap_tagged - send "TAG CMD", read to the tagged line; untagged into caps */
static int
imap_tagged(struct probe *p, const char *tag, const char *cmd, char *caps, size_t capsize,
	    char *res, size_t size)
{
	char line[LINE_MAX_BYTES];
	size_t tl = strlen(tag);

	so2_format(line, sizeof(line), "%s %s\r\n", tag, cmd);
	if (io_write(p, line, strlen(line)) != 0)
		return -1;
	for (;;) {
		if (io_line(p, line, sizeof(line)) != 0)
			return -1;
		if (strncmp(line, tag, tl) == 0 && line[tl] == ' ') {
			so2_format(res, size, "%s", line);
			return 0;
		}
		if (caps != NULL && strncasecmp(line, "* CAPABILITY", 12) == 0)
			so2_format(caps, capsize, "%s", line);
	}
}

/* probe_imap - the IMAP dialogue */
static void
probe_imap(struct probe *p, int implicit)
{
	char line[LINE_MAX_BYTES], caps[REPLY_MAX] = "", res[REPLY_MAX] = "", chal[700] = "";
	char *b64 = NULL, *cmd = NULL;
	size_t b64len = 0, cmdlen = 0;

	if (implicit && tls_start(p) != 0)
		return;
	if (io_line(p, line, sizeof(line)) != 0 || strncasecmp(line, "* OK", 4) != 0) {
		doc_add(p->d, DOC_FAIL, "probe.greeting", "check HOST:PORT (Microsoft 365: "
			"outlook.office365.com:993)", "%s: no IMAP greeting", p->what);
		return;
	}
	if (imap_tagged(p, "a1", "CAPABILITY", caps, sizeof(caps), res, sizeof(res)) != 0)
		goto broken;
	if (!implicit) {
		if (!has_word(caps, "STARTTLS")) {
			doc_add(p->d, DOC_FAIL, "probe.starttls", "use port 993 (implicit TLS)",
				"%s: the server does not offer STARTTLS", p->what);
			goto logout;
		}
		if (imap_tagged(p, "a2", "STARTTLS", NULL, 0, res, sizeof(res)) != 0
		    || strncasecmp(res + 3, "OK", 2) != 0)
			goto broken;
		if (tls_start(p) != 0)
			return;
		caps[0] = '\0';
		if (imap_tagged(p, "a3", "CAPABILITY", caps, sizeof(caps), res, sizeof(res)) != 0)
			goto broken;
	}
	if (!has_word(caps, "XOAUTH2")) {
		doc_add(p->d, DOC_FAIL, "probe.mechanism", "use outlook.office365.com:993 or "
			"imap.gmail.com:993", "%s: AUTH=XOAUTH2 not offered (%s)", p->what, caps);
		goto logout;
	}
	doc_add(p->d, DOC_PASS, "probe.mechanism", NULL, "%s: AUTH=XOAUTH2 offered", p->what);
	if ((b64 = build_response(p, &b64len)) == NULL)
		goto logout;
	cmdlen = b64len + 40;
	if ((cmd = malloc(cmdlen)) == NULL)
		goto logout;
	if (has_word(caps, "SASL-IR"))
		snprintf(cmd, cmdlen, "a4 AUTHENTICATE XOAUTH2 %s\r\n", b64);
	else
		snprintf(cmd, cmdlen, "a4 AUTHENTICATE XOAUTH2\r\n");
	if (io_write(p, cmd, strlen(cmd)) != 0)
		goto broken;
	for (;;) {
		if (io_line(p, line, sizeof(line)) != 0)
			goto broken;
		if (strncmp(line, "a4 ", 3) == 0)
			break;
		if (line[0] != '+')
			continue;
		if (line[1] == '\0' || (line[1] == ' ' && line[2] == '\0' && chal[0] == '\0'
					&& !has_word(caps, "SASL-IR"))) {
			snprintf(cmd, cmdlen, "%s\r\n", b64);	/* the response itself */
		} else {
			note_challenge(line + 2, chal, sizeof(chal));
			snprintf(cmd, cmdlen, "\r\n");		/* after an error challenge */
		}
		if (io_write(p, cmd, strlen(cmd)) != 0)
			goto broken;
	}
	verdict(p, so2_diag_imap(line), chal, line);
logout:
	imap_tagged(p, "a5", "LOGOUT", NULL, 0, res, sizeof(res));
	goto out;
broken:
	doc_add(p->d, DOC_FAIL, "probe.imap", "retry; check firewalls and TLS proxies on the "
		"way", "%s: the dialogue broke off (%s)", p->what, res[0] ? res : "connection "
		"closed or timed out");
out:
	if (b64 != NULL)
		so2_wipe_free(b64, b64len);
	if (cmd != NULL)
		so2_wipe_free(cmd, cmdlen);
}

/* doc_probe - authenticate once over SMTP or IMAP and explain the reply */
void
doc_probe(doctor *d, const char *protocol, const char *hostport)
{
	struct probe p;
	int smtp = strcmp(protocol, "smtp") == 0;
	char why[512];

	memset(&p, 0, sizeof(p));
	p.d = d;
	p.proto = protocol;
	p.fd = -1;
	p.port = smtp ? 587 : 993;
	if (split_hostport(hostport, p.host, sizeof(p.host), &p.port) != 0) {
		doc_add(d, DOC_FAIL, smtp ? "probe.smtp" : "probe.imap", "give HOST or HOST:PORT",
			"%s probe: bad server \"%s\"", smtp ? "SMTP" : "IMAP", hostport);
		return;
	}
	so2_format(p.what, sizeof(p.what), "%s %s:%u", smtp ? "SMTP" : "IMAP", p.host, p.port);
	if (so2_secret_empty(&d->token)) {
		doc_add(d, DOC_SKIP, smtp ? "probe.smtp" : "probe.imap", NULL, "%s: no token to "
			"try (see above)", p.what);
		return;
	}
	if ((p.fd = tcp_connect(p.host, p.port, why, sizeof(why))) < 0) {
		doc_add(d, DOC_FAIL, "probe.connect", "check the host, the port and outbound "
			"firewalls (port 587 is often blocked by hosting providers)", "%s: %s",
			p.what, why);
		return;
	}
	if (smtp)
		probe_smtp(&p, p.port == 465);
	else
		probe_imap(&p, p.port == 993);
	if (p.ssl != NULL) {
		SSL_shutdown(p.ssl);
		SSL_free(p.ssl);
	}
	SSL_CTX_free(p.ctx);
	OPENSSL_cleanse(p.buf, sizeof(p.buf));
	close(p.fd);
}

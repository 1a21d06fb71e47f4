/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	doctor_probe.c - a live XOAUTH2 login over SMTP or IMAP, no mail sent
 * SYNOPSIS
 *	doc_probe(d, "smtp" | "imap", "HOST[:PORT]")
 * DESCRIPTION
 *	The dialogue is the mail client's (mail/mail.h), the same client
 *	as "sasl-oauth2 connect": TCP, TLS (implicit on 465 and 993, else
 *	STARTTLS, which must be announced: check_starttls), the greeting,
 *	the capabilities over TLS, AUTHENTICATE/AUTH XOAUTH2 with the
 *	module's own response (mechanism.h; SASL-IR and the 512-octet SMTP
 *	line handled there), an error challenge (Gmail) answered with an
 *	empty line, QUIT/LOGOUT. What is doctor's own: turning each step
 *	the mail client reports (so2_mail_info: the step that failed, the TLS
 *	version or verification error, the capabilities) into checklist
 *	lines with a fix, and classifying the server's final reply
 *	(diagnose.h) with the token's claims.
 *	TLS is always verified: the CA bundle of the configuration (else
 *	OpenSSL's default paths), the host name or IP address checked
 *	against the certificate. Every read and write times out after
 *	DOC_IO_TIMEOUT seconds. The token and the response are wiped
 *	after sending and never shown.
 * DIAGNOSTICS
 *	Adds checklist lines "probe.PROTO.*" (doctor.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/mail.h"
#include "token/mechanism.h"

#include "doctor.h"

/* probe - one connection */
struct probe {
	doctor *d;
	const char *proto;	/* "smtp", "hve" (High Volume Email) or "imap" */
	int smtp;		/* 1 for SMTP */
	char what[300];		/* "SMTP host:port", for messages */
	char host[256];
	unsigned port;
	const char *ca;		/* ca_file of the configuration, or NULL */
};

/* split_hostport - "host[:port]" or "[v6]:port" */
static int
split_hostport(const char *in, char *host, size_t size, unsigned *port)
{
	const char *colon;
	long v;

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
	if (cli_number(colon + 1, 1, 65535, &v) != 0)
		return -1;
	*port = (unsigned)v;
	return host[0] != '\0' ? 0 : -1;
}

/* one_line - text with its line breaks turned into spaces, for a checklist line */
static const char *
one_line(const char *in, char *buf, size_t size)
{
	char *nl;

	so2_format(buf, size, "%s", in);
	while ((nl = strchr(buf, '\n')) != NULL)
		*nl = ' ';
	return buf;
}

/* greeting_why - why no greeting came: the mail client's own message (a
 *	line over 16 KB, binary data, not an SMTP reply, the deadline), then
 *	the server's reply; never a guess when the client said what happened */
static const char *
greeting_why(const so2_mail_info *in, char *buf, size_t size)
{
	if (in->detail[0] != '\0' || in->reply[0] != '\0')
		return one_line(in->detail[0] ? in->detail : in->reply, buf, size);
	return "connection closed or timed out";
}

/* broken - the dialogue stopped: say why (the mail client's message, or the reply) */
static void
broken(struct probe *p, const char *why)
{
	char shown[DOC_TEXT_MAX];

	doc_add(p->d, DOC_FAIL, p->smtp ? "probe.smtp" : "probe.imap", "retry; check "
		"firewalls and TLS proxies on the way", "%s: the dialogue broke off (%s)",
		p->what, why[0] ? one_line(why, shown, sizeof(shown))
		: "connection closed or timed out");
}

/* report_tls - the TLS line: pass with the version, or why it failed */
static void
report_tls(struct probe *p, const so2_mail_info *in)
{
	const char *trust = p->ca ? p->ca : "the system CA bundle";
	char clock[256];

	if (in->tls_version[0] != '\0') {
		doc_add(p->d, DOC_PASS, "probe.tls", NULL, "%s: %s, certificate verified for "
			"%s (trusting %s)", p->what, in->tls_version, p->host, trust);
		return;
	}
	if (in->stage == SO2_MAIL_STAGE_TLS_SETUP) {
		doc_add(p->d, DOC_FAIL, "probe.tls", "set ca_file in sasl-oauth2.conf to a "
			"readable PEM bundle", "%s: cannot load the CA bundle %s (%s)", p->what,
			p->ca ? p->ca : "(OpenSSL default paths)", in->detail);
		return;
	}
	so2_diag_tls_clock(in->tls_error[0] ? in->tls_error : in->detail, time(NULL), clock,
			   sizeof(clock));
	doc_add(p->d, DOC_FAIL, "probe.tls", clock[0] ? "set the clock right (NTP), then run "
		"doctor again" : in->tls_verify != 0
		? "set ca_file in sasl-oauth2.conf to the bundle that signs this server, "
		"or connect by the name in its certificate"
		: "the server needs TLS 1.2 or later; check the port and any TLS proxy",
		"%s: TLS %s: %s (trusting %s)%s", p->what, in->tls_verify != 0
		? "certificate verification failed" : "handshake failed",
		in->tls_error[0] ? in->tls_error : in->detail, trust, clock);
}

/* report_open - checklist lines for how far so2_mail_open_info got; 0: go on */
static int
report_open(struct probe *p, so2_status st, const so2_mail_info *in)
{
	char shown[DOC_TEXT_MAX];

	if (st != SO2_OK && in->stage == SO2_MAIL_STAGE_CONNECT) {
		doc_add(p->d, DOC_FAIL, "probe.connect", "check the host, the port and "
			"outbound firewalls (port 587 is often blocked by hosting providers)",
			"%s: %s", p->what, in->detail);
		return -1;
	}
	if (in->tls_version[0] != '\0' || in->stage == SO2_MAIL_STAGE_TLS_SETUP
	    || in->stage == SO2_MAIL_STAGE_TLS)
		report_tls(p, in);
	if (st == SO2_OK)
		return 0;
	switch (in->stage) {
	case SO2_MAIL_STAGE_TLS_SETUP:
	case SO2_MAIL_STAGE_TLS:
		break;
	case SO2_MAIL_STAGE_GREETING:
		if (p->smtp)
			doc_add(p->d, DOC_FAIL, "probe.greeting", "check HOST:PORT (Microsoft "
				"365: smtp.office365.com:587)", "%s: no SMTP greeting (%s)",
				p->what, greeting_why(in, shown, sizeof(shown)));
		else
			doc_add(p->d, DOC_FAIL, "probe.greeting", "check HOST:PORT (Microsoft "
				"365: outlook.office365.com:993)", "%s: no IMAP greeting (%s)",
				p->what, greeting_why(in, shown, sizeof(shown)));
		break;
	case SO2_MAIL_STAGE_STARTTLS:
		if (in->starttls_offered == 0) {
			doc_add(p->d, DOC_FAIL, "probe.starttls", p->smtp ? "use the submission "
				"port 587 (Microsoft 365 and Gmail offer STARTTLS there)"
				: "use port 993 (implicit TLS)", "%s: the server does not offer "
				"STARTTLS", p->what);
			break;
		}
		broken(p, in->detail);
		break;
	default:
		broken(p, in->detail);
		break;
	}
	return -1;
}

/* report_mechs - XOAUTH2 offered after TLS? 0 when it is */
static int
report_mechs(struct probe *p, so2_mail_conn *mc)
{
	const char *caps = so2_mail_caps(mc), *auth;
	char atoms[SO2_MAIL_CAPS_MAX];

	if (so2_mail_offers(mc, "XOAUTH2")) {
		doc_add(p->d, DOC_PASS, "probe.mechanism", NULL, p->smtp ? "%s: XOAUTH2 "
			"offered after TLS" : "%s: AUTH=XOAUTH2 offered", p->what);
		return 0;
	}
	if (!p->smtp) {
		/* as the server sent it: "* CAPABILITY IMAP4rev1 ..." */
		one_line(caps, atoms, sizeof(atoms));
		while (atoms[0] != '\0' && atoms[strlen(atoms) - 1] == ' ')
			atoms[strlen(atoms) - 1] = '\0';
		doc_add(p->d, DOC_FAIL, "probe.mechanism", "use outlook.office365.com:993 or "
			"imap.gmail.com:993", "%s: AUTH=XOAUTH2 not offered (* CAPABILITY %s)",
			p->what, atoms);
		return -1;
	}
	for (auth = caps; *auth != '\0'; auth += strcspn(auth, "\n"), auth += *auth == '\n')
		if (strncasecmp(auth, "AUTH", 4) == 0 && (auth[4] == ' ' || auth[4] == '='))
			break;
	doc_add(p->d, DOC_FAIL, "probe.mechanism", "SMTP AUTH is off for the "
		"organisation or not available on this host: Set-TransportConfig "
		"-SmtpClientAuthenticationDisabled $false, and use smtp.office365.com:587",
		"%s: XOAUTH2 not offered after TLS (%.*s)", p->what,
		*auth ? (int)strcspn(auth, "\n") : 12, *auth ? auth : "no AUTH at all");
	return -1;
}

/* verdict - classify the final reply and add the line */
static void
verdict(struct probe *p, const so2_mail_result *res)
{
	so2_diag_verdict v;
	char shown[SO2_MAIL_REPLY_MAX + 600], clean[SO2_MAIL_REPLY_MAX], chal[700] = "";
	const so2_challenge *ch = &res->challenge;

	if (res->challenged)
		so2_format(chal, sizeof(chal), "error challenge status \"%s\"%s%s%s; ",
			   ch->status, ch->scope[0] ? ", scope \"" : "", ch->scope,
			   ch->scope[0] ? "\"" : "");
	so2_format(shown, sizeof(shown), "%s%s", chal, one_line(res->text, clean,
								  sizeof(clean)));
	so2_diag_explain(so2_diag_refine(p->smtp ? so2_diag_smtp(res->text)
					 : so2_diag_imap(res->text), doc_provider(p->d)),
			 p->d->have_claims ? &p->d->claims : NULL, p->d->sasl_user,
			 p->proto, time(NULL), &v);
	doc_apply_verdict(p->d, p->smtp ? "probe.smtp" : "probe.imap", p->what, shown, &v);
}

/* without_where - the mail client's message without its "smtp host:port: " */
static const char *
without_where(const char *msg)
{
	const char *s = strstr(msg, ": ");

	return s != NULL ? s + 2 : msg;
}

/* mailbox - after a successful IMAP login, use the mailbox once
 *	Exchange may accept the token and refuse every command after it
 *	("BAD User is authenticated but not connected."): a login test that
 *	stopped at the tagged OK would pass a mailbox nobody can use. The
 *	reply is classified with the token's claims like AUTHENTICATE's. */
static void
mailbox(struct probe *p, so2_mail_conn *mc)
{
	char reply[SO2_MAIL_REPLY_MAX];
	so2_diag_verdict v;
	so2_err err;
	int ok;

	so2_err_clear(&err);
	if (so2_mail_imap_command(mc, "EXAMINE INBOX", &ok, reply, sizeof(reply), &err)
	    != SO2_OK) {
		doc_add(p->d, DOC_FAIL, "probe.mailbox", "see the message", "%s: EXAMINE INBOX "
			"after the login: %s", p->what, without_where(err.msg));
		return;
	}
	if (ok) {
		doc_add(p->d, DOC_PASS, "probe.mailbox", NULL, "%s: EXAMINE INBOX after the "
			"login: the mailbox opens", p->what);
		return;
	}
	so2_diag_explain(so2_diag_refine(so2_diag_imap(reply), doc_provider(p->d)),
			 p->d->have_claims ? &p->d->claims : NULL, p->d->sasl_user, "imap",
			 time(NULL), &v);
	doc_apply_verdict(p->d, "probe.mailbox", "EXAMINE INBOX after the login", reply, &v);
}

/* authenticate - AUTH XOAUTH2 once and explain the server's verdict */
static void
authenticate(struct probe *p, so2_mail_conn *mc)
{
	so2_mail_result res;
	char *raw = NULL;
	size_t rawlen = 0;
	so2_status st;
	so2_err err;

	if (so2_xoauth2_response(p->d->sasl_user, p->d->token.data, p->d->token.len, &raw,
				 &rawlen, &err) != SO2_OK) {
		doc_add(p->d, DOC_FAIL, "probe.auth", "see the message", "%s: %s", p->what,
			err.msg);
		so2_mail_quit(mc);
		return;
	}
	st = so2_mail_authenticate(mc, "XOAUTH2", raw, rawlen, &res, &err);
	so2_wipe_free(raw, rawlen + 1);
	if (res.text[0] == '\0') {
		broken(p, without_where(err.msg));
		return;
	}
	verdict(p, &res);
	if (st == SO2_OK && !p->smtp)
		mailbox(p, mc);
	so2_mail_quit(mc);
}

/* doc_probe - authenticate once over SMTP or IMAP and explain the reply */
void
doc_probe(doctor *d, const char *protocol, const char *hostport)
{
	struct probe p;
	so2_mail_opts o;
	so2_mail_info info;
	so2_mail_conn *mc = NULL;
	so2_status st;
	so2_err err;

	memset(&p, 0, sizeof(p));
	p.d = d;
	p.proto = protocol;
	p.smtp = strcmp(protocol, "smtp") == 0;
	p.port = p.smtp ? 587 : 993;
	p.ca = d->ctx->conf ? d->ctx->conf->ca_file : NULL;
	if (split_hostport(hostport, p.host, sizeof(p.host), &p.port) != 0) {
		doc_add(d, DOC_FAIL, p.smtp ? "probe.smtp" : "probe.imap", "give HOST or "
			"HOST:PORT", "%s probe: bad server \"%s\"", p.smtp ? "SMTP" : "IMAP",
			hostport);
		return;
	}
	/* High Volume Email by --endpoint, the relayhost or the host name */
	if (p.smtp && ((d->endpoint != NULL && strcmp(d->endpoint, "hve") == 0)
		       || strcmp(so2_perm_endpoint("smtp", p.host)->id, "hve") == 0))
		p.proto = "hve";
	so2_format(p.what, sizeof(p.what), "%s %s:%u", strcmp(p.proto, "hve") == 0
		   ? "SMTP (High Volume Email)" : p.smtp ? "SMTP" : "IMAP", p.host, p.port);
	if (so2_secret_empty(&d->token)) {
		doc_add(d, DOC_SKIP, p.smtp ? "probe.smtp" : "probe.imap", NULL, "%s: no token "
			"to try (see above)", p.what);
		return;
	}
	memset(&o, 0, sizeof(o));
	o.proto = p.smtp ? SO2_MAIL_SMTP : SO2_MAIL_IMAP;
	o.host = p.host;
	o.port = p.port;
	/* --tls as connect's; by default implicit on 465 and 993 only */
	o.tls = d->tls != SO2_MAIL_TLS_AUTO ? (so2_mail_tls)d->tls
	    : p.port == (p.smtp ? 465u : 993u) ? SO2_MAIL_TLS_IMPLICIT : SO2_MAIL_TLS_STARTTLS;
	o.ca_file = p.ca;
	o.ehlo_name = "sasl-oauth2-doctor.invalid";
	o.timeout = DOC_IO_TIMEOUT;
	o.check_starttls = 1;
	st = so2_mail_open_info(&o, &mc, &info, &err);
	if (report_open(&p, st, &info) == 0) {
		if (report_mechs(&p, mc) == 0)
			authenticate(&p, mc);
		else
			so2_mail_quit(mc);
	}
	so2_mail_close(mc);
}

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	mail.h - the client side of IMAP, POP3 and SMTP, up to AUTH
 * SYNOPSIS
 *	#include "mail/mail.h"
 * DESCRIPTION
 *	A small, blocking-with-timeouts mail protocol client for the
 *	sasl-oauth2 command: connect over TCP, TLS (always verified:
 *	chain and host name or IP address), either implicit (IMAPS 993,
 *	POP3S 995, SMTPS 465) or STARTTLS (IMAP RFC 3501 6.2.1 / RFC 9051,
 *	POP3 STLS RFC 2595 4, SMTP RFC 3207), read the capabilities,
 *	authenticate with one SASL message (XOAUTH2 or OAUTHBEARER: the
 *	initial response is all the client has to say) and report the
 *	server's verdict. Afterwards the connection can be relayed to
 *	another pair of descriptors (sasl-oauth2 connect, for fetchmail).
 *
 *	Exchange order: IMAP sends the response on the AUTHENTICATE line
 *	when the server announces SASL-IR (RFC 4959), else after the
 *	empty continuation; POP3 always after the "+" (RFC 5034 4: an
 *	AUTH line with a bearer token exceeds 255 octets); SMTP on the
 *	AUTH line when it fits in 512 octets (RFC 4954 4), else after 334.
 *	An error challenge (RFC 7628 3.2.2; Google's and Microsoft's
 *	XOAUTH2) is decoded, parsed and answered with the mechanism's
 *	reply (XOAUTH2: empty; OAUTHBEARER: 0x01, RFC 7628 3.2.3); a
 *	second challenge or one that is not base64 JSON is cancelled
 *	("*", RFC 3501 / 5034 / 4954) and reported.
 *
 *	Everything read is untrusted: lines are capped (SO2_MAIL_LINE_MAX),
 *	challenges too (SO2_CHALLENGE_MAX), and plaintext received
 *	together with the STARTTLS reply is refused (command injection,
 *	CVE-2011-0411). Server text in messages goes through
 *	so2_printable(). The response (it holds the token) is wiped from
 *	every buffer that held it.
 *
 *	Also the doctor command's client: so2_mail_open_info() says how far
 *	the opening got and what the server and the TLS layer said on the
 *	way (so2_mail_info), so2_mail_result carries the whole final reply
 *	for classification (diagnose.h).
 * DIAGNOSTICS
 *	so2_status with a message naming the server ("imap
 *	outlook.office365.com:993: ..."): SO2_ERR_TEMP (DNS, connect,
 *	timeout, closed connection, TLS handshake, 4xx-type replies),
 *	SO2_ERR_PROTO (the server broke the protocol, or the certificate
 *	was refused: named as such), SO2_ERR_AUTH (the server refused the
 *	credentials), SO2_ERR_PARAM, SO2_ERR_NOMEM.
 *
 *	The pieces (one job each, sharing the private conn.h): conn.c (the
 *	socket, timeouts, the capped line reader), tls.c (the verified
 *	handshake), session.c (opening: greeting, STARTTLS, capabilities;
 *	goodbye), imap.c, pop3.c, smtp.c (each protocol's dialogue),
 *	auth.c (the SASL exchange), relay.c (the hand-over to fetchmail).
 * SEE ALSO
 *	RFC 3501, RFC 4959, RFC 1939, RFC 2449, RFC 5034, RFC 5321,
 *	RFC 4954, RFC 3207, RFC 7628; mechanism.h
 */
#ifndef SO2_MAIL_H
#define SO2_MAIL_H

#include <stddef.h>
#include "base/error.h"
#include "token/mechanism.h"

#define SO2_MAIL_LINE_MAX	16384	/* bytes of one server line, CRLF incl. */
#define SO2_MAIL_CAPS_MAX	4096	/* bytes of capabilities kept */
#define SO2_MAIL_SHOW_MAX	512	/* bytes of server text kept for messages */
#define SO2_MAIL_REPLY_MAX	2048	/* bytes of a whole (multi-line) reply kept */
#define SO2_MAIL_TIMEOUT	30	/* default seconds per operation */
#define SO2_MAIL_OP_BYTES_MAX	(1024 * 1024)	/* bytes a server may send in
					 * answer to one operation */
#define SO2_MAIL_REPLY_LINES_MAX 1000	/* lines of one reply (IMAP untagged
					 * data, SMTP multi-line, POP3 CAPA) */

/* so2_mail_proto - the protocol spoken */
typedef enum so2_mail_proto {
	SO2_MAIL_IMAP,
	SO2_MAIL_POP3,
	SO2_MAIL_SMTP
} so2_mail_proto;

/* so2_mail_tls - how TLS starts */
typedef enum so2_mail_tls {
	SO2_MAIL_TLS_AUTO,	/* implicit on 993, 995, 465; else STARTTLS */
	SO2_MAIL_TLS_IMPLICIT,
	SO2_MAIL_TLS_STARTTLS
} so2_mail_tls;

/* so2_mail_opts - where and how to connect; strings are borrowed */
typedef struct so2_mail_opts {
	so2_mail_proto proto;
	const char *host;	/* DNS name or IP literal; checked against
				 * the certificate */
	unsigned port;		/* 0: the protocol's implicit-TLS port */
	so2_mail_tls tls;
	const char *ca_file;	/* PEM bundle; NULL: OpenSSL's default paths */
	const char *ehlo_name;	/* SMTP EHLO argument; NULL: "localhost" */
	long timeout;		/* seconds; <= 0: SO2_MAIL_TIMEOUT */
	int check_starttls;	/* 1: with STARTTLS, read the capabilities in
				 * clear first (IMAP CAPABILITY unless the
				 * greeting carried them, POP3 CAPA, SMTP EHLO)
				 * and stop when STARTTLS (POP3: STLS) is not
				 * announced (RFC 3207 4, RFC 3501 6.2.1) */
} so2_mail_opts;

/* so2_mail_stage - the steps of so2_mail_open, in order */
typedef enum so2_mail_stage {
	SO2_MAIL_STAGE_CONNECT,		/* DNS and TCP */
	SO2_MAIL_STAGE_TLS_SETUP,	/* TLS context, CA bundle, host name */
	SO2_MAIL_STAGE_TLS,		/* the handshake and its verification */
	SO2_MAIL_STAGE_GREETING,
	SO2_MAIL_STAGE_STARTTLS,	/* capabilities in clear, asking for TLS */
	SO2_MAIL_STAGE_CAPS,		/* capabilities over TLS */
	SO2_MAIL_STAGE_DONE
} so2_mail_stage;

/* so2_mail_info - what so2_mail_open_info saw, for a diagnosis */
typedef struct so2_mail_info {
	so2_mail_stage stage;		/* the step that failed; DONE on success */
	char detail[SO2_ERR_MSG_MAX];	/* err's message without the leading
					 * "imap host:port: "; "" on success */
	char reply[SO2_MAIL_REPLY_MAX];	/* the server's last reply, printable,
					 * lines joined by "\n"; "" if none */
	char caps_clear[SO2_MAIL_CAPS_MAX]; /* capabilities announced before
					 * STARTTLS, as so2_mail_caps; "" if none */
	int starttls_offered;		/* check_starttls: 1 or 0; else -1 */
	char tls_version[32];		/* "TLSv1.3" after the handshake, else "" */
	long tls_verify;		/* X509_V_OK (0) or the X509_V_ERR_* code */
	char tls_error[256];		/* X509_verify_cert_error_string() when
					 * verification failed, else OpenSSL's
					 * handshake error; "" on success */
} so2_mail_info;

/* so2_mail_result - what the server said to an authentication */
typedef struct so2_mail_result {
	char reply[SO2_MAIL_SHOW_MAX];	/* final reply line, printable */
	char text[SO2_MAIL_REPLY_MAX];	/* the whole final reply, printable:
					 * SMTP all lines joined by "\n", IMAP
					 * the tagged line without our tag,
					 * POP3 the line; "" when none came */
	int code;			/* SMTP reply code of text; else 0 */
	int challenged;			/* 1 when an error challenge came */
	so2_challenge challenge;	/* parsed, when challenged */
} so2_mail_result;

typedef struct so2_mail_conn so2_mail_conn;

/* so2_mail_proto_name - "imap", "pop3" or "smtp" */
const char *so2_mail_proto_name(so2_mail_proto proto);

/*
 * so2_mail_open - connect, start TLS, read the greeting and capabilities
 *	On SO2_OK *out is an open connection (close with so2_mail_close).
 *	Errors: see DIAGNOSTICS; *out is NULL then.
 */
so2_status so2_mail_open(const so2_mail_opts *opts, so2_mail_conn **out,
			 so2_err *err);

/*
 * so2_mail_open_info - so2_mail_open, telling how far it got
 *	info (NULL: none) is filled in every case: the failed step, the
 *	server's last reply, the capabilities seen in clear, the TLS
 *	version or the verification error. Same returns as so2_mail_open;
 *	a refused certificate is SO2_ERR_PROTO at SO2_MAIL_STAGE_TLS with
 *	info->tls_verify != 0, an unreadable CA bundle SO2_ERR_PARAM at
 *	SO2_MAIL_STAGE_TLS_SETUP, STARTTLS not announced (check_starttls)
 *	SO2_ERR_PROTO at SO2_MAIL_STAGE_STARTTLS with starttls_offered 0.
 */
so2_status so2_mail_open_info(const so2_mail_opts *opts, so2_mail_conn **out,
			      so2_mail_info *info, so2_err *err);

/*
 * so2_mail_offers - 1 when the server announced SASL mechanism mech
 *	(IMAP AUTH=MECH, POP3 CAPA "SASL ...", SMTP EHLO "AUTH ..."),
 *	case-insensitive. 0 otherwise, or when it announced nothing.
 */
int so2_mail_offers(const so2_mail_conn *c, const char *mech);

/*
 * so2_mail_caps - the capabilities the server announced after TLS
 *	One per line ("\n"), as sent but for control characters, which
 *	become '?' (IMAP: one atom per line). After a
 *	successful IMAP authentication: the post-login capabilities when
 *	the server sent them with its OK. Never NULL.
 */
const char *so2_mail_caps(const so2_mail_conn *c);

/*
 * so2_mail_greeting - the server's greeting, printable, for messages
 */
const char *so2_mail_greeting(const so2_mail_conn *c);

/*
 * so2_mail_authenticate - AUTH with mech and its initial response
 *	resp/resp_len: the raw (not base64) client response, e.g. from
 *	so2_xoauth2_response(); wiped copies only. mech: "XOAUTH2" or
 *	"OAUTHBEARER" (decides the reply to an error challenge).
 *	*res is filled in every case. Returns SO2_OK when the server
 *	accepted; SO2_ERR_AUTH when it refused (message: the reply and the
 *	challenge status); SO2_ERR_TEMP for network trouble or a temporary
 *	(SMTP 4xx) refusal; SO2_ERR_PROTO for garbage.
 */
so2_status so2_mail_authenticate(so2_mail_conn *c, const char *mech,
				 const char *resp, size_t resp_len,
				 so2_mail_result *res, so2_err *err);

/*
 * so2_mail_relay - copy bytes both ways until either side closes
 *	Bytes from in_fd go to the server; the server's bytes (first any
 *	already read and not consumed) go to out_fd. Returns SO2_OK when
 *	either side closed cleanly, SO2_ERR_TEMP on an I/O error (message
 *	says which side). No timeout: a mail session may idle.
 */
so2_status so2_mail_relay(so2_mail_conn *c, int in_fd, int out_fd,
			  so2_err *err);

/*
 * so2_mail_imap_command - send one IMAP command (without its tag), read to
 *	its tagged reply; *ok is 1 for OK. reply (size bytes) receives the
 *	tagged line, printable. For a mailbox command after AUTHENTICATE:
 *	Exchange may accept the token and still refuse every command ("BAD
 *	User is authenticated but not connected."). SO2_ERR_PARAM outside
 *	IMAP; network errors as so2_mail_authenticate.
 */
so2_status so2_mail_imap_command(so2_mail_conn *c, const char *cmd, int *ok, char *reply,
				 size_t size, so2_err *err);

/*
 * so2_mail_quit - say goodbye (LOGOUT / QUIT), ignore the answer
 */
void so2_mail_quit(so2_mail_conn *c);

/* so2_mail_close - close the TLS session and the socket, free; NULL ok */
void so2_mail_close(so2_mail_conn *c);

#endif

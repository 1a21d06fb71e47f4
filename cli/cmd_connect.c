/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	cmd_connect.c - sasl-oauth2 connect: an authenticated IMAP or POP3
 *	session on standard input and output (fetchmail's plugin)
 * SYNOPSIS
 *	sasl-oauth2 connect [--protocol imap|pop3] [--mech M] [--tls T]
 *		[--user NAME] [--server-ca FILE] [--timeout S] ACCOUNT HOST [PORT]
 * DESCRIPTION
 *	For programs that cannot do OAuth 2.0 themselves but can talk to a
 *	pre-authenticated server through a command (fetchmail's "plugin"
 *	with "auth ssh"): opens TLS to HOST (verified), authenticates with
 *	XOAUTH2 or OAUTHBEARER using ACCOUNT's token record (refreshed
 *	through the token cache, as the SASL module does), then hands the
 *	program the session on standard input and output:
 *	IMAP: a "* PREAUTH" greeting (RFC 3501 7.1.4) carrying the
 *	server's post-login capabilities when it sent them;
 *	POP3: a "+OK" greeting, the session being in the TRANSACTION state
 *	(RFC 1939 4; fetchmail with "auth ssh" then sends STAT at once).
 *	Then bytes are relayed both ways until either side closes.
 *
 *	When the server refuses the token, the record is marked stale and
 *	one more attempt is made on the same connection with a freshly
 *	refreshed token (unless this run refreshed it already).
 *
 *	Failures before the hand-over: the program gets a greeting that
 *	fails in its protocol ("* BYE sasl-oauth2: ..." or "-ERR
 *	sasl-oauth2: ..."), standard error the classified cause
 *	("sasl-oauth2: ACCOUNT: ..."), and the exit code is cli_exit_code's.
 *	No token ever reaches either output.
 * SEE ALSO
 *	sasl-oauth2(1), sasl-oauth2-fetchmail(7), mail.h
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "token/cache.h"
#include "mail/mail.h"
#include "token/mechanism.h"
#include "base/secret.h"
#include "base/text.h"

#include "cli.h"

enum {
	OPT_PROTOCOL = CLI_OPT_COMMAND,
	OPT_MECH,
	OPT_TLS,
	OPT_USER,
	OPT_SERVER_CA,
	OPT_TIMEOUT
};

/* connect_usage - the help text */
static void
connect_usage(FILE *fp)
{
	fprintf(fp,
		"Usage: %s connect [OPTIONS] ACCOUNT HOST [PORT]\n"
		"Open TLS to an IMAP or POP3 server, authenticate with ACCOUNT's "
		"token and\nrelay the authenticated session on standard input and "
		"output (for\nfetchmail: plugin \"%s connect ACCOUNT %%h %%p\" with "
		"auth ssh).\n\n"
		"  --protocol imap|pop3  default: from PORT (143, 993: imap; 110, 995: "
		"pop3)\n"
		"  --mech xoauth2|oauthbearer  SASL mechanism (default xoauth2)\n"
		CLI_TLS_HELP
		"  --user NAME          SASL user sent to the server (default: the "
		"account)\n"
		"  --server-ca FILE     CA bundle for the mail server (default: ca_file,"
		"\n                       else the system's)\n"
		"  --timeout SECONDS    per connect and reply (default %d)\n"
		"PORT may be a number or imap, imaps, pop3, pop3s (default: 993, or "
		"995 for pop3).\n", CLI_PROG, CLI_PROG, SO2_MAIL_TIMEOUT);
}

/* parse_port - a port number or one of the mail service names; 0: bad */
static unsigned
parse_port(const char *s)
{
	static const struct { const char *name; unsigned port; } names[] = {
		{ "imap", 143 }, { "imap2", 143 }, { "imaps", 993 },
		{ "pop3", 110 }, { "pop-3", 110 }, { "pop3s", 995 },
	};
	size_t i;
	long v;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i].name) == 0)
			return names[i].port;
	if (cli_number(s, 1, 65535, &v) != 0)
		return 0;
	return (unsigned)v;
}

/*
 * fail_greeting - the protocol's refusal, for the program on stdout
 *	With the response codes of RFC 3206 (POP3) and RFC 5530 (IMAP), so
 *	that a program can tell "try later" from "log in again".
 */
static void
fail_greeting(so2_mail_proto proto, const char *account, const so2_err *err)
{
	char line[SO2_ERR_MSG_MAX + 128], show[SO2_ERR_MSG_MAX];
	const char *msg = err->msg, *code;
	size_t n = strlen(account);
	int temp = err->status == SO2_ERR_TEMP || err->status == SO2_ERR_LOCK;
	int auth = err->status == SO2_ERR_AUTH || err->status == SO2_ERR_GRANT ||
	    err->status == SO2_ERR_NOTFOUND;

	/* The core's messages often begin "account A: "; say it once. */
	if (strncmp(msg, "account ", 8) == 0 && strncmp(msg + 8, account, n) == 0 &&
	    strncmp(msg + 8 + n, ": ", 2) == 0)
		msg += 8 + n + 2;
	so2_printable(msg, show, sizeof(show));
	if (proto == SO2_MAIL_POP3) {
		code = temp ? "[SYS/TEMP] " : auth ? "[AUTH] " : "[SYS/PERM] ";
		so2_format(line, sizeof(line), "-ERR %ssasl-oauth2: %s: %s\r\n", code,
			   account, show);
	} else {
		code = temp ? "[UNAVAILABLE] " : auth ? "[AUTHENTICATIONFAILED] " : "";
		so2_format(line, sizeof(line), "* BYE %ssasl-oauth2: %s: %s\r\n", code,
			   account, show);
	}
	if (fputs(line, stdout) == EOF || fflush(stdout) != 0)
		return;		/* the program is gone; stderr has the cause */
}

/* authenticate - one AUTH with the current token; the server's verdict */
static so2_status
authenticate(so2_mail_conn *mc, const char *mech, const char *user, const char *host,
	     unsigned port, const so2_secret *token, so2_mail_result *res, so2_err *err)
{
	char *resp = NULL;
	size_t resp_len = 0;
	so2_status st;

	if (strcmp(mech, "XOAUTH2") == 0)
		st = so2_xoauth2_response(user, token->data, token->len, &resp, &resp_len,
					  err);
	else
		st = so2_oauthbearer_response(user, host, port, token->data, token->len,
					      &resp, &resp_len, err);
	if (st == SO2_OK)
		st = so2_mail_authenticate(mc, mech, resp, resp_len, res, err);
	so2_wipe_free(resp, resp_len);
	return st;
}

/* handover - the greeting that tells the program it is logged in */
static int
handover(so2_mail_conn *mc, so2_mail_proto proto, const char *user)
{
	const char *caps = so2_mail_caps(mc);
	char line[SO2_MAIL_CAPS_MAX + 256], atoms[SO2_MAIL_CAPS_MAX];
	size_t i;

	if (proto == SO2_MAIL_POP3) {
		so2_format(line, sizeof(line), "+OK sasl-oauth2: logged in as %s\r\n", user);
	} else {
		/* the post-login capabilities, one atom per line in caps */
		so2_format(atoms, sizeof(atoms), "%s", caps);
		for (i = 0; atoms[i] != '\0'; i++)
			if (atoms[i] == '\n')
				atoms[i] = atoms[i + 1] == '\0' ? '\0' : ' ';
		if (atoms[0] != '\0' && strstr(caps, "AUTH=") == NULL)
			so2_format(line, sizeof(line), "* PREAUTH [CAPABILITY %s] "
				   "sasl-oauth2: logged in as %s\r\n", atoms, user);
		else
			so2_format(line, sizeof(line), "* PREAUTH sasl-oauth2: logged "
				   "in as %s\r\n", user);
	}
	return fputs(line, stdout) == EOF || fflush(stdout) != 0 ? -1 : 0;
}

/* cmd_connect - the connect command */
int
cmd_connect(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_GLOBAL_LONGOPTS,
		{ "protocol", required_argument, NULL, OPT_PROTOCOL },
		{ "mech", required_argument, NULL, OPT_MECH },
		{ "tls", required_argument, NULL, OPT_TLS },
		{ "user", required_argument, NULL, OPT_USER },
		{ "server-ca", required_argument, NULL, OPT_SERVER_CA },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ NULL, 0, NULL, 0 }
	};
	so2_secret token = SO2_SECRET_INIT;
	so2_token_info info;
	so2_cache *cache = NULL;
	so2_mail_conn *mc = NULL;
	so2_mail_opts mo;
	so2_mail_result res;
	const char *account, *mech = "XOAUTH2", *user = NULL;
	char shown[64], refused[SO2_ERR_MSG_MAX];
	unsigned char digest[SO2_TOKEN_DIGEST_LEN];
	so2_err err;
	int c, code, protocol_known = 0, tls;
	long timeout = 0;
	so2_status st;

	memset(&mo, 0, sizeof(mo));
	while ((c = getopt_long(argc, argv, CLI_GLOBAL_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case OPT_PROTOCOL:
			if (strcasecmp(optarg, "imap") == 0)
				mo.proto = SO2_MAIL_IMAP;
			else if (strcasecmp(optarg, "pop3") == 0)
				mo.proto = SO2_MAIL_POP3;
			else
				return cli_usage_error("connect", "--protocol takes imap or "
						       "pop3, not \"%s\"", optarg);
			protocol_known = 1;
			break;
		case OPT_MECH:
			if (strcasecmp(optarg, "xoauth2") == 0)
				mech = "XOAUTH2";
			else if (strcasecmp(optarg, "oauthbearer") == 0)
				mech = "OAUTHBEARER";
			else
				return cli_usage_error("connect", "--mech takes xoauth2 or "
						       "oauthbearer, not \"%s\"", optarg);
			break;
		case OPT_TLS:
			if ((tls = cli_tls_mode(optarg)) < 0)
				return cli_usage_error("connect", "--tls takes starttls or "
						       "implicit, not \"%s\"", optarg);
			mo.tls = (so2_mail_tls)tls;
			break;
		case OPT_USER:
			user = optarg;
			break;
		case OPT_SERVER_CA:
			mo.ca_file = optarg;
			break;
		case OPT_TIMEOUT:
			if (cli_number(optarg, 1, 86400, &timeout) != 0)
				return cli_usage_error("connect", "--timeout takes seconds "
						       "(1-86400), not \"%s\"", optarg);
			break;
		default:
			if (!cli_global_option(ctx, c, optarg))
				return cli_usage_error("connect", NULL);
		}
	}
	if (ctx->help) {
		connect_usage(stdout);
		return 0;
	}
	if (argc - optind < 2 || argc - optind > 3)
		return cli_usage_error("connect", "connect takes ACCOUNT HOST [PORT]");
	account = argv[optind];
	mo.host = argv[optind + 1];
	if (argc - optind == 3 && (mo.port = parse_port(argv[optind + 2])) == 0)
		return cli_usage_error("connect", "bad PORT \"%s\"", argv[optind + 2]);
	if (!protocol_known) {
		if (mo.port == 143 || mo.port == 993 || mo.port == 0)
			mo.proto = SO2_MAIL_IMAP;
		else if (mo.port == 110 || mo.port == 995)
			mo.proto = SO2_MAIL_POP3;
		else
			return cli_usage_error("connect", "say --protocol imap or pop3 for "
					       "port %u", mo.port);
	}
	mo.timeout = timeout;
	/* fetchmail closing its end must end us quietly, not by SIGPIPE */
	signal(SIGPIPE, SIG_IGN);

	so2_err_clear(&err);
	memset(&info, 0, sizeof(info));
	if ((st = cli_load_config(ctx, &err)) != SO2_OK ||
	    (st = so2_cache_open(ctx->conf, &cache, &err)) != SO2_OK ||
	    (st = so2_cache_get(cache, account, 0, &token, &info, &err)) != SO2_OK)
		goto failed;
	if (info.warning[0] != '\0')
		cli_msg("%s: warning: %s", account, info.warning);
	if (user == NULL)
		user = info.account[0] != '\0' ? info.account : account;
	if (mo.ca_file == NULL)
		mo.ca_file = ctx->conf->ca_file;
	cli_verbose(ctx, "%s: token %s; connecting to %s %s", account,
		    so2_secret_describe(token.data, token.len, shown, sizeof(shown)),
		    so2_mail_proto_name(mo.proto), mo.host);
	if ((st = so2_mail_open(&mo, &mc, &err)) != SO2_OK)
		goto failed;
	if (!so2_mail_offers(mc, mech))
		cli_verbose(ctx, "%s: the server does not announce %s; trying anyway",
			    account, mech);
	st = authenticate(mc, mech, user, mo.host, mo.port, &token, &res, &err);
	if (st == SO2_ERR_AUTH && !info.refreshed) {
		/* The token may have been revoked or cut short: refresh once. */
		cli_verbose(ctx, "%s: %s; refreshing the token and trying again",
			    account, err.msg);
		if ((!res.challenged || so2_challenge_token_invalid(&res.challenge)) &&
		    (so2_token_digest(&token, digest) != SO2_OK ||
		     so2_cache_mark_stale(cache, account, digest, err.msg, NULL, &err)
		     != SO2_OK))
			cli_msg("%s: warning: %s", account, err.msg);
		so2_format(refused, sizeof(refused), "%s", err.msg);
		so2_err_clear(&err);
		if ((st = so2_cache_get(cache, account, 1, &token, &info, &err)) != SO2_OK) {
			so2_err_prefix(&err, "%s; refreshing the token failed too", refused);
			goto failed;
		}
		st = authenticate(mc, mech, user, mo.host, mo.port, &token, &res, &err);
	}
	if (st != SO2_OK) {
		if (st == SO2_ERR_AUTH)
			so2_err_prefix(&err, "the server refused the token of %s (is %s "
				       "enabled for this mailbox and the token's scope "
				       "right? see 'sasl-oauth2 status %s')", user,
				       so2_mail_proto_name(mo.proto), account);
		goto failed;
	}
	so2_secret_clear(&token);
	cli_verbose(ctx, "%s: authenticated with %s; relaying", account, mech);
	if (handover(mc, mo.proto, user) != 0) {
		code = 0;	/* the program went away before the greeting */
		goto out;
	}
	if ((st = so2_mail_relay(mc, STDIN_FILENO, STDOUT_FILENO, &err)) != SO2_OK) {
		code = cli_fail(account, &err);
		goto out;
	}
	code = 0;
	goto out;

failed:
	fail_greeting(mo.proto, account, &err);
	code = cli_fail(account, &err);
out:
	so2_secret_clear(&token);
	so2_mail_close(mc);
	so2_cache_close(cache);
	return code;
}

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	cmd_login.c - sasl-oauth2 login: get the first tokens of an account
 * SYNOPSIS
 *	sasl-oauth2 login ACCOUNT [--grant device|code|client-credentials]
 *		[--provider NAME] [--tenant T] [--cloud C] [--client-id ID]
 *		[--authority URL] [--token-endpoint URL] [--device-endpoint URL]
 *		[--authorization-endpoint URL] [--scope "S1 S2"]
 *		[--protocol smtp|imap|pop|all]... [--user NAME]
 *		[--client-secret-file FILE | --client-secret-stdin]
 *		[--certificate FILE --private-key FILE [--assertion-alg A]]
 *		[--port N] [--redirect-uri URI] [--paste] [--no-browser]
 *		[--timeout S]
 * DESCRIPTION
 *	Signs an account in and writes its token record into the store.
 *	This file reads the command line into a cli_login_req; the login
 *	flow is login.h's (cli_login_account), one file per step:
 *	login_plan.c (profile, endpoints, scope; what cannot work is
 *	refused before any request), login_client.c (client
 *	authentication: secret file, secret from standard input kept in
 *	STORE/ACCOUNT.secret, certificate), the grants login_device.c
 *	(RFC 8628), login_code.c (RFC 6749 4.1 with PKCE, RFC 8252
 *	loopback redirect) and client credentials (RFC 6749 4.4, in
 *	login.c), login_explain.c (what to do about a refusal),
 *	login_record.c (the store and the record's write).
 *
 *	Exit codes: cli_exit_code's; CLI_EXIT_INTERRUPTED (130) when a
 *	signal ended the wait for the user (nothing is written then).
 * SEE ALSO
 *	sasl-oauth2(1), login.h, RFC 8628, RFC 6749, RFC 7636, RFC 7523
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "token/assertion.h"

#include "login.h"

#define CODE_TIMEOUT_DEFAULT	300	/* seconds to wait for the browser */

enum {
	OPT_PROVIDER = CLI_OPT_COMMAND,
	OPT_TENANT,
	OPT_CLOUD,
	OPT_CLIENT_ID,
	OPT_AUTHORITY,
	OPT_TOKEN_ENDPOINT,
	OPT_DEVICE_ENDPOINT,
	OPT_AUTH_ENDPOINT,
	OPT_SCOPE,
	OPT_PROTOCOL,
	OPT_USER,
	OPT_GRANT,
	OPT_SECRET_FILE,
	OPT_SECRET_STDIN,
	OPT_CERTIFICATE,
	OPT_PRIVATE_KEY,
	OPT_ASSERTION_ALG,
	OPT_PORT,
	OPT_REDIRECT_URI,
	OPT_PASTE,
	OPT_NO_BROWSER,
	OPT_TIMEOUT
};

/* login_usage - the help text */
static void
login_usage(FILE *fp)
{
	fprintf(fp,
		"Usage: %s login ACCOUNT [OPTIONS]\n"
		"Sign ACCOUNT in and store its token record.\n\n"
		"  --grant G              device (default: a code to enter on "
		"another device),\n"
		"                         code (browser, PKCE), client-credentials "
		"(app-only)\n"
		"  --provider NAME        profile [NAME] of the configuration, "
		"or microsoft,\n"
		"                         google, generic (default: [microsoft] or "
		"the only one)\n"
		"  --tenant T             Microsoft tenant (default %s)\n"
		"  --cloud C              global, usgov, dod or china\n"
		"  --client-id ID         application (client) ID\n"
		"  --authority URL        login host base URL\n"
		"  --token-endpoint URL   token endpoint (overrides the derived "
		"one)\n"
		"  --device-endpoint URL  device authorization endpoint\n"
		"  --authorization-endpoint URL  authorization endpoint\n"
		"  --scope \"S1 S2\"        scope (overrides the derived one)\n"
		"  --protocol P           smtp, imap, pop or all; repeatable "
		"(default smtp)\n"
		"  --user NAME            (root) give the store and the record to "
		"NAME (or uid)\n"
		"Client authentication (default: the profile's, else a public "
		"client):\n"
		"  --client-secret-file FILE  file holding the client secret "
		"(\"\": none)\n"
		"  --client-secret-stdin  read the client secret from standard "
		"input\n"
		"  --certificate FILE     PEM certificate registered with the app\n"
		"  --private-key FILE     its PEM RSA private key (mode 0600)\n"
		"  --assertion-alg A      PS256 (default) or RS256\n"
		"Authorization code grant:\n"
		"  --port N               loopback port (default: any free one)\n"
		"  --redirect-uri URI     default http://localhost:PORT/ "
		"(--paste: http://localhost)\n"
		"  --paste                no listener: paste the address the browser "
		"ends on\n"
		"  --no-browser           do not run xdg-open\n"
		"  --timeout S            seconds to wait for the browser "
		"(default %d)\n", CLI_PROG, SO2_MS_DEFAULT_TENANT,
		CODE_TIMEOUT_DEFAULT);
}

/* parse_login_options - the command line; an exit code, -1 to go on */
static int
parse_login_options(cli_ctx *ctx, int argc, char **argv, cli_login_req *o)
{
	static const struct option longopts[] = {
		{ "provider", required_argument, NULL, OPT_PROVIDER },
		{ "tenant", required_argument, NULL, OPT_TENANT },
		{ "cloud", required_argument, NULL, OPT_CLOUD },
		{ "client-id", required_argument, NULL, OPT_CLIENT_ID },
		{ "authority", required_argument, NULL, OPT_AUTHORITY },
		{ "token-endpoint", required_argument, NULL, OPT_TOKEN_ENDPOINT },
		{ "device-endpoint", required_argument, NULL, OPT_DEVICE_ENDPOINT },
		{ "authorization-endpoint", required_argument, NULL, OPT_AUTH_ENDPOINT },
		{ "scope", required_argument, NULL, OPT_SCOPE },
		{ "protocol", required_argument, NULL, OPT_PROTOCOL },
		{ "user", required_argument, NULL, OPT_USER },
		{ "grant", required_argument, NULL, OPT_GRANT },
		{ "client-secret-file", required_argument, NULL, OPT_SECRET_FILE },
		{ "client-secret-stdin", no_argument, NULL, OPT_SECRET_STDIN },
		{ "certificate", required_argument, NULL, OPT_CERTIFICATE },
		{ "private-key", required_argument, NULL, OPT_PRIVATE_KEY },
		{ "assertion-alg", required_argument, NULL, OPT_ASSERTION_ALG },
		{ "port", required_argument, NULL, OPT_PORT },
		{ "redirect-uri", required_argument, NULL, OPT_REDIRECT_URI },
		{ "paste", no_argument, NULL, OPT_PASTE },
		{ "no-browser", no_argument, NULL, OPT_NO_BROWSER },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		CLI_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	so2_err err;
	int c;

	memset(o, 0, sizeof(*o));
	o->code.timeout = CODE_TIMEOUT_DEFAULT;
	while ((c = getopt_long(argc, argv, CLI_GLOBAL_SHORTOPTS, longopts,
				NULL)) != -1) {
		switch (c) {
		case OPT_PROVIDER:
			o->provider = optarg;
			break;
		case OPT_TENANT:
			o->over.tenant = optarg;
			break;
		case OPT_CLOUD:
			o->over.cloud = optarg;
			break;
		case OPT_CLIENT_ID:
			o->over.client_id = optarg;
			break;
		case OPT_AUTHORITY:
			o->over.authority = optarg;
			break;
		case OPT_TOKEN_ENDPOINT:
			o->over.token_endpoint = optarg;
			break;
		case OPT_DEVICE_ENDPOINT:
			o->over.device_authorization_endpoint = optarg;
			break;
		case OPT_AUTH_ENDPOINT:
			o->over.authorization_endpoint = optarg;
			break;
		case OPT_SCOPE:
			o->over.scope = optarg;
			break;
		case OPT_PROTOCOL:
			if (so2_protocol_parse(optarg, &o->protocols, &err) != SO2_OK)
				return cli_usage_error("login", "%s", err.msg);
			break;
		case OPT_USER:
			o->user = optarg;
			break;
		case OPT_GRANT:
			if (cli_grant_parse(optarg, &o->grant) != 0)
				return cli_usage_error("login", "--grant must be device, "
						       "code or client-credentials");
			break;
		case OPT_SECRET_FILE:
			o->over.client_secret_file = optarg;
			break;
		case OPT_SECRET_STDIN:
			o->secret_stdin = 1;
			break;
		case OPT_CERTIFICATE:
			o->over.certificate_file = optarg;
			break;
		case OPT_PRIVATE_KEY:
			o->over.private_key_file = optarg;
			break;
		case OPT_ASSERTION_ALG:
			if (!so2_assertion_alg_valid(optarg))
				return cli_usage_error("login", "--assertion-alg must be "
						       "PS256 or RS256");
			o->over.assertion_alg = optarg;
			break;
		case OPT_PORT:
			if (cli_number(optarg, 1, 65535, &o->code.port) != 0)
				return cli_usage_error("login", "--port must be 1 to 65535");
			break;
		case OPT_REDIRECT_URI:
			o->code.redirect_uri = optarg;
			break;
		case OPT_PASTE:
			o->code.paste = 1;
			break;
		case OPT_NO_BROWSER:
			o->code.no_browser = 1;
			break;
		case OPT_TIMEOUT:
			if (cli_number(optarg, 1, 86400, &o->code.timeout) != 0)
				return cli_usage_error("login", "--timeout must be 1 to "
						       "86400 seconds");
			break;
		default:
			if (!cli_global_option(ctx, c, optarg))
				return cli_usage_error("login", NULL);
		}
	}
	if (ctx->help) {
		login_usage(stdout);
		return 0;
	}
	if (argc - optind != 1)
		return cli_usage_error("login", "login takes one ACCOUNT");
	o->account = argv[optind];
	if (!so2_account_valid(o->account))
		return cli_usage_error("login", "\"%s\" is not a valid account name "
				       "(no \"/\", no control characters, not "
				       "starting with \".\")", o->account);
	if (o->user != NULL && geteuid() != 0)
		return cli_usage_error("login", "--user needs root");
	if (o->grant != CLI_GRANT_CODE && (o->code.port || o->code.paste ||
				       o->code.redirect_uri || o->code.no_browser))
		return cli_usage_error("login", "--port, --paste, --redirect-uri and "
				       "--no-browser go with --grant code");
	if (o->secret_stdin && o->code.paste)
		return cli_usage_error("login", "--paste reads the redirect from "
				       "standard input: give the client secret with "
				       "--client-secret-file");
	return -1;
}

/* cmd_login - the login command */
int
cmd_login(cli_ctx *ctx, int argc, char **argv)
{
	cli_login_req req;
	so2_status result;
	so2_err err;
	int code;

	code = parse_login_options(ctx, argc, argv, &req);
	if (code >= 0)
		return code;
	result = cli_login_account(ctx, &req, &err);
	if (result == SO2_OK)
		return 0;
	if (result == SO2_ERR_PENDING && cli_interrupted) {
		cli_fail(req.account, &err);
		return CLI_EXIT_INTERRUPTED;
	}
	return cli_fail(req.account, &err);
}

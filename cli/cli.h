/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	cli.h - the sasl-oauth2 command: shared declarations
 * DESCRIPTION
 *	main.c parses the global options and picks the command. Each
 *	cmd_*.c parses its own options (the global ones are accepted there
 *	too), does its work and returns an exit code; no command file uses
 *	another. What commands share lives in files of its own:
 *	options.c (global options, usage errors, numbers), report.c
 *	(messages, the status to exit code map: cli_exit_code, the only
 *	place that does), setup.c (the configuration), timefmt.c (times
 *	for people), signals.c (catching Ctrl-C around waits),
 *	token_checks.c (what looks wrong with a token), login*.c (the
 *	login flow, login.h) and doctor_*.c (doctor's parts, doctor.h).
 *
 *	Output rules: stdout carries results only (the token command's
 *	token, status tables, one line per refreshed account); progress,
 *	prompts and errors go to stderr as "sasl-oauth2: ...". Secrets
 *	are never printed except by the token command, and in verbose
 *	mode only as so2_secret_describe() text.
 * SEE ALSO
 *	sasl-oauth2(1)
 */
#ifndef SO2_CLI_H
#define SO2_CLI_H

#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "token/conf.h"
#include "token/grant.h"
#include "base/error.h"
#include "token/jwt.h"
#include "login/provider.h"
#include "token/record.h"

#define CLI_PROG		"sasl-oauth2"
#define CLI_EXIT_INTERRUPTED	130	/* 128 + SIGINT, as a shell shows it */
#define CLI_TIME_MAX		64	/* bytes of a formatted time */
#define CLI_TEXT_MAX		1200	/* bytes of a path-bearing message */

/* Long option codes of the global options (beyond any char). */
enum {
	CLI_OPT_CONFIG = 0x100,
	CLI_OPT_STORE,
	CLI_OPT_CA_FILE,
	CLI_OPT_VERSION,
	CLI_OPT_COMMAND		/* first code free for a command */
};

/* The global options, for each command's struct option table. */
#define CLI_GLOBAL_LONGOPTS						\
	{ "config", required_argument, NULL, CLI_OPT_CONFIG },		\
	{ "store", required_argument, NULL, CLI_OPT_STORE },		\
	{ "ca-file", required_argument, NULL, CLI_OPT_CA_FILE },	\
	{ "verbose", no_argument, NULL, 'v' },				\
	{ "help", no_argument, NULL, 'h' },				\
	{ "version", no_argument, NULL, CLI_OPT_VERSION }
#define CLI_GLOBAL_SHORTOPTS	"vhV"

/* cli_ctx - the global options and what was loaded from them */
typedef struct cli_ctx {
	const char *config_path;	/* --config, NULL: the default */
	const char *store_dir;		/* --store, NULL: the config's */
	const char *ca_file;		/* --ca-file, NULL: the config's */
	int verbose;			/* -v count */
	int help;			/* --help seen */
	int version;			/* --version seen */
	so2_config *conf;		/* after cli_load_config */
	const char *conf_tried;		/* the file looked for */
} cli_ctx;

/* cli_cmd - one command */
typedef struct cli_cmd {
	const char *name;
	int (*run)(cli_ctx *ctx, int argc, char **argv);
	const char *synopsis;		/* for the general --help */
} cli_cmd;

/* options.c */
/* cli_global_option - take a global option; 1 when c was one */
int cli_global_option(cli_ctx *ctx, int c, const char *arg);
/* CLI_TLS_HELP - the words of --tls, the same in connect and doctor */
#define CLI_TLS_HELP "  --tls starttls|implicit  default: implicit on 465, 993 and 995, " \
	"else starttls\n"
/* cli_tls_mode - SO2_MAIL_TLS_STARTTLS or _IMPLICIT for --tls ARG, -1 when wrong */
int cli_tls_mode(const char *arg);
/* cli_usage_error - "sasl-oauth2: TEXT" (fmt NULL: none) and where to get
 *	help, on stderr; returns EX_USAGE (64) */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* cli_number - s as a whole decimal number from min to max into *out;
 *	0, or -1 (nothing stored) when s is not one or out of range */
int cli_number(const char *s, long min, long max, long *out);

/* report.c */
/* cli_exit_code - the exit code of a status (the only such mapping) */
int cli_exit_code(so2_status status);
/* cli_msg - "sasl-oauth2: TEXT" on standard error */
void cli_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* cli_msg_context - messages name commands with this context's --config/--store */
void cli_msg_context(const cli_ctx *ctx);
/* cli_fill_globals - add the --config/--store in use after each
 * "sasl-oauth2 COMMAND" in buf (size bytes) */
void cli_fill_globals(char *buf, size_t size);
/* cli_verbose - cli_msg when -v was given */
void cli_verbose(const cli_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* cli_fail - "sasl-oauth2: ACCOUNT: message" (account NULL: no account);
 *	returns cli_exit_code(err->status) */
int cli_fail(const char *account, const so2_err *err);

/* setup.c */
/* cli_load_config - read the configuration once, apply --store and
 *	--ca-file; so2_config_load's errors, SO2_ERR_NOMEM */
so2_status cli_load_config(cli_ctx *ctx, so2_err *err);
/* cli_describe_config - which configuration file was read, for people */
void cli_describe_config(const cli_ctx *ctx, char *buf, size_t size);
/* cli_account_of - the account of a record file name ("A.json" -> "A") */
const char *cli_account_of(const char *file, char *buf, size_t size);

/* timefmt.c: each writes into buf (CLI_TIME_MAX bytes) and returns it */
char *cli_local_time(time_t t, char *buf, size_t size);
char *cli_duration(long seconds, char *buf, size_t size);
char *cli_expiry(time_t t, time_t now, char *buf, size_t size);
char *cli_ago(time_t t, time_t now, char *buf, size_t size);

/* signals.c */
extern volatile sig_atomic_t cli_interrupted;	/* a caught signal came */
/* cli_catch_signals - catch (1: they set cli_interrupted) or restore (0)
 *	SIGINT, SIGTERM, SIGHUP; one ignored at start stays ignored */
void cli_catch_signals(int on);
/* cli_wait_seconds - sleep, ending early on a caught signal; 0, or -1
 *	when interrupted */
int cli_wait_seconds(long seconds);

/* token_checks.c: the checks after a login, and inspect */
#define CLI_WARN_MAX	8	/* warnings of one token */
/*
 * cli_token_warnings - what looks wrong with rec's access token
 *	c: its claims (so2_jwt_read). endpoint: "smtp", "hve", "imap" or
 *	"pop" (token/perms.h), NULL: protocols, SO2_PROTO_* the account is
 *	for; 0: those rec->scope asks for, else SMTP (an app-only token
 *	whose only role is Mail.Send: High Volume Email). Fills up to
 *	CLI_WARN_MAX messages into warn and returns how many.
 */
size_t cli_token_warnings(const so2_record *rec, const so2_jwt_claims *c,
			  unsigned protocols, const char *endpoint,
			  char warn[][SO2_ERR_MSG_MAX], size_t max);
/* cli_token_checks - print rec's warnings on stderr; returns their count */
size_t cli_token_checks(const so2_record *rec, unsigned protocols);

/* the commands */
int cmd_login(cli_ctx *ctx, int argc, char **argv);
int cmd_token(cli_ctx *ctx, int argc, char **argv);
int cmd_refresh(cli_ctx *ctx, int argc, char **argv);
int cmd_status(cli_ctx *ctx, int argc, char **argv);
int cmd_logout(cli_ctx *ctx, int argc, char **argv);
int cmd_connect(cli_ctx *ctx, int argc, char **argv);
int cmd_doctor(cli_ctx *ctx, int argc, char **argv);
int cmd_inspect(cli_ctx *ctx, int argc, char **argv);
int cmd_postfix(cli_ctx *ctx, int argc, char **argv);

#endif

/*
 * NAME
 *	cli.h - the sasl-oauth2 command: shared declarations
 * DESCRIPTION
 *	main.c parses the global options, picks the command and maps the
 *	command's so2_status to the exit code (cli_exit_code, the only
 *	place that does). Each cmd_*.c parses its own options (the global
 *	ones are accepted there too), does its work and returns an exit
 *	code. common.c loads the configuration and formats times.
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
#include "token/endpoint.h"
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
#define CLI_GLOBAL_SHORTOPTS	"vh"

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

/* main.c */
int cli_exit_code(so2_status status);
int cli_global_option(cli_ctx *ctx, int c, const char *arg);
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* common.c */
so2_status cli_load_config(cli_ctx *ctx, so2_err *err);
void cli_describe_config(const cli_ctx *ctx, char *buf, size_t size);
void cli_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_verbose(const cli_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int cli_fail(const char *account, const so2_err *err);
char *cli_local_time(time_t t, char *buf, size_t size);
char *cli_duration(long seconds, char *buf, size_t size);
char *cli_expiry(time_t t, time_t now, char *buf, size_t size);
char *cli_ago(time_t t, time_t now, char *buf, size_t size);
const char *cli_account_of(const char *file, char *buf, size_t size);

/* cmd_login.c: shared with login_code.c */
extern volatile sig_atomic_t cli_login_interrupted;	/* a signal came */
void cli_catch_signals(int on);
const char *cli_safe_text(const char *s, char *buf, size_t size);

/* cli_code_opts - the authorization code grant's options */
struct cli_code_opts {
	long port;		/* 0: any free port */
	const char *redirect_uri;	/* NULL: http://localhost:PORT/ */
	int paste;		/* no listener: read the redirect from stdin */
	int no_browser;		/* never run xdg-open */
	long timeout;		/* seconds to wait for the redirect */
	const char *login_hint;	/* NULL: not sent */
};

/*
 * cli_login_code - authorization code grant with PKCE (login_code.c)
 *	client: token endpoint, client id, scope and client authentication.
 *	On SO2_OK *rep holds the token reply. Errors: those of
 *	so2_grant_authorization_code, SO2_ERR_PARAM (bad redirect, state
 *	mismatch in paste mode), SO2_ERR_GRANT (the server's error on the
 *	redirect: access_denied...), SO2_ERR_TEMP (no redirect in time),
 *	SO2_ERR_IO (listener); SO2_ERR_PENDING when interrupted.
 */
so2_status cli_login_code(cli_ctx *ctx, const so2_http_conf *hc,
			  const so2_login_plan *plan, const so2_record *client,
			  const struct cli_code_opts *co, so2_token_reply *rep,
			  so2_oauth_error *oerr, so2_err *err);

/* cmd_inspect.c: the checks after a login, and inspect */
#define CLI_WARN_MAX	8	/* warnings of one token */
/*
 * cli_token_warnings - what looks wrong with rec's access token
 *	c: its claims (so2_jwt_read). protocols: SO2_PROTO_* the account
 *	is for; 0: those rec->scope asks for, else SMTP. Fills up to
 *	CLI_WARN_MAX messages into warn and returns how many.
 */
size_t cli_token_warnings(const so2_record *rec, const so2_jwt_claims *c,
			  unsigned protocols,
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

#endif

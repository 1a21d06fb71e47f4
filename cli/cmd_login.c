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
 *	Signs an account in and writes its token record into the store:
 *
 *	1. Pick the provider profile and merge the command line into it;
 *	   resolve endpoints and scope (provider.h). A missing or
 *	   placeholder client id, an unreadable secret, key or certificate,
 *	   a key file others can read, or a client credentials login
 *	   without a real tenant stop here, before any request.
 *	2. Make sure the store directory exists (0700; with --user, as
 *	   root, it and the record are given to that user).
 *	3. The grant:
 *	   device (RFC 8628): device authorization request, then poll the
 *	   token endpoint every interval seconds (3.4, 3.5):
 *	   authorization_pending keeps polling, slow_down adds 5 seconds,
 *	   expired_token and access_denied end the login, and so does the
 *	   device code's expires_in. Transient failures back off.
 *	   code (RFC 6749 4.1, RFC 7636 PKCE S256, RFC 8252 loopback
 *	   redirect): see login_code.c.
 *	   client-credentials (RFC 6749 4.4): one token request with the
 *	   client secret or a certificate assertion (RFC 7523); the record
 *	   has no refresh token and is renewed with the same grant.
 *	4. A delegated reply without a refresh token is refused (the record
 *	   could not be renewed); else the record is written, under the
 *	   record's lock, atomically, mode 0600, and the token's claims are
 *	   checked (audience, permission, user; cmd_inspect.c).
 *
 *	Client authentication (RFC 6749 2.3): --client-secret-file or the
 *	profile's client_secret_file names a file the record points to,
 *	read at each renewal; --client-secret-stdin reads the secret from
 *	standard input (no echo on a terminal) and keeps it in
 *	STORE/ACCOUNT.secret, mode 0600. A secret is never taken from the
 *	command line. An empty client_secret_file means a public client;
 *	an absent one inherits the profile's.
 *
 *	Signals: from the prompt on, between requests, SIGINT, SIGTERM and
 *	SIGHUP only set a flag (a wait ends at once, the login ends with
 *	CLI_EXIT_INTERRUPTED); during an HTTP request they keep their
 *	default action (nothing has been written yet); during the write
 *	they are caught, so the record is complete.
 * SEE ALSO
 *	sasl-oauth2(1), RFC 8628, RFC 6749, RFC 7636, RFC 7523, provider.h,
 *	endpoint.h, assertion.h, pkce.h, store.h
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "token/assertion.h"
#include "token/cache.h"
#include "token/endpoint.h"
#include "login/provider.h"
#include "token/record.h"
#include "token/store.h"

#include "cli.h"

#define POLL_INTERVAL_DEFAULT	5	/* seconds, RFC 8628 3.2 */
#define POLL_SLOW_DOWN		5	/* seconds added by slow_down, 3.5 */
#define POLL_BACKOFF_MAX	60	/* seconds between polls at most */
#define DEVICE_LIFETIME_DEFAULT	900	/* seconds, when expires_in is 0 */
#define SHOW_MAX		1024	/* bytes of server text shown */
#define SECRET_MAX		4096	/* bytes of a client secret */
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

/* The grants, as --grant names them and as records name them. */
enum grant { GRANT_DEVICE, GRANT_CODE, GRANT_CLIENT_CREDENTIALS };
static const char *const grant_option[] = { "device", "code", "client-credentials" };
static const char *const grant_record[] = { SO2_RECORD_GRANT_DEVICE, SO2_RECORD_GRANT_CODE,
	SO2_RECORD_GRANT_CLIENT_CREDENTIALS };

/* login_opts - the command line of login */
struct login_opts {
	const char *account;
	const char *provider;
	so2_profile over;	/* borrowed strings; NULL: not given */
	unsigned protocols;
	const char *user;	/* --user */
	enum grant grant;
	int secret_stdin;	/* --client-secret-stdin */
	struct cli_code_opts code;
};

volatile sig_atomic_t cli_login_interrupted;

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
		"NAME\n"
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

/* on_signal - remember that the user wants to stop */
static void
on_signal(int sig)
{
	(void)sig;
	cli_login_interrupted = 1;
}

/* cli_catch_signals - catch (1) or restore (0) SIGINT, SIGTERM, SIGHUP
 *	A signal ignored when the command started (nohup, a background
 *	job of a shell without job control) stays ignored. */
void
cli_catch_signals(int on)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	static struct sigaction saved[sizeof(sigs) / sizeof(sigs[0])];
	static int have_saved;
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: end the wait at once */
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (!have_saved && sigaction(sigs[i], NULL, &saved[i]) != 0) {
			cli_msg("sigaction: %s", strerror(errno));
			return;
		}
		if (saved[i].sa_handler == SIG_IGN)
			continue;
		if (sigaction(sigs[i], on ? &sa : &saved[i], NULL) != 0)
			cli_msg("sigaction: %s", strerror(errno));
	}
	have_saved = 1;
}

/* wait_seconds - sleep, ending early on a caught signal; -1 when interrupted */
static int
wait_seconds(long seconds)
{
	struct timespec left;

	left.tv_sec = seconds;
	left.tv_nsec = 0;
	while (!cli_login_interrupted && nanosleep(&left, &left) != 0 &&
	       errno == EINTR)
		;
	return cli_login_interrupted ? -1 : 0;
}

/* cli_safe_text - s with control bytes replaced, for a terminal */
const char *
cli_safe_text(const char *s, char *buf, size_t size)
{
	size_t i;

	if (s == NULL)
		s = "";
	for (i = 0; s[i] != '\0' && i + 1 < size; i++)
		buf[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	buf[i] = '\0';
	return buf;
}

/* is_provider_word - 1 for microsoft, google, generic */
static int
is_provider_word(const char *s)
{
	return strcmp(s, "microsoft") == 0 || strcmp(s, "google") == 0 ||
	    strcmp(s, "generic") == 0;
}
/* pick_profile - the profile to start from; *where: where to fix it */
static so2_status
pick_profile(const cli_ctx *ctx, const char *name, so2_profile *prof,
	     char *where, size_t wsize, so2_err *err)
{
	const so2_config *conf = ctx->conf;
	const so2_profile *p = NULL, *q;
	const char *file = conf->path != NULL ? conf->path : ctx->conf_tried;
	char names[256];
	size_t used = 0;
	int count = 0;

	memset(prof, 0, sizeof(*prof));
	if (name != NULL) {
		p = so2_config_profile(conf, name);
		for (q = conf->profiles; p == NULL && q != NULL; q = q->next)
			if (strcmp(q->provider, name) == 0)
				p = q;
		if (p == NULL && !is_provider_word(name))
			return so2_err_set(err, SO2_ERR_CONFIG,
					   "no provider profile [%s] in %s, and %s "
					   "is not microsoft, google or generic",
					   name, file, name);
	} else {
		p = so2_config_profile(conf, "microsoft");
		for (q = conf->profiles; q != NULL; q = q->next) {
			count++;
			if (used + strlen(q->name) + 4 < sizeof(names))
				used += (size_t)snprintf(names + used,
							 sizeof(names) - used,
							 "%s[%s]", used ? ", " : "",
							 q->name);
		}
		if (p == NULL && count == 1)
			p = conf->profiles;
		if (p == NULL && count > 1)
			return so2_err_set(err, SO2_ERR_PARAM,
					   "%s has several provider profiles (%s) "
					   "and none is [microsoft]: choose one with "
					   "--provider NAME", file, names);
	}
	if (p != NULL) {
		*prof = *p;
		prof->next = NULL;
		snprintf(where, wsize, "section [%s] of %s", p->name, file);
	} else {
		prof->name = NULL;
		prof->provider = (char *)(name != NULL ? name : "microsoft");
		snprintf(where, wsize, "a [%s] section of %s", prof->provider,
			 file);
	}
	return SO2_OK;
}

/* merge - the command line's settings over the profile's */
static void
merge(so2_profile *prof, const so2_profile *over)
{
#define OVER(m) do { if (over->m != NULL) prof->m = over->m; } while (0)
	OVER(client_id);
	OVER(tenant);
	OVER(cloud);
	OVER(authority);
	OVER(token_endpoint);
	OVER(device_authorization_endpoint);
	OVER(authorization_endpoint);
	OVER(scope);
	OVER(client_secret_file);
	OVER(private_key_file);
	OVER(certificate_file);
	OVER(assertion_alg);
#undef OVER
}

/* prepare_store - create the store directory; chown it for --user */
static so2_status
prepare_store(const char *dir, const struct passwd *pw, so2_err *err)
{
	struct stat sb;
	int e;

	if (mkdir(dir, 0700) == 0) {
		cli_msg("created the token store %s (mode 0700)", dir);
	} else if (errno != EEXIST) {
		e = errno;
		return so2_err_set(err, SO2_ERR_IO, "cannot create the token "
				   "store %s: %s%s", dir, strerror(e),
				   e == ENOENT ? " (its parent directory must "
				   "exist)" : "");
	}
	if (stat(dir, &sb) != 0)
		return so2_err_set(err, SO2_ERR_IO, "token store %s: %s", dir,
				   strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return so2_err_set(err, SO2_ERR_IO, "token store %s is not a "
				   "directory", dir);
	if (pw != NULL && (sb.st_uid != pw->pw_uid || sb.st_gid != pw->pw_gid) &&
	    chown(dir, pw->pw_uid, pw->pw_gid) != 0)
		return so2_err_set(err, SO2_ERR_IO, "cannot give the token store "
				   "%s to %s: %s", dir, pw->pw_name,
				   strerror(errno));
	return SO2_OK;
}

/* give_record - chown the record file (no symlink followed) to --user */
static so2_status
give_record(const char *path, const struct passwd *pw, so2_err *err)
{
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return so2_err_set(err, SO2_ERR_IO, "cannot open %s: %s", path,
				   strerror(errno));
	if (fchown(fd, pw->pw_uid, pw->pw_gid) != 0) {
		so2_err_set(err, SO2_ERR_IO, "cannot give %s to %s: %s", path,
			    pw->pw_name, strerror(errno));
		close(fd);
		return SO2_ERR_IO;
	}
	close(fd);
	return SO2_OK;
}

/* poll_token - poll until the user signed in or the login ends */
static so2_status
poll_token(cli_ctx *ctx, const so2_http_conf *hc, const so2_record *client,
	   const so2_device_auth *da, so2_token_reply *rep, so2_oauth_error *oerr,
	   so2_err *err)
{
	long interval, lifetime, wait;
	time_t deadline, now;
	so2_status result;

	interval = da->interval > 0 ? da->interval : POLL_INTERVAL_DEFAULT;
	lifetime = da->expires_in > 0 ? da->expires_in : DEVICE_LIFETIME_DEFAULT;
	deadline = time(NULL) + lifetime;
	for (;;) {
		now = time(NULL);
		if (now >= deadline)
			return so2_err_set(err, SO2_ERR_GRANT,
					   "the code expired (after %ld s) before "
					   "the sign-in was completed; run the "
					   "login command again", lifetime);
		wait = interval;
		if (wait > deadline - now)
			wait = (long)(deadline - now);
		if (wait_seconds(wait) != 0)
			return SO2_ERR_PENDING;		/* interrupted */
		cli_catch_signals(0);
		result = so2_device_poll(hc, client, &da->device_code, rep, oerr, err);
		cli_catch_signals(1);
		switch (result) {
		case SO2_OK:
			return SO2_OK;
		case SO2_ERR_PENDING:
			cli_verbose(ctx, "authorization pending");
			break;
		case SO2_ERR_SLOW_DOWN:
			interval += POLL_SLOW_DOWN;
			cli_verbose(ctx, "slow_down: polling every %ld s now",
				    interval);
			break;
		case SO2_ERR_TEMP:
			interval = interval * 2 > POLL_BACKOFF_MAX ?
			    POLL_BACKOFF_MAX : interval * 2;
			if (oerr->retry_after > interval &&
			    oerr->retry_after <= POLL_BACKOFF_MAX)
				interval = oerr->retry_after;
			cli_msg("%s; trying again in %ld s", err->msg, interval);
			break;
		default:
			return result;
		}
		so2_token_reply_clear(rep);
	}
}

/* login_hints - what to do about the AADSTS codes a first login meets
 *	(Microsoft identity platform error reference; reference m365.md 4.2) */
static const struct {
	long code;
	const char *hint;
} login_hints[] = {
	{ 7000215, "the client secret is wrong: the file must hold the secret's "
	  "Value (shown once when it was created), not its Secret ID" },
	{ 7000222, "the client secret has expired: create a new one under "
	  "Certificates & secrets of the app registration and put it in the "
	  "client secret file" },
	{ 700016, "no application with this client id in this tenant (or cloud)" },
	{ 65001, "consent is missing: an administrator must grant admin consent "
	  "for the API permissions of the app registration" },
	{ 700027, "the certificate is not registered with the application, or "
	  "the signature does not verify: upload the certificate under "
	  "Certificates & secrets (sasl-oauth2 -v login shows its thumbprint)" },
	{ 700024, "the client assertion is outside its validity: check this "
	  "host's clock" },
	{ 7000218, "the application wants a client secret or a certificate: give "
	  "one, or enable \"Allow public client flows\" in the app registration" },
	{ 700025, "the application is a public client: give no client secret or "
	  "certificate (--client-secret-file \"\")" },
	{ 1002012, "the client credentials grant needs a scope ending in "
	  "/.default" },
	{ 50011, "the redirect URI is not registered: add it under "
	  "Authentication, Mobile and desktop applications" },
	{ 90002, "no such tenant (or not in this cloud)" },
};

/* explain - add what to do to a failed first token request
 *	At login there is no grant yet, so an unknown or badly
 *	authenticated client, or missing consent, is a configuration
 *	problem (exit 78), not "log in again". */
static so2_status
explain(so2_status result, const so2_oauth_error *oerr, const char *where,
	so2_err *err)
{
	char msg[SO2_ERR_MSG_MAX];
	const char *hint = NULL;
	size_t i;

	if (result == SO2_OK)
		return result;
	for (i = 0; i < sizeof(login_hints) / sizeof(login_hints[0]); i++)
		if (oerr->code == login_hints[i].code)
			hint = login_hints[i].hint;
	if (strcmp(oerr->error, "invalid_client") == 0 ||
	    strcmp(oerr->error, "unauthorized_client") == 0 ||
	    oerr->code == 65001 || oerr->code == 90002)
		result = SO2_ERR_CONFIG;
	if (hint == NULL && result != SO2_ERR_CONFIG)
		return result;
	memcpy(msg, err->msg, sizeof(msg));
	msg[500] = '\0';
	if (hint == NULL || oerr->code == 700016 || oerr->code == 90002)
		return so2_err_set(err, result, "%s%s%s; check the client id and the "
				   "tenant in %.300s", msg, hint ? "; " : "",
				   hint ? hint : "", where);
	return so2_err_set(err, result, "%s; what to do: %s", msg, hint);
}

/* no_refresh_token - the error for a reply without a refresh token */
static so2_status
no_refresh_token(const so2_login_plan *plan, so2_err *err)
{
	const char *how;

	if (strcmp(plan->provider, "microsoft") == 0)
		how = "the scope must include offline_access (it is added "
		    "unless --scope or scope = replaces the derived scope)";
	else if (strcmp(plan->provider, "google") == 0)
		how = "Google returns one only for offline access with consent: "
		    "the code grant asks for access_type=offline and "
		    "prompt=consent; check the OAuth client type";
	else
		how = "ask the provider for offline access (often the "
		    "offline_access scope)";
	return so2_err_set(err, SO2_ERR_OAUTH,
			   "the token endpoint returned no refresh token, so "
			   "the record could not be renewed and was not written; "
			   "%s", how);
}

/* absolute - an absolute form of path into buf; SO2_ERR_CONFIG if none */
static so2_status
absolute(const char *what, const char *path, char *buf, size_t size, so2_err *err)
{
	char cwd[PATH_MAX];

	if (path[0] == '/') {
		so2_format(buf, size, "%s", path);
		return SO2_OK;
	}
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return so2_err_set(err, SO2_ERR_CONFIG, "%s %s: cannot make the path "
				   "absolute: %s", what, path, strerror(errno));
	so2_format(buf, size, "%s/%s", cwd, path);
	return SO2_OK;
}

/* check_secret_file - a readable client secret file others cannot read */
static so2_status
check_secret_file(const char *path, so2_err *err)
{
	struct stat sb;

	if (access(path, R_OK) != 0 || stat(path, &sb) != 0)
		return so2_err_set(err, SO2_ERR_CONFIG, "client secret file %s: %s",
				   path, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return so2_err_set(err, SO2_ERR_CONFIG, "client secret file %s is not "
				   "a regular file", path);
	if ((sb.st_mode & (S_IROTH | S_IWOTH)) != 0)
		return so2_err_set(err, SO2_ERR_CONFIG, "client secret file %s has "
				   "mode %04o: others can read it; run: chmod 600 %s",
				   path, (unsigned)(sb.st_mode & 07777), path);
	return SO2_OK;
}

/* read_secret_stdin - the client secret from standard input
 *	A terminal gets a prompt and no echo; a pipe gives its first line. */
static so2_status
read_secret_stdin(const char *client_id, char *buf, size_t size, size_t *len,
		  so2_err *err)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO), echo_off = 0;
	size_t n = 0;
	ssize_t got;
	char c;

	*len = 0;
	if (tty) {
		fprintf(stderr, "Client secret of %s (not shown): ", client_id);
		fflush(stderr);
		if (tcgetattr(STDIN_FILENO, &old) == 0) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			echo_off = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
		}
	}
	for (;;) {
		got = read(STDIN_FILENO, &c, 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0 || c == '\n')
			break;
		if (n + 1 >= size) {
			n = size;
			break;
		}
		buf[n++] = c;
	}
	if (echo_off) {
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (n >= size) {
		OPENSSL_cleanse(buf, size);
		return so2_err_set(err, SO2_ERR_PARAM, "the client secret on standard "
				   "input is longer than %zu bytes", size - 1);
	}
	while (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	if (n == 0)
		return so2_err_set(err, SO2_ERR_PARAM, "no client secret on standard "
				   "input (--client-secret-stdin)");
	*len = n;
	return SO2_OK;
}

/* save_secret - write the secret into a new 0600 file path (O_EXCL) */
static so2_status
save_secret(const char *path, const char *secret, size_t len,
	    const struct passwd *pw, so2_err *err)
{
	size_t done = 0;
	ssize_t n;
	int fd;

	(void)unlink(path);	/* a leftover of an interrupted login */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return so2_err_set(err, SO2_ERR_IO, "cannot create %s: %s", path,
				   strerror(errno));
	while (done < len) {
		n = write(fd, secret + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	if (done < len || fsync(fd) != 0 ||
	    (pw != NULL && fchown(fd, pw->pw_uid, pw->pw_gid) != 0)) {
		so2_err_set(err, SO2_ERR_IO, "cannot write %s: %s", path,
			    strerror(errno));
		close(fd);
		unlink(path);
		return SO2_ERR_IO;
	}
	close(fd);
	return SO2_OK;
}

/* client_setup - the client part of the new record: id, endpoint, auth
 *	*tmp_secret receives the path of a secret saved from stdin (to be
 *	renamed to *final_secret once the login succeeded), else "". */
static so2_status
client_setup(cli_ctx *ctx, const struct login_opts *o, const so2_profile *prof,
	     const so2_login_plan *plan, const char *store_dir,
	     const struct passwd *pw, so2_record *rec, char *tmp_secret,
	     char *final_secret, size_t psize, so2_err *err)
{
	const char *secret_file = prof->client_secret_file;
	char path[PATH_MAX], cert[PATH_MAX], thumb[64], buf[SECRET_MAX + 1];
	so2_secret probe = SO2_SECRET_INIT;
	const char *auth = SO2_CLIENT_AUTH_NONE;
	size_t len;
	so2_status result;

	tmp_secret[0] = final_secret[0] = '\0';
	if (so2_record_set_str(&rec->account, o->account) != SO2_OK ||
	    so2_record_set_str(&rec->provider, plan->provider) != SO2_OK ||
	    so2_record_set_str(&rec->token_endpoint, plan->token_endpoint) != SO2_OK ||
	    so2_record_set_str(&rec->client_id, plan->client_id) != SO2_OK ||
	    so2_record_set_str(&rec->grant_type, grant_record[o->grant]) != SO2_OK)
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	if (prof->private_key_file != NULL || prof->certificate_file != NULL) {
		if (prof->private_key_file == NULL || prof->certificate_file == NULL)
			return so2_err_set(err, SO2_ERR_PARAM, "a certificate credential "
					   "needs both --certificate and --private-key "
					   "(certificate_file and private_key_file)");
		if (o->secret_stdin || (secret_file != NULL && *secret_file != '\0'))
			return so2_err_set(err, SO2_ERR_PARAM, "give a client secret or a "
					   "certificate, not both");
		if (!so2_assertion_alg_valid(prof->assertion_alg))
			return so2_err_set(err, SO2_ERR_PARAM, "--assertion-alg must be "
					   "PS256 or RS256");
		auth = SO2_CLIENT_AUTH_CERT;
		if ((result = absolute("private key", prof->private_key_file, path,
				       sizeof(path), err)) != SO2_OK ||
		    (result = absolute("certificate", prof->certificate_file, cert,
				       sizeof(cert), err)) != SO2_OK)
			return result;
		if (so2_record_set_str(&rec->private_key_file, path) != SO2_OK ||
		    so2_record_set_str(&rec->certificate_file, cert) != SO2_OK ||
		    so2_record_set_str(&rec->assertion_alg, prof->assertion_alg ?
				       prof->assertion_alg : SO2_ALG_PS256) != SO2_OK)
			return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
		/* Sign one now: a bad key, mode or pair fails before any request. */
		result = so2_client_assertion(rec->client_id, rec->token_endpoint, AT_FDCWD,
					      path,
					      cert, rec->assertion_alg, time(NULL),
					      &probe, err);
		so2_secret_clear(&probe);
		if (result != SO2_OK)
			return result;
		if (so2_cert_thumbprint(cert, 1, thumb, sizeof(thumb), err) != SO2_OK)
			return err->status;
		fprintf(stderr, "Client authentication: certificate %s (x5t#S256 %s), "
			"key %s, %s\n", cert, thumb, path, rec->assertion_alg);
	} else if (o->secret_stdin) {
		if (secret_file != NULL && o->over.client_secret_file != NULL)
			return so2_err_set(err, SO2_ERR_PARAM, "give --client-secret-file "
					   "or --client-secret-stdin, not both");
		result = read_secret_stdin(rec->client_id, buf, sizeof(buf), &len, err);
		if (result != SO2_OK)
			return result;
		so2_format(tmp_secret, psize, "%s/.%s.secret.new", store_dir, o->account);
		so2_format(final_secret, psize, "%s/%s.secret", store_dir, o->account);
		result = save_secret(tmp_secret, buf, len, pw, err);
		OPENSSL_cleanse(buf, sizeof(buf));
		if (result != SO2_OK) {
			tmp_secret[0] = '\0';
			return result;
		}
		auth = SO2_CLIENT_AUTH_SECRET;
		if (so2_record_set_str(&rec->client_secret_file, tmp_secret) != SO2_OK)
			return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
		fprintf(stderr, "Client authentication: client secret from standard "
			"input, kept in %s (mode 0600)\n", final_secret);
	} else if (secret_file != NULL && *secret_file != '\0') {
		if ((result = absolute("client secret file", secret_file, path,
				       sizeof(path), err)) != SO2_OK ||
		    (result = check_secret_file(path, err)) != SO2_OK)
			return result;
		auth = SO2_CLIENT_AUTH_SECRET;
		if (so2_record_set_str(&rec->client_secret_file, path) != SO2_OK)
			return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
		fprintf(stderr, "Client authentication: client secret from %s\n", path);
	} else {
		fprintf(stderr, "Client authentication: none (public client)\n");
	}
	if (so2_record_set_str(&rec->client_auth, auth) != SO2_OK)
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	if (o->grant == GRANT_CLIENT_CREDENTIALS && strcmp(auth, SO2_CLIENT_AUTH_NONE) == 0)
		return so2_err_set(err, SO2_ERR_PARAM, "the client credentials grant "
				   "needs the client's credentials: give "
				   "--client-secret-file FILE, --client-secret-stdin, or "
				   "--certificate and --private-key");
	cli_verbose(ctx, "client_auth %s", auth);
	return SO2_OK;
}

/* store_relative - make a credential path inside the store relative to it
 *	The SASL module reads relative paths through the store's directory
 *	descriptor, so they keep working in Postfix's chroot; files
 *	elsewhere are read by path and must exist inside a chroot too. */
static so2_status
store_relative(char **member, const char *store_dir, so2_err *err)
{
	char dir[PATH_MAX];
	size_t n;

	if (*member == NULL || (*member)[0] != '/' ||
	    absolute("store", store_dir, dir, sizeof(dir), err) != SO2_OK)
		return SO2_OK;
	n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		dir[--n] = '\0';
	if (strncmp(*member, dir, n) != 0 || (*member)[n] != '/' ||
	    strchr(*member + n + 1, '/') != NULL)
		return SO2_OK;
	if (so2_record_set_str(member, *member + n + 1) != SO2_OK)
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	return SO2_OK;
}

/* write_record - write rec under its lock; chown for --user */
static so2_status
write_record(cli_ctx *ctx, so2_store *st, const char *name,
	     const so2_record *rec, const struct passwd *pw, char *path,
	     size_t psize, so2_err *err)
{
	so2_status result;
	int lockfd = -1;

	snprintf(path, psize, "%s/%s", so2_store_dir(st), name);
	cli_catch_signals(1);
	/* Under the lock, so that a refresh of the old record running
	 * at the same moment cannot overwrite the new one. */
	result = so2_store_lock(st, name, ctx->conf->lock_timeout, &lockfd, err);
	if (result != SO2_OK)
		goto out;
	result = so2_store_write(st, name, rec, err);
	if (result != SO2_OK)
		goto out;
	if (pw != NULL)
		result = give_record(path, pw, err);
out:
	so2_store_unlock(lockfd);
	cli_login_interrupted = 0;	/* the login is complete: report it */
	cli_catch_signals(0);
	return result;
}

/* scope_has - 1 when the space-separated scope list holds word */
static int
scope_has(const char *scope, const char *word)
{
	size_t n = strlen(word);
	const char *p = scope;

	while (p != NULL && (p = strstr(p, word)) != NULL) {
		if ((p == scope || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return 1;
		p += n;
	}
	return 0;
}

/* parse_grant - --grant NAME */
static int
parse_grant(const char *name, enum grant *g)
{
	size_t i;

	for (i = 0; i < sizeof(grant_option) / sizeof(grant_option[0]); i++)
		if (strcmp(name, grant_option[i]) == 0 || strcmp(name, grant_record[i]) == 0) {
			*g = (enum grant)i;
			return 0;
		}
	return -1;
}

/* parse_long - a whole number in [lo, hi]; -1 when s is not one */
static long
parse_long(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	return v;
}

/* parse_login_options - the command line; an exit code, -1 to go on */
static int
parse_login_options(cli_ctx *ctx, int argc, char **argv, struct login_opts *o)
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
			if (parse_grant(optarg, &o->grant) != 0)
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
			if ((o->code.port = parse_long(optarg, 1, 65535)) < 0)
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
			if ((o->code.timeout = parse_long(optarg, 1, 86400)) < 0)
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
	if (o->grant != GRANT_CODE && (o->code.port || o->code.paste ||
				       o->code.redirect_uri || o->code.no_browser))
		return cli_usage_error("login", "--port, --paste, --redirect-uri and "
				       "--no-browser go with --grant code");
	if (o->secret_stdin && o->code.paste)
		return cli_usage_error("login", "--paste reads the redirect from "
				       "standard input: give the client secret with "
				       "--client-secret-file");
	return -1;
}

/* tenant_is_specific - a tenant id or domain, not a multi-tenant alias */
static int
tenant_is_specific(const char *t)
{
	return t != NULL && strcasecmp(t, "common") != 0 &&
	    strcasecmp(t, "organizations") != 0 && strcasecmp(t, "consumers") != 0;
}

/* device_grant - the device authorization grant, up to the token reply */
static so2_status
device_grant(cli_ctx *ctx, const so2_http_conf *hc, const struct login_opts *o,
	     const so2_login_plan *plan, const so2_record *client,
	     so2_token_reply *rep, so2_oauth_error *oerr, so2_err *err)
{
	so2_device_auth da;
	char show[SHOW_MAX], desc[64];
	so2_status result;

	memset(&da, 0, sizeof(da));
	result = so2_device_authorize(hc, plan->device_authorization_endpoint,
				      plan->client_id, plan->scope, &da, oerr, err);
	if (result != SO2_OK)
		goto out;
	cli_catch_signals(1);	/* until the next request */
	fprintf(stderr, "To sign in, open %s", cli_safe_text(da.verification_uri,
							      show, sizeof(show)));
	fprintf(stderr, " and enter the code %s\n",
		cli_safe_text(da.user_code, show, sizeof(show)));
	if (da.verification_uri_complete != NULL)
		fprintf(stderr, "(or open %s)\n",
			cli_safe_text(da.verification_uri_complete, show,
				      sizeof(show)));
	if (da.message != NULL)
		fprintf(stderr, "%s\n", cli_safe_text(da.message, show, sizeof(show)));
	cli_verbose(ctx, "device code %s, poll every %ld s, expires in %ld s",
		    so2_secret_describe(da.device_code.data, da.device_code.len,
					desc, sizeof(desc)),
		    da.interval, da.expires_in);
	fprintf(stderr, "Waiting for the sign-in as %s (Ctrl-C to cancel)...\n",
		o->account);
	result = poll_token(ctx, hc, client, &da, rep, oerr, err);
	cli_catch_signals(0);
out:
	so2_device_auth_clear(&da);
	return result;
}

/* cmd_login - the login command */
int
cmd_login(cli_ctx *ctx, int argc, char **argv)
{
	struct login_opts o;
	so2_login_plan plan;
	so2_token_reply rep;
	so2_oauth_error oerr;
	so2_profile prof;
	so2_cache *cache = NULL;
	so2_store *st = NULL;
	so2_record *rec = NULL;
	struct passwd *pw = NULL;
	char where[CLI_TEXT_MAX], conf_text[CLI_TEXT_MAX];
	char name[SO2_ACCOUNT_MAX + 16], path[PATH_MAX + 16];
	char tmp_secret[PATH_MAX], final_secret[PATH_MAX];
	char when[CLI_TIME_MAX], rel[CLI_TIME_MAX];
	const so2_http_conf *hc;
	time_t now;
	so2_err err;
	so2_status result;
	int code;

	code = parse_login_options(ctx, argc, argv, &o);
	if (code >= 0)
		return code;
	code = 0;
	tmp_secret[0] = '\0';
	memset(&plan, 0, sizeof(plan));
	memset(&rep, 0, sizeof(rep));
	memset(&oerr, 0, sizeof(oerr));
	so2_err_clear(&err);

	/* 1. configuration, profile, endpoints, client: no request yet */
	result = cli_load_config(ctx, &err);
	if (result != SO2_OK)
		goto out;
	cli_describe_config(ctx, conf_text, sizeof(conf_text));
	fprintf(stderr, "Configuration: %s\n", conf_text);
	result = pick_profile(ctx, o.provider, &prof, where, sizeof(where), &err);
	if (result != SO2_OK)
		goto out;
	merge(&prof, &o.over);
	result = so2_provider_resolve(&prof, o.protocols, where, &plan, &err);
	if (result != SO2_OK)
		goto out;
	if (o.grant != GRANT_CLIENT_CREDENTIALS && strcmp(plan.provider, "microsoft") == 0
	    && !scope_has(plan.scope, "offline_access")) {
		/* Checked before the user signs in: without it Microsoft sends no
		 * refresh token and the record could never be renewed. */
		result = so2_err_set(&err, SO2_ERR_CONFIG, "the scope \"%s\" lacks"
				     " offline_access: Microsoft would return no refresh token"
				     " and the account would need a new login every hour; add"
				     " offline_access to the scope (%s, or --scope)",
				     plan.scope ? plan.scope : "", where);
		goto out;
	}
	if (o.grant == GRANT_CLIENT_CREDENTIALS) {
		if (strcmp(plan.provider, "microsoft") == 0 &&
		    !tenant_is_specific(prof.tenant)) {
			result = so2_err_set(&err, SO2_ERR_CONFIG, "the client credentials "
					     "grant needs your tenant id or domain, not "
					     "\"%s\": set tenant = in %s, or give --tenant",
					     prof.tenant ? prof.tenant : SO2_MS_DEFAULT_TENANT,
					     where);
			goto out;
		}
		if (plan.app_scope == NULL) {
			result = so2_err_set(&err, SO2_ERR_CONFIG, "scope is not set: the "
					     "client credentials grant needs it; set scope "
					     "in %s, or give --scope", where);
			goto out;
		}
	}
	fprintf(stderr,
		"Provider: %s%s%s%s, client id %s\n"
		"Grant: %s\n",
		plan.provider, prof.name ? " (profile [" : "",
		prof.name ? prof.name : "", prof.name ? "])" : "",
		plan.client_id, grant_record[o.grant]);
	if (o.grant == GRANT_DEVICE)
		fprintf(stderr, "Device authorization endpoint: %s\n",
			plan.device_authorization_endpoint);
	if (o.grant == GRANT_CODE)
		fprintf(stderr, "Authorization endpoint: %s\n",
			plan.authorization_endpoint);
	fprintf(stderr, "Token endpoint: %s\nScope: %s\n", plan.token_endpoint,
		o.grant == GRANT_CLIENT_CREDENTIALS ? plan.app_scope : plan.scope);

	/* 2. the store */
	if (o.user != NULL) {
		errno = 0;
		pw = getpwnam(o.user);
		if (pw == NULL) {
			result = so2_err_set(&err, SO2_ERR_PARAM, "--user %s: %s",
					     o.user, errno ? strerror(errno) :
					     "no such user");
			goto out;
		}
	}
	result = so2_store_file_name(o.account, name, sizeof(name), &err);
	if (result != SO2_OK)
		goto out;
	result = prepare_store(ctx->conf->store_dir, pw, &err);
	if (result != SO2_OK)
		goto out;
	if ((rec = so2_record_new()) == NULL) {
		result = so2_err_set(&err, SO2_ERR_NOMEM, "out of memory");
		goto out;
	}
	result = client_setup(ctx, &o, &prof, &plan, ctx->conf->store_dir, pw, rec,
			      tmp_secret, final_secret, sizeof(tmp_secret), &err);
	if (result != SO2_OK)
		goto out;
	if (so2_record_set_str(&rec->scope, o.grant == GRANT_CLIENT_CREDENTIALS ?
			       plan.app_scope : plan.scope) != SO2_OK) {
		result = so2_err_set(&err, SO2_ERR_NOMEM, "out of memory");
		goto out;
	}
	result = so2_cache_open(ctx->conf, &cache, &err);
	if (result != SO2_OK)
		goto out;
	result = so2_store_open(ctx->conf->store_dir, &st, &err);
	if (result != SO2_OK)
		goto out;
	if (so2_store_exists(st, name))
		fprintf(stderr, "The record %s/%s exists; it is replaced after "
			"the sign-in.\n", so2_store_dir(st), name);
	hc = so2_cache_http(cache);

	/* 3. the grant */
	switch (o.grant) {
	case GRANT_DEVICE:
		result = device_grant(ctx, hc, &o, &plan, rec, &rep, &oerr, &err);
		break;
	case GRANT_CODE:
		o.code.login_hint = strchr(o.account, '@') != NULL ? o.account : NULL;
		result = cli_login_code(ctx, hc, &plan, rec, &o.code, &rep, &oerr, &err);
		break;
	case GRANT_CLIENT_CREDENTIALS:
		result = so2_grant_refresh(hc, rec, &rep, &oerr, &err);
		break;
	}
	if (cli_login_interrupted) {
		cli_msg("%s: login cancelled; nothing was written", o.account);
		code = CLI_EXIT_INTERRUPTED;
		goto out;
	}
	result = explain(result, &oerr, where, &err);
	if (result != SO2_OK)
		goto out;

	/* 4. the record */
	if (o.grant != GRANT_CLIENT_CREDENTIALS && so2_secret_empty(&rep.refresh_token)) {
		result = no_refresh_token(&plan, &err);
		goto out;
	}
	now = time(NULL);
	result = so2_record_apply_reply(rec, &rep, now, &err);
	if (result != SO2_OK)
		goto out;
	rec->obtained_at = now;
	if (tmp_secret[0] != '\0') {
		if (rename(tmp_secret, final_secret) != 0) {
			result = so2_err_set(&err, SO2_ERR_IO, "cannot rename %s to %s: %s",
					     tmp_secret, final_secret, strerror(errno));
			goto out;
		}
		tmp_secret[0] = '\0';
		if (so2_record_set_str(&rec->client_secret_file, final_secret) != SO2_OK) {
			result = so2_err_set(&err, SO2_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	if ((result = store_relative(&rec->client_secret_file, ctx->conf->store_dir,
				     &err)) != SO2_OK ||
	    (result = store_relative(&rec->private_key_file, ctx->conf->store_dir,
				     &err)) != SO2_OK ||
	    (result = store_relative(&rec->certificate_file, ctx->conf->store_dir,
				     &err)) != SO2_OK)
		goto out;
	result = write_record(ctx, st, name, rec, pw, path, sizeof(path), &err);
	if (result != SO2_OK)
		goto out;
	printf("Logged in %s; access token expires at %s (%s); record %s\n",
	       o.account, cli_local_time(rec->expires_at, when, sizeof(when)),
	       cli_expiry(rec->expires_at, time(NULL), rel, sizeof(rel)), path);
	cli_token_checks(rec, o.protocols);

out:
	if (code == 0 && result != SO2_OK)
		code = cli_fail(o.account, &err);
	if (tmp_secret[0] != '\0')
		(void)unlink(tmp_secret);
	so2_record_free(rec);
	so2_token_reply_clear(&rep);
	so2_login_plan_clear(&plan);
	so2_store_close(st);
	so2_cache_close(cache);
	return code;
}

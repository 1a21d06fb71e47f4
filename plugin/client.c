/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	client.c - the XOAUTH2 and OAUTHBEARER client mechanisms
 * SYNOPSIS
 *	so2_core_client_plug_init(), called by plugin.c from
 *	sasl_client_plug_init (Cyrus SASL saslplug.h)
 * DESCRIPTION
 *	Init (runs before Postfix chroots and drops privileges): read the
 *	configuration, open the token store and the CA bundle (read at each
 *	token request). libcurl's global initialisation (and with it
 *	OpenSSL's) waits for the first token request. A broken configuration
 *	does not unregister the mechanisms: it is reported at every attempt
 *	instead.
 *
 *	The exchange, one state machine per connection:
 *	S0, nothing sent (first step, whatever the server sent): get the
 *	SASL user (authname) and password through callbacks or
 *	SASL_INTERACT prompts, pick the token (below), call canon_user,
 *	build the initial response and return SASL_CONTINUE.
 *	S1, response sent: a non-empty server message that parses as a JSON
 *	error challenge (RFC 7628 3.2.2; Google/Microsoft XOAUTH2) is
 *	classified with the one table (diagnose.h), refined by the claims of
 *	the token sent (its user and audience, never the token), and
 *	reported with cause and fix; when the verdict is "refresh" the
 *	record is marked so the next attempt refreshes first, otherwise
 *	(a setting or the scope is wrong) nothing is touched. The reply
 *	is the empty response (XOAUTH2) or a single 0x01 (OAUTHBEARER,
 *	RFC 7628 3.2.3); the step returns SASL_OK with doneflag set so the
 *	application sends it and reads the server's final verdict. Input
 *	that is not a challenge (mutt hands its stale buffer to a step
 *	after a tagged OK) is ignored.
 *
 *	The SASL password picks the token (DESIGN "How a Postfix relay uses
 *	it"): empty: the record named by the SASL user; "/path": that
 *	record file; the name of an account in the store: that record;
 *	anything else: a literal bearer token.
 *
 *	The SASL user is sent exactly as the application gave it.
 * DIAGNOSTICS
 *	Every failure calls seterror (SASL_NOLOG) and logs one line at
 *	SASL_LOG_ERR through the application's log callback (Postfix:
 *	"warning: SASL authentication problem: ..."). Tokens never appear.
 *	The libsasl2 formatter is not printf: only "%s" is used.
 */
#include "config.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <sasl/sasl.h>
#include <sasl/saslplug.h>

#include "token/cache.h"
#include "token/conf.h"
#include "token/diagnose.h"
#include "token/jwt.h"
#include "token/mechanism.h"
#include "token/perms.h"
#include "base/secret.h"
#include "base/text.h"

#include "core.h"

#define SO2_EXPORT __attribute__((visibility("default")))

enum mech_id { MECH_XOAUTH2, MECH_OAUTHBEARER };

/* The program that loaded the module, for hints that name its settings. */
enum host { HOST_OTHER, HOST_POSTFIX, HOST_SENDMAIL };

/*
 * Shared by both mechanisms and all connections; set up at init and
 * immutable once ready. An allocation failure while reading the
 * configuration or opening the cache leaves it not ready, and the next
 * attempt (mech_new) sets it up again: a passing lack of memory must not
 * turn into a configuration error for the life of the process. One per
 * process (libsasl2 calls the init once per sasl_client_init).
 */
struct glob {
	pthread_mutex_t lock;	/* setup and references */
	int ready;		/* conf and cache are set (conf_err may say
				 * the configuration is wrong) */
	enum host host;		/* host_program() at init */
	so2_config *conf;	/* never NULL when ready (defaults on error) */
	so2_err conf_err;	/* configuration error, or SO2_OK */
	so2_cache *cache;
	int refs;		/* mech_free is called once per mechanism */
};

static struct glob the_glob = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Per connection. */
struct conn {
	struct glob *g;
	enum mech_id mech;
	int state;			/* 0: nothing sent, 1: sent, 2: done */
	char *out;			/* our response (holds the token) */
	size_t outlen;
	char ref[1024];			/* record reference, "" for a literal */
	char user[256];			/* the SASL user sent (user=) */
	char attempt[8];		/* id on every line of this attempt */
	unsigned char digest[SO2_TOKEN_DIGEST_LEN];	/* of the token sent
					 * (so2_token_digest): a rejection
					 * marks the record stale only while
					 * it still holds that token */
	int have_digest;
	int have_claims;		/* claims below were decoded */
	so2_jwt_claims claims;		/* of the token sent: hints for messages */
};

static const char *const mech_names[] = { "XOAUTH2", "OAUTHBEARER" };

/* new_attempt - a short id shared by every line of one attempt
 *	Six hex digits from the process id and a per-process counter, so
 *	that the lines of one authentication can be found together in a log
 *	where many processes (Postfix's smtp) write at once. Not secret,
 *	not unique forever: a key for grep. */
static void
new_attempt(char *id, size_t size)
{
	static unsigned counter;
	unsigned n = __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
	unsigned long h = ((unsigned long)getpid() * 2654435761UL) ^ (n * 40503UL);

	so2_format(id, size, "%06lx", h & 0xffffffUL);
}

/* report - seterror + one log line, never a token
 *	attempt: the id of this authentication (new_attempt), "" when none. */
static void
report(const sasl_utils_t *utils, int level, const char *mech, const char *attempt,
       const char *msg)
{
	char line[2 * SO2_ERR_MSG_MAX + 64];

	so2_format(line, sizeof(line), "sasl-oauth2: %s%s%s: %s", mech, attempt[0] ? " #" : "",
		   attempt, msg);
	/* To syslog or a terminal: no control character of a name passes raw. */
	so2_printable(line, line, sizeof(line));
	utils->seterror(utils->conn, SASL_NOLOG, "%s", line);
	utils->log(utils->conn, level, "%s", line);
}

/* so2_status_to_sasl - the one map from core status to SASL result */
static int
so2_status_to_sasl(so2_status status)
{
	switch (status) {
	case SO2_OK:		return SASL_OK;
	case SO2_ERR_NOMEM:	return SASL_NOMEM;
	case SO2_ERR_PARAM:	return SASL_BADPARAM;
	case SO2_ERR_CONFIG:	return SASL_CONFIGERR;
	case SO2_ERR_NOTFOUND:	return SASL_NOUSER;
	case SO2_ERR_LOCK:
	case SO2_ERR_TEMP:	return SASL_TRYAGAIN;
	case SO2_ERR_PROTO:	return SASL_BADPROT;
	case SO2_ERR_AUTH:	return SASL_BADAUTH;
	case SO2_ERR_RECORD:
	case SO2_ERR_IO:
	case SO2_ERR_GRANT:
	case SO2_ERR_OAUTH:
	case SO2_ERR_PENDING:
	case SO2_ERR_SLOW_DOWN:	return SASL_FAIL;
	}
	return SASL_FAIL;
}

static int conf_must_exist(void);
static so2_status net_init(so2_err *err);

/* glob_setup - read the configuration and open the cache, unless done
 *	Called with g->lock held. A configuration error makes it ready
 *	(defaults, the error reported at every attempt); an allocation
 *	failure leaves it not ready, to be tried again. */
static void
glob_setup(struct glob *g)
{
	so2_config *conf = NULL;
	so2_cache *cache = NULL;
	so2_err err;

	if (g->ready)
		return;
	so2_err_clear(&g->conf_err);
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
	/* OpenSSL 3.0 sets itself up once per process (default context,
	 * configuration, error state): when an allocation fails there, it
	 * stays half made; the next digest crashes (a NULL lock) or every
	 * later TLS handshake fails. Do it here, as the first RAND_bytes would
	 * (with the configuration file), where the failure can be checked and
	 * said; OpenSSL is then never called. */
	/* libssl's own one-time index (SSL_get_ex_data_X509_STORE_CTX_idx) is
	 * made by the first SSL_CTX_new inside libcurl; a failed allocation
	 * there breaks every later handshake of the process. Made here too. */
	if (OSSL_LIB_CTX_get0_global_default() == NULL
	    || OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL) != 1
	    || OPENSSL_init_ssl(0, NULL) != 1 || SSL_get_ex_data_X509_STORE_CTX_idx() < 0) {
		so2_err_set(&g->conf_err, SO2_ERR_NOMEM, "out of memory while OpenSSL set"
			    " itself up; OpenSSL does not retry that: restart the program");
		return;
	}
#endif
	if (so2_config_load(NULL, conf_must_exist(), &conf, &g->conf_err) != SO2_OK)
		conf = NULL;
	if (g->conf_err.status == SO2_ERR_NOMEM)
		goto nomem;
	if (conf == NULL && (conf = so2_config_defaults()) == NULL)
		goto nomem;
	so2_err_clear(&err);
	if (so2_cache_open(conf, &cache, &err) != SO2_OK)
		goto nomem;	/* the only error it returns */
	so2_cache_set_net_init(cache, net_init);
	g->conf = conf;
	g->cache = cache;
	g->ready = 1;
	return;
nomem:
	so2_config_free(conf);
	so2_err_set(&g->conf_err, SO2_ERR_NOMEM, "out of memory while reading the"
		    " configuration; it is read again at the next attempt");
}

/* glob_release - drop one reference, free at zero */
static void
glob_release(struct glob *g)
{
	if (g == NULL)
		return;
	pthread_mutex_lock(&g->lock);
	if (--g->refs <= 0) {
		so2_cache_close(g->cache);
		so2_config_free(g->conf);
		g->cache = NULL;
		g->conf = NULL;
		g->ready = 0;
		g->refs = 0;
		so2_err_clear(&g->conf_err);
	}
	pthread_mutex_unlock(&g->lock);
}

/* mech_free - libsasl2 calls this once per mechanism at sasl_done */
static void
mech_free(void *glob, const sasl_utils_t *utils)
{
	(void)utils;
	glob_release(glob);
}

/* mech_new - per-connection state */
static int
mech_new(enum mech_id mech, void *glob, sasl_client_params_t *params, void **conn_ctx)
{
	struct glob *g = glob;
	struct conn *c;
	so2_err conf_err;

	pthread_mutex_lock(&g->lock);
	glob_setup(g);
	conf_err = g->conf_err;
	pthread_mutex_unlock(&g->lock);
	/* A configuration error fails here, in sasl_client_start, before
	 * the program sends AUTHENTICATE: a client that starts without an
	 * initial response (isync without SASL-IR) and does not answer the
	 * server's continuation after a failed step would otherwise wait
	 * for the server forever (sasl-oauth2-isync(7)). */
	if (conf_err.status != SO2_OK) {
		report(params->utils, SASL_LOG_ERR, mech_names[mech], "", conf_err.msg);
		return so2_status_to_sasl(conf_err.status);
	}
	c = params->utils->malloc(sizeof(*c));
	if (c == NULL) {
		report(params->utils, SASL_LOG_ERR, mech_names[mech], "", "out of memory");
		return SASL_NOMEM;
	}
	memset(c, 0, sizeof(*c));
	c->g = glob;
	c->mech = mech;
	new_attempt(c->attempt, sizeof(c->attempt));
	*conn_ctx = c;
	return SASL_OK;
}

static int
xoauth2_new(void *glob, sasl_client_params_t *params, void **conn_ctx)
{
	return mech_new(MECH_XOAUTH2, glob, params, conn_ctx);
}

static int
oauthbearer_new(void *glob, sasl_client_params_t *params, void **conn_ctx)
{
	return mech_new(MECH_OAUTHBEARER, glob, params, conn_ctx);
}

/* mech_dispose - wipe the response (it holds the token) and free */
static void
mech_dispose(void *conn_ctx, const sasl_utils_t *utils)
{
	struct conn *c = conn_ctx;

	if (c == NULL)
		return;
	so2_wipe_free(c->out, c->outlen + 1);
	/* The rest is no secret (names, claims): libsasl2's erasebuffer,
	 * a byte loop over 4 KB, was a fifth of the exchange. */
	utils->free(c);
}

/* prompt_result - the answer to prompt id in *prompt_need, if any */
static const char *
prompt_result(sasl_interact_t *prompts, unsigned long id, unsigned *len)
{
	for (; prompts != NULL && prompts->id != SASL_CB_LIST_END; prompts++)
		if (prompts->id == id) {
			*len = prompts->len;
			return prompts->result;
		}
	return NULL;
}

/* get_simple - authname or user: prompt answer, else callback */
static int
get_simple(const sasl_utils_t *utils, sasl_interact_t *prompts, unsigned long id,
	   const char **out)
{
	sasl_getsimple_t *proc = NULL;
	void *ctx = NULL;
	unsigned len = 0;
	int r;

	*out = prompt_result(prompts, id, &len);
	if (*out != NULL)
		return SASL_OK;
	r = utils->getcallback(utils->conn, id, (sasl_callback_ft *)&proc, &ctx);
	if (r != SASL_OK)
		return r;		/* SASL_INTERACT, or SASL_FAIL: none */
	if (proc == NULL)
		return SASL_INTERACT;
	r = proc(ctx, (int)id, out, &len);
	if (r == SASL_OK && *out == NULL)
		r = SASL_FAIL;
	return r;
}

/* get_password - the SASL password (token reference): prompt, else callback
 *	*pass points into application memory; it is copied at once. */
static int
get_password(const sasl_utils_t *utils, sasl_interact_t *prompts, so2_secret *pass)
{
	sasl_getsecret_t *proc = NULL;
	sasl_secret_t *secret = NULL;
	const char *p;
	unsigned len = 0;
	void *ctx = NULL;
	int r;

	if ((p = prompt_result(prompts, SASL_CB_PASS, &len)) != NULL)
		return so2_secret_set(pass, p, len ? len : strlen(p)) == SO2_OK ? SASL_OK
										   : SASL_NOMEM;
	r = utils->getcallback(utils->conn, SASL_CB_PASS, (sasl_callback_ft *)&proc, &ctx);
	if (r == SASL_FAIL)	/* no password callback: the record of the user */
		return so2_secret_set(pass, "", 0) == SO2_OK ? SASL_OK : SASL_NOMEM;
	if (r != SASL_OK)
		return r;
	if (proc == NULL)
		return SASL_INTERACT;
	r = proc(utils->conn, ctx, SASL_CB_PASS, &secret);
	if (r != SASL_OK)
		return r;
	if (secret == NULL)
		return so2_secret_set(pass, "", 0) == SO2_OK ? SASL_OK : SASL_NOMEM;
	/* Stop at a NUL: Postfix hands over a C string with len = strlen. */
	len = (unsigned)strnlen((const char *)secret->data, secret->len);
	return so2_secret_set(pass, (const char *)secret->data, len) == SO2_OK ? SASL_OK
									       : SASL_NOMEM;
}

/* make_prompts - ask the application for what its callbacks did not give */
static int
make_prompts(const sasl_utils_t *utils, sasl_interact_t **prompt_need, int need_user,
	     int need_pass)
{
	sasl_interact_t *p;
	int n = need_user + need_pass + 1;

	p = utils->malloc(sizeof(*p) * (size_t)n);
	if (p == NULL)
		return SASL_NOMEM;
	memset(p, 0, sizeof(*p) * (size_t)n);
	*prompt_need = p;
	if (need_user) {
		p->id = SASL_CB_AUTHNAME;
		p->challenge = "OAuth2 account";
		p->prompt = "OAuth2 account (mailbox address)";
		p++;
	}
	if (need_pass) {
		p->id = SASL_CB_PASS;
		p->challenge = "OAuth2 token";
		p->prompt = "Token record, record path or access token"
			    " (empty: the record of the account)";
		p++;
	}
	p->id = SASL_CB_LIST_END;
	return SASL_INTERACT;
}

/* remote_port - the port of "ip;port", 0 when unknown */
static unsigned
remote_port(const char *ipport)
{
	const char *semi;
	char *end;
	unsigned long v;

	if (ipport == NULL || (semi = strrchr(ipport, ';')) == NULL)
		return 0;
	v = strtoul(semi + 1, &end, 10);
	return (*end == '\0' && v > 0 && v < 65536) ? (unsigned)v : 0;
}

/*
 * Shortest literal token accepted. Real access tokens are long (Microsoft
 * JWTs 1-3 KB, Google "ya29." tokens about 200 bytes); a short password
 * left over from password authentication must not be sent as a token.
 */
#define SO2_LITERAL_TOKEN_MIN 40

/* bearer_token_syntax - 1 when s is a b64token (RFC 6750 section 2.1):
 *	1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
static int
bearer_token_syntax(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && (isalnum((unsigned char)s[i]) || strchr("-._~+/", s[i]) != NULL))
		i++;
	if (i == 0)
		return 0;
	while (i < len && s[i] == '=')
		i++;
	return i == len;
}

/*
 * host_program - which program loaded the module: Postfix (smtp, lmtp, or
 *	a path under a postfix directory), sendmail, or another.
 *	/proc/self/exe names the executable even after the program rewrote
 *	its argv for ps (sendmail's setproctitle does); libsasl2 passes no
 *	application name to client plugins. Read at init, before Postfix
 *	chroots; HOST_OTHER when /proc is not mounted.
 */
static enum host
host_program(void)
{
	char path[1024];
	const char *base;
	ssize_t n;

	n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (n <= 0)
		return HOST_OTHER;
	path[n] = '\0';
	base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	if (strcmp(base, "smtp") == 0 || strcmp(base, "lmtp") == 0 ||
	    strstr(path, "/postfix/") != NULL)
		return HOST_POSTFIX;
	if (strncmp(base, "sendmail", 8) == 0)	/* also RHEL's sendmail.sendmail */
		return HOST_SENDMAIL;
	return HOST_OTHER;
}

/*
 * password_hint - what to do when the SASL password is an old password,
 *	in the terms of the program at hand: Postfix's sasl_passwd takes an
 *	empty password; sendmail skips AUTH when P: is empty (its client
 *	needs a password), so there the account's name selects the record.
 */
static void
password_hint(enum host host, const char *user, char *buf, size_t size)
{
	switch (host) {
	case HOST_POSTFIX:
		so2_format(buf, size, "make the password empty (Postfix sasl_passwd:"
			   " \"[host]:port %s:\") to use the token record of %s",
			   user, user);
		break;
	case HOST_SENDMAIL:
		so2_format(buf, size, "set the password to the account's name (sendmail"
			   " AuthInfo: \"U:%s\" \"P:%s\" \"M:XOAUTH2\"; sendmail skips"
			   " AUTH when P: is empty) to use the token record of %s",
			   user, user, user);
		break;
	default:
		so2_format(buf, size, "make the password empty, or the account's name"
			   " (%s) where the program needs one, to use the token record"
			   " of %s", user, user);
		break;
	}
}

/* choose_token - the token the password selects (see DESCRIPTION) */
static so2_status
choose_token(struct glob *g, struct conn *c, const char *user, const so2_secret *pass,
	     so2_secret *token, so2_token_info *info, so2_err *err)
{
	const char *ref;
	char hint[SO2_ERR_MSG_MAX / 2];

	memset(info, 0, sizeof(*info));
	if (g->conf_err.status != SO2_OK)
		return so2_err_set(err, SO2_ERR_CONFIG, "%s", g->conf_err.msg);
	if (so2_secret_empty(pass))
		ref = user;
	else if (pass->data[0] == '/')
		ref = pass->data;
	else if (so2_account_valid(pass->data) && so2_cache_ref_exists(g->cache, pass->data))
		ref = pass->data;
	else if (pass->len < SO2_LITERAL_TOKEN_MIN
		 || !bearer_token_syntax(pass->data, pass->len)) {
		password_hint(g->host, user, hint, sizeof(hint));
		return so2_err_set(err, SO2_ERR_PARAM,
				   "account %s: the SASL password (%zu bytes) is not empty, not a"
				   " record path, not an account in the store %s and does not"
				   " look like an access token (RFC 6750: at least %d bytes of"
				   " letters, digits and -._~+/); if it is the old password,"
				   " %s", user, pass->len, g->conf->store_dir,
				   SO2_LITERAL_TOKEN_MIN, hint);
	} else {
		/* A literal bearer token handed over by the application. */
		c->ref[0] = '\0';
		so2_format(info->account, sizeof(info->account), "%s", user);
		return so2_secret_set(token, pass->data, pass->len) == SO2_OK
		       ? SO2_OK : so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	}
	so2_format(c->ref, sizeof(c->ref), "%s", ref);
	return so2_cache_get(g->cache, ref, 0, token, info, err);
}

/* step_first - S0: build and return the initial response */
static int
step_first(struct glob *g, struct conn *c, sasl_client_params_t *params,
	   sasl_interact_t **prompt_need, const char **clientout, unsigned *clientoutlen,
	   sasl_out_params_t *oparams)
{
	const sasl_utils_t *utils = params->utils;
	const char *mech = mech_names[c->mech];
	const char *at = c->attempt;
	const char *user = NULL, *authzid = NULL;
	so2_secret pass = SO2_SECRET_INIT, token = SO2_SECRET_INIT;
	so2_token_info info;
	so2_err err;
	int ru, rz, rp, r;
	so2_status st;

	so2_err_clear(&err);
	ru = get_simple(utils, prompt_need ? *prompt_need : NULL, SASL_CB_AUTHNAME, &user);
	rz = get_simple(utils, prompt_need ? *prompt_need : NULL, SASL_CB_USER, &authzid);
	if (rz != SASL_OK)
		authzid = NULL;		/* optional */
	rp = get_password(utils, prompt_need ? *prompt_need : NULL, &pass);
	if (prompt_need != NULL && *prompt_need != NULL) {
		utils->free(*prompt_need);
		*prompt_need = NULL;
	}
	if (ru == SASL_INTERACT || rp == SASL_INTERACT) {
		if (prompt_need == NULL) {
			report(utils, SASL_LOG_ERR, mech, at, "the application gives no SASL user"
			       " or password and does not support prompts; configure the user"
			       " name (and an empty password) for this server");
			r = SASL_BADPARAM;
			goto out;
		}
		r = make_prompts(utils, prompt_need, ru == SASL_INTERACT, rp == SASL_INTERACT);
		goto out;
	}
	if (ru != SASL_OK || user == NULL || *user == '\0') {
		report(utils, SASL_LOG_ERR, mech, at, "no SASL user name (the mailbox address) was"
		       " given by the application");
		r = ru == SASL_OK ? SASL_BADPARAM : ru;
		goto out;
	}
	if (rp != SASL_OK) {
		report(utils, SASL_LOG_ERR, mech, at, "could not get the SASL password from the"
		       " application");
		r = rp;
		goto out;
	}
	if (authzid != NULL && *authzid != '\0' && strcmp(authzid, user) == 0)
		authzid = NULL;
	if (authzid != NULL && *authzid != '\0' && c->mech == MECH_XOAUTH2) {
		/* XOAUTH2 carries "user=" only: the server would authorize the
		 * SASL user, not this name, so refuse rather than report an
		 * identity that was never sent (saslplug.h canon_user). */
		so2_format(err.msg, sizeof(err.msg),
			   "the application asks to act as \"%s\" (authorization id) but"
			   " XOAUTH2 can only send the SASL user \"%s\"; remove the"
			   " authorization id or use OAUTHBEARER", authzid, user);
		report(utils, SASL_LOG_ERR, mech, at, err.msg);
		r = SASL_BADPARAM;
		goto out;
	}
	st = choose_token(g, c, user, &pass, &token, &info, &err);
	if (st != SO2_OK) {
		report(utils, SASL_LOG_ERR, mech, at, err.msg);
		r = so2_status_to_sasl(st);
		goto out;
	}
	if (info.warning[0] != '\0')
		report(utils, SASL_LOG_WARN, mech, at, info.warning);
	c->have_digest = c->ref[0] != '\0' && so2_token_digest(&token, c->digest) == SO2_OK;
	/* canon_user before success (SASL client.c: both must be set). */
	if (authzid != NULL && *authzid != '\0') {
		/* OAUTHBEARER only: the authzid goes into the GS2 header. */
		r = params->canon_user(utils->conn, authzid, 0, SASL_CU_AUTHZID, oparams);
		if (r == SASL_OK)
			r = params->canon_user(utils->conn, user, 0, SASL_CU_AUTHID, oparams);
	} else {
		authzid = NULL;
		r = params->canon_user(utils->conn, user, 0, SASL_CU_AUTHID | SASL_CU_AUTHZID,
				       oparams);
	}
	if (r != SASL_OK) {
		report(utils, SASL_LOG_ERR, mech, at, "the SASL library refused the user name");
		goto out;
	}
	if (c->mech == MECH_XOAUTH2)
		st = so2_xoauth2_response(user, token.data, token.len, &c->out, &c->outlen, &err);
	else
		st = so2_oauthbearer_response(authzid ? authzid : user, params->serverFQDN,
					      remote_port(params->ipremoteport), token.data,
					      token.len, &c->out, &c->outlen, &err);
	if (st != SO2_OK) {
		report(utils, SASL_LOG_ERR, mech, at, err.msg);
		r = so2_status_to_sasl(st);
		goto out;
	}
	so2_format(c->user, sizeof(c->user), "%s", user);
	*clientout = c->out;
	*clientoutlen = (unsigned)c->outlen;
	c->state = 1;
	r = SASL_CONTINUE;
out:
	so2_secret_clear(&pass);
	so2_secret_clear(&token);
	return r;
}

/* read_claims - decode the claims of the token in our response, if a JWT
 *	Both responses end with "auth=Bearer TOKEN" 0x01 0x01; the last
 *	such key is taken (a user name cannot move it). */
static void
read_claims(struct conn *c)
{
	static const char key[] = "\001auth=Bearer ";
	const char *t = NULL, *p, *end;
	so2_err err;

	c->have_claims = 0;
	if (c->out == NULL || c->outlen < 2)
		return;
	end = c->out + c->outlen - 2;
	for (p = c->out; (p = memmem(p, (size_t)(end - p), key, sizeof(key) - 1)) != NULL;
	     p += sizeof(key) - 1)
		t = p + sizeof(key) - 1;
	if (t != NULL)
		c->have_claims = so2_jwt_read(t, (size_t)(end - t), &c->claims, &err) == SO2_OK
		    && !c->claims.opaque;
}

/* step_after - S1: the server answered our response with a challenge */
static int
step_after(struct glob *g, struct conn *c, sasl_client_params_t *params, const char *serverin,
	   unsigned serverinlen, const char **clientout, unsigned *clientoutlen,
	   sasl_out_params_t *oparams)
{
	const sasl_utils_t *utils = params->utils;
	const char *mech = mech_names[c->mech];
	const char *at = c->attempt;
	char msg[2 * SO2_ERR_MSG_MAX], args[SO2_ACCOUNT_MAX + 1100];
	so2_diag_verdict v;
	so2_challenge ch;
	so2_err err;
	int refresh;

	/* No output unless the server sent an error challenge: a client
	 * that steps once more after the server's success (mbsync does,
	 * with an empty input) must get nothing to send. */
	*clientout = NULL;
	*clientoutlen = 0;
	c->state = 2;
	oparams->doneflag = 1;
	oparams->mech_ssf = 0;
	oparams->maxoutbuf = 0;
	oparams->encode = NULL;
	oparams->decode = NULL;
	if (serverin == NULL || serverinlen == 0)
		return SASL_OK;
	so2_err_clear(&err);
	if (so2_challenge_parse(serverin, serverinlen, &ch, &err) != SO2_OK) {
		/* Not a challenge (e.g. mutt's stale buffer after success). */
		utils->log(utils->conn, SASL_LOG_DEBUG, "sasl-oauth2: %s #%s: ignoring server "
			   "data that is not an error challenge", mech, c->attempt);
		return SASL_OK;
	}
	/* The reply the mechanism requires after an error challenge:
	 * XOAUTH2 an empty response, OAUTHBEARER one 0x01 (RFC 7628 3.2.3). */
	*clientout = c->mech == MECH_XOAUTH2 ? "" : "\001";
	*clientoutlen = c->mech == MECH_XOAUTH2 ? 0 : 1;
	/* The claims of the token sent (never the token) refine the message;
	 * decoded only now: a JSON parse per exchange is most of its cost. */
	read_claims(c);
	/* The one table (diagnose.h) says why, the claims refine it, against
	 * the endpoint: High Volume Email by its server name (perms.h). */
	so2_diag_explain(so2_diag_challenge(ch.status), c->have_claims ? &c->claims : NULL,
			 c->user, so2_perm_endpoint(params->service, params->serverFQDN)->id,
			 time(NULL), &v);
	/* A record given by its path is named as the command takes it. */
	so2_ref_args(c->ref[0] ? c->ref : c->user, args, sizeof(args));
	so2_diag_fill(v.fix, sizeof(v.fix), "ACCOUNT", args);
	refresh = v.action == SO2_DIAG_REFRESH;
	so2_format(msg, sizeof(msg),
		 "the server rejected the access token for %s (token user %s, audience %s):"
		 " status \"%s\"%s%s%s: %s; %s%s",
		 c->ref[0] ? c->ref : c->user,
		 c->have_claims && c->claims.upn[0] ? c->claims.upn : "unknown",
		 c->have_claims && c->claims.aud[0] ? c->claims.aud
		 : c->have_claims ? "none" : "unknown (opaque token)",
		 ch.status, ch.scope[0] ? ", scope \"" : "", ch.scope, ch.scope[0] ? "\"" : "",
		 v.cause, v.fix,
		 refresh && c->ref[0] ? "; the token will be refreshed at the next attempt"
		 : refresh ? "; the application must give a fresh token"
		 : "; the token is kept (refreshing would not help)");
	report(utils, SASL_LOG_ERR, mech, at, msg);
	if (refresh && c->ref[0] != '\0'
	    && so2_cache_mark_stale(g->cache, c->ref, c->have_digest ? c->digest : NULL, msg,
				    NULL, &err) != SO2_OK)
		report(utils, SASL_LOG_WARN, mech, at, err.msg);
	return SASL_OK;
}

/* mech_step - one step of the exchange (saslplug.h mech_step) */
static int
mech_step(void *conn_ctx, sasl_client_params_t *params, const char *serverin,
	  unsigned serverinlen, sasl_interact_t **prompt_need, const char **clientout,
	  unsigned *clientoutlen, sasl_out_params_t *oparams)
{
	struct conn *c = conn_ctx;

	*clientout = NULL;
	*clientoutlen = 0;
	if (c == NULL)
		return SASL_BADPARAM;
	switch (c->state) {
	case 0:
		return step_first(c->g, c, params, prompt_need, clientout, clientoutlen,
				  oparams);
	case 1:
		return step_after(c->g, c, params, serverin, serverinlen, clientout,
				  clientoutlen, oparams);
	default:
		report(params->utils, SASL_LOG_ERR, mech_names[c->mech], c->attempt,
		       "the server sent another challenge after the exchange ended");
		return SASL_BADPROT;
	}
}

/*
 * Mechanism flags (see sasl-oauth2(8), "Mechanism properties"):
 * max_ssf 0: no security layer (RFC 7628 section 3). NOANONYMOUS and
 * PASS_CREDENTIALS, like PLAIN: a bearer token is a replayable
 * credential sent in clear inside the session, so the mechanisms do not
 * claim NOPLAINTEXT and need TLS (Postfix: smtp_sasl_tls_security_options
 * = noanonymous). Client first. OAUTHBEARER can carry an authzid
 * (gs2 "a="), so it allows proxying; XOAUTH2 has only "user=".
 * Required prompts: the user name only; the password may be absent.
 */
static const unsigned long required_prompts[] = { SASL_CB_AUTHNAME, SASL_CB_LIST_END };

static sasl_client_plug_t plugins[] = {
	{
		"XOAUTH2", 0, SO2_XOAUTH2_SECURITY, SO2_XOAUTH2_FEATURES, required_prompts,
		NULL, xoauth2_new, mech_step, mech_dispose, mech_free, NULL, NULL, NULL
	},
	{
		"OAUTHBEARER", 0, SO2_OAUTHBEARER_SECURITY, SO2_OAUTHBEARER_FEATURES,
		required_prompts, NULL, oauthbearer_new, mech_step, mech_dispose, mech_free,
		NULL, NULL, NULL
	},
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

/* init_curl - once per process; never cleaned up (the core is never unloaded) */
static void
init_curl(void)
{
	curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* net_init - libcurl's global initialisation, at the first token request
 *	Not at init: it initialises OpenSSL (configuration, algorithms),
 *	most of what init cost after the loading itself, and a process that
 *	only sends cached or literal tokens never needs it (cache.h
 *	so2_cache_set_net_init). */
static so2_status
net_init(so2_err *err)
{
	pthread_once(&curl_once, init_curl);
	if (curl_init_result != CURLE_OK)
		return so2_err_set(err, SO2_ERR_CONFIG, "libcurl initialisation failed: %s",
				   curl_easy_strerror(curl_init_result));
	return SO2_OK;
}

/* conf_must_exist - 1 when the configuration file was named (SASL_OAUTH2_CONF)
 *	Only the built-in default may be missing (sasl-oauth2.conf(5)); a
 *	named file that is not there is an error, as in the command. */
static int
conf_must_exist(void)
{
	return strcmp(so2_config_default_path(), SO2_CONF_PATH) != 0;
}

/* so2_core_client_plug_init - register the mechanisms (sasl_client_plug_init_t) */
SO2_EXPORT int so2_core_client_plug_init(const sasl_utils_t *utils, int max_version,
					 int *out_version, sasl_client_plug_t **pluglist,
					 int *plugcount);

SO2_EXPORT int
so2_core_client_plug_init(const sasl_utils_t *utils, int max_version, int *out_version,
			  sasl_client_plug_t **pluglist, int *plugcount)
{
	struct glob *g = &the_glob;
	char line[SO2_ERR_MSG_MAX + 64];

	if (max_version < SASL_CLIENT_PLUG_VERSION)
		return SASL_BADVERS;
	pthread_mutex_lock(&g->lock);
	g->host = host_program();
	glob_setup(g);
	if (g->conf_err.status != SO2_OK) {
		/* conn is NULL at init: this goes to syslog (SASL common.c). */
		so2_format(line, sizeof(line), "sasl-oauth2: %s", g->conf_err.msg);
		so2_printable(line, line, sizeof(line));
		utils->log(NULL, SASL_LOG_ERR, "%s", line);
	}
	g->refs += 2;
	pthread_mutex_unlock(&g->lock);
	plugins[0].glob_context = g;
	plugins[1].glob_context = g;
	*out_version = SASL_CLIENT_PLUG_VERSION;
	*pluglist = plugins;
	*plugcount = 2;
	return SASL_OK;
}

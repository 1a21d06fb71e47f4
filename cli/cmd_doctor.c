/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	cmd_doctor.c - sasl-oauth2 doctor: why does the server say 535 5.7.3?
 * SYNOPSIS
 *	sasl-oauth2 doctor ACCOUNT [--json] [--smtp[=HOST[:PORT]]]
 *		[--imap[=HOST[:PORT]]] [--postfix | --no-postfix]
 *		[--postfix-config DIR] [--user NAME] [--reply TEXT]
 *		[--tls starttls|implicit] [--endpoint smtp|hve|imap|pop]
 * DESCRIPTION
 *	Runs the checks in order and prints a checklist, one line each:
 *	1. configuration and record: the configuration file parses; the
 *	   record exists, parses, has mode 0600 and is readable and
 *	   replaceable by the runtime user (--user; postfix when a Postfix
 *	   relay is detected), as are the store and the lock; the CA bundle
 *	   is readable; the token endpoint answers over verified TLS, and
 *	   its Date header shows no clock offset beyond DOC_CLOCK_SKEW.
 *	2. the token: obtained (refreshed when due) and decoded without a
 *	   signature check (jwt.h): Exchange audience, the endpoint's
 *	   permission (token/perms.h: SMTP AUTH, High Volume Email, IMAP,
 *	   POP; delegated scope or app-only role), the token's user against
 *	   user=, the app-only checklist of that endpoint, expiry and tenant.
 *	   The endpoint is --endpoint, else High Volume Email when the
 *	   --smtp host, the Postfix relayhost or the --reply text names
 *	   smtp-hve.office365.com, else the protocols probed or asked for.
 *	3. --smtp / --imap: a live AUTH with the token (doctor_probe.c),
 *	   its reply classified (diagnose.h) together with step 2.
 *	   --reply classifies a reply copied from a log the same way.
 *	4. Postfix (doctor_postfix.c) with --postfix, or when postconf(1)
 *	   finds a relay configuration.
 *	--json prints the same as one JSON object. Exit 0 when no check
 *	failed, 1 when one did, 64 for a usage error.
 *
 *	The token is never printed; a probe that says the token is stale
 *	marks the record so the next use refreshes it (as the module does);
 *	a reply that blames a setting touches nothing.
 * SEE ALSO
 *	sasl-oauth2(1), sasl-oauth2-troubleshooting(7), doctor.h
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "base/base64.h"
#include "token/http.h"
#include "token/mechanism.h"
#include "token/store.h"
#include "base/text.h"

#include "doctor.h"

enum {
	OPT_JSON = CLI_OPT_COMMAND, OPT_SMTP, OPT_IMAP, OPT_POSTFIX, OPT_NO_POSTFIX,
	OPT_POSTFIX_CONFIG, OPT_USER, OPT_REPLY, OPT_TLS, OPT_ENDPOINT
};

/* doctor_usage - the help text */
static void
doctor_usage(FILE *fp)
{
	fprintf(fp,
		"Usage: %s doctor ACCOUNT [OPTIONS]\n"
		"Check everything an XOAUTH2 login of ACCOUNT depends on and explain\n"
		"what is wrong, with a fix for every problem. Exit 0 when no check failed.\n"
		"  --json                    print the checklist as JSON\n"
		"  --smtp[=HOST[:PORT]]      authenticate for real (no mail is sent);\n"
		"                            default smtp.office365.com:587 (Google:\n"
		"                            smtp.gmail.com:587); 465 is implicit TLS\n"
		"  --imap[=HOST[:PORT]]      the same over IMAP (default port 993)\n"
		CLI_TLS_HELP
		"  --endpoint E              check the permissions of endpoint E: smtp\n"
		"                            (SMTP AUTH), hve (High Volume Email, also\n"
		"                            for a --smtp server not named\n"
		"                            smtp-hve.office365.com), imap or pop\n"
		"  --reply TEXT              explain a reply copied from a log (SMTP,\n"
		"                            IMAP, an error challenge, a token endpoint's)\n"
		"  --postfix, --no-postfix   check the Postfix relay configuration\n"
		"                            (default: when postconf finds one)\n"
		"  --postfix-config DIR      the Postfix configuration directory\n"
		"  --user NAME               the user that uses the record (default:\n"
		"                            postfix for a Postfix relay, else you)\n",
		CLI_PROG);
}

/* set_run_user - who will use the record */
static int
set_run_user(doctor *d, const char *name)
{
	struct passwd *pw;
	int n = DOC_GROUPS_MAX;

	pw = name != NULL ? getpwnam(name) : getpwuid(geteuid());
	if (pw == NULL)
		return -1;
	so2_format(d->run_user, sizeof(d->run_user), "%s", pw->pw_name);
	d->uid = pw->pw_uid;
	if (getgrouplist(pw->pw_name, pw->pw_gid, d->groups, &n) < 0)
		n = DOC_GROUPS_MAX;
	d->ngroups = n;
	return 0;
}

/* check_config - step 1a: the configuration file */
static so2_config *
check_config(doctor *d)
{
	so2_err err;
	char desc[CLI_TEXT_MAX];

	so2_err_clear(&err);
	if (cli_load_config(d->ctx, &err) != SO2_OK) {
		doc_add(d, DOC_FAIL, "config", "correct the line named; the format is in "
			"sasl-oauth2.conf(5)", "configuration: %s", err.msg);
		return NULL;
	}
	cli_describe_config(d->ctx, desc, sizeof(desc));
	doc_add(d, DOC_PASS, "config", NULL, "configuration: %s parsed", desc);
	return d->ctx->conf;
}

/* check_path - can the runtime user use path (want bits)? */
static int
check_path(doctor *d, const char *id, const char *what, const char *path, int want,
	   const char *fix)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		doc_add(d, DOC_FAIL, id, fix, "%s %s: %s", what, path, strerror(errno));
		return -1;
	}
	if (!doc_user_can(d, &st, want)) {
		doc_add(d, DOC_FAIL, id, fix, "%s %s: user %s cannot %s it (owner uid %ld, "
			"mode %04o)", what, path, d->run_user,
			want & 2 ? "write" : "read", (long)st.st_uid,
			(unsigned)(st.st_mode & 07777));
		return -1;
	}
	doc_add(d, DOC_PASS, id, NULL, "%s %s: %s by %s", what, path,
		want & 2 ? "writable" : "readable", d->run_user);
	return 0;
}

/* check_margin - refresh_margin at or above the lifetime of the record's tokens */
static void
check_margin(doctor *d, const so2_config *conf)
{
	char margin[SO2_ERR_MSG_MAX];

	if (so2_diag_margin(conf->refresh_margin, so2_record_lifetime(d->rec), margin,
			    sizeof(margin)))
		doc_add(d, DOC_WARN, "refresh.margin", "set refresh_margin below the token "
			"lifetime in sasl-oauth2.conf", "%s", margin);
}

/* check_record - step 1b: store, record file, lock, state */
static void
check_record(doctor *d, const so2_config *conf)
{
	char path[CLI_TEXT_MAX], lock[CLI_TEXT_MAX + 8], fix[CLI_TEXT_MAX * 2];
	char name[SO2_ACCOUNT_MAX + 8], warn[SO2_ERR_MSG_MAX];
	const char *dir = conf->store_dir;
	so2_store *st = NULL;
	struct stat sb;
	so2_err err;

	so2_err_clear(&err);
	if (d->account[0] == '/') {
		so2_format(path, sizeof(path), "%s", d->account);
	} else if (so2_store_file_name(d->account, name, sizeof(name), &err) != SO2_OK) {
		doc_add(d, DOC_FAIL, "record", "give the account name as used with login",
			"record: %s", err.msg);
		return;
	} else {
		so2_format(path, sizeof(path), "%s/%s", dir, name);
		so2_format(fix, sizeof(fix), "chown %s %s; chmod 700 %s", d->run_user, dir, dir);
		if (check_path(d, "store", "store", dir, 7, fix) != 0
		    && stat(dir, &sb) != 0)
			return;
	}
	if (stat(path, &sb) != 0) {
		doc_add(d, DOC_FAIL, "record", "create it: sasl-oauth2 login ACCOUNT (as root or "
			"the store's owner)", "record %s: %s", path, strerror(errno));
		return;
	}
	if ((sb.st_mode & 077) != 0) {
		so2_format(fix, sizeof(fix), "chmod 600 %s", path);
		doc_add(d, DOC_FAIL, "record.mode", fix, "record %s: mode %04o lets other users "
			"read the tokens", path, (unsigned)(sb.st_mode & 07777));
	} else {
		doc_add(d, DOC_PASS, "record.mode", NULL, "record %s: mode %04o", path,
			(unsigned)(sb.st_mode & 07777));
	}
	if (d->uid != 0 && sb.st_uid != d->uid) {
		struct passwd *pw = getpwuid(sb.st_uid);

		so2_format(fix, sizeof(fix), "chown %s %s", d->run_user, path);
		doc_add(d, DOC_FAIL, "record.owner", fix, "record %s: owned by %s, but %s must "
			"read and refresh it", path, pw ? pw->pw_name : "another user",
			d->run_user);
	} else {
		doc_add(d, DOC_PASS, "record.owner", NULL, "record %s: usable by %s", path,
			d->run_user);
	}
	so2_format(lock, sizeof(lock), "%.*s.lock", (int)(strlen(path) - 5), path);
	if (stat(lock, &sb) == 0 && !doc_user_can(d, &sb, 6)) {
		so2_format(fix, sizeof(fix), "chown %s %s (or remove it: it is recreated)",
			   d->run_user, lock);
		doc_add(d, DOC_FAIL, "record.lock", fix, "lock %s: user %s cannot open it for "
			"writing, so refreshes fail", lock, d->run_user);
	}
	if (d->account[0] == '/') {
		char *fname = NULL;

		if (so2_store_open_file(path, &st, &fname, &err) == SO2_OK)
			so2_format(name, sizeof(name), "%s", fname);
		free(fname);
	} else
		so2_store_open(dir, &st, &err);
	if (st == NULL || so2_store_read(st, name, &d->rec, warn, &err) != SO2_OK) {
		doc_add(d, DOC_FAIL, "record.parse", "fix the file, or log in again: "
			"sasl-oauth2 login ACCOUNT", "record: %s", err.msg);
		so2_store_close(st);
		return;
	}
	so2_store_close(st);
	if (so2_record_has_state(d->rec, SO2_STATE_NEEDS_LOGIN)) {
		so2_login_command(d->rec, d->account, fix, sizeof(fix));
		doc_add(d, DOC_FAIL, "record.state", fix, "record: needs a new login: %s",
			d->rec->last_error ? d->rec->last_error : "the grant is dead");
	} else if (so2_record_has_state(d->rec, SO2_STATE_STALE)) {
		doc_add(d, DOC_INFO, "record.state", NULL, "record: marked stale (a server refused "
			"the token; the next use refreshes it)");
	} else {
		doc_add(d, DOC_PASS, "record.parse", NULL, "record: parsed, provider %s%s%s",
			d->rec->provider ? d->rec->provider : "unknown",
			d->rec->grant_type ? ", grant " : "",
			d->rec->grant_type ? d->rec->grant_type : "");
	}
	check_margin(d, conf);
}

/* module_http - the HTTP settings the module uses (its CA bundle, read at
 *	open, its proxy and timeouts), from the token cache; NULL when out of
 *	memory */
static const so2_http_conf *
module_http(doctor *d)
{
	so2_err err;

	if (d->cache == NULL && so2_cache_open(d->ctx->conf, &d->cache, &err) != SO2_OK) {
		d->nomem = 1;
		return NULL;
	}
	return so2_cache_http(d->cache);
}

/* check_ca - step 1c: the CA bundle */
static void
check_ca(doctor *d, const so2_config *conf)
{
	const so2_http_conf *hc;
	char fix[CLI_TEXT_MAX];

	if (conf->ca_file == NULL) {
		if ((hc = module_http(d)) != NULL)
			doc_add(d, DOC_INFO, "ca", NULL, "CA bundle: %s, the default (ca_file "
				"not set)", hc->ca_file ? hc->ca_file : "libcurl's");
		return;
	}
	so2_format(fix, sizeof(fix), "chmod 644 %s, or set ca_file to a bundle %s can read",
		   conf->ca_file, d->run_user);
	check_path(d, "ca", "CA bundle", conf->ca_file, 4, fix);
}

/* check_endpoint - step 1d: the token endpoint over verified TLS, and the clock
 *	Through the module's own HTTP client and CA bundle (token/http.h), so
 *	that what passes here passes in the module. */
static void
check_endpoint(doctor *d, const so2_config *conf)
{
	const char *url = d->rec != NULL ? d->rec->token_endpoint : NULL;
	const so2_http_conf *hc;
	so2_http_probe_result pr;
	char ca[CLI_TEXT_MAX];
	time_t now;
	so2_err err;

	(void)conf;
	if (url == NULL) {
		doc_add(d, DOC_SKIP, "endpoint", NULL, "token endpoint: no record to read it from");
		return;
	}
	if ((hc = module_http(d)) == NULL)
		return;
	so2_format(ca, sizeof(ca), "%s", hc->ca_file ? hc->ca_file : "libcurl's default");
	if (so2_http_probe(hc, url, &pr, &err) != SO2_OK) {
		if (err.status == SO2_ERR_NOMEM) {
			d->nomem = 1;
		} else if (pr.tls_untrusted) {
			const char *openssl = pr.verify_result != 0
			    ? X509_verify_cert_error_string(pr.verify_result) : "";
			char clock[256];

			/* A certificate refused for its dates: the local time beside it. */
			if (!so2_diag_tls_clock(pr.why, time(NULL), clock, sizeof(clock)))
				so2_diag_tls_clock(openssl, time(NULL), clock, sizeof(clock));
			doc_add(d, DOC_FAIL, "endpoint.tls", clock[0]
				? "set the clock right (NTP), then run doctor again"
				: "set ca_file in sasl-oauth2.conf to the bundle that signs this "
				"server",
				"token endpoint %s: TLS "
				"verification failed (trusting %s): %s%s%s%s", url, ca, pr.why,
				openssl[0] ? "; OpenSSL: " : "", openssl, clock);
		} else {
			char proxy[700];

			so2_http_proxy_source(hc, proxy, sizeof(proxy));
			doc_add(d, DOC_FAIL, "endpoint", "check the network, DNS and proxy "
				"settings (proxy in sasl-oauth2.conf: Postfix's smtp does not see "
				"a shell's https_proxy)", "token endpoint %s: unreachable %s: %s",
				url, proxy, pr.why[0] ? pr.why : err.msg);
		}
		return;
	}
	now = time(NULL);
	doc_add(d, DOC_PASS, "endpoint", NULL, "token endpoint %s: reachable, TLS certificate "
		"verified (trusting %s)", url, ca);
	if (pr.server_date > 0 && (now - pr.server_date > DOC_CLOCK_SKEW ||
				   pr.server_date - now > DOC_CLOCK_SKEW))
		doc_add(d, DOC_WARN, "clock", "synchronise the clock (systemd-timesyncd, chrony); "
			"token and assertion times are checked against it", "clock: %ld s %s "
			"the token endpoint's Date header", (long)(now > pr.server_date ?
			now - pr.server_date : pr.server_date - now),
			now > pr.server_date ? "ahead of" : "behind");
}

/* want_protocol - add a protocol whose scope the token must carry */
static void
want_protocol(doctor *d, const char *proto)
{
	int i;

	for (i = 0; i < 3 && d->protocols[i] != NULL; i++)
		if (strcmp(d->protocols[i], proto) == 0)
			return;
	if (i < 3)
		d->protocols[i] = proto;
}

/* check_app_only - the Exchange checklist of an app-only token, per endpoint */
static void
check_app_only(doctor *d)
{
	const so2_jwt_claims *c = &d->claims;
	char fix[DOC_TEXT_MAX], cause[SO2_PERM_TEXT_MAX], pfix[SO2_PERM_TEXT_MAX];
	const so2_perm *ep;
	int i, mailbox = 0, hve = 0, hve_failed = 0;

	doc_add(d, DOC_INFO, "token.app", NULL, "token: app-only (client credentials) for app "
		"%s, roles %s", c->appid[0] ? c->appid : "?", c->roles[0] ? c->roles : "none");
	for (i = 0; i < 3 && d->protocols[i] != NULL; i++) {
		ep = so2_perm_endpoint(d->protocols[i], NULL);
		if (strcmp(ep->id, "hve") == 0)
			hve = 1;
		else
			mailbox = 1;
		if (!so2_perm_check(ep, c, d->sasl_user, cause, sizeof(cause), pfix,
				    sizeof(pfix))) {
			doc_add(d, DOC_FAIL, "token.roles", pfix, "token: %s", cause);
			hve_failed |= strcmp(ep->id, "hve") == 0;
		} else if (c->roles[0] == '\0')
			doc_add(d, DOC_INFO, "token.roles", NULL, "token: no roles: fine only with "
				"RBAC for Applications (New-ManagementRoleAssignment -Role "
				"'Application %s')", ep->app);
		else
			doc_add(d, DOC_PASS, "token.roles", NULL, "token: roles hold %s%s",
				ep->app, strcmp(ep->id, "hve") == 0 ? " (High Volume Email)" : "");
	}
	if (hve && !hve_failed) {
		/* (a failed role's fix names Add-HVEAppAccess already) */
		/* an HVE account is a mail user: its Allowed Apps, not a mailbox permission */
		so2_format(fix, sizeof(fix), "Exchange Online PowerShell: Add-HVEAppAccess "
			   "-Identity %s -AppIds %s (up to ten apps per HVE account; effective "
			   "within 5 minutes)", d->sasl_user, c->appid[0] ? c->appid : "APPID");
		doc_add(d, DOC_WARN, "app.hve-allowed-apps", fix, "High Volume Email: the app "
			"%s must be in the Allowed Apps of the HVE account %s (cannot be checked "
			"from here); no New-ServicePrincipal or Add-MailboxPermission: an HVE "
			"account is a mail user, not a mailbox", c->appid[0] ? c->appid : "?",
			d->sasl_user);
		doc_add(d, DOC_INFO, "app.user", NULL, "user= will be %s: for High Volume Email "
			"it must be the HVE account's address", d->sasl_user);
	}
	if (!mailbox)
		return;
	so2_format(fix, sizeof(fix), "Exchange Online PowerShell: New-ServicePrincipal -AppId %s "
		   "-ObjectId <object id shown in Microsoft Entra admin center, Enterprise "
		   "applications (not App registrations)>", c->appid[0] ? c->appid : "APPID");
	doc_add(d, DOC_WARN, "app.service-principal", fix, "Exchange: the app's service "
		"principal must be registered with the enterprise application's object id "
		"(cannot be checked from here; Get-ServicePrincipal lists them)");
	so2_format(fix, sizeof(fix), "Add-MailboxPermission -Identity %s -User <service "
		   "principal id> -AccessRights FullAccess", d->sasl_user);
	doc_add(d, DOC_WARN, "app.mailbox-permission", fix, "Exchange: the service principal "
		"needs FullAccess on %s (cannot be checked from here)", d->sasl_user);
	if (!hve)
		doc_add(d, DOC_INFO, "app.user", NULL, "user= will be %s: for an app-only token "
			"it must be the mailbox the app may use", d->sasl_user);
}

/* check_claims - step 2b: what the token says */
static void
check_claims(doctor *d)
{
	const so2_jwt_claims *c = &d->claims;
	char fix[DOC_TEXT_MAX], when[CLI_TIME_MAX], left[CLI_TIME_MAX], arg[1400];
	time_t now = time(NULL);
	int i;

	if (c->aud[0] == '\0')
		doc_add(d, DOC_WARN, "token.audience", "log in again with the Exchange scope",
			"token: no audience claim");
	else if (so2_jwt_audience_graph(c->aud)) {
		so2_format(fix, sizeof(fix), "request https://outlook.office.com/%s offline_access "
			   "(not a bare or https://graph.microsoft.com/ scope) and log in again: "
			   "sasl-oauth2 login ACCOUNT --provider microsoft",
			   so2_diag_scope_for(d->protocols[0]));
		doc_add(d, DOC_FAIL, "token.audience", fix, "token: audience %s is Microsoft "
			"Graph, not Exchange Online: Exchange answers 535 5.7.3 whatever the "
			"mailbox settings", c->aud);
	} else if (!so2_jwt_audience_exchange(c->aud))
		doc_add(d, DOC_FAIL, "token.audience", "request "
			"https://outlook.office.com/SMTP.Send offline_access and log in again",
			"token: audience %s is not Exchange "
			"Online", c->aud);
	else
		doc_add(d, DOC_PASS, "token.audience", NULL, "token: audience %s (Exchange Online)",
			c->aud);
	if (so2_jwt_app_only(c)) {
		check_app_only(d);
	} else {
		for (i = 0; i < 3 && d->protocols[i] != NULL; i++) {
			const char *need = so2_diag_scope_for(d->protocols[i]);

			if (so2_diag_has_scope(c->scp, need)) {
				doc_add(d, DOC_PASS, "token.scope", NULL, "token: scope %s present",
					need);
				continue;
			}
			so2_format(fix, sizeof(fix), "log in again%s with "
				   "https://outlook.office.com/%s offline_access: "
				   "sasl-oauth2 login ACCOUNT --protocol %s",
				   strcmp(d->protocols[i], "hve") == 0 ? " as the HVE account"
				   : "", need, strcmp(d->protocols[i], "hve") == 0 ? "smtp"
				   : d->protocols[i]);
			doc_add(d, DOC_FAIL, "token.scope", fix, "token: scopes \"%s\" lack %s, "
				"needed for %s", c->scp, need, d->protocols[i]);
		}
		if (c->upn[0] == '\0')
			doc_add(d, DOC_INFO, "token.user", NULL, "token: no user claim");
		else if (strcasecmp(c->upn, d->sasl_user) != 0 && d->endpoint != NULL
			 && strcmp(d->endpoint, "hve") == 0) {
			so2_ref_args(d->sasl_user, arg, sizeof(arg));
			so2_format(fix, sizeof(fix), "log in as the HVE account and send its "
				   "address as user=: sasl-oauth2 login %s", arg);
			doc_add(d, DOC_FAIL, "token.user", fix, "token: issued to %s but user= "
				"will be %s; High Volume Email takes a delegated token only for "
				"the HVE account itself, in the domain set up for HVE", c->upn,
				d->sasl_user);
		} else if (strcasecmp(c->upn, d->sasl_user) != 0) {
			so2_ref_args(d->sasl_user, arg, sizeof(arg));
			so2_format(fix, sizeof(fix), "send user=%s, or log in as %s: sasl-oauth2 "
				   "login %s", c->upn, d->sasl_user, arg);
			doc_add(d, DOC_WARN, "token.user", fix, "token: issued to %s but user= "
				"will be %s; Exchange refuses another user's token (535 5.7.3). "
				"A shared mailbox: over SMTP authenticate as %s and send from the "
				"shared "
				"address with Send As; over IMAP %s needs FullAccess on it", c->upn,
				d->sasl_user, c->upn, c->upn);
		} else
			doc_add(d, DOC_PASS, "token.user", NULL, "token: issued to %s, the same as "
				"user=", c->upn);
	}
	if (c->exp != 0 && c->exp <= now)
		doc_add(d, DOC_FAIL, "token.expiry", "sasl-oauth2 refresh ACCOUNT; check the "
			"system clock", "token: expired at %s",
			cli_local_time(c->exp, when, sizeof(when)));
	else
		doc_add(d, DOC_INFO, "token.expiry", NULL, "token: expires %s (%s), tenant %s, "
			"app %s", c->exp ? cli_local_time(c->exp, when, sizeof(when)) : "?",
			cli_expiry(c->exp, now, left, sizeof(left)), c->tid[0] ? c->tid : "?",
			c->appid[0] ? c->appid : "?");
}

/* check_token - step 2: get the token (refresh if due) and read it */
static void
check_token(doctor *d)
{
	so2_token_info info;
	so2_err err;
	char shown[64], when[CLI_TIME_MAX];

	so2_err_clear(&err);
	if (d->rec == NULL) {
		doc_add(d, DOC_SKIP, "token", NULL, "token: no readable record");
		return;
	}
	if (d->cache == NULL && so2_cache_open(d->ctx->conf, &d->cache, &err) != SO2_OK) {
		doc_add(d, DOC_FAIL, "token", "see the message", "token: %s", err.msg);
		return;
	}
	if (so2_cache_get(d->cache, d->account, 0, &d->token, &info, &err) != SO2_OK) {
		doc_add(d, DOC_FAIL, "token", err.status == SO2_ERR_TEMP ? "retry later; the "
			"record was not changed" : err.status == SO2_ERR_GRANT
			? "log in again with the command named above" : "act on the message above",
			"token: %s",
			err.msg);
		return;
	}
	doc_add(d, DOC_PASS, "token", NULL, "token: %s, valid until %s%s",
		so2_secret_describe(d->token.data, d->token.len, shown, sizeof(shown)),
		cli_local_time(info.expires_at, when, sizeof(when)),
		info.refreshed ? " (refreshed now)" : "");
	if (so2_jwt_read(d->token.data, d->token.len, &d->claims, &err) == SO2_OK
	    && d->claims.damaged) {
		doc_add(d, DOC_FAIL, "token.damaged", "log in again: sasl-oauth2 login ACCOUNT; "
			"a program that stores tokens in a field of fixed size cuts them (JWTs "
			"of Microsoft work accounts reach 2 to 4 KB)", "token: starts like a JWT "
			"but does not decode (%zu bytes): cut or corrupted by whatever stored it",
			d->token.len);
		return;
	}
	if (d->claims.opaque) {
		doc_add(d, DOC_INFO, "token.opaque", NULL, "token: opaque (not a JWT, as Microsoft "
			"consumer accounts and Google issue them): audience, scope and user cannot "
			"be read here; no signature is ever checked");
		return;
	}
	d->have_claims = 1;
	check_claims(d);
}

/* imap_status - the IMAP response in s: "[TAG ]OK|NO|BAD text", or NULL */
static const char *
imap_status(const char *s)
{
	static const char *const words[] = { " NO ", " BAD ", " OK ", NULL };
	const char *p;
	size_t i;

	for (i = 0; words[i] != NULL; i++)
		if ((p = strstr(s, words[i])) != NULL)
			return p + 1;
	for (i = 0; words[i] != NULL; i++)
		if (strncmp(s, words[i] + 1, strlen(words[i] + 1)) == 0)
			return s;
	return NULL;
}

/* oauth_error_word - the row of the first OAuth "error" value quoted in text
 *	(a body some program printed as a Python dict, 'error': 'invalid_grant') */
static const so2_diag_row *
oauth_error_word(const char *text)
{
	const so2_diag_row *t, *best = NULL;
	const char *at, *first = NULL;
	size_t n, i;

	t = so2_diag_table(&n);
	for (i = 0; i < n; i++) {
		if (t[i].kind != SO2_DIAG_OAUTH || t[i].match == NULL)
			continue;
		at = strstr(text, t[i].match);
		if (at != NULL && at > text && (at[-1] == '\'' || at[-1] == '"')
		    && (first == NULL || at < first)) {
			first = at;
			best = &t[i];
		}
	}
	return best;
}

/* token_reply_row - the row of a token endpoint reply copied from a log
 *	A JSON body ({"error":...}), an "AADSTSnnnn" text, or an HTML page;
 *	NULL when the text is none of these. */
static const so2_diag_row *
token_reply_row(const char *text)
{
	const char *brace = strchr(text, '{'), *end = strrchr(text, '}'), *aad;
	const so2_diag_row *row = NULL;
	so2_token_reply rep;
	so2_oauth_error oerr;
	so2_err err;

	if (brace != NULL && end != NULL && end > brace && strstr(brace, "\"error\"") != NULL) {
		so2_err_clear(&err);
		if (so2_token_reply_parse(400, brace, (size_t)(end - brace + 1), &rep, &oerr,
					  &err) != SO2_OK)
			row = so2_diag_token_error(oerr.code, oerr.error);
		so2_token_reply_clear(&rep);
		if (row != NULL)
			return row;
	}
	if ((aad = strstr(text, "AADSTS")) != NULL)
		return so2_diag_aadsts(strtol(aad + 6, NULL, 10));
	if (strncasecmp(text + strspn(text, " \t\r\n"), "<", 1) == 0)
		return so2_diag_body(text, strlen(text));
	return oauth_error_word(text);
}

/* challenge_row - the row of an SMTP "334 <base64>" or IMAP "+ <base64>"
 *	error challenge; NULL when text holds none */
static const so2_diag_row *
challenge_row(const char *text)
{
	const char *p = text + strspn(text, " ");
	unsigned char raw[1024];
	so2_challenge ch;
	so2_err err;
	size_t n, len;

	if (strncmp(p, "334 ", 4) == 0)
		p += 4;
	else if (strncmp(p, "+ ", 2) == 0)
		p += 2;
	else
		return NULL;
	so2_err_clear(&err);
	n = strcspn(p, " \r\n");
	if (so2_b64_decode(p, n, raw, sizeof(raw), &len) != SO2_OK
	    || so2_challenge_parse((const char *)raw, len, &ch, &err) != SO2_OK)
		return NULL;
	return so2_diag_challenge(ch.status);
}

/* check_reply - --reply: classify a reply copied from a log
 *	SMTP replies (also inside Postfix's log line), IMAP tagged responses,
 *	error challenges (334 / + with base64 JSON) and token endpoint
 *	replies (JSON, AADSTS text, an HTML page). */
static void
check_reply(doctor *d, const char *reply)
{
	so2_diag_verdict v;
	char shown[512];
	const char *imap, *proto = d->protocols[0];
	const so2_diag_row *row;

	if ((row = challenge_row(reply)) == NULL && (row = token_reply_row(reply)) == NULL) {
		/* An IMAP response (its status word) wins over SMTP text rows. */
		if ((imap = imap_status(reply)) != NULL
		    && strcmp((row = so2_diag_imap(imap))->id, "imap-unknown") != 0)
			proto = "imap";
		else
			row = so2_diag_smtp(reply);
	}
	row = so2_diag_refine(row, doc_provider(d));
	/* "server smtp-hve.office365.com[...] said: ...": High Volume Email's */
	proto = so2_perm_endpoint(proto, reply)->id;
	so2_printable(reply, shown, sizeof(shown));
	so2_diag_explain(row, d->have_claims ? &d->claims : NULL, d->sasl_user, proto,
			 time(NULL), &v);
	doc_apply_verdict(d, "reply", "reply", shown, &v);
}

/* shadow_first - a refused login and another module serving XOAUTH2: say so first
 *	Which module libsasl2 gives XOAUTH2 to depends on load order; while
 *	another one is there, ours may never be called, and every other
 *	explanation of the refusal is beside the point. */
static void
shadow_first(doctor *d)
{
	const doc_check *shadow = NULL;
	char fix[DOC_TEXT_MAX], text[DOC_TEXT_MAX];
	int refused = 0;
	size_t i;

	for (i = 0; i < d->n; i++) {
		if (strcmp(d->checks[i].id, "postfix.module-shadow") == 0 && shadow == NULL)
			shadow = &d->checks[i];
		if (d->checks[i].level == DOC_FAIL && (strncmp(d->checks[i].id, "probe.", 6) == 0
						       || strcmp(d->checks[i].id, "reply") == 0))
			refused = 1;
	}
	if (shadow == NULL || !refused)
		return;
	/* copies: doc_add may move the checks */
	so2_format(fix, sizeof(fix), "%s", shadow->fix);
	so2_format(text, sizeof(text), "%s", shadow->text);
	doc_add(d, DOC_FAIL, "login.shadow", fix, "the login was refused while another module "
		"also registers XOAUTH2: %s; check this first", text);
	if (d->n > 1 && strcmp(d->checks[d->n - 1].id, "login.shadow") == 0) {
		doc_check tmp = d->checks[d->n - 1];

		memmove(d->checks + 1, d->checks, (d->n - 1) * sizeof(*d->checks));
		d->checks[0] = tmp;
	}
}

/* default_host - the provider's server for a protocol */
static const char *
default_host(const doctor *d, const char *proto)
{
	int google = d->rec != NULL && d->rec->provider != NULL
	    && strcmp(d->rec->provider, "google") == 0;

	if (strcmp(proto, "smtp") == 0 && d->endpoint != NULL && strcmp(d->endpoint, "hve") == 0)
		return SO2_PERM_HVE_HOST ":587";
	if (strcmp(proto, "smtp") == 0)
		return google ? "smtp.gmail.com:587" : "smtp.office365.com:587";
	return google ? "imap.gmail.com:993" : "outlook.office365.com:993";
}

/* cmd_doctor - the doctor command */
int
cmd_doctor(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_GLOBAL_LONGOPTS,
		{ "json", no_argument, NULL, OPT_JSON },
		{ "smtp", optional_argument, NULL, OPT_SMTP },
		{ "imap", optional_argument, NULL, OPT_IMAP },
		{ "postfix", no_argument, NULL, OPT_POSTFIX },
		{ "no-postfix", no_argument, NULL, OPT_NO_POSTFIX },
		{ "postfix-config", required_argument, NULL, OPT_POSTFIX_CONFIG },
		{ "user", required_argument, NULL, OPT_USER },
		{ "reply", required_argument, NULL, OPT_REPLY },
		{ "tls", required_argument, NULL, OPT_TLS },
		{ "endpoint", required_argument, NULL, OPT_ENDPOINT },
		{ NULL, 0, NULL, 0 }
	};
	const char *smtp = NULL, *imap = NULL, *user = NULL, *reply = NULL, *endpoint = NULL;
	const char *smtp_ep;
	const char **bare[2];
	int nbare = 0;
	int want_smtp = 0, want_imap = 0, json = 0, c, nfail = 0, nwarn = 0, npass = 0;
	so2_config *conf;
	doctor d;
	size_t i, npostfix;

	memset(&d, 0, sizeof(d));
	d.ctx = ctx;
	d.postfix = -1;
	while ((c = getopt_long(argc, argv, CLI_GLOBAL_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON:		json = 1; break;
		case OPT_SMTP:
			want_smtp = 1;
			if ((smtp = optarg) == NULL && nbare < 2)
				bare[nbare++] = &smtp;
			break;
		case OPT_IMAP:
			want_imap = 1;
			if ((imap = optarg) == NULL && nbare < 2)
				bare[nbare++] = &imap;
			break;
		case OPT_POSTFIX:	d.postfix = 1; break;
		case OPT_NO_POSTFIX:	d.postfix = 0; break;
		case OPT_POSTFIX_CONFIG: d.postfix_dir = optarg; break;
		case OPT_USER:		user = optarg; break;
		case OPT_REPLY:		reply = optarg; break;
		case OPT_ENDPOINT:
			if (so2_perm_find(optarg) == NULL)
				return cli_usage_error("doctor", "--endpoint takes smtp, hve, "
						       "imap or pop, not \"%s\"", optarg);
			endpoint = so2_perm_find(optarg)->id;
			break;
		case OPT_TLS:
			if ((d.tls = cli_tls_mode(optarg)) < 0)
				return cli_usage_error("doctor", "--tls takes starttls or "
						       "implicit, not \"%s\"", optarg);
			break;
		default:
			if (!cli_global_option(ctx, c, optarg))
				return cli_usage_error("doctor", NULL);
		}
	}
	if (ctx->help) {
		doctor_usage(stdout);
		return 0;
	}
	/* "--smtp HOST:PORT" as well as "--smtp=HOST:PORT": getopt leaves the
	 * value of an optional argument among the operands, in order. */
	for (i = 0; argc - optind > 1 && i < (size_t)nbare; i++)
		*bare[i] = argv[optind + 1 + (int)i];
	if (argc - optind != 1 + (int)i)
		return cli_usage_error("doctor", "doctor takes one ACCOUNT");
	d.account = argv[optind];
	if (d.postfix_dir != NULL && d.postfix < 0)
		d.postfix = 1;
	if (d.postfix < 0)
		d.postfix = doc_postfix_detect(&d);
	if (user == NULL && d.postfix == 1)
		user = "postfix";
	if (endpoint != NULL) {
		d.endpoint = endpoint;
		d.endpoint_from = "--endpoint";
	} else if (smtp != NULL && strcmp(so2_perm_endpoint("smtp", smtp)->id, "hve") == 0) {
		d.endpoint = "hve";
		d.endpoint_from = "the --smtp server";
	} else if (reply != NULL
		   && (strcmp(so2_perm_endpoint("smtp", reply)->id, "hve") == 0
		       || strcmp(so2_diag_smtp(reply)->id, "smtp-hve-auth-data") == 0)) {
		/* the server named in the log line, or HVE's own 501 5.5.124 */
		d.endpoint = "hve";
		d.endpoint_from = "the --reply text";
	}
	if (set_run_user(&d, user) != 0)
		return cli_usage_error("doctor", "--user %s: no such user", user ? user : "?");
	so2_format(d.sasl_user, sizeof(d.sasl_user), "%s", d.account);

	/* Postfix first: it says which user= is sent, which step 2 compares. */
	if (d.postfix == 1)
		doc_postfix(&d);
	npostfix = d.n;
	/* A configuration that does not parse breaks the module too: say so first. */
	if ((conf = check_config(&d)) == NULL)
		doc_add(&d, DOC_SKIP, "config.rest", NULL, "record, token and server checks: "
			"the configuration must parse first");
	if (conf != NULL) {
		check_record(&d, conf);
		check_ca(&d, conf);
		check_endpoint(&d, conf);
	}
	/* The SMTP server is SMTP AUTH or High Volume Email: one or the other. */
	smtp_ep = d.endpoint != NULL && strcmp(d.endpoint, "hve") == 0 ? "hve" : "smtp";
	if (d.endpoint != NULL)
		want_protocol(&d, d.endpoint);
	if (want_smtp || d.postfix == 1 || (d.rec != NULL && d.rec->scope != NULL
					    && strstr(d.rec->scope, "SMTP") != NULL))
		want_protocol(&d, smtp_ep);
	if (want_imap || (d.rec != NULL && d.rec->scope != NULL
			  && strstr(d.rec->scope, "IMAP") != NULL))
		want_protocol(&d, "imap");
	if (d.protocols[0] == NULL)
		want_protocol(&d, smtp_ep);
	if (d.endpoint != NULL && strcmp(d.endpoint, "hve") == 0 && conf != NULL)
		doc_add(&d, DOC_INFO, "endpoint.hve", NULL, "endpoint: High Volume Email (%s, "
			"from %s): a delegated token needs SMTP.Send issued to the HVE account "
			"itself; an app-only token the application permission Mail.Send with "
			"admin consent and the app in the HVE account's Allowed Apps",
			SO2_PERM_HVE_HOST, d.endpoint_from);
	if (conf != NULL) {
		check_token(&d);
		doc_token_length(&d);
	}
	if (want_smtp && conf != NULL)
		doc_probe(&d, "smtp", smtp != NULL ? smtp : default_host(&d, "smtp"));
	if (want_imap && conf != NULL)
		doc_probe(&d, "imap", imap != NULL ? imap : default_host(&d, "imap"));
	if (reply != NULL)
		check_reply(&d, reply);

	/* Print in the documented order: Postfix last. */
	if (npostfix > 0 && npostfix < d.n) {
		doc_check *tmp = malloc(npostfix * sizeof(*tmp));

		if (tmp != NULL) {
			memcpy(tmp, d.checks, npostfix * sizeof(*tmp));
			memmove(d.checks, d.checks + npostfix, (d.n - npostfix) * sizeof(*tmp));
			memcpy(d.checks + d.n - npostfix, tmp, npostfix * sizeof(*tmp));
			free(tmp);
		}
	}
	shadow_first(&d);
	for (i = 0; i < d.n; i++) {
		nfail += d.checks[i].level == DOC_FAIL;
		nwarn += d.checks[i].level == DOC_WARN;
		npass += d.checks[i].level == DOC_PASS;
	}
	if (d.nomem) {
		cli_msg("out of memory");
		nfail++;
	} else if (json) {
		if (doc_print_json(&d, nfail, nwarn, npass) != 0)
			nfail++;
	} else {
		doc_print_text(&d, nfail, nwarn, npass);
	}
	so2_secret_clear(&d.token);
	so2_record_free(d.rec);
	so2_cache_close(d.cache);
	free(d.checks);
	return nfail == 0 ? 0 : 1;
}

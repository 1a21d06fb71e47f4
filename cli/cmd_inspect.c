/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	cmd_inspect.c - sasl-oauth2 inspect: the claims of an access token
 * SYNOPSIS
 *	sasl-oauth2 inspect ACCOUNT [--json] [--endpoint smtp|hve|imap|pop]
 * DESCRIPTION
 *	Reads ACCOUNT's record (no refresh, no network) and prints what
 *	its access token says about itself: aud, scp or roles, the user
 *	(upn, else preferred_username, unique_name, email), tid, appid or
 *	azp, idtyp, iss, iat, nbf, exp (jwt.h; the signature is not
 *	checked: these are hints). A token that is not a JWT (personal
 *	Microsoft accounts, Google) is reported as opaque. Then the same
 *	warnings login prints (token_checks.c):
 *
 *	- the audience is not Exchange Online (Microsoft Graph, say):
 *	  SMTP, IMAP and POP refuse the token with 535 5.7.3;
 *	- the token lacks the permission of the endpoint (--endpoint, else
 *	  the protocols the record's scope asks for; token/perms.h):
 *	  delegated scp SMTP.Send, IMAP.AccessAsUser.All,
 *	  POP.AccessAsUser.All; app-only roles SMTP.SendAsApp, Mail.Send
 *	  (High Volume Email), IMAP.AccessAsApp, POP.AccessAsApp;
 *	- the token's user is not the account (expected for a shared
 *	  mailbox; the message says how those work).
 *
 *	--json prints one object for scripts. The token itself is never
 *	printed; exit 0 even with warnings, 66 without a record.
 * SEE ALSO
 *	sasl-oauth2(1), jwt.h, Microsoft "Authenticate an IMAP, POP or SMTP
 *	connection using OAuth", reference m365.md section 7
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "token/jwt.h"
#include "token/perms.h"
#include "token/store.h"

#include "cli.h"

/* inspect_usage - the help text */
static void
inspect_usage(FILE *fp)
{
	fprintf(fp,
		"Usage: %s inspect ACCOUNT [--json] [--endpoint smtp|hve|imap|pop]\n"
		"Show the claims of ACCOUNT's access token (not verified: hints "
		"only)\nand what looks wrong with them. ACCOUNT may also be the "
		"absolute\npath of a record file. Nothing is refreshed.\n\n"
		"  --json      one JSON object on standard output\n"
		"  --endpoint  check the permissions of this endpoint: smtp (SMTP AUTH),\n"
		"              hve (High Volume Email), imap or pop\n", CLI_PROG);
}

/* read_one - the record of ref (account or /path) */
static so2_status
read_one(cli_ctx *ctx, const char *ref, so2_record **rec, char *path,
	 size_t psize, so2_err *err)
{
	so2_store *st = NULL;
	char name[SO2_ACCOUNT_MAX + 16], *fname = NULL;
	so2_status result;

	if (ref[0] == '/') {
		result = so2_store_open_file(ref, &st, &fname, err);
		if (result == SO2_OK)
			so2_format(name, sizeof(name), "%s", fname);
		free(fname);
	} else {
		result = so2_store_file_name(ref, name, sizeof(name), err);
		if (result == SO2_OK)
			result = so2_store_open(ctx->conf->store_dir, &st, err);
	}
	if (result != SO2_OK)
		return result;
	so2_format(path, psize, "%s/%s", so2_store_dir(st), name);
	result = so2_store_read(st, name, rec, NULL, err);
	if (result == SO2_ERR_NOTFOUND)
		so2_err_set(err, result, "no token record %s; create it with: "
			    "sasl-oauth2 login %s", path, ref);
	so2_store_close(st);
	return result;
}

/* text_time - "2026-... (in 52 min)" */
static const char *
text_time(time_t t, char *buf, size_t size)
{
	char when[CLI_TIME_MAX], rel[CLI_TIME_MAX];
	time_t now = time(NULL);

	if (t == 0)
		return "-";
	so2_format(buf, size, "%s (%s)", cli_local_time(t, when, sizeof(when)),
		   t > now ? cli_expiry(t, now, rel, sizeof(rel)) :
		   cli_ago(t, now, rel, sizeof(rel)));
	return buf;
}

/* print_text - the claims for people */
static void
print_text(const char *path, const so2_record *rec, const so2_jwt_claims *c)
{
	char buf[256];

	printf("record:     %s\n", path);
	printf("grant:      %s\n", rec->grant_type ? rec->grant_type : "-");
	if (c->opaque) {
		printf("token:      opaque (not a JWT: personal Microsoft accounts and "
		       "Google issue these; nothing to decode)\n");
		printf("expires:    %s\n", text_time(rec->expires_at, buf, sizeof(buf)));
		return;
	}
	printf("token:      JWT (claims not verified)\n");
#define LINE(label, v) printf("%-11s %s\n", label, (v)[0] ? (v) : "-")
	LINE("aud:", c->aud);
	if (c->scp[0] != '\0' || c->roles[0] == '\0')
		LINE("scp:", c->scp);
	if (c->roles[0] != '\0')
		LINE("roles:", c->roles);
	LINE("user:", c->upn);
	LINE("tid:", c->tid);
	LINE("appid:", c->appid);
	LINE("idtyp:", c->idtyp[0] ? c->idtyp : so2_jwt_app_only(c) ? "(app)" : "");
	LINE("iss:", c->iss);
#undef LINE
	printf("%-11s %s\n", "iat:", text_time(c->iat, buf, sizeof(buf)));
	printf("%-11s %s\n", "exp:", text_time(c->exp, buf, sizeof(buf)));
}

/* words_array - a JSON array of the words of s */
static json_t *
words_array(const char *s)
{
	json_t *a = json_array();
	const char *p = s, *q;

	while (a != NULL && *p != '\0') {
		while (*p == ' ')
			p++;
		for (q = p; *q != '\0' && *q != ' '; q++)
			;
		if (q > p)
			json_array_append_new(a, json_stringn(p, (size_t)(q - p)));
		p = q;
	}
	return a;
}

/* print_json - the claims for scripts */
static int
print_json(const char *account, const char *path, const so2_record *rec,
	   const so2_jwt_claims *c, char warn[][SO2_ERR_MSG_MAX], size_t n)
{
	json_t *o = json_object(), *cl = json_object(), *w = json_array();
	char *text;
	size_t i;

	if (o == NULL || cl == NULL || w == NULL)
		goto fail;
	json_object_set_new(o, "account", json_string(account));
	json_object_set_new(o, "record", json_string(path));
	if (rec->grant_type != NULL)
		json_object_set_new(o, "grant_type", json_string(rec->grant_type));
	json_object_set_new(o, "expires_at", json_integer((json_int_t)rec->expires_at));
	json_object_set_new(o, "opaque", json_boolean(c->opaque));
#define STR(k) do { if (c->k[0] != '\0') json_object_set_new(cl, #k, json_string(c->k)); } \
	while (0)
#define NUM(k) do { if (c->k != 0) json_object_set_new(cl, #k, json_integer(c->k)); } while (0)
	if (!c->opaque) {
		STR(aud);
		STR(scp);
		if (c->roles[0] != '\0')
			json_object_set_new(cl, "roles", words_array(c->roles));
		STR(upn);
		STR(tid);
		STR(appid);
		STR(idtyp);
		STR(iss);
		NUM(iat);
		NUM(nbf);
		NUM(exp);
		json_object_set_new(o, "app_only", json_boolean(so2_jwt_app_only(c)));
	}
#undef STR
#undef NUM
	json_object_set_new(o, "claims", cl);
	cl = NULL;
	for (i = 0; i < n; i++)
		json_array_append_new(w, json_string(warn[i]));
	json_object_set_new(o, "warnings", w);
	w = NULL;
	text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (text == NULL)
		return -1;
	printf("%s\n", text);
	free(text);
	return 0;
fail:
	json_decref(o);
	json_decref(cl);
	json_decref(w);
	return -1;
}

/* cmd_inspect - the inspect command */
int
cmd_inspect(cli_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "endpoint", required_argument, NULL, 'e' },
		CLI_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	char warn[CLI_WARN_MAX][SO2_ERR_MSG_MAX], path[1200];
	so2_record *rec = NULL;
	so2_jwt_claims c;
	const char *account, *endpoint = NULL;
	so2_err err;
	so2_status result;
	size_t n, i;
	int opt, json = 0, code = 0;

	while ((opt = getopt_long(argc, argv, CLI_GLOBAL_SHORTOPTS, longopts,
				  NULL)) != -1) {
		if (opt == 'j')
			json = 1;
		else if (opt == 'e') {
			if (so2_perm_find(optarg) == NULL)
				return cli_usage_error("inspect", "--endpoint takes smtp, hve, "
						       "imap or pop, not \"%s\"", optarg);
			endpoint = optarg;
		} else if (!cli_global_option(ctx, opt, optarg))
			return cli_usage_error("inspect", NULL);
	}
	if (ctx->help) {
		inspect_usage(stdout);
		return 0;
	}
	if (argc - optind != 1)
		return cli_usage_error("inspect", "inspect takes one ACCOUNT");
	account = argv[optind];
	so2_err_clear(&err);
	if ((result = cli_load_config(ctx, &err)) != SO2_OK)
		goto out;
	if ((result = read_one(ctx, account, &rec, path, sizeof(path), &err)) != SO2_OK)
		goto out;
	if (so2_secret_empty(&rec->access_token)) {
		result = so2_err_set(&err, SO2_ERR_RECORD, "the record %s holds no access "
				     "token (run sasl-oauth2 refresh %s)", path, account);
		goto out;
	}
	if ((result = so2_jwt_read(rec->access_token.data, rec->access_token.len, &c,
				   &err)) != SO2_OK)
		goto out;
	n = cli_token_warnings(rec, &c, 0, endpoint, warn, CLI_WARN_MAX);
	if (json) {
		if (print_json(account, path, rec, &c, warn, n) != 0)
			result = so2_err_set(&err, SO2_ERR_NOMEM, "out of memory");
	} else {
		print_text(path, rec, &c);
		for (i = 0; i < n; i++)
			printf("warning:    %s\n", warn[i]);
	}
out:
	if (result != SO2_OK)
		code = cli_fail(account, &err);
	so2_record_free(rec);
	return code;
}

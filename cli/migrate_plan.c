/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	migrate_plan.c - what the migration changes, shown as a diff
 * SYNOPSIS
 *	pfm_settings(p, &err); pfm_new_map(p, m, &buf, &len, stdout, &err);
 *	pfm_new_main_cf(p, &buf, &len, stdout, &err); pfm_print_plan(p, grant)
 * DESCRIPTION
 *	main.cf: the settings the module needs (DESIGN.md "How a Postfix
 *	relay uses it"; Postfix SASL_README):
 *	- smtp_sasl_auth_enable = yes;
 *	- smtp_sasl_mechanism_filter = xoauth2: with the password gone,
 *	  PLAIN or LOGIN would send an empty one;
 *	- smtp_sasl_tls_security_options (and smtp_sasl_security_options
 *	  while TLS is not enforced) without noplaintext: XOAUTH2, like
 *	  PLAIN, sends a replayable credential and libsasl2 filters it out
 *	  under noplaintext;
 *	- smtp_tls_security_level = encrypt when relayhost is the server and
 *	  TLS is not enforced (Microsoft 365 requires STARTTLS before AUTH);
 *	  when only some destinations go there the level is left alone and
 *	  the plan says so;
 *	- import_environment: SASL_PATH, SASL_OAUTH2_CONF and
 *	  SASL_OAUTH2_CORE as NAME=VALUE when this command runs with them
 *	  (the module in the Postfix daemons must see what the command
 *	  sees; master(8) applies it at start only, see cmd_postfix.c).
 *	The new main.cf is made by postconf -e on a copy in a private
 *	temporary directory, so the file Postfix would get is the one the
 *	diff shows; diff -U0 shows only the changed lines.
 *
 *	Maps: each entry to migrate keeps its key, its white space and its
 *	SASL user, and loses the password ("KEY USER:"), which makes the
 *	module use the record named by USER. The diff of a map is written
 *	here, with PFM_HIDDEN for the password.
 * SEE ALSO
 *	migrate.h, postconf(1) -e, diff(1)
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/secret.h"

#include "cli.h"
#include "login.h"
#include "migrate.h"
#include "run.h"

#ifndef SO2_SASL_PLUGINDIR
#define SO2_SASL_PLUGINDIR "/usr/lib/sasl2"
#endif

/* has_item - the comma/space list holds word (case-insensitive) */
static int
has_item(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *s = list;

	while (*s != '\0') {
		size_t l;

		s += strspn(s, ", \t");
		l = strcspn(s, ", \t");
		if (l == n && strncasecmp(s, word, n) == 0)
			return 1;
		s += l;
	}
	return 0;
}

/* only_oauth - the list names xoauth2 and nothing but OAuth mechanisms */
static int
only_oauth(const char *list)
{
	const char *s = list;

	if (!has_item(list, "xoauth2"))
		return 0;
	while (*s != '\0') {
		size_t l;

		s += strspn(s, ", \t");
		l = strcspn(s, ", \t");
		if (l > 0 && !(l == 7 && strncasecmp(s, "xoauth2", 7) == 0)
		    && !(l == 11 && strncasecmp(s, "oauthbearer", 11) == 0))
			return 0;
		s += l;
	}
	return 1;
}

/* set - add a main.cf change */
static void
set(pfm *p, const char *name, const char *value, const char *why)
{
	pfm_setting *s;

	if (p->nsettings == PFM_SETTINGS_MAX)
		return;
	s = &p->settings[p->nsettings++];
	s->name = name;
	if (pfm_postconf(p, name, 1, s->old, sizeof(s->old)) != 0)
		s->old[0] = '\0';
	so2_format(s->value, sizeof(s->value), "%s", value);
	s->why = why;
}

/* tls_enforced - a security level that always encrypts */
static int
tls_enforced(const char *level)
{
	static const char *const strong[] = { "encrypt", "verify", "secure", "dane-only",
		"fingerprint" };
	size_t i;

	for (i = 0; i < sizeof(strong) / sizeof(strong[0]); i++)
		if (strcasecmp(level, strong[i]) == 0)
			return 1;
	return 0;
}

/* module_in - is libsasl-oauth2.so in one of the colon-separated dirs? */
static int
module_in(const char *dirs)
{
	char list[PFM_VALUE_MAX], path[PFM_PATH_MAX + 32], *d, *save = NULL;

	so2_format(list, sizeof(list), "%s", dirs);
	for (d = strtok_r(list, ":", &save); d != NULL; d = strtok_r(NULL, ":", &save)) {
		so2_format(path, sizeof(path), "%s/libsasl-oauth2.so", d);
		if (access(path, R_OK) == 0)
			return 1;
	}
	return 0;
}

/* import_env - import_environment with NAME=VALUE for the module's variables;
 *	1 when it changes, -1 when a value cannot be written there */
static int
import_env(pfm *p, char *out, size_t size, char *plugin_dirs, size_t psize, so2_err *err)
{
	const char *names[] = { "SASL_PATH", "SASL_OAUTH2_CONF", "SASL_OAUTH2_CORE" };
	char cur[PFM_VALUE_MAX], want[3][PFM_PATH_MAX + 32], *w, *save = NULL;
	int changed = 0, have[3] = { 0, 0, 0 }, i;
	size_t n = 0;

	so2_format(plugin_dirs, psize, "%s", SO2_SASL_PLUGINDIR);
	for (i = 0; i < 3; i++) {
		const char *v = i == 1 && p->sasl_conf != NULL ? p->sasl_conf : getenv(names[i]);

		want[i][0] = '\0';
		if (v == NULL || *v == '\0')
			continue;
		if (strpbrk(v, " \t,{}\"'") != NULL) {
			so2_err_set(err, SO2_ERR_CONFIG, "%s=%s cannot be written into "
				    "import_environment (blanks, commas, braces or quotes)",
				    names[i], v);
			return -1;
		}
		so2_format(want[i], sizeof(want[i]), "%s=%s", names[i], v);
	}
	if (pfm_postconf(p, "import_environment", 1, cur, sizeof(cur)) != 0)
		cur[0] = '\0';
	out[0] = '\0';
	for (w = strtok_r(cur, ", \t", &save); w != NULL; w = strtok_r(NULL, ", \t", &save)) {
		for (i = 0; i < 3; i++) {
			size_t l = strlen(names[i]);

			if (strncmp(w, names[i], l) != 0 || (w[l] != '=' && w[l] != '\0'))
				continue;
			if (i == 0 && w[l] == '=')
				so2_format(plugin_dirs, psize, "%s", w + l + 1);
			if (want[i][0] != '\0') {
				if (strcmp(w, want[i]) != 0)
					changed = 1;
				w = want[i];
				have[i] = 1;
			}
			break;
		}
		so2_format(out + n, size - n, "%s%s", n ? " " : "", w);
		n = strlen(out);
	}
	for (i = 0; i < 3; i++)
		if (want[i][0] != '\0' && !have[i]) {
			so2_format(out + n, size - n, "%s%s", n ? " " : "", want[i]);
			n = strlen(out);
			changed = 1;
		}
	if (want[0][0] != '\0')
		so2_format(plugin_dirs, psize, "%s", want[0] + strlen("SASL_PATH="));
	return changed;
}

/* pfm_settings - the main.cf changes */
so2_status
pfm_settings(pfm *p, so2_err *err)
{
	char v[PFM_VALUE_MAX], level[PFM_VALUE_MAX], env[PFM_VALUE_MAX], dirs[PFM_VALUE_MAX];
	int on_relayhost = 0, tls, r;
	size_t i;

	p->nsettings = 0;
	for (i = 0; i < p->nrelays; i++)
		if (strcmp(p->relays[i].where, "relayhost") == 0)
			on_relayhost = 1;
	if (pfm_postconf(p, "smtp_sasl_auth_enable", 0, v, sizeof(v)) != 0)
		return so2_err_set(err, SO2_ERR_NOTFOUND, "postconf failed");
	if (strcasecmp(v, "yes") != 0)
		set(p, "smtp_sasl_auth_enable", "yes", "authenticate to the relay");
	pfm_postconf(p, "smtp_sasl_mechanism_filter", 0, v, sizeof(v));
	if (!only_oauth(v))
		set(p, "smtp_sasl_mechanism_filter", "xoauth2", "with no password, PLAIN "
		    "or LOGIN would send an empty one");
	pfm_postconf(p, "smtp_tls_security_level", 0, level, sizeof(level));
	tls = tls_enforced(level);
	if (!tls && on_relayhost) {
		set(p, "smtp_tls_security_level", "encrypt", "the token goes over TLS "
		    "only (Microsoft 365 requires STARTTLS before AUTH)");
		tls = 1;
	} else if (!tls && p->nnotes < sizeof(p->notes) / sizeof(p->notes[0]))
		so2_format(p->notes[p->nnotes++], sizeof(p->notes[0]), "smtp_tls_security_level"
			   " = %s is left alone (other destinations are not relayed): "
			   "enforce TLS to the relays with smtp_tls_policy_maps "
			   "(\"[smtp.office365.com]:587 encrypt\")", level[0] ? level : "(empty)");
	pfm_postconf(p, "smtp_sasl_tls_security_options", 0, v, sizeof(v));
	if (has_item(v, "noplaintext"))
		set(p, "smtp_sasl_tls_security_options", "noanonymous", "noplaintext "
		    "excludes XOAUTH2 (a bearer token is a plaintext credential)");
	pfm_postconf(p, "smtp_sasl_security_options", 0, v, sizeof(v));
	if (!tls && has_item(v, "noplaintext"))
		set(p, "smtp_sasl_security_options", "noanonymous", "noplaintext excludes "
		    "XOAUTH2 while TLS is not enforced");
	if ((r = import_env(p, env, sizeof(env), dirs, sizeof(dirs), err)) < 0)
		return err->status;
	if (r > 0)
		set(p, "import_environment", env, "the Postfix daemons find the module "
		    "and its configuration as this command does");
	if (!module_in(dirs))
		return so2_err_set(err, SO2_ERR_CONFIG, "libsasl-oauth2.so is not in %s, where "
				   "the Postfix daemons would look for it: install it (make "
				   "install, or the package), or run this command with "
				   "SASL_PATH set to its directory", dirs);
	return SO2_OK;
}

/* entry_at - the entry to migrate at line of map m, or NULL */
static const pfm_entry *
entry_at(const pfm *p, size_t m, size_t line)
{
	size_t i;

	for (i = 0; i < p->nentries; i++)
		if ((size_t)p->entries[i].map == m && p->entries[i].line == line
		    && p->entries[i].what == PFM_MIGRATE)
			return &p->entries[i];
	return NULL;
}

/* pfm_new_map - the map source without the passwords to migrate */
so2_status
pfm_new_map(const pfm *p, size_t m, char **out, size_t *outlen, void *show, so2_err *err)
{
	const pfm_map *map = &p->maps[m];
	FILE *fp = show;
	char *buf, *res, *line, *next;
	size_t len, n = 0, lineno = 0;
	so2_status result;

	*out = NULL;
	*outlen = 0;
	if ((result = pfm_read(map->src, &buf, &len, err)) != SO2_OK)
		return result;
	if (memchr(buf, '\0', len) != NULL) {	/* the scan refused one */
		so2_wipe_free(buf, len + 1);
		return so2_err_set(err, SO2_ERR_CONFIG, "%s changed while this command ran (it "
				   "holds a NUL byte now): run it again", map->src);
	}
	if ((res = malloc(len + 1)) == NULL) {
		so2_wipe_free(buf, len + 1);
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	}
	if (fp != NULL)
		fprintf(fp, "--- %s\n+++ %s (migrated)\n", map->src, map->src);
	for (line = buf; *line != '\0'; line = next) {
		size_t ll = strcspn(line, "\n"), kl, keep;
		const pfm_entry *e;
		const char *colon;

		lineno++;
		next = line + ll + (line[ll] == '\n');
		if ((e = entry_at(p, m, lineno)) == NULL) {
			memcpy(res + n, line, (size_t)(next - line));
			n += (size_t)(next - line);
			continue;
		}
		kl = strcspn(line, " \t\r\n");
		colon = memchr(line + kl, ':', ll - kl);
		if (kl != strlen(e->key) || strncmp(line, e->key, kl) != 0 || colon == NULL) {
			so2_wipe_free(buf, len + 1);
			so2_wipe_free(res, len + 1);
			return so2_err_set(err, SO2_ERR_CONFIG, "%s changed while this command "
					   "ran (line %zu): run it again", map->src, lineno);
		}
		keep = (size_t)(colon - line) + 1;
		memcpy(res + n, line, keep);
		n += keep;
		res[n++] = '\n';
		if (fp != NULL)
			fprintf(fp, "@@ -%zu +%zu @@\n-%.*s%s\n+%.*s\n", lineno, lineno,
				(int)keep, line, PFM_HIDDEN, (int)keep, line);
	}
	res[n] = '\0';
	so2_wipe_free(buf, len + 1);
	*out = res;
	*outlen = n;
	return SO2_OK;
}

/* rm_tree - the private temporary directory and its files */
static void
rm_tree(const char *dir)
{
	char path[PFM_PATH_MAX + 300];
	struct dirent *e;
	DIR *dp;

	if ((dp = opendir(dir)) != NULL) {
		while ((e = readdir(dp)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			so2_format(path, sizeof(path), "%s/%s", dir, e->d_name);
			(void)unlink(path);
		}
		closedir(dp);
	}
	(void)rmdir(dir);
}

/* pfm_new_main_cf - main.cf after postconf -e on a copy */
so2_status
pfm_new_main_cf(const pfm *p, char **out, size_t *outlen, void *show, so2_err *err)
{
	char tmp[] = "/tmp/sasl-oauth2-migrate.XXXXXX", path[PFM_PATH_MAX + 32];
	char oldp[sizeof(tmp) + 16], newp[sizeof(tmp) + 16], label[2][PFM_PATH_MAX + 32];
	char assign[PFM_SETTINGS_MAX][PFM_VALUE_MAX + 80], *buf, *diff = NULL;
	const char *argv[PFM_SETTINGS_MAX + 8];
	FILE *fp = show;
	size_t len, i;
	so2_status result;
	int n = 0, rc;

	*out = NULL;
	*outlen = 0;
	so2_format(path, sizeof(path), "%s/main.cf", p->dir);
	if ((result = pfm_read(path, &buf, &len, err)) != SO2_OK)
		return result;
	if (p->nsettings == 0) {
		*out = buf;
		*outlen = len;
		if (fp != NULL)
			fprintf(fp, "%s: no change\n", path);
		return SO2_OK;
	}
	if (mkdtemp(tmp) == NULL) {
		free(buf);
		return so2_err_set(err, SO2_ERR_IO, "cannot create a directory in /tmp: %s",
				   strerror(errno));
	}
	so2_format(oldp, sizeof(oldp), "%s/old.cf", tmp);
	so2_format(newp, sizeof(newp), "%s/main.cf", tmp);
	result = pfm_replace(oldp, buf, len, err);
	if (result == SO2_OK)
		result = pfm_replace(newp, buf, len, err);
	free(buf);
	buf = NULL;
	if (result != SO2_OK)
		goto out;
	argv[n++] = "postconf";
	argv[n++] = "-c";
	argv[n++] = tmp;
	argv[n++] = "-e";
	for (i = 0; i < p->nsettings; i++) {
		so2_format(assign[i], sizeof(assign[i]), "%s = %s", p->settings[i].name,
			   p->settings[i].value);
		argv[n++] = assign[i];
	}
	argv[n] = NULL;
	if ((diff = malloc(PFM_OUT_MAX)) == NULL) {
		result = so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (cli_run(argv, diff, PFM_OUT_MAX, CLI_RUN_STDERR) != 0) {
		result = so2_err_set(err, SO2_ERR_IO, "postconf -e on a copy of %s failed: %s",
				     path, diff);
		goto out;
	}
	if ((result = pfm_read(newp, out, outlen, err)) != SO2_OK)
		goto out;
	if (fp != NULL) {
		so2_format(label[0], sizeof(label[0]), "%s", path);
		so2_format(label[1], sizeof(label[1]), "%s (migrated)", path);
		n = 0;
		argv[n++] = "diff";
		argv[n++] = "-U0";
		argv[n++] = "--label";
		argv[n++] = label[0];
		argv[n++] = "--label";
		argv[n++] = label[1];
		argv[n++] = oldp;
		argv[n++] = newp;
		argv[n] = NULL;
		rc = cli_run(argv, diff, PFM_OUT_MAX, CLI_RUN_STDERR);
		if (rc == 1)
			fprintf(fp, "%s\n", diff);
		else if (rc == 0)
			fprintf(fp, "%s: no change\n", path);
		else
			fprintf(fp, "%s: (diff failed: %s)\n", path, diff);
	}
out:
	free(diff);
	rm_tree(tmp);
	if (result != SO2_OK && *out != NULL) {
		free(*out);
		*out = NULL;
	}
	return result;
}

/* grant_text - how an account signs in (grant: a cli_grant, -1 the default) */
static const char *
grant_text(const char *provider, int grant)
{
	if (grant == CLI_GRANT_CLIENT_CREDENTIALS)
		return "app-only, client credentials";
	if (grant == CLI_GRANT_CODE || (grant < 0 && strcmp(provider, "google") == 0))
		return "delegated, sign-in in a browser";
	return "delegated, device code";
}

/* pfm_print_plan - relays, entries, settings, notes */
void
pfm_print_plan(const pfm *p, int grant)
{
	static const char *const what[] = { "migrate", "already OAuth2", "left alone" };
	size_t i, nmig = 0;

	printf("Postfix configuration: %s\n", p->dir);
	printf("Relays to Microsoft 365 or Gmail:%s\n", p->nrelays ? "" : " none found");
	for (i = 0; i < p->nrelays; i++)
		printf("  %s%s%s -> %s (%s)\n", p->relays[i].where,
		       p->relays[i].key[0] ? ": " : "", p->relays[i].key,
		       p->relays[i].nexthop, p->relays[i].provider);
	printf("Password entries:%s\n", p->nentries ? "" : " none for Microsoft 365 or Gmail");
	for (i = 0; i < p->nentries; i++) {
		const pfm_entry *e = &p->entries[i];

		printf("  %s line %zu: %s%s%s%s, account %s: %s", p->maps[e->map].spec,
		       e->line, e->sender ? "sender " : "", e->key, e->sender ? " -> " : "",
		       e->sender ? e->relay : "", e->user, what[e->what]);
		if (e->what == PFM_MIGRATE && e->kept)
			printf(" (%s, its record in the store is kept; to sign it in again, "
			       "%s logout %s first)", e->provider, CLI_PROG, e->user);
		else if (e->what == PFM_MIGRATE)
			printf(" (%s, %s)", e->provider, grant_text(e->provider, grant));
		nmig += e->what == PFM_MIGRATE;
		putchar('\n');
	}
	if (p->nsettings > 0)
		printf("main.cf changes:\n");
	for (i = 0; i < p->nsettings; i++)
		printf("  %s: %s\n", p->settings[i].name, p->settings[i].why);
	for (i = 0; i < p->nnotes; i++)
		printf("Note: %s\n", p->notes[i]);
	(void)nmig;
}

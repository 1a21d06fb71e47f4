/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	doctor_postfix.c - is Postfix set up to relay with XOAUTH2?
 * SYNOPSIS
 *	doc_postfix_detect(d); doc_postfix(d)
 * DESCRIPTION
 *	Reads the Postfix configuration with postconf(1) (-c DIR when
 *	--postfix-config is given, -x to expand $names) and queries the
 *	password map with postmap(1) -q, as Postfix's smtp(8) would
 *	(Postfix SASL_README, "Enabling SASL authentication in the Postfix
 *	SMTP client"; postconf(5)). Checks, in order: relayhost (brackets
 *	and port), smtp_sasl_auth_enable, the exact lookup key of
 *	smtp_sasl_password_maps for the relayhost and what it selects,
 *	whether an indexed map was rebuilt after its source changed,
 *	smtp_sasl_mechanism_filter, smtp_sasl_security_options and
 *	smtp_sasl_tls_security_options (noplaintext excludes XOAUTH2, which
 *	like PLAIN sends a replayable credential), smtp_tls_security_level,
 *	the chroot column of smtp in master.cf, whether libsasl2 finds the
 *	module in its plugin path, and whether another module there also
 *	registers XOAUTH2 and could shadow ours.
 *	Many mailboxes (smtp_sender_dependent_authentication,
 *	sender_dependent_relayhost_maps, sender keys in the password map):
 *	every entry as migrate_scan.c lists it, with the relay of a sender,
 *	the SASL user and record it selects and whether that record is usable
 *	(doctor_record.c); a sender routed without an entry of its own says
 *	what Postfix falls back to (the next hop's entry, else nothing); sender
 *	keys with sender-dependent authentication off are ignored by Postfix.
 *	Commands run with fork/execvp, output capped, no shell.
 * DIAGNOSTICS
 *	Adds checklist lines "postfix.*" (doctor.h).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "doctor.h"
#include "migrate.h"
#include "run.h"

#ifndef SO2_SASL_PLUGINDIR
#define SO2_SASL_PLUGINDIR "/usr/lib/sasl2"
#endif
#ifndef SO2_SASL_MODULEDIR
#define SO2_SASL_MODULEDIR SO2_SASL_PLUGINDIR
#define SO2_SASL_MODULEDIR_IS_LIBSASL2 1
#endif
/* where this build's make install put the module (SO2_SASL_MODULEDIR), for a fix */
#ifdef SO2_SASL_MODULEDIR_IS_LIBSASL2
#define MODULE_INSTALLED "make install or the package put it into " SO2_SASL_MODULEDIR
#else
#define MODULE_INSTALLED "make install put it into " SO2_SASL_MODULEDIR ", where " \
	"libsasl2 does not look by default; the package puts it into " SO2_SASL_PLUGINDIR
#endif

#define VALUE_MAX	2048	/* bytes of one postconf value */
#define MODULE_SCAN_MAX	(16 * 1024 * 1024)	/* bytes of a module file scanned */

/* The record path of the map's password ("" for none): check_map finds it,
 * the chroot check reads it. One doctor run per process. */
static char map_record[1024];

/* postconf - the value of a parameter (expanded), "" when unset */
static int
postconf(const doctor *d, const char *param, char *out, size_t size)
{
	const char *argv[8];
	int n = 0;

	argv[n++] = "postconf";
	if (d->postfix_dir != NULL) {
		argv[n++] = "-c";
		argv[n++] = d->postfix_dir;
	}
	argv[n++] = "-xh";
	argv[n++] = param;
	argv[n] = NULL;
	return cli_run(argv, out, size, 0);
}

/* postconf_service - a master.cf -o override of param for service ("smtp/unix") */
static int
postconf_service(const doctor *d, const char *service, const char *param, char *out,
		 size_t size)
{
	char name[256];
	const char *argv[8];
	int n = 0;

	so2_format(name, sizeof(name), "%s/%s", service, param);
	argv[n++] = "postconf";
	if (d->postfix_dir != NULL) {
		argv[n++] = "-c";
		argv[n++] = d->postfix_dir;
	}
	argv[n++] = "-Ph";
	argv[n++] = name;
	argv[n] = NULL;
	if (cli_run(argv, out, size, 0) != 0)
		out[0] = '\0';
	return out[0] != '\0';
}

/*
 * smtp_sasl_path - the plugin path libsasl2 uses inside Postfix's smtp
 *	Postfix's daemons keep only the environment named by import_environment
 *	(main.cf, or a -o override of the smtp service in master.cf), so
 *	doctor's own SASL_PATH says nothing about them (postconf(5)
 *	import_environment). Without SASL_PATH there, libsasl2 reads its
 *	built-in directory. from (fsize bytes) says where the path came from.
 *	Returns 1 when SASL_PATH is inherited from the environment of
 *	"postfix start", which doctor cannot see.
 */
static int
smtp_sasl_path(const doctor *d, char *path, size_t size, char *from, size_t fsize)
{
	char env[VALUE_MAX], *word, *save = NULL;
	const char *where = "main.cf import_environment";

	if (postconf_service(d, "smtp/unix", "import_environment", env, sizeof(env)))
		where = "master.cf: smtp -o import_environment";
	else if (postconf(d, "import_environment", env, sizeof(env)) != 0)
		env[0] = '\0';
	for (word = strtok_r(env, " ,\t\n", &save); word != NULL;
	     word = strtok_r(NULL, " ,\t\n", &save)) {
		if (strncmp(word, "SASL_PATH=", 10) == 0) {
			so2_format(path, size, "%s", word + 10);
			so2_format(from, fsize, "SASL_PATH from %s", where);
			return 0;
		}
		if (strcmp(word, "SASL_PATH") == 0) {
			const char *own = getenv("SASL_PATH");

			so2_format(path, size, "%s",
				   own != NULL && *own ? own : SO2_SASL_PLUGINDIR);
			so2_format(from, fsize, "SASL_PATH inherited (%s names it without a "
				   "value) from the environment of \"postfix start\", taken to be "
				   "doctor's", where);
			return 1;
		}
	}
	so2_format(path, size, "%s", SO2_SASL_PLUGINDIR);
	so2_format(from, fsize, "libsasl2's built-in directory (%s has no SASL_PATH)", where);
	return 0;
}

/* doc_postfix_detect - 1 when postconf finds a relay using SASL */
int
doc_postfix_detect(const doctor *d)
{
	char v[VALUE_MAX];

	if (postconf(d, "smtp_sasl_auth_enable", v, sizeof(v)) != 0)
		return 0;	/* no postconf, or no Postfix configuration */
	return strcasecmp(v, "yes") == 0;
}

/* has_item - 1 when the comma/space list holds word (case-insensitive) */
static int
has_item(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while (*p != '\0') {
		size_t l;

		p += strspn(p, ", \t");
		l = strcspn(p, ", \t");
		if (l == n && strncasecmp(p, word, n) == 0)
			return 1;
		p += l;
	}
	return 0;
}

/* map_files - the source file and the indexed file of "type:path" */
static int
map_files(const char *map, char *src, char *db, size_t size)
{
	static const struct { const char *type, *suffix; } indexed[] = {
		{ "hash:", ".db" }, { "btree:", ".db" }, { "lmdb:", ".lmdb" }, { "cdb:", ".cdb" },
		{ "dbm:", ".dir" }, { "sdbm:", ".dir" },
	};
	size_t i;

	for (i = 0; i < sizeof(indexed) / sizeof(indexed[0]); i++) {
		size_t tl = strlen(indexed[i].type);

		if (strncmp(map, indexed[i].type, tl) == 0) {
			so2_format(src, size, "%s", map + tl);
			so2_format(db, size, "%s%s", map + tl, indexed[i].suffix);
			return 1;
		}
	}
	return 0;
}

/* map_query - postmap -q key over each map of the list; 1 when found (value in val) */
static int
map_query(const doctor *d, const char *maps, const char *key, char *val, size_t size)
{
	char list[VALUE_MAX], *map, *save = NULL;
	const char *argv[8];
	int n;

	so2_format(list, sizeof(list), "%s", maps);
	for (map = strtok_r(list, ", \t", &save); map != NULL;
	     map = strtok_r(NULL, ", \t", &save)) {
		n = 0;
		argv[n++] = "postmap";
		if (d->postfix_dir != NULL) {
			argv[n++] = "-c";
			argv[n++] = d->postfix_dir;
		}
		argv[n++] = "-q";
		argv[n++] = key;
		argv[n++] = map;
		argv[n] = NULL;
		if (cli_run(argv, val, size, 0) == 0)
			return 1;
	}
	return 0;
}

/* check_built - was each indexed map rebuilt after its source changed? */
static void
check_built(doctor *d, const char *maps)
{
	char list[VALUE_MAX], src[1024], db[1100], fix[DOC_TEXT_MAX], *map, *save = NULL;
	struct stat ss, ds;

	so2_format(list, sizeof(list), "%s", maps);
	for (map = strtok_r(list, ", \t", &save); map != NULL;
	     map = strtok_r(NULL, ", \t", &save)) {
		if (!map_files(map, src, db, sizeof(src)) || stat(src, &ss) != 0)
			continue;
		so2_format(fix, sizeof(fix), "postmap %s", map);
		if (stat(db, &ds) != 0)
			doc_add(d, DOC_FAIL, "postfix.map-built", fix, "postfix: %s has never been "
				"built (%s missing)", map, db);
		else if (ss.st_mtime > ds.st_mtime)
			doc_add(d, DOC_FAIL, "postfix.map-built", fix, "postfix: %s changed after "
				"%s was built: Postfix still uses the old contents", src, db);
		else
			doc_add(d, DOC_PASS, "postfix.map-built", NULL, "postfix: %s is up to date",
				db);
	}
}

/* pattern_maps - does the map list hold a regexp: or pcre: table? Their
 *	lines are /pattern/ value (regexp_table(5), pcre_table(5)), read as
 *	they are: a "key value" line or postmap would be wrong advice. */
static int
pattern_maps(const char *maps)
{
	return strstr(maps, "regexp:") != NULL || strstr(maps, "pcre:") != NULL;
}

/* key_fix - the fix for a relayhost the maps have no entry for, into fix */
static void
key_fix(const char *relayhost, const char *maps, const char *user, char *fix, size_t size)
{
	char re[600];
	size_t i, n = 0;

	if (!pattern_maps(maps)) {
		so2_format(fix, size, "the key must be the relayhost exactly as written, brackets "
			   "and port included: put \"%s %s:\" in the map source, then run postmap "
			   "on it", relayhost, user);
		return;
	}
	for (i = 0; relayhost[i] != '\0' && n + 3 < sizeof(re); i++) {
		if (strchr("[].\\^$*+?(){}|/", relayhost[i]) != NULL)
			re[n++] = '\\';
		re[n++] = relayhost[i];
	}
	re[n] = '\0';
	so2_format(fix, size, "add a line whose pattern matches the relayhost exactly as "
		   "written, brackets and port included, to the regexp or pcre table: "
		   "\"/^%s$/ %s:\" (these tables are read as they are: no postmap, postfix "
		   "reload)", re, user);
}

/* check_map - the lookup key of the relayhost, its value, map freshness
 *	smtp(8) looks up the server's host name, then the next-hop exactly
 *	as written in relayhost ("[host]:port"); other spellings never match.
 *	sender_auth: sender entries are looked up first, so a missing next hop
 *	entry leaves only senders without one of their own without credentials. */
static void
check_map(doctor *d, const char *relayhost, const char *maps, int account_elsewhere,
	  int sender_auth)
{
	const char *none = sender_auth ? "no credentials are sent for mail whose sender has no "
	    "entry of its own" : "no credentials are sent";
	char val[VALUE_MAX], host[256], port[16], fix[DOC_TEXT_MAX], near[5][300];
	const char *h = relayhost[0] == '[' ? relayhost + 1 : relayhost, *key = NULL, *p;
	int i;

	check_built(d, maps);
	so2_format(host, sizeof(host), "%.*s", (int)strcspn(h, "]:"), h);
	p = strrchr(relayhost, ':');
	so2_format(port, sizeof(port), "%s", p != NULL && strchr(p, ']') == NULL ? p + 1 : "");
	if (map_query(d, maps, relayhost, val, sizeof(val)))
		key = relayhost;
	else if (map_query(d, maps, host, val, sizeof(val)))
		key = host;
	if (key == NULL) {
		so2_format(near[0], sizeof(near[0]), "[%s]", host);
		so2_format(near[1], sizeof(near[1]), "%s:%s", host, port[0] ? port : "587");
		so2_format(near[2], sizeof(near[2]), "[%s]:%s", host,
			   strcmp(port, "587") == 0 ? "25" : "587");
		so2_format(near[3], sizeof(near[3]), "[%s]:submission", host);
		so2_format(near[4], sizeof(near[4]), "%s:submission", host);
		key_fix(relayhost, maps, d->sasl_user, fix, sizeof(fix));
		for (i = 0; i < 5; i++)
			if (strcmp(near[i], relayhost) != 0
			    && map_query(d, maps, near[i], val, sizeof(val))) {
				doc_add(d, DOC_FAIL, "postfix.map-key", fix, "postfix: %s has "
					"no entry for \"%s\" (the key Postfix looks up) but one "
					"for \"%s\": %s and Microsoft answers 530 5.7.57", maps,
					relayhost, near[i], none);
				return;
			}
		doc_add(d, DOC_FAIL, "postfix.map-key", fix, "postfix: %s has no entry for "
			"\"%s\": %s (530 5.7.57)", maps, relayhost, none);
		return;
	}
	{
		char *colon = strchr(val, ':');
		const char *pass = colon ? colon + 1 : "";

		if (colon != NULL)
			*colon = '\0';
		doc_add(d, DOC_PASS, "postfix.map-key", NULL, "postfix: key \"%s\" -> SASL "
			"user %s, password %s", key, val, *pass == '\0'
			? "empty (the record of the SASL user)"
			: pass[0] == '/' ? "a record path" : "set");
		if (*pass == '\0' && strcmp(val, d->account) != 0 && !account_elsewhere) {
			so2_format(fix, sizeof(fix), "put \"%s %s:%s\" in the map (the password "
				   "names the record), or check %s", key, val, d->account, val);
			doc_add(d, DOC_WARN, "postfix.map-account", fix, "postfix: the SASL user "
				"%s selects the record %s, not %s", val, val, d->account);
		}
		so2_format(d->sasl_user, sizeof(d->sasl_user), "%s", val);
		so2_format(map_record, sizeof(map_record), "%s", pass[0] == '/' ? pass : "");
	}
}

/* find_entry - the first entry keyed key (case-insensitive), of senders or next hops */
static const pfm_entry *
find_entry(const pfm *p, const char *key, int sender)
{
	size_t i;

	for (i = 0; i < p->nentries; i++)
		if (p->entries[i].sender == sender && strcasecmp(p->entries[i].key, key) == 0)
			return &p->entries[i];
	return NULL;
}

/* nexthop_entry - the entry smtp(8) finds for a next hop: the host name,
 *	then the next hop as written (postconf(5) smtp_sasl_password_maps) */
static const pfm_entry *
nexthop_entry(const pfm *p, const char *nexthop)
{
	char host[PFM_KEY_MAX];
	const char *h = nexthop[0] == '[' ? nexthop + 1 : nexthop;
	const pfm_entry *e;

	so2_format(host, sizeof(host), "%.*s", (int)strcspn(h, "]:"), h);
	if ((e = find_entry(p, host, 0)) != NULL)
		return e;
	return find_entry(p, nexthop, 0);
}

/* check_entry - one password map entry: where it goes, which record, usable? */
static void
check_entry(doctor *d, const pfm *p, const pfm_entry *e)
{
	char what[PFM_KEY_MAX * 2 + 64], why[DOC_TEXT_MAX / 2], fix[DOC_TEXT_MAX];
	const char *src = p->maps[e->map].src;
	const char *record = e->record[0] != '\0' ? e->record : e->user;
	const char *kind = e->sender ? "sender" : "nexthop";
	char id[48], arg[1400];	/* a name as the shell must read it (so2_ref_args) */

	/* The server this account's mail goes through decides the permissions
	 * its token needs (perms.h): High Volume Email by its name. */
	if (d->endpoint == NULL && (strcmp(record, d->account) == 0
				    || strcasecmp(e->user, d->account) == 0)
	    && strcmp(so2_perm_endpoint("smtp", e->sender ? e->relay : e->key)->id, "hve") == 0) {
		d->endpoint = "hve";
		d->endpoint_from = e->sender ? "the Postfix sender_dependent_relayhost_maps"
		    : "the Postfix password map's next hop";
	}
	if (e->sender)
		so2_format(what, sizeof(what), "sender %s -> %s", e->key,
			   e->relay[0] ? e->relay : "(no relay: relayhost is empty)");
	else
		so2_format(what, sizeof(what), "next hop %s", e->key);
	if (e->what == PFM_MIGRATE) {
		so2_format(id, sizeof(id), "postfix.%s-password", kind);
		so2_ref_args(e->user, arg, sizeof(arg));
		so2_format(fix, sizeof(fix), "sasl-oauth2 login %s, then make the entry \"%s "
			   "%s:\" (empty password: the record of the SASL user) and run "
			   "postmap; or sasl-oauth2 postfix migrate", arg, e->key, e->user);
		doc_add(d, DOC_FAIL, id, fix, "postfix: %s: the entry in %s line %zu still "
			"holds a password for SASL user %s (not migrated to OAuth2)", what, src,
			e->line, e->user);
		return;
	}
	if (doc_record_usable(d, p->store_dir, record, why, sizeof(why)) != 0) {
		so2_format(id, sizeof(id), "postfix.%s-record", kind);
		so2_login_command(NULL, record, arg, sizeof(arg));
		so2_format(fix, sizeof(fix), "%s (as root or the store's owner), or correct the "
			   "entry in %s line %zu", arg, src, e->line);
		doc_add(d, DOC_FAIL, id, fix, "postfix: %s: SASL user %s, record %s: %s", what,
			e->user, record, why);
		return;
	}
	so2_format(id, sizeof(id), "postfix.%s", kind);
	doc_add(d, DOC_PASS, id, NULL, "postfix: %s: SASL user %s, record %s (%s)", what,
		e->user, record, why);
}

/* check_routed - every sender sender_dependent_relayhost_maps routes: which
 *	credentials go with its mail? With sender-dependent authentication
 *	smtp(8) looks up the sender, then "@domain", then the next hop's
 *	entries; the first found is used (postconf(5)
 *	smtp_sender_dependent_authentication, smtp_sasl_password_maps). */
static void
check_routed(doctor *d, const pfm *p)
{
	char fix[DOC_TEXT_MAX], arg[1400];
	const pfm_entry *e, *hop;
	size_t r;

	for (r = 0; r < p->nrelays; r++) {
		const pfm_relay *rl = &p->relays[r];
		const char *at = strchr(rl->key, '@');

		if (strncmp(rl->where, "sender_dependent_relayhost_maps", 31) != 0
		    || rl->key[0] == '\0')
			continue;
		if ((e = find_entry(p, rl->key, 1)) != NULL
		    || (at != NULL && at != rl->key && (e = find_entry(p, at, 1)) != NULL))
			continue;	/* check_entry says what it selects */
		hop = nexthop_entry(p, rl->nexthop);
		so2_ref_args(at == rl->key ? "MAILBOX" : rl->key, arg, sizeof(arg));
		so2_format(fix, sizeof(fix), "sasl-oauth2 login %s, then add \"%s %s:\" to the "
			   "password map and run postmap", arg, rl->key,
			   at == rl->key ? "MAILBOX" : rl->key);
		if (hop != NULL)
			doc_add(d, DOC_FAIL, "postfix.sender-missing", fix, "postfix: %s routes "
				"%s to %s, but the password map has no entry for that sender: "
				"Postfix falls back to the next hop's entry \"%s\" and "
				"authenticates as %s, not as a mailbox of the sender's own "
				"(Microsoft refuses a sender %s may not send as: 554 5.2.252 "
				"SendAsDenied)", rl->where, rl->key, rl->nexthop, hop->key,
				hop->user, hop->user);
		else
			doc_add(d, DOC_FAIL, "postfix.sender-missing", fix, "postfix: %s routes "
				"%s to %s, but the password map has no entry for that sender "
				"nor for the next hop: Postfix sends no credentials (530 "
				"5.7.57)", rl->where, rl->key, rl->nexthop);
	}
}

/* check_senders - the many-mailboxes layout: every sender and next hop entry
 *	sender_auth: smtp_sender_dependent_authentication = yes */
static void
check_senders(doctor *d, const pfm *p, int sender_auth)
{
	char list[DOC_TEXT_MAX / 2] = "", fix[DOC_TEXT_MAX];
	size_t i, nsend = 0;

	for (i = 0; i < p->nentries; i++) {
		const pfm_entry *e = &p->entries[i];

		if (!e->sender)
			continue;
		if (nsend++ < 4)
			so2_format(list + strlen(list), sizeof(list) - strlen(list),
				   "%s%s (%s line %zu)", nsend > 1 ? ", " : "", e->key,
				   p->maps[e->map].src, e->line);
	}
	if (!sender_auth && nsend > 0) {
		so2_format(fix, sizeof(fix), "smtp_sender_dependent_authentication = yes, then "
			   "postfix reload (or remove the sender entries)");
		doc_add(d, DOC_FAIL, "postfix.sender-auth", fix, "postfix: "
			"smtp_sender_dependent_authentication = no, so the password map's "
			"sender entries are ignored: %s%s; mail from those senders uses the "
			"next hop's entry, or no credentials when there is none", list,
			nsend > 4 ? ", ..." : "");
	}
	for (i = 0; i < p->nentries; i++)
		if (sender_auth || !p->entries[i].sender)
			check_entry(d, p, &p->entries[i]);
	if (sender_auth)
		check_routed(d, p);
}

/* scan_layout - the password map entries and relays (migrate_scan.c), when
 *	sender-dependent relaying or authentication is set up, or a map has
 *	sender keys; NULL otherwise (the one-relay checks say it all) */
static pfm *
scan_layout(doctor *d, const char *maps, int *sender_auth)
{
	char v[VALUE_MAX];
	so2_err err;
	pfm *p;
	size_t i;
	int many;

	*sender_auth = postconf(d, "smtp_sender_dependent_authentication", v, sizeof(v)) == 0
	    && strcasecmp(v, "yes") == 0;
	if (postconf(d, "sender_dependent_relayhost_maps", v, sizeof(v)) != 0)
		v[0] = '\0';
	many = *sender_auth || v[0] != '\0';
	if (maps[0] == '\0' || (p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->config_dir = d->postfix_dir;
	p->list_all = 1;
	so2_err_clear(&err);
	if (cli_load_config(d->ctx, &err) == SO2_OK)
		p->store_dir = d->ctx->conf->store_dir;
	if (pfm_scan(p, &err) != SO2_OK) {
		if (many)
			doc_add(d, DOC_WARN, "postfix.senders", "check each sender's entry by "
				"hand (postmap -q SENDER MAP)", "postfix: sender-dependent "
				"relaying is set up, but the entries cannot be listed: %s",
				err.msg);
		pfm_free(p);
		free(p);
		return NULL;
	}
	for (i = 0; i < p->nentries && !many; i++)
		many = p->entries[i].sender;
	if (!many) {
		pfm_free(p);
		free(p);
		return NULL;
	}
	return p;
}

/* check_chroot_path - a record path from the map, as a chrooted smtp sees it
 *	The module opens a record named by path at the first authentication,
 *	after Postfix's chroot: /etc/x.json in the map is then
 *	<queue_directory>/etc/x.json on the host. */
static void
check_chroot_path(doctor *d)
{
	char queue[VALUE_MAX], inside[VALUE_MAX * 2], fix[DOC_TEXT_MAX];
	struct stat st;
	int host, jail;

	if (map_record[0] == '\0' || postconf(d, "queue_directory", queue, sizeof(queue)) != 0
	    || queue[0] != '/')
		return;
	so2_format(inside, sizeof(inside), "%s%s", queue, map_record);
	host = stat(map_record, &st) == 0;
	jail = stat(inside, &st) == 0;
	if (jail) {
		char why[DOC_TEXT_MAX], dir[VALUE_MAX * 2], *slash;
		struct stat ds;
		int usable;

		/* Found is not enough: smtp (the runtime user) reads it, and
		 * writes its lock and the refreshed record in its directory. */
		so2_format(dir, sizeof(dir), "%s", inside);
		if ((slash = strrchr(dir, '/')) != NULL && slash != dir)
			*slash = '\0';
		usable = doc_record_usable(d, NULL, inside, why, sizeof(why)) == 0;
		if (usable && (stat(dir, &ds) != 0 || !doc_user_can(d, &ds, 7))) {
			so2_format(why, sizeof(why), "%s cannot write in its directory %s",
				   d->run_user, dir);
			usable = 0;
		}
		if (usable) {
			doc_add(d, DOC_PASS, "postfix.chroot-record", NULL, "postfix: the chrooted "
				"smtp opens the record %s, which is %s on the host", map_record,
				inside);
			return;
		}
		so2_format(fix, sizeof(fix), "chown -R %s %s (as root, sasl-oauth2 login makes "
			   "the directory and the record root's unless given --user %s)",
			   d->run_user, dir, d->run_user);
		doc_add(d, DOC_FAIL, "postfix.chroot-record", fix, "postfix: the chrooted smtp "
			"opens the record %s, which is %s on the host: %s", map_record, inside,
			why);
		return;
	}
	so2_format(fix, sizeof(fix), "give the map a record name instead of a path (an empty "
		   "password: the record of the SASL user, opened through the store before the "
		   "chroot), or put the record at %s", inside);
	doc_add(d, DOC_FAIL, "postfix.chroot-record", fix, "postfix: smtp runs chrooted in %s, "
		"so the record path %s of the map is %s on the host, which does not exist%s",
		queue, map_record, inside, host ? " (the path exists outside the chroot only)"
		: "");
}

/* check_security - which SASL security options apply, and do they allow XOAUTH2 */
static void
check_security(doctor *d, const char *tls_level)
{
	char v[VALUE_MAX], fix[DOC_TEXT_MAX];
	int tls = strcasecmp(tls_level, "encrypt") == 0 || strcasecmp(tls_level, "verify") == 0
	    || strcasecmp(tls_level, "secure") == 0 || strcasecmp(tls_level, "dane-only") == 0
	    || strcasecmp(tls_level, "fingerprint") == 0;

	if (tls)
		doc_add(d, DOC_PASS, "postfix.tls-level", NULL, "postfix: smtp_tls_security_level "
			"= %s", tls_level);
	else
		doc_add(d, strcasecmp(tls_level, "may") == 0 || strcasecmp(tls_level, "dane") == 0
			? DOC_WARN : DOC_FAIL, "postfix.tls-level", "smtp_tls_security_level = "
			"encrypt (Microsoft 365 requires STARTTLS before AUTH)", "postfix: "
			"smtp_tls_security_level = %s: TLS is not enforced",
			tls_level[0] ? tls_level : "none");
	postconf(d, "smtp_sasl_tls_security_options", v, sizeof(v));
	so2_format(fix, sizeof(fix), "smtp_sasl_tls_security_options = noanonymous (the default "
		   "follows smtp_sasl_security_options = noplaintext, noanonymous)");
	if (has_item(v, "noplaintext"))
		doc_add(d, DOC_FAIL, "postfix.sasl-tls-options", fix, "postfix: "
			"smtp_sasl_tls_security_options = %s: noplaintext excludes XOAUTH2 (a "
			"bearer token is a plaintext credential), so Postfix finds no mechanism",
			v);
	else
		doc_add(d, DOC_PASS, "postfix.sasl-tls-options", NULL, "postfix: "
			"smtp_sasl_tls_security_options = %s", v[0] ? v : "(empty)");
	postconf(d, "smtp_sasl_security_options", v, sizeof(v));
	if (!tls && has_item(v, "noplaintext"))
		doc_add(d, DOC_FAIL, "postfix.sasl-options", "smtp_tls_security_level = encrypt "
			"and smtp_sasl_tls_security_options = noanonymous", "postfix: without "
			"enforced "
			"TLS smtp_sasl_security_options = %s applies, and noplaintext excludes "
			"XOAUTH2", v);
}

/* scan_modules - is our module where smtp's libsasl2 looks; does another register XOAUTH2? */
static void
scan_modules(doctor *d)
{
	const char *own = getenv("SASL_PATH");
	char dirs[2048], *dir, *save = NULL, path[4096], fix[DOC_TEXT_MAX], from[512];
	char where[2048];
	int ours = 0, others = 0, inherited;
	struct dirent *e;
	DIR *dp;

	inherited = smtp_sasl_path(d, where, sizeof(where), from, sizeof(from));
	doc_add(d, DOC_INFO, "postfix.sasl-path", NULL, "libsasl2 in smtp looks in %s (%s); "
		"a change of import_environment takes effect only after postfix stop; "
		"postfix start (reload keeps the old environment)", where, from);
	if (!inherited && own != NULL && *own && strcmp(own, where) != 0)
		doc_add(d, DOC_INFO, "postfix.sasl-path-shell", NULL, "SASL_PATH=%s of this "
			"shell is not what smtp uses: what works from here may not work in "
			"Postfix", own);
	so2_format(dirs, sizeof(dirs), "%s", where);
	for (dir = strtok_r(dirs, ":", &save); dir != NULL; dir = strtok_r(NULL, ":", &save)) {
		if ((dp = opendir(dir)) == NULL)
			continue;
		while ((e = readdir(dp)) != NULL) {
			size_t l = strlen(e->d_name);
			FILE *fp;
			char *data;
			size_t n;

			if (l < 4 || strcmp(e->d_name + l - 3, ".so") != 0)
				continue;
			so2_format(path, sizeof(path), "%s/%s", dir, e->d_name);
			if (strcmp(e->d_name, "libsasl-oauth2.so") == 0) {
				ours = 1;
				doc_add(d, DOC_PASS, "postfix.module", NULL, "libsasl2: the "
					"module is %s", path);
				continue;
			}
			if ((fp = fopen(path, "rb")) == NULL)
				continue;
			if ((data = malloc(MODULE_SCAN_MAX)) != NULL) {
				n = fread(data, 1, MODULE_SCAN_MAX, fp);
				if (memmem(data, n, "XOAUTH2", 7) != NULL) {
					others++;
					so2_format(fix, sizeof(fix), "remove it (dpkg -S %s "
						   "names its package) so that XOAUTH2 is always "
						   "ours", path);
					doc_add(d, DOC_WARN, "postfix.module-shadow", fix,
						"libsasl2: %s also registers XOAUTH2 and may be "
						"used instead of sasl-oauth2", path);
				}
				free(data);
			}
			fclose(fp);
		}
		closedir(dp);
	}
	if (!ours) {
		so2_format(fix, sizeof(fix), "install it into %s (" MODULE_INSTALLED "), or name "
			   "its directory for smtp: "
			   "import_environment = <the default list> SASL_PATH=DIR in main.cf, "
			   "then postfix stop; postfix start", where);
		doc_add(d, DOC_FAIL, "postfix.module", fix, "libsasl2: libsasl-oauth2.so not "
			"found in %s, where smtp's libsasl2 looks (%s): Postfix would log \"No "
			"worthy mechs found\"", where, from);
	}
	(void)others;
}

/* doc_postfix - the Postfix checks */
void
doc_postfix(doctor *d)
{
	char relay[VALUE_MAX], v[VALUE_MAX], tls[VALUE_MAX], fix[DOC_TEXT_MAX];
	const char *argv[8];
	int n = 0, sender_auth = 0, mine = 0;
	pfm *layout;
	size_t i;

	if (postconf(d, "relayhost", relay, sizeof(relay)) != 0) {
		char why[DOC_TEXT_MAX], *next;

		/* "... (reason): set Postfix up ...": the check, then its fix */
		cli_postconf_why(d->postfix_dir, "--postfix-config", why, sizeof(why));
		next = strstr(why, "): ");
		if (next != NULL) {
			next[1] = '\0';
			next += 3;
		}
		doc_add(d, DOC_FAIL, "postfix", next != NULL ? next : "",
			"postfix: %s", why);
		return;
	}
	if (relay[0] == '\0')
		doc_add(d, DOC_FAIL, "postfix.relayhost", "relayhost = [smtp.office365.com]:587",
			"postfix: relayhost is empty: mail goes straight to the recipients' "
			"servers");
	else if (relay[0] != '[') {
		so2_format(fix, sizeof(fix), "relayhost = [%.*s]:587 (brackets: no MX lookup)",
			   (int)strcspn(relay, ":"), relay);
		doc_add(d, DOC_WARN, "postfix.relayhost", fix, "postfix: relayhost = %s: without "
			"brackets Postfix looks up MX records for it", relay);
	} else
		doc_add(d, DOC_PASS, "postfix.relayhost", NULL, "postfix: relayhost = %s", relay);
	/* The relayhost decides which permissions the token needs (perms.h). */
	if (d->endpoint == NULL && strcmp(so2_perm_endpoint("smtp", relay)->id, "hve") == 0) {
		d->endpoint = "hve";
		d->endpoint_from = "the Postfix relayhost";
	}
	postconf(d, "smtp_sasl_auth_enable", v, sizeof(v));
	if (strcasecmp(v, "yes") != 0)
		doc_add(d, DOC_FAIL, "postfix.auth-enable", "smtp_sasl_auth_enable = yes",
			"postfix: smtp_sasl_auth_enable = %s: Postfix never authenticates",
			v[0] ? v : "no");
	else
		doc_add(d, DOC_PASS, "postfix.auth-enable", NULL, "postfix: "
			"smtp_sasl_auth_enable = yes");
	postconf(d, "smtp_sasl_password_maps", v, sizeof(v));
	layout = scan_layout(d, v, &sender_auth);
	for (i = 0; layout != NULL && sender_auth && i < layout->nentries; i++)
		if (layout->entries[i].sender && strcmp(layout->entries[i].user, d->account) == 0)
			mine = 1;
	if (v[0] == '\0')
		doc_add(d, DOC_FAIL, "postfix.map-key", "smtp_sasl_password_maps = "
			"hash:/etc/postfix/sasl_passwd", "postfix: smtp_sasl_password_maps is "
			"empty");
	else if (relay[0] != '\0')
		check_map(d, relay, v, mine, sender_auth);
	if (layout != NULL) {
		check_senders(d, layout, sender_auth);
		pfm_free(layout);
		free(layout);
	}
	postconf(d, "smtp_sasl_mechanism_filter", v, sizeof(v));
	if (v[0] == '\0')
		doc_add(d, DOC_WARN, "postfix.mechanism-filter", "smtp_sasl_mechanism_filter = "
			"xoauth2", "postfix: smtp_sasl_mechanism_filter is empty: Postfix may pick "
			"LOGIN or PLAIN with the empty password");
	else if (!has_item(v, "xoauth2"))
		doc_add(d, DOC_FAIL, "postfix.mechanism-filter", "smtp_sasl_mechanism_filter = "
			"xoauth2", "postfix: smtp_sasl_mechanism_filter = %s excludes XOAUTH2", v);
	else
		doc_add(d, DOC_PASS, "postfix.mechanism-filter", NULL, "postfix: "
			"smtp_sasl_mechanism_filter = %s", v);
	postconf(d, "smtp_tls_security_level", tls, sizeof(tls));
	check_security(d, tls);
	argv[n++] = "postconf";
	if (d->postfix_dir != NULL) {
		argv[n++] = "-c";
		argv[n++] = d->postfix_dir;
	}
	argv[n++] = "-M";
	argv[n++] = "smtp/unix";
	argv[n] = NULL;
	if (cli_run(argv, v, sizeof(v), 0) == 0 && v[0] != '\0') {
		char f[8][64];
		int k = sscanf(v, "%63s %63s %63s %63s %63s", f[0], f[1], f[2], f[3], f[4]);

		/* "-": the default, n since Postfix 3.0 */
		if (k == 5 && strcmp(f[4], "n") != 0 && strcmp(f[4], "-") != 0) {
			doc_add(d, DOC_INFO, "postfix.chroot", NULL, "postfix: smtp runs chrooted "
				"(master.cf chroot = %s): the module opens the store and reads "
				"the CA bundle before the chroot, so nothing needs copying into it",
				f[4]);
			check_chroot_path(d);
		}
		else if (k == 5)
			doc_add(d, DOC_INFO, "postfix.chroot", NULL, "postfix: smtp is not "
				"chrooted");
	}
	scan_modules(d);
}

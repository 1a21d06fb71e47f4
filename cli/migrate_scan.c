/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	migrate_scan.c - where does this Postfix send a password to Microsoft or Google?
 * SYNOPSIS
 *	pfm_scan(p, &err); pfm_known_host(p, "[smtp.office365.com]:587");
 *	pfm_add_server(p, "[gw.example.net]:587=microsoft")
 * DESCRIPTION
 *	Reads the live configuration with postconf(1) (-c DIR) and the
 *	sources of the maps (the table format of postmap(1): a logical line
 *	is "key whitespace value"; a line starting with white space
 *	continues the previous one; empty lines and lines whose first
 *	non-blank is "#" are ignored).
 *
 *	Relays: relayhost, default_transport, relay_transport and the values
 *	of transport_maps, sender_dependent_relayhost_maps and
 *	sender_dependent_default_transport_maps that name a known submission
 *	server: smtp.office365.com, smtp-mail.outlook.com,
 *	smtp-hve.office365.com (Microsoft), smtp.gmail.com (Google), on port
 *	25, 465 or 587 (Microsoft's "How to set up a multifunction device or
 *	application to send email using Microsoft 365", option 1; Google's
 *	"Send email from a printer, scanner, or app").
 *
 *	Password entries: every entry of every smtp_sasl_password_maps
 *	source. smtp(8) looks up the server's host name, then the next hop
 *	as written ("[host]:port"); with smtp_sender_dependent_authentication
 *	the sender address, then "@domain", first (postconf(5)). An entry
 *	keyed by a known server's next hop, or by a sender whose relay
 *	(sender_dependent_relayhost_maps, queried with postmap -q, else
 *	relayhost) is one, is migrated unless its password is already
 *	empty, a record path or the name of a record in the store.
 *
 *	Refused, with the reason (SO2_ERR_CONFIG): a password map that is
 *	not a file this command can rewrite (proxy:, a database, inline: or
 *	static: in main.cf, an unknown type), an entry to migrate that spans
 *	lines or is given twice, and other servers that keep a password (the
 *	mechanism filter xoauth2 applies to every server this client talks
 *	to).
 *
 *	doctor (doctor_postfix.c) sets list_all: every entry and relay is
 *	listed, of any server, and nothing but an unreadable map is refused.
 * SEE ALSO
 *	migrate.h, postconf(5), transport(5), postmap(1)
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/secret.h"
#include "token/store.h"

#include "migrate.h"
#include "run.h"

/* The submission servers a password may go to, and their provider. */
static const struct { const char *host, *provider; } known[] = {
	{ "smtp.office365.com", "microsoft" },
	{ "smtp-mail.outlook.com", "microsoft" },
	{ "smtp-hve.office365.com", "microsoft" },
	{ "smtp.gmail.com", "google" },
};

/* Map types whose source is a text file this command rewrites. */
static const struct { const char *type, *suffix; } rewritable[] = {
	{ "hash", ".db" }, { "btree", ".db" }, { "lmdb", ".lmdb" }, { "texthash", "" },
};

/* Map types read (for relays) but never rewritten: indexed files. */
static const char *const listable[] = { "cdb", "dbm", "sdbm" };

/* split_nexthop - "[host]:port", "host:port", "[host]", "host" into its
 *	host (without a final dot) and port ("" when none); 0 or -1 */
static int
split_nexthop(const char *nexthop, char *host, size_t hsize, char *port, size_t psize)
{
	const char *h = nexthop, *pt = "", *end;
	size_t hl;

	if (*h == '[') {
		h++;
		if ((end = strchr(h, ']')) == NULL)
			return -1;
		hl = (size_t)(end - h);
		if (end[1] == ':')
			pt = end + 2;
		else if (end[1] != '\0')
			return -1;
	} else {
		end = strchr(h, ':');
		hl = end != NULL ? (size_t)(end - h) : strlen(h);
		pt = end != NULL ? end + 1 : "";
	}
	if (hl > 0 && h[hl - 1] == '.')
		hl--;		/* a fully qualified "host." */
	if (hl == 0 || hl >= hsize || strlen(pt) >= psize)
		return -1;
	so2_format(host, hsize, "%.*s", (int)hl, h);
	so2_format(port, psize, "%s", pt);
	return 0;
}

/* pfm_known_host - the provider of a known next hop, or NULL */
const char *
pfm_known_host(const pfm *p, const char *nexthop)
{
	static const char *const ports[] = { "", "25", "465", "587", "smtp", "submission",
		"submissions", "smtps" };
	char host[256], port[16];
	size_t i;

	if (split_nexthop(nexthop, host, sizeof(host), port, sizeof(port)) != 0)
		return NULL;
	for (i = 0; p != NULL && i < p->nservers; i++)
		if (strcasecmp(host, p->servers[i].host) == 0
		    && (p->servers[i].port[0] == '\0' || strcmp(port, p->servers[i].port) == 0))
			return p->servers[i].provider;
	for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		if (strcmp(port, ports[i]) == 0)
			break;
	if (i == sizeof(ports) / sizeof(ports[0]))
		return NULL;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcasecmp(host, known[i].host) == 0)
			return known[i].provider;
	return NULL;
}

/* pfm_add_server - take --server NEXTHOP=PROVIDER; 0 or -1 */
int
pfm_add_server(pfm *p, const char *arg)
{
	const char *eq = strrchr(arg, '=');
	char nexthop[PFM_KEY_MAX];
	pfm_server *s;

	if (eq == NULL || p->nservers == PFM_SERVERS_MAX
	    || (strcmp(eq + 1, "microsoft") != 0 && strcmp(eq + 1, "google") != 0))
		return -1;
	s = &p->servers[p->nservers];
	so2_format(nexthop, sizeof(nexthop), "%.*s", (int)(eq - arg), arg);
	if (split_nexthop(nexthop, s->host, sizeof(s->host), s->port, sizeof(s->port)) != 0)
		return -1;
	so2_format(s->provider, sizeof(s->provider), "%s", eq + 1);
	p->nservers++;
	return 0;
}

/* pfm_postconf - one parameter's value */
int
pfm_postconf(const pfm *p, const char *name, int raw, char *out, size_t size)
{
	const char *words[] = { raw ? "-h" : "-hx", name, NULL };
	const char *argv[16];

	pfm_argv(p, "postconf", words, argv);
	return cli_run(argv, out, size, 0) == 0 ? 0 : -1;
}

/* next_map - the next "type:name" of a map list, or NULL; inline:{ } kept whole */
static char *
next_map(char **cursor)
{
	char *s = *cursor, *start;
	int depth = 0;

	s += strspn(s, ", \t\r\n");
	if (*s == '\0')
		return NULL;
	start = s;
	for (; *s != '\0'; s++) {
		if (*s == '{')
			depth++;
		else if (*s == '}' && depth > 0)
			depth--;
		else if (depth == 0 && strchr(", \t\r\n", *s) != NULL)
			break;
	}
	if (*s != '\0')
		*s++ = '\0';
	*cursor = s;
	return start;
}

/* map_source - the source file of a listable or rewritable map, or NULL */
static const char *
map_source(const char *map, char *type, size_t tsize)
{
	const char *colon = strchr(map, ':');
	size_t i;

	if (colon == NULL)
		return NULL;
	so2_format(type, tsize, "%.*s", (int)(colon - map), map);
	for (i = 0; i < sizeof(rewritable) / sizeof(rewritable[0]); i++)
		if (strcmp(type, rewritable[i].type) == 0)
			return colon + 1;
	for (i = 0; i < sizeof(listable) / sizeof(listable[0]); i++)
		if (strcmp(type, listable[i]) == 0)
			return colon + 1;
	return NULL;
}

/* White space as Postfix's tables see it (ISSPACE) */
#define BLANKS " \t\r\v\f"

/* line_cb - one logical line: key and value (NUL-terminated, cut), its
 *	number; cont: 1 when the entry continues on the next line */
typedef so2_status line_cb(pfm *p, void *arg, size_t lineno, char *key, char *value,
			   int cont, so2_err *err);

/* continued - does a logical line go on after the physical line ending at next?
 *	Postfix's readlline(3) skips blank and comment lines *inside* a logical
 *	line: "key value", "# note", "", "  more" is one entry, "key value  more".
 *	So the next line that is neither blank nor a comment decides: it
 *	continues when it starts with white space. */
static int
continued(const char *next)
{
	const char *peek;

	for (;;) {
		peek = next + strspn(next, BLANKS);
		if (*peek == '\0')
			return 0;
		if (*peek != '\n' && *peek != '#')
			return peek != next;
		next = peek + strcspn(peek, "\n");
		if (*next == '\n')
			next++;
	}
}

/* each_line - call cb for every entry of a table source in buf */
static so2_status
each_line(pfm *p, char *buf, line_cb *cb, void *arg, so2_err *err)
{
	char *line = buf, *next, *key, *value, *e;
	size_t lineno = 0;
	so2_status result;

	for (; *line != '\0'; line = next) {
		int cont;

		lineno++;
		next = line + strcspn(line, "\n");
		if (*next == '\n')
			*next++ = '\0';
		key = line + strspn(line, BLANKS);
		if (*key == '\0' || *key == '#' || key != line)
			continue;	/* blank, comment, or a continuation */
		cont = continued(next);
		e = key + strcspn(key, BLANKS);
		value = e + strspn(e, BLANKS);
		*e = '\0';
		for (e = value + strlen(value); e > value && isspace((unsigned char)e[-1]); )
			*--e = '\0';
		if ((result = cb(p, arg, lineno, key, value, cont, err)) != SO2_OK)
			return result;
	}
	return SO2_OK;
}

/* add_relay - note a relay to a known server */
static void
add_relay(pfm *p, const char *where, const char *key, const char *nexthop)
{
	const char *prov = pfm_known_host(p, nexthop);
	pfm_relay *r;

	if ((prov == NULL && (!p->list_all || nexthop[0] == '\0'))
	    || p->nrelays == PFM_RELAYS_MAX)
		return;
	r = &p->relays[p->nrelays++];
	so2_format(r->where, sizeof(r->where), "%s", where);
	so2_format(r->key, sizeof(r->key), "%s", key);
	so2_format(r->nexthop, sizeof(r->nexthop), "%s", nexthop);
	r->provider = prov;
}

/* relay_of_value - the next hop of "transport:nexthop" (transport maps), or the
 *	value itself (with_transport 0) */
static const char *
relay_of_value(const char *value, int with_transport)
{
	const char *colon;

	if (!with_transport)
		return value;
	if (value[0] == '[')
		return value;
	colon = strchr(value, ':');
	return colon != NULL ? colon + 1 : "";
}

struct relay_arg {
	const char *where;
	int with_transport;
};

/* relay_line - a relay map entry */
static so2_status
relay_line(pfm *p, void *arg, size_t lineno, char *key, char *value, int cont, so2_err *err)
{
	const struct relay_arg *ra = arg;

	(void)lineno;
	(void)cont;
	(void)err;
	add_relay(p, ra->where, key, relay_of_value(value, ra->with_transport));
	return SO2_OK;
}

/* word_line - a regexp/pcre line: any word naming a known next hop */
static so2_status
word_line(pfm *p, void *arg, size_t lineno, char *key, char *value, int cont, so2_err *err)
{
	const struct relay_arg *ra = arg;
	char *w, *save = NULL;

	(void)lineno;
	(void)cont;
	(void)err;
	for (w = strtok_r(value, " \t", &save); w != NULL; w = strtok_r(NULL, " \t", &save))
		add_relay(p, ra->where, key, relay_of_value(w, ra->with_transport));
	return SO2_OK;
}

/* scan_relay_maps - the relays of one map-list parameter */
static so2_status
scan_relay_maps(pfm *p, const char *param, int with_transport, so2_err *err)
{
	char list[PFM_VALUE_MAX], type[16], where[PFM_PATH_MAX], *cursor = list, *map;
	struct relay_arg ra;
	so2_status result;

	if (pfm_postconf(p, param, 0, list, sizeof(list)) != 0)
		return so2_err_set(err, SO2_ERR_NOTFOUND, "postconf %s failed", param);
	while ((map = next_map(&cursor)) != NULL) {
		const char *src = map_source(map, type, sizeof(type));
		char *buf;
		size_t len;

		so2_format(where, sizeof(where), "%s %s", param, map);
		ra.where = where;
		ra.with_transport = with_transport;
		if (src == NULL && (strcmp(type, "regexp") == 0 || strcmp(type, "pcre") == 0))
			src = strchr(map, ':') + 1;
		if (src == NULL) {
			if (p->nnotes < sizeof(p->notes) / sizeof(p->notes[0]))
				so2_format(p->notes[p->nnotes++], sizeof(p->notes[0]),
					   "%s: a %s table is not listed; relays named only "
					   "there are not shown (their password entries are)",
					   param, type);
			continue;
		}
		if (pfm_read(src, &buf, &len, err) != SO2_OK) {
			if (p->nnotes < sizeof(p->notes) / sizeof(p->notes[0]))
				so2_format(p->notes[p->nnotes++], sizeof(p->notes[0]),
					   "%s: %s", param, err->msg);
			continue;
		}
		result = each_line(p, buf, strcmp(type, "regexp") == 0
				   || strcmp(type, "pcre") == 0 ? word_line : relay_line,
				   &ra, err);
		so2_wipe_free(buf, len + 1);
		if (result != SO2_OK)
			return result;
	}
	return SO2_OK;
}

/* The two settings sender_relay reads, once per scan: a postconf(1) per
 * sender doubled doctor's time on a map of hundreds of senders. */
struct relay_conf {
	int read;			/* both below are filled */
	char maps[PFM_VALUE_MAX];	/* sender_dependent_relayhost_maps */
	char relayhost[PFM_KEY_MAX];
};

/* sender_relay - the relay of a sender: sender_dependent_relayhost_maps
 *	(the address, then "@domain"), else relayhost; rc caches the settings */
static void
sender_relay(const pfm *p, struct relay_conf *rc, const char *sender, char *out, size_t size)
{
	char maps[PFM_VALUE_MAX], *cursor = maps, *map, dom[PFM_KEY_MAX];
	const char *at = strchr(sender, '@');
	const char *keys[2];
	int k;

	if (!rc->read) {
		if (pfm_postconf(p, "sender_dependent_relayhost_maps", 0, rc->maps,
				 sizeof(rc->maps)) != 0)
			rc->maps[0] = '\0';
		if (pfm_postconf(p, "relayhost", 0, rc->relayhost, sizeof(rc->relayhost)) != 0)
			rc->relayhost[0] = '\0';
		rc->read = 1;
	}
	keys[0] = sender;
	so2_format(dom, sizeof(dom), "%s", at != NULL ? at : "");
	keys[1] = at != NULL && at != sender ? dom : NULL;
	so2_format(maps, sizeof(maps), "%s", rc->maps);
	if (maps[0] != '\0')
		while ((map = next_map(&cursor)) != NULL)
			for (k = 0; k < 2; k++) {
				const char *words[] = { "-q", keys[k], map, NULL };
				const char *argv[16];

				if (keys[k] == NULL)
					continue;
				pfm_argv(p, "postmap", words, argv);
				if (cli_run(argv, out, size, 0) == 0 && out[0] != '\0')
					return;
			}
	so2_format(out, size, "%s", rc->relayhost);
}

/* a record in the store named name? */
static int
is_record(const pfm *p, const char *name)
{
	char file[SO2_ACCOUNT_MAX + 16], path[PFM_PATH_MAX + SO2_ACCOUNT_MAX + 16];
	so2_err err;

	if (p->store_dir == NULL || !so2_account_valid(name)
	    || so2_store_file_name(name, file, sizeof(file), &err) != SO2_OK)
		return 0;
	so2_format(path, sizeof(path), "%s/%s", p->store_dir, file);
	return access(path, F_OK) == 0;
}

struct pass_arg {
	int map;
	char others[600];	/* keys of other servers with a password */
	size_t nothers;
	struct relay_conf relays;	/* for sender_relay */
};

/* pass_line - one password map entry */
static so2_status
pass_line(pfm *p, void *arg, size_t lineno, char *key, char *value, int cont, so2_err *err)
{
	struct pass_arg *pa = arg;
	const char *colon = strchr(value, ':'), *pass = colon ? colon + 1 : "";
	char relay[PFM_KEY_MAX] = "";
	const char *prov = NULL;
	pfm_entry *e;
	size_t i;
	int sender = 0;

	if ((p->sender_auth || p->list_all) && strchr(key, '@') != NULL) {
		sender = 1;
		sender_relay(p, &pa->relays, key, relay, sizeof(relay));
		prov = pfm_known_host(p, relay);
	} else if ((prov = pfm_known_host(p, key)) != NULL || p->list_all)
		so2_format(relay, sizeof(relay), "%s", key);
	if (prov == NULL && !p->list_all) {
		if (*pass != '\0') {
			if (pa->nothers < 4)
				so2_format(pa->others + strlen(pa->others), sizeof(pa->others)
					   - strlen(pa->others), "%s\"%s\" (%s line %zu)",
					   pa->nothers ? ", " : "", key, p->maps[pa->map].src,
					   lineno);
			pa->nothers++;
		}
		return SO2_OK;
	}
	if (p->nentries == PFM_ENTRIES_MAX)
		return so2_err_set(err, SO2_ERR_CONFIG, "more than %d password entries for "
				   "Microsoft or Google: migrate them by hand "
				   "(sasl-oauth2-postfix(7))", PFM_ENTRIES_MAX);
	e = &p->entries[p->nentries];
	memset(e, 0, sizeof(*e));
	e->map = pa->map;
	e->line = lineno;
	e->sender = sender;
	e->provider = prov;
	so2_format(e->key, sizeof(e->key), "%s", key);
	so2_format(e->user, sizeof(e->user), "%.*s", (int)(colon ? colon - value
							   : (long)strlen(value)), value);
	so2_format(e->relay, sizeof(e->relay), "%s", relay);
	e->what = *pass == '\0' || *pass == '/' || is_record(p, pass) ? PFM_DONE : PFM_MIGRATE;
	if (e->what == PFM_DONE)
		so2_format(e->record, sizeof(e->record), "%s", pass);
	if (p->list_all) {
		p->nentries++;
		return SO2_OK;
	}
	if (cont)	/* what follows is part of the value: maybe the password */
		return so2_err_set(err, SO2_ERR_CONFIG, "%s line %zu: the entry for \"%s\" "
				   "goes on over the next line; this command rewrites "
				   "single-line entries only: join it, run postmap, and try "
				   "again", p->maps[pa->map].src, lineno, key);
	if (e->what == PFM_MIGRATE) {
		if (e->user[0] == '\0' || !so2_account_valid(e->user))
			return so2_err_set(err, SO2_ERR_CONFIG, "%s line %zu: the SASL user of "
					   "\"%s\" is not a usable account name",
					   p->maps[pa->map].src, lineno, key);
		for (i = 0; i < p->nentries; i++)
			if (p->entries[i].map == pa->map
			    && strcasecmp(p->entries[i].key, key) == 0)
				return so2_err_set(err, SO2_ERR_CONFIG, "%s: \"%s\" is given "
						   "twice (lines %zu and %zu): remove one, run "
						   "postmap, and try again", p->maps[pa->map].src,
						   key, p->entries[i].line, lineno);
		p->maps[pa->map].rewrite = 1;
	}
	p->nentries++;
	return SO2_OK;
}

/* refuse_map - why a password map of this kind cannot be rewritten */
static so2_status
refuse_map(const char *map, const char *type, so2_err *err)
{
	static const char *const databases[] = { "mysql", "pgsql", "sqlite", "ldap",
		"memcache", "socketmap", "tcp", "nis", "nisplus", "netinfo", "mongodb" };
	size_t i;

	if (strcmp(type, "proxy") == 0)
		return so2_err_set(err, SO2_ERR_CONFIG, "smtp_sasl_password_maps: %s is read "
				   "through proxymap(8), which other services may share; this "
				   "command does not rewrite it. Edit the table behind it by "
				   "hand (sasl-oauth2-postfix(7), \"By hand\")", map);
	for (i = 0; i < sizeof(databases) / sizeof(databases[0]); i++)
		if (strcmp(type, databases[i]) == 0)
			return so2_err_set(err, SO2_ERR_CONFIG, "smtp_sasl_password_maps: %s "
					   "is a database, which this command does not change: "
					   "set each Microsoft or Google entry there to "
					   "\"USER:\" (empty password) after \"sasl-oauth2 "
					   "login USER\"", map);
	if (strcmp(type, "inline") == 0 || strcmp(type, "static") == 0)
		return so2_err_set(err, SO2_ERR_CONFIG, "smtp_sasl_password_maps: a %s: "
				   "table keeps the password in main.cf; move the entries to "
				   "a hash: file (sasl-oauth2-postfix(7)) and try again", type);
	return so2_err_set(err, SO2_ERR_CONFIG, "smtp_sasl_password_maps: %s: this "
			   "command rewrites hash:, btree:, lmdb: and texthash: files only",
			   map);
}

/* scan_passwords - every entry of every password map */
static so2_status
scan_passwords(pfm *p, so2_err *err)
{
	char list[PFM_VALUE_MAX], type[16], *cursor = list, *map;
	struct pass_arg pa;
	so2_status result;
	size_t i;

	memset(&pa, 0, sizeof(pa));
	if (pfm_postconf(p, "smtp_sasl_password_maps", 0, list, sizeof(list)) != 0)
		return so2_err_set(err, SO2_ERR_NOTFOUND, "postconf smtp_sasl_password_maps "
				   "failed");
	while ((map = next_map(&cursor)) != NULL) {
		const char *src = map_source(map, type, sizeof(type));
		pfm_map *m;
		char *buf;
		size_t len;

		for (i = 0; i < sizeof(rewritable) / sizeof(rewritable[0]); i++)
			if (src != NULL && strcmp(type, rewritable[i].type) == 0)
				break;
		if (src == NULL || i == sizeof(rewritable) / sizeof(rewritable[0]))
			return refuse_map(map, type, err);
		if (p->nmaps == PFM_MAPS_MAX)
			return so2_err_set(err, SO2_ERR_CONFIG, "smtp_sasl_password_maps: more "
					   "than %d maps", PFM_MAPS_MAX);
		if (src[0] != '/')
			return so2_err_set(err, SO2_ERR_CONFIG, "smtp_sasl_password_maps: %s "
					   "is not an absolute path", map);
		m = &p->maps[p->nmaps];
		memset(m, 0, sizeof(*m));
		so2_format(m->spec, sizeof(m->spec), "%s", map);
		so2_format(m->type, sizeof(m->type), "%s", type);
		so2_format(m->src, sizeof(m->src), "%s", src);
		if (rewritable[i].suffix[0] != '\0')
			so2_format(m->db, sizeof(m->db), "%s%s", src, rewritable[i].suffix);
		if ((result = pfm_read(src, &buf, &len, err)) != SO2_OK) {
			/* not so2_err_set with err->msg: it would format over its input */
			err->status = SO2_ERR_CONFIG;
			return so2_err_prefix(err, "smtp_sasl_password_maps: cannot read the "
					      "source of %s", map);
		}
		if (memchr(buf, '\0', len) != NULL) {
			/* The rewrite would end the file there: what follows is lost */
			so2_wipe_free(buf, len + 1);
			return so2_err_set(err, SO2_ERR_CONFIG, "smtp_sasl_password_maps: %s "
					   "holds a NUL byte: it is not a text table this "
					   "command can rewrite; remove it and try again", src);
		}
		pa.map = (int)p->nmaps++;
		result = each_line(p, buf, pass_line, &pa, err);
		so2_wipe_free(buf, len + 1);
		if (result != SO2_OK)
			return result;
	}
	for (i = 0; i < p->nentries; i++)
		if (p->entries[i].what == PFM_MIGRATE)
			break;
	if (pa.nothers > 0 && i < p->nentries && !p->list_all)
		return so2_err_set(err, SO2_ERR_CONFIG, "other servers keep a password: %s%s. "
				   "The mechanism filter xoauth2 that the migration sets "
				   "applies to every server this Postfix authenticates to; give "
				   "those servers a transport of their own in master.cf (-o "
				   "smtp_sasl_mechanism_filter=...), or remove the entries, "
				   "then try again", pa.others, pa.nothers > 4 ? ", ..." : "");
	return SO2_OK;
}

/* note_bare_relays - a relay no password entry covers gets a note: Postfix
 *	sends it no credentials (530 5.7.57), and there is nothing to migrate */
static void
note_bare_relays(pfm *p)
{
	size_t r, i;

	for (r = 0; r < p->nrelays; r++) {
		const pfm_relay *rl = &p->relays[r];
		char host[PFM_KEY_MAX];

		so2_format(host, sizeof(host), "%.*s", (int)strcspn(rl->nexthop + (rl->nexthop[0]
			   == '['), "]:"), rl->nexthop + (rl->nexthop[0] == '['));
		for (i = 0; i < p->nentries; i++)
			if (strcasecmp(p->entries[i].key, rl->nexthop) == 0
			    || strcasecmp(p->entries[i].key, host) == 0
			    || (p->entries[i].sender
				&& strcasecmp(p->entries[i].relay, rl->nexthop) == 0))
				break;
		if (i == p->nentries && p->nnotes < sizeof(p->notes) / sizeof(p->notes[0]))
			so2_format(p->notes[p->nnotes++], sizeof(p->notes[0]), "%s%s%s -> %s: no "
				   "password entry, so Postfix sends no credentials there (530 "
				   "5.7.57); after \"sasl-oauth2 login ACCOUNT\" add \"%s "
				   "ACCOUNT:\" to the password map", rl->where, rl->key[0] ? ": "
				   : "", rl->key, rl->nexthop, rl->nexthop);
	}
}

/* pfm_scan - read the configuration */
so2_status
pfm_scan(pfm *p, so2_err *err)
{
	static const struct { const char *param; int with_transport; } maps[] = {
		{ "transport_maps", 1 },
		{ "sender_dependent_relayhost_maps", 0 },
		{ "sender_dependent_default_transport_maps", 1 },
	};
	char v[PFM_VALUE_MAX];
	so2_status result;
	size_t i;

	p->entries = calloc(PFM_ENTRIES_MAX, sizeof(*p->entries));
	p->relays = calloc(PFM_RELAYS_MAX, sizeof(*p->relays));
	if (p->entries == NULL || p->relays == NULL)
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	if (pfm_postconf(p, "config_directory", 0, p->dir, sizeof(p->dir)) != 0
	    || p->dir[0] == '\0') {
		char why[SO2_ERR_MSG_MAX];

		cli_postconf_why(p->config_dir, "-c", why, sizeof(why));
		return so2_err_set(err, SO2_ERR_NOTFOUND, "%s", why);
	}
	if (p->config_dir != NULL)	/* postconf -c DIR reports DIR's main.cf setting */
		so2_format(p->dir, sizeof(p->dir), "%s", p->config_dir);
	if (pfm_postconf(p, "mail_owner", 0, p->mail_owner, sizeof(p->mail_owner)) != 0
	    || p->mail_owner[0] == '\0')
		so2_format(p->mail_owner, sizeof(p->mail_owner), "postfix");
	if (p->backup_dir[0] == '\0')
		so2_format(p->backup_dir, sizeof(p->backup_dir), "%s/%s", p->dir,
			   PFM_BACKUP_DIR);
	pfm_postconf(p, "smtp_sender_dependent_authentication", 0, v, sizeof(v));
	p->sender_auth = strcasecmp(v, "yes") == 0;

	pfm_postconf(p, "relayhost", 0, v, sizeof(v));
	add_relay(p, "relayhost", "", v);
	pfm_postconf(p, "default_transport", 0, v, sizeof(v));
	add_relay(p, "default_transport", "", relay_of_value(v, 1));
	pfm_postconf(p, "relay_transport", 0, v, sizeof(v));
	add_relay(p, "relay_transport", "", relay_of_value(v, 1));
	for (i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		if ((result = scan_relay_maps(p, maps[i].param, maps[i].with_transport, err))
		    != SO2_OK)
			return result;
	if ((result = scan_passwords(p, err)) != SO2_OK)
		return result;
	if (!p->list_all)
		note_bare_relays(p);
	return SO2_OK;
}

/* pfm_free - release the scan */
void
pfm_free(pfm *p)
{
	free(p->entries);
	free(p->relays);
	p->entries = NULL;
	p->relays = NULL;
}

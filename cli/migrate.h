/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	migrate.h - sasl-oauth2 postfix migrate: from a password to OAuth2
 * SYNOPSIS
 *	#include "migrate.h"	(cli/ only)
 * DESCRIPTION
 *	The migration of a Postfix relay that sends a password to Microsoft
 *	365 or Gmail, in four parts, each its own file:
 *
 *	migrate_scan.c   reads the live configuration through postconf(1)
 *	                 and the sources of the maps, finds every relay to a
 *	                 known submission server (relayhost, default_transport,
 *	                 relay_transport, transport_maps,
 *	                 sender_dependent_relayhost_maps) and every entry of
 *	                 smtp_sasl_password_maps that sends a password to one,
 *	                 per next hop or per sender (sender-dependent
 *	                 authentication); refuses what it cannot rewrite safely.
 *	migrate_plan.c   the main.cf settings the module needs, the new map
 *	                 sources, and the plan printed as a diff.
 *	migrate_files.c  backups (0600, with a manifest), atomic replacement
 *	                 keeping owner and mode, restore byte for byte, and
 *	                 running postconf/postmap/postfix without a shell.
 *	cmd_postfix.c    the command: plan, log in, probe, apply, roll back.
 *
 *	A password is never printed, logged or kept longer than a line: map
 *	lines that hold one are shown with the password replaced by
 *	PFM_HIDDEN, and buffers that held map sources are wiped.
 * SEE ALSO
 *	sasl-oauth2(1), sasl-oauth2-postfix(7), postconf(5) (smtp_sasl_*,
 *	transport(5), Postfix SASL_README "Enabling SASL authentication in
 *	the Postfix SMTP client"), postmap(1)
 */
#ifndef SO2_CLI_MIGRATE_H
#define SO2_CLI_MIGRATE_H

#include <stddef.h>
#include <sys/types.h>

#include "base/error.h"

#define PFM_VALUE_MAX	8192	/* bytes of one postconf value */
#define PFM_PATH_MAX	1024	/* bytes of a path or a map name */
#define PFM_KEY_MAX	512	/* bytes of a map key or next hop */
#define PFM_USER_MAX	320	/* bytes of a SASL user name */
#define PFM_MAPS_MAX	16	/* maps in one parameter */
#define PFM_ENTRIES_MAX	512	/* password map entries looked at */
#define PFM_RELAYS_MAX	256	/* relays to known servers */
#define PFM_SETTINGS_MAX 8
#define PFM_SERVERS_MAX	8	/* --server options */	/* main.cf parameters changed */
#define PFM_FILE_MAX	(4 * 1024 * 1024)	/* bytes of a file read or copied */
#define PFM_OUT_MAX	(64 * 1024)	/* bytes of a program's output kept */
#define PFM_HIDDEN	"<password hidden>"
#define PFM_BACKUP_DIR	"sasl-oauth2-backup"	/* in config_directory */

/* pfm_map - one map of smtp_sasl_password_maps */
typedef struct pfm_map {
	char spec[PFM_PATH_MAX];	/* "hash:/etc/postfix/sasl_passwd" */
	char type[16];			/* "hash" */
	char src[PFM_PATH_MAX];		/* the source file */
	char db[PFM_PATH_MAX + 8];	/* the indexed file, "" for texthash */
	int rewrite;			/* 1: entries are migrated */
} pfm_map;

/* pfm_what - what the plan does with a password map entry */
typedef enum pfm_what {
	PFM_MIGRATE,		/* password -> empty (the account's record) */
	PFM_DONE,		/* already empty, a record path or name */
	PFM_OTHER		/* not for a known server: left alone */
} pfm_what;

/* pfm_entry - one entry of a password map that matters */
typedef struct pfm_entry {
	int map;			/* index in pfm->maps */
	size_t line;			/* 1-based line of the source */
	char key[PFM_KEY_MAX];		/* as written in the source */
	char user[PFM_USER_MAX];	/* the SASL user: the account */
	int sender;			/* 1: keyed by sender address */
	char relay[PFM_KEY_MAX];	/* the next hop it authenticates to */
	const char *provider;		/* "microsoft" or "google" (NULL: list_all) */
	pfm_what what;
	int kept;			/* PFM_MIGRATE: the account has a usable
					 * record, kept (no sign-in) */
	char record[PFM_PATH_MAX];	/* PFM_DONE: the password, a record path or
					 * name ("": the user's record); never a
					 * password */
} pfm_entry;

/* pfm_relay - a place that sends mail to a known submission server */
typedef struct pfm_relay {
	char where[PFM_PATH_MAX];	/* "relayhost", "transport_maps hash:/x" */
	char key[PFM_KEY_MAX];		/* the map key ("" for a parameter) */
	char nexthop[PFM_KEY_MAX];	/* "[smtp.office365.com]:587" */
	const char *provider;		/* NULL for another server (list_all) */
} pfm_relay;

/* pfm_setting - one main.cf change */
typedef struct pfm_setting {
	const char *name;
	char old[PFM_VALUE_MAX];	/* as written ("" when unset) */
	char value[PFM_VALUE_MAX];
	const char *why;
} pfm_setting;

/* pfm_server - another submission server (--server NEXTHOP=PROVIDER) */
typedef struct pfm_server {
	char host[256];
	char port[16];			/* "" for any */
	char provider[16];		/* "microsoft" or "google" */
} pfm_server;

/* pfm - everything the migration knows */
typedef struct pfm {
	const char *config_dir;		/* -c DIR, NULL: Postfix's default */
	char dir[PFM_PATH_MAX];		/* config_directory, resolved */
	char mail_owner[64];		/* runs smtp(8): owns the store */
	char backup_dir[PFM_PATH_MAX];
	const char *sasl_conf;		/* SASL_OAUTH2_CONF to import, or NULL */
	const char *store_dir;		/* the token store (records by name) */
	int sender_auth;		/* smtp_sender_dependent_authentication */
	int list_all;			/* doctor: every entry and relay, of any
					 * server, "@" keys as senders even when
					 * sender_auth is off; nothing refused but
					 * the map types no one can read */
	pfm_map maps[PFM_MAPS_MAX];
	size_t nmaps;
	pfm_entry *entries;		/* PFM_ENTRIES_MAX */
	size_t nentries;
	pfm_relay *relays;		/* PFM_RELAYS_MAX */
	size_t nrelays;
	pfm_setting settings[PFM_SETTINGS_MAX];
	size_t nsettings;
	pfm_server servers[PFM_SERVERS_MAX];	/* --server */
	size_t nservers;
	char notes[8][600];		/* said in the plan, not refusals */
	size_t nnotes;
} pfm;

/* --- migrate_files.c (helper programs run through run.h's cli_run) ----- */

/*
 * pfm_argv - argv for PROG [-c DIR] WORDS (-c when p->config_dir; words
 *	NULL-terminated, at most 12) into argv (16 slots)
 */
void pfm_argv(const pfm *p, const char *prog, const char *const words[],
	      const char *argv[16]);

/*
 * pfm_read - the whole file path (at most PFM_FILE_MAX bytes) into a malloc'd
 *	NUL-terminated buffer; release with so2_wipe_free(*buf, *len + 1).
 *	SO2_ERR_IO (errno in the message), SO2_ERR_NOMEM, SO2_ERR_PARAM (too big).
 */
so2_status pfm_read(const char *path, char **buf, size_t *len, so2_err *err);

/*
 * pfm_replace - write len bytes as path's new contents: a temp file in
 *	the same directory with path's owner and mode (new files: 0600),
 *	fsync, rename(2), fsync of the directory. A symbolic link is kept:
 *	the file it leads to is replaced. SO2_ERR_IO.
 */
so2_status pfm_replace(const char *path, const char *data, size_t len, so2_err *err);

/*
 * pfm_backup - copy each path (n, NULL entries skipped) into p->backup_dir,
 *	mode 0600, and write its manifest (original path, mode, owner, the
 *	copy) last, atomically; a previous backup is replaced. A path that is
 *	a symbolic link is backed up as the file it leads to (the manifest
 *	names that file; the link is never replaced). SO2_ERR_IO;
 *	SO2_ERR_CONFIG when p->backup_dir exists and is not a backup of this
 *	command (a link, another user's, or holding other files: it is never
 *	deleted) or when its parent is writable by every user without the
 *	sticky bit.
 */
so2_status pfm_backup(const pfm *p, const char *const paths[], size_t n,
		      so2_err *err);

/*
 * pfm_restore - put back every file of the backup in dir, byte for byte,
 *	with its owner and mode; a file whose contents, owner and mode are
 *	already those of the backup is not touched. When all went back, an
 *	empty file "rolled-back" in dir marks it (pfm_backup_pending). *changed: how many were
 *	written. SO2_ERR_NOTFOUND (no backup), SO2_ERR_IO, SO2_ERR_RECORD (a
 *	damaged manifest), SO2_ERR_CONFIG (a backup another user could have
 *	written: a link, not the effective user's, writable by others; the
 *	manifest names files, owners and modes, so it is never trusted then).
 */
so2_status pfm_restore(const char *dir, size_t *changed, so2_err *err);

/*
 * pfm_backup_pending - *pending = 1 when dir holds a backup (of this
 *	command, trusted as for pfm_restore) whose files are not the live
 *	ones any more: a migration is in effect and the backup holds the
 *	only copy of the files before it (with their passwords). Indexed map
 *	files are not compared (their source is). A damaged manifest, an
 *	unreadable copy, or copies the manifest does not list (it was
 *	emptied or removed) count as pending. 0 when there is no backup,
 *	when pfm_restore put all of it back (marked "rolled-back": files
 *	edited since do not count) or every file is as backed up. SO2_OK,
 *	or SO2_ERR_CONFIG/SO2_ERR_IO from the trust check.
 */
so2_status pfm_backup_pending(const char *dir, int *pending, so2_err *err);

/* --- migrate_scan.c ---------------------------------------------------- */

/*
 * pfm_known_host - the provider of a submission server's next hop:
 *	"[smtp.office365.com]:587", "smtp.gmail.com:submission", a bare host;
 *	ports 25, 465, 587 (smtp, smtps, submissions, submission); or one of
 *	p->servers (its port, when it names one, must match). NULL when it
 *	is not one of these.
 */
const char *pfm_known_host(const pfm *p, const char *nexthop);

/* pfm_add_server - --server NEXTHOP=PROVIDER (microsoft or google): another
 *	submission server, such as a gateway or a test server; 0 or -1 */
int pfm_add_server(pfm *p, const char *arg);

/*
 * pfm_scan - read the configuration and fill p (its entries, relays,
 *	maps). Errors: SO2_ERR_CONFIG with the reason for anything that
 *	cannot be migrated safely (a proxy:, database or unknown map type, a
 *	password map unreadable, an entry spanning lines or given twice,
 *	other servers that keep a password), SO2_ERR_NOTFOUND (postconf
 *	failed), SO2_ERR_NOMEM. With p->list_all (doctor), entries of
 *	other servers, unusable and repeated entries are listed, not refused.
 */
so2_status pfm_scan(pfm *p, so2_err *err);

/* pfm_free - release what pfm_scan allocated */
void pfm_free(pfm *p);

/*
 * pfm_postconf - one parameter (unexpanded with raw, else expanded) into
 *	out; "" when unset. 0, or -1 when postconf failed.
 */
int pfm_postconf(const pfm *p, const char *name, int raw, char *out, size_t size);

/* --- migrate_plan.c ---------------------------------------------------- */

/*
 * pfm_settings - the main.cf changes the module needs into p->settings:
 *	smtp_sasl_auth_enable, smtp_sasl_mechanism_filter, the SASL security
 *	options (noplaintext excludes XOAUTH2), smtp_tls_security_level (when
 *	relayhost is a known server), import_environment (the module's
 *	SASL_PATH, SASL_OAUTH2_CONF, SASL_OAUTH2_CORE when this command runs
 *	with them). SO2_OK, SO2_ERR_NOTFOUND (postconf failed).
 */
so2_status pfm_settings(pfm *p, so2_err *err);

/*
 * pfm_new_map - the new source of map m: each entry to migrate with its
 *	password removed. *out: malloc'd (so2_wipe_free(*out, *outlen + 1)).
 *	show: when not NULL, the diff of the change (password hidden) is
 *	appended to it (FILE *). SO2_ERR_CONFIG when the file changed since
 *	the scan, SO2_ERR_IO, SO2_ERR_NOMEM.
 */
so2_status pfm_new_map(const pfm *p, size_t m, char **out, size_t *outlen,
		       void *show, so2_err *err);

/*
 * pfm_new_main_cf - main.cf with p->settings applied by postconf -e on a
 *	copy in a private temporary directory; *out as pfm_new_map. show:
 *	when not NULL, the diff of the change is printed to it. SO2_ERR_IO.
 */
so2_status pfm_new_main_cf(const pfm *p, char **out, size_t *outlen, void *show,
			   so2_err *err);

/* pfm_print_plan - the accounts, the relays, the notes (stdout); grant:
 *	the cli_grant every account uses, -1: each provider's default */
void pfm_print_plan(const pfm *p, int grant);

#endif

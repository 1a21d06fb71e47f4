/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	doctor_record.c - can the runtime user use a record?
 * SYNOPSIS
 *	doc_user_can(d, &st, 4); doc_record_usable(d, dir, name, why, size)
 * DESCRIPTION
 *	The access test doctor applies to the store, the record and its lock
 *	(owner, group and other bits of the runtime user, root reads
 *	everything), and the short verdict on one record that the Postfix
 *	checks give for every account a password map selects: the file
 *	exists, has mode 0600, belongs to the runtime user, parses
 *	(so2_store_read) and does not need a new login. cmd_doctor.c gives
 *	the same checks one line each for the account it examines in full.
 * DIAGNOSTICS
 *	doc_record_usable returns 0 when usable, -1 with the reason in why;
 *	it adds no checklist line and never shows a token.
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "token/store.h"

#include "doctor.h"

/* doc_user_can - may the runtime user access a file with these bits? */
int
doc_user_can(const doctor *d, const struct stat *st, int want)
{
	int i, bits;

	if (d->uid == 0)
		return (want & 1) == 0 || (st->st_mode & 0111) != 0 || S_ISDIR(st->st_mode);
	if (st->st_uid == d->uid)
		bits = (int)(st->st_mode >> 6) & 7;
	else {
		bits = (int)st->st_mode & 7;
		for (i = 0; i < d->ngroups; i++)
			if (d->groups[i] == st->st_gid) {
				bits = (int)(st->st_mode >> 3) & 7;
				break;
			}
	}
	return (bits & want) == want;
}

/* doc_record_usable - one record (a name in dir, or a path): usable by the runtime user? */
int
doc_record_usable(const doctor *d, const char *dir, const char *name, char *why, size_t size)
{
	char file[SO2_ACCOUNT_MAX + 16], path[4096], warn[SO2_ERR_MSG_MAX];
	char *fname = NULL;
	so2_store *st = NULL;
	so2_record *rec = NULL;
	struct stat sb;
	so2_err err;
	int ok = -1;

	so2_err_clear(&err);
	if (name[0] == '/')
		so2_format(path, sizeof(path), "%s", name);
	else if (dir == NULL || so2_store_file_name(name, file, sizeof(file), &err) != SO2_OK) {
		so2_format(why, size, "%s", dir == NULL ? "no store configured" : err.msg);
		return -1;
	} else
		so2_format(path, sizeof(path), "%s/%s", dir, file);
	if (stat(path, &sb) != 0) {
		so2_format(why, size, "record %s: %s", path, strerror(errno));
		return -1;
	}
	if ((sb.st_mode & 077) != 0) {
		so2_format(why, size, "record %s: mode %04o lets other users read the tokens",
			   path, (unsigned)(sb.st_mode & 07777));
		return -1;
	}
	if ((d->uid != 0 && sb.st_uid != d->uid) || !doc_user_can(d, &sb, 6)) {
		struct passwd *pw = getpwuid(sb.st_uid);

		so2_format(why, size, "record %s: owned by %s, but %s must read and refresh it",
			   path, pw ? pw->pw_name : "another user", d->run_user);
		return -1;
	}
	if (name[0] == '/') {
		if (so2_store_open_file(path, &st, &fname, &err) == SO2_OK)
			so2_format(file, sizeof(file), "%s", fname);
		free(fname);
	} else
		so2_store_open(dir, &st, &err);
	if (st == NULL || so2_store_read(st, file, &rec, warn, &err) != SO2_OK)
		so2_format(why, size, "record %s: %s", path, err.msg);
	else if (so2_record_has_state(rec, SO2_STATE_NEEDS_LOGIN))
		so2_format(why, size, "record %s: needs a new login: %s", path,
			   rec->last_error ? rec->last_error : "the grant is dead");
	else {
		so2_format(why, size, "record %s: usable by %s, provider %s", path, d->run_user,
			   rec->provider ? rec->provider : "unknown");
		ok = 0;
	}
	so2_record_free(rec);
	so2_store_close(st);
	return ok;
}

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	cache.c - a valid access token for an account (see cache.h)
 * DESCRIPTION
 *	The refresh protocol (DESIGN, "the flow of one authentication"):
 *	read without lock; if the access token is usable, done. Else lock,
 *	read again, refresh only if still needed, write, unlock. So when
 *	N processes find the same expired token at once, the first one to
 *	get the lock refreshes and the others find the new token on their
 *	second read: one token endpoint request per expiry.
 *
 *	Failure policy:
 *	- transient (SO2_ERR_TEMP) or an OAuth error that leaves the grant
 *	  alive (SO2_ERR_OAUTH): the tokens are not touched; the failure is
 *	  counted in the record (failures, retry_after, last_error, written
 *	  under the lock from the copy read under the lock) and later calls
 *	  send no request before retry_after: a still-valid token is used,
 *	  an expired one fails at once with a temporary failure naming the
 *	  time of the next attempt.
 *
 *	  Why the back-off lives in the record and not beside it: every
 *	  process (Postfix smtp, the timer, the command) must see it, and
 *	  the record is the one file they all read; a new login resets it
 *	  by replacing the record; status shows it without a second file;
 *	  and it is written only under the lock from the record read under
 *	  the lock, so it can never put back an older refresh token.
 *	- dead grant (SO2_ERR_GRANT): the record is kept, marked
 *	  needs_login with the error; later calls fail at once, without a
 *	  network request, naming the login command.
 *	- write failure after a successful refresh: the new access token is
 *	  still returned (with a warning) so this authentication succeeds.
 *
 *	Parse once (issue 12): the parsed record is kept in the cache and
 *	reused while the file is unchanged, so a process that authenticates
 *	again and again (Postfix's smtp, a threaded client) parses the JSON
 *	once per change of the file, not once per connection. Unchanged
 *	means: fstatat(2) of the name gives the same device, inode, size,
 *	mode and nanosecond mtime and ctime as the file that was parsed, and
 *	the store directory has the same owner and mode (the read's trust
 *	warnings depend on them).
 *	The parsed file is held open, so its inode cannot be freed and given
 *	to a new record while we compare with it: a record replaced by
 *	rename(2) always has another inode, even in the same clock tick
 *	with the same size; a file edited in place changes its ctime. The
 *	slots are guarded by one mutex (threads of one process). Only the
 *	lock-free first read is served from memory; every refresh decision
 *	taken under the record's lock reads the file again, as before.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "token/cache.h"
#include "token/diagnose.h"

#include "base/file.h"
#include "base/text.h"

#define SO2_CLOCK_MAX	32	/* bytes of a formatted time of day */

/* A parsed record kept for reuse while its file is unchanged. */
struct slot {
	char *dir;		/* store directory path; NULL: slot free */
	char *name;		/* record file name in dir */
	so2_record *rec;	/* parsed from the file open on fd */
	int fd;			/* held open: its inode cannot be reused */
	struct stat sb;		/* fstat(2) of fd before the parse */
	struct stat dsb;	/* of the store directory then (trust) */
	char warn[SO2_ERR_MSG_MAX];	/* the read's warning, or "" */
	unsigned long used;	/* last use, for replacement */
};

/* Where the process stood at so2_cache_open, to recognise a chroot later:
 * Postfix's master runs its daemons in queue_directory, and smtp chroot()s
 * there after the module's init (chroot_now). Read-only after open. */
struct origin {
	int known;		/* stat("/") and stat(".") worked */
	dev_t root_dev;		/* of "/" */
	ino_t root_ino;
	dev_t cwd_dev;		/* of the current directory */
	ino_t cwd_ino;
	char cwd[PATH_MAX];	/* its path (getcwd), "" when unknown */
};

struct so2_cache {
	pthread_mutex_t mu;	/* guards slots and tick */
	struct slot slots[SO2_CACHE_SLOTS];
	unsigned long tick;
	const so2_config *conf;
	so2_store *store;	/* NULL when it could not be opened */
	so2_err store_err;	/* why, reported at each use */
	int ca_fd;		/* CA bundle opened at open (chroot), or -1 */
	so2_err ca_err;		/* why not, reported at refresh */
	so2_http_conf http;
	so2_net_init_fn net_init;	/* before a token request, or NULL */
	struct origin origin;	/* "/" and the directory at open */
};

/* ca_error - the message of a failed CA bundle read (base/file.h why) */
static so2_status
ca_error(const so2_read_why *why, const char *path, size_t max, so2_err *err)
{
	switch (why->fail) {
	case SO2_READ_OPEN:
		return so2_err_set(err, SO2_ERR_IO, "cannot open CA bundle %s: %s", path,
				   strerror(why->errnum));
	case SO2_READ_IO:
		return so2_err_set(err, SO2_ERR_IO, "cannot read CA bundle %s: %s", path,
				   strerror(why->errnum));
	case SO2_READ_CHANGED:
		return so2_err_set(err, SO2_ERR_IO, "CA bundle %s changed while it was read",
				   path);
	case SO2_READ_NOMEM:
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	default:
		return so2_err_set(err, SO2_ERR_IO,
				   "CA bundle %s is not a regular file of at most %zu bytes",
				   path, max);
	}
}

/* default_ca_file - libcurl's built-in CA bundle path, or a Debian default */
static const char *
default_ca_file(void)
{
	const curl_version_info_data *vi = curl_version_info(CURLVERSION_NOW);

	if (vi != NULL && vi->age >= CURLVERSION_SEVENTH && vi->cainfo != NULL)
		return vi->cainfo;
	return "/etc/ssl/certs/ca-certificates.crt";
}

/* origin_note - "/" and the current directory now, into o (see struct origin) */
static void
origin_note(struct origin *o)
{
	struct stat root, cwd;

	o->known = stat("/", &root) == 0 && stat(".", &cwd) == 0;
	if (!o->known)
		return;
	o->root_dev = root.st_dev;
	o->root_ino = root.st_ino;
	o->cwd_dev = cwd.st_dev;
	o->cwd_ino = cwd.st_ino;
	/* glibc gives "(unreachable)..." for a directory outside the root */
	if (getcwd(o->cwd, sizeof(o->cwd)) == NULL || o->cwd[0] != '/')
		o->cwd[0] = '\0';
}

/* so2_cache_open - open the store and read the CA bundle */
so2_status
so2_cache_open(const so2_config *conf, so2_cache **out, so2_err *err)
{
	so2_cache *c;
	const char *ca;
	int i;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	if (pthread_mutex_init(&c->mu, NULL) != 0) {
		free(c);
		return so2_err_set(err, SO2_ERR_NOMEM, "cannot create a mutex");
	}
	for (i = 0; i < SO2_CACHE_SLOTS; i++)
		c->slots[i].fd = -1;
	origin_note(&c->origin);
	c->ca_fd = -1;
	c->conf = conf;
	so2_err_clear(&c->store_err);
	so2_err_clear(&c->ca_err);
	if (so2_store_open(conf->store_dir, &c->store, &c->store_err) != SO2_OK)
		c->store = NULL;
	if (c->store_err.status == SO2_ERR_NOMEM) {
		/* not a property of the store: the caller tries again later */
		so2_cache_close(c);
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	}
	/* Opened now (before a chroot), read at each refresh: no copy of
	 * the bundle (200 KB on Debian) stays in every mail process. */
	ca = conf->ca_file ? conf->ca_file : default_ca_file();
	c->ca_fd = open(ca, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (c->ca_fd < 0)
		so2_err_set(&c->ca_err, SO2_ERR_IO, "cannot open CA bundle %s: %s", ca,
			    strerror(errno));
	c->http.ca_file = ca;
	c->http.proxy = conf->proxy;
	c->http.connect_timeout = conf->connect_timeout;
	c->http.total_timeout = conf->http_timeout;
	c->http.max_reply = conf->max_reply;
	*out = c;
	return SO2_OK;
}

/* slot_clear - forget a kept record (wiping its tokens) */
static void
slot_clear(struct slot *s)
{
	so2_record_free(s->rec);
	if (s->fd >= 0)
		close(s->fd);
	free(s->dir);
	free(s->name);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

/* so2_cache_close - free */
void
so2_cache_close(so2_cache *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < SO2_CACHE_SLOTS; i++)
		slot_clear(&c->slots[i]);
	pthread_mutex_destroy(&c->mu);
	so2_store_close(c->store);
	if (c->ca_fd >= 0)
		close(c->ca_fd);
	free(c);
}

/* ca_pread - the whole file open on fd, from offset 0, at most max bytes
 *	pread(2), not so2_read_fd: the descriptor's offset is shared with
 *	other threads and, after a fork, with other processes. Same promises
 *	as base/file.h (regular file, cap, all or nothing). */
static so2_status
ca_pread(int fd, size_t max, char **out, size_t *outlen, so2_read_why *why)
{
	struct stat sb;
	size_t len = 0, bufsize;
	char *buf;
	ssize_t n;

	memset(why, 0, sizeof(*why));
	if (fstat(fd, &sb) != 0) {
		why->fail = SO2_READ_STAT;
		why->errnum = errno;
		return SO2_ERR_IO;
	}
	why->size = (long long)sb.st_size;
	why->mode = (unsigned)sb.st_mode;
	if (!S_ISREG(sb.st_mode) || sb.st_size < 0 || (unsigned long long)sb.st_size > max) {
		why->fail = S_ISREG(sb.st_mode) ? SO2_READ_TOOBIG : SO2_READ_NOTREG;
		return SO2_ERR_IO;
	}
	bufsize = (size_t)sb.st_size + 1;	/* one more: a file that grew */
	if ((buf = malloc(bufsize)) == NULL) {
		why->fail = SO2_READ_NOMEM;
		return SO2_ERR_NOMEM;
	}
	while (len < bufsize) {
		n = pread(fd, buf + len, bufsize - len, (off_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0) {
				why->fail = SO2_READ_IO;
				why->errnum = errno;
			}
			break;
		}
		len += (size_t)n;
	}
	if (why->fail == SO2_READ_OK && len != bufsize - 1)
		why->fail = SO2_READ_CHANGED;
	if (why->fail != SO2_READ_OK) {
		so2_wipe_free(buf, bufsize);
		return SO2_ERR_IO;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return SO2_OK;
}

/* so2_cache_ca_bundle - the CA bundle's bytes, read now from its descriptor */
so2_status
so2_cache_ca_bundle(so2_cache *c, char **out, size_t *outlen, so2_err *err)
{
	so2_read_why why;

	*out = NULL;
	*outlen = 0;
	if (c->ca_fd < 0)
		return so2_err_set(err, c->ca_err.status, "%s", c->ca_err.msg);
	if (ca_pread(c->ca_fd, SO2_CA_MAX, out, outlen, &why) != SO2_OK)
		return ca_error(&why, c->http.ca_file, SO2_CA_MAX, err);
	return SO2_OK;
}

/* so2_cache_set_net_init - what runs before a token endpoint request */
void
so2_cache_set_net_init(so2_cache *c, so2_net_init_fn fn)
{
	c->net_init = fn;
}

/* so2_cache_http - HTTP settings */
const so2_http_conf *
so2_cache_http(const so2_cache *c)
{
	return &c->http;
}

/* so2_cache_store - the store or NULL */
so2_store *
so2_cache_store(so2_cache *c)
{
	return c->store;
}

/* shell_word - name as one shell word: as is when it holds only
 *	[A-Za-z0-9@._+-/,:=%], else single-quoted, each ' written '\'' (POSIX
 *	sh 2.2.3), so that no character of the name is read by the shell. A
 *	quoted name that does not fit in size bytes is written NAME (a cut
 *	one would leave a quote open, or name another file). */
static void
shell_word(const char *name, size_t len, char *buf, size_t size)
{
	size_t i, n = 0, need = 2;

	for (i = 0; i < len; i++)
		if (strchr("@._+-/,:=%", name[i]) == NULL && !((name[i] | 0x20) >= 'a'
		    && (name[i] | 0x20) <= 'z') && !(name[i] >= '0' && name[i] <= '9'))
			break;
	if (i == len) {
		so2_format(buf, size, "%.*s", (int)len, name);
		return;
	}
	for (i = 0; i < len; i++)
		need += name[i] == '\'' ? 4 : 1;
	if (need + 1 > size) {
		so2_format(buf, size, "NAME");
		return;
	}
	buf[n++] = '\'';
	for (i = 0; i < len; i++) {
		if (name[i] == '\'') {
			memcpy(buf + n, "'\\''", 4);
			n += 4;
		} else
			buf[n++] = name[i];
	}
	buf[n++] = '\'';
	buf[n] = '\0';
}

/* so2_ref_args - "ACCOUNT", or "NAME --store DIR" for a record path */
void
so2_ref_args(const char *ref, char *buf, size_t size)
{
	const char *slash = ref[0] == '/' ? strrchr(ref, '/') : NULL;
	size_t len, sl = strlen(".json");
	char name[SO2_ACCOUNT_MAX + 64], dir[1024];

	if (slash == NULL || slash[1] == '\0') {
		shell_word(ref, strlen(ref), buf, size);
		return;
	}
	len = strlen(slash + 1);
	if (len > sl && strcmp(slash + 1 + len - sl, ".json") == 0)
		len -= sl;
	shell_word(slash + 1, len, name, sizeof(name));
	shell_word(ref, slash == ref ? 1 : (size_t)(slash - ref), dir, sizeof(dir));
	so2_format(buf, size, "%s --store %s", name, dir);
}

/* so2_login_command - the command that gets a new grant */
void
so2_login_command(const so2_record *rec, const char *ref, char *buf, size_t size)
{
	char account[SO2_ACCOUNT_MAX + 1100], then[1200] = "";
	size_t len = strlen(ref);
	const char *g = rec != NULL ? rec->grant_type : NULL;
	const char *grant = g == NULL ? "" :
	    strcmp(g, SO2_RECORD_GRANT_CLIENT_CREDENTIALS) == 0 ? " --grant client-credentials" :
	    strcmp(g, SO2_RECORD_GRANT_CODE) == 0 ? " --grant code" : "";

	so2_ref_args(ref, account, sizeof(account));
	/* login writes DIR/NAME.json: a record path named otherwise is then
	 * moved where it is expected. */
	if (ref[0] == '/' && (len <= 5 || strcmp(ref + len - 5, ".json") != 0)
	    && strrchr(ref, '/')[1] != '\0') {
		char json[1100], from[550], to[550];

		so2_format(json, sizeof(json), "%s.json", ref);
		shell_word(json, strlen(json), from, sizeof(from));
		shell_word(ref, len, to, sizeof(to));
		so2_format(then, sizeof(then), "; then: mv %s %s", from, to);
	}
	if (rec != NULL && rec->provider != NULL)
		so2_format(buf, size, "sasl-oauth2 login %s --provider %s%s%s", account,
			   rec->provider, grant, then);
	else
		so2_format(buf, size, "sasl-oauth2 login %s%s%s", account, grant, then);
}

/* A resolved reference: the store to use and the record's file name. */
struct ref {
	const so2_cache *c;	/* for chroot_hint */
	so2_store *st;		/* c->store or owned (path form) */
	int owned;
	char name[NAME_MAX + 1];
	char account[SO2_ACCOUNT_MAX + 1];
};

/* join - a, sep and b into buf (size bytes), truncating
 *	Per exchange; cheaper than a printf of "%s%s%s". */
static void
join(char *buf, size_t size, const char *a, const char *sep, const char *b)
{
	const char *parts[3] = { a, sep, b };
	size_t n = 0, len;
	int i;

	for (i = 0; i < 3 && n + 1 < size; i++) {
		len = strlen(parts[i]);
		if (len > size - 1 - n)
			len = size - 1 - n;
		memcpy(buf + n, parts[i], len);
		n += len;
	}
	buf[n] = '\0';
}

/* Where "/" is now, against where it was at so2_cache_open. */
enum root { ROOT_SAME, ROOT_START, ROOT_ELSEWHERE };

/* chroot_now - has the process chroot()ed since so2_cache_open, and where?
 *	ROOT_START: "/" is now the directory that was current then, whose path
 *	is c->origin.cwd (Postfix's smtp: queue_directory); ROOT_ELSEWHERE:
 *	another directory, which cannot be named; ROOT_SAME: "/" did not change
 *	(or it cannot be told). One stat(2), no allocation. */
static enum root
chroot_now(const so2_cache *c)
{
	const struct origin *o = &c->origin;
	struct stat sb;

	if (!o->known || stat("/", &sb) != 0
	    || (sb.st_dev == o->root_dev && sb.st_ino == o->root_ino))
		return ROOT_SAME;
	if (sb.st_dev == o->cwd_dev && sb.st_ino == o->cwd_ino && o->cwd[0] != '\0')
		return ROOT_START;
	return ROOT_ELSEWHERE;
}

/* inside_path - ref as the kernel resolves it here, into out (size bytes)
 *	The longest leading part of ref that exists, resolved (realpath(3):
 *	symbolic links and ".." inside the chroot, which a host path made of
 *	the chroot and ref as written would resolve otherwise: /../etc is
 *	/etc in the chroot but the chroot's parent on the host, a link to an
 *	absolute path leaves the chroot on the host), then the rest as is. */
static void
inside_path(const char *ref, char *out, size_t size)
{
	char pre[PATH_MAX], real[PATH_MAX];
	size_t cut = strlen(ref);
	char *slash;

	if (cut >= sizeof(pre)) {
		so2_format(out, size, "%s", ref);
		return;
	}
	memcpy(pre, ref, cut + 1);
	while (realpath(pre[0] != '\0' ? pre : "/", real) == NULL) {
		if ((slash = strrchr(pre, '/')) == NULL) {
			so2_format(out, size, "%s", ref);
			return;
		}
		*slash = '\0';
		cut = (size_t)(slash - pre);
	}
	so2_format(out, size, "%s%s", strcmp(real, "/") == 0 ? "" : real, ref + cut);
}

/* chroot_hint - a record path that cannot be opened, told for a chroot
 *	ref: the record path (the SASL password form); missing: the path does
 *	not exist here (no record, or no directory); err: the open's error.
 *	A record path is opened at each use, after the host program's
 *	chroot, so it is looked up inside the chroot; the store is opened
 *	before. When the process runs chrooted since so2_cache_open, a
 *	missing path's message is replaced by one naming the chroot, the path
 *	as it is on the host and the fixes (the host-side mkdir or login
 *	would not reach what this process opens); another error gets the
 *	chroot appended. Else err is left alone. Status kept; no allocation. */
static void
chroot_hint(const so2_cache *c, const char *ref, int missing, so2_err *err)
{
	char host[PATH_MAX + 1024], cmd[1400], fix[PATH_MAX + 1500], in[PATH_MAX];
	const char *store = c->conf->store_dir != NULL ? c->conf->store_dir : "?";
	enum root root = chroot_now(c);

	if (root == ROOT_SAME)
		return;
	if (root == ROOT_START) {
		inside_path(ref, in, sizeof(in));
		join(host, sizeof(host), c->origin.cwd, "", in);
	}
	if (!missing) {
		if (root == ROOT_START)
			so2_err_append(err, "; this process runs chrooted in %s as uid %ld: the"
				       " path %s is %s on the host", c->origin.cwd,
				       (long)geteuid(), ref, host);
		else
			so2_err_append(err, "; this process runs chrooted (in a directory the"
				       " module cannot name): the path %s is looked up inside it",
				       ref);
		so2_printable(err->msg, err->msg, sizeof(err->msg));
		return;
	}
	if (root == ROOT_START) {
		so2_login_command(NULL, host, cmd, sizeof(cmd));
		/* Run as root, login would create the directory as root's, mode
		 * 0700, which this process (Postfix's smtp runs as postfix) could
		 * not open: the command gives it to this process's user. By uid:
		 * the user database may not be inside the chroot. */
		if (geteuid() != 0) {
			char tail[1200] = "", *then = strstr(cmd, "; then: ");
			size_t len;

			if (then != NULL) {
				so2_format(tail, sizeof(tail), "%s", then);
				*then = '\0';
			}
			len = strlen(cmd);
			so2_format(cmd + len, sizeof(cmd) - len, " --user %ld%s", (long)geteuid(),
				   tail);
		}
		so2_format(fix, sizeof(fix), "runs chrooted in %s, so the path %s is %s on the"
			   " host; put the record there (create it with: %s)", c->origin.cwd,
			   ref, host, cmd);
	} else
		so2_format(fix, sizeof(fix), "runs chrooted (in a directory the module cannot"
			   " name: not the one it started in), so the path %s is looked up inside"
			   " that directory (Postfix: queue_directory), not on the host; put the"
			   " record at %s inside it", ref, ref);
	so2_err_set(err, err->status, "account %s: no token record %s: this process %s, or make"
		    " the SASL password empty to use the record named by the SASL user in the"
		    " store %s, opened before the chroot", ref, ref, fix, store);
	/* The directory's name goes to syslog: no control character raw. */
	so2_printable(err->msg, err->msg, sizeof(err->msg));
}

/* resolve - account name or /path to (store, file name) */
static so2_status
resolve(so2_cache *c, const char *ref, struct ref *r, so2_token_info *info, so2_err *err)
{
	so2_status result;

	memset(r, 0, sizeof(*r));
	r->c = c;
	if (ref == NULL || *ref == '\0')
		return so2_err_set(err, SO2_ERR_PARAM, "no account given");
	if (ref[0] == '/') {
		char *name = NULL;
		int missing;

		result = so2_store_open_file(ref, &r->st, &name, err);
		missing = result == SO2_ERR_IO && strstr(err->msg, "does not exist") != NULL;
		if (missing) {
			char cmd[1400];

			so2_login_command(NULL, ref, cmd, sizeof(cmd));
			so2_err_append(err, "; then log in: %s", cmd);
		}
		if (result == SO2_ERR_IO)
			chroot_hint(c, ref, missing, err);
		if (result != SO2_OK)
			return result;
		r->owned = 1;
		join(r->name, sizeof(r->name), name, "", "");
		join(r->account, sizeof(r->account), ref, "", "");
		free(name);
	} else {
		if ((result = so2_store_file_name(ref, r->name, sizeof(r->name), err)) != SO2_OK)
			return result;
		join(r->account, sizeof(r->account), ref, "", "");
		if (c->store == NULL) {
			so2_err_set(err, c->store_err.status, "%s", c->store_err.msg);
			return so2_err_prefix(err, "account %s", ref);
		}
		r->st = c->store;
	}
	if (info != NULL) {
		join(info->account, sizeof(info->account), r->account, "", "");
		join(info->path, sizeof(info->path), so2_store_dir(r->st), "/", r->name);
	}
	return SO2_OK;
}

/* release - free what resolve() opened */
static void
release(struct ref *r)
{
	if (r->owned)
		so2_store_close(r->st);
	r->st = NULL;
}

/* read_record - read a record, with the user-facing wording of failures */
static so2_status
read_record(struct ref *r, so2_record **rec, char *warn, so2_err *err)
{
	so2_status result = so2_store_read(r->st, r->name, rec, warn, err);

	if (result == SO2_ERR_NOTFOUND) {
		char cmd[1400];

		so2_login_command(NULL, r->account, cmd, sizeof(cmd));
		so2_err_set(err, result, "account %s: no token record %s/%s; create it with:"
			    " %s", r->account, so2_store_dir(r->st), r->name, cmd);
	}
	else if (result != SO2_OK)
		so2_err_prefix(err, "account %s", r->account);
	if ((result == SO2_ERR_NOTFOUND || result == SO2_ERR_IO) && r->owned)
		chroot_hint(r->c, r->account, result == SO2_ERR_NOTFOUND, err);
	return result;
}

/* needs_login_error - the fail-fast message of a dead grant */
static so2_status
needs_login_error(const struct ref *r, const so2_record *rec, so2_err *err)
{
	char cmd[1400];

	char plain[SO2_ACCOUNT_MAX + 1100], args[SO2_ACCOUNT_MAX + 1100];

	so2_login_command(rec, r->account, cmd, sizeof(cmd));
	/* One message, one command: when the table's fix already names the
	 * login (diagnose.h), that one becomes the full command. */
	so2_ref_args(r->account, args, sizeof(args));
	so2_format(plain, sizeof(plain), "sasl-oauth2 login %s", args);
	if (rec->last_error != NULL && strstr(rec->last_error, plain) != NULL) {
		so2_err_set(err, SO2_ERR_GRANT, "account %s needs a new login: %s", r->account,
			    rec->last_error);
		if (strstr(rec->last_error, cmd) == NULL)
			so2_diag_fill(err->msg, sizeof(err->msg), plain, cmd);
		return SO2_ERR_GRANT;
	}
	return so2_err_set(err, SO2_ERR_GRANT,
			   "account %s needs a new login: %s; run: %s", r->account,
			   rec->last_error ? rec->last_error
					   : "the refresh token was rejected", cmd);
}

/* save - write rec through the write prepared before the request */
static so2_status
save(struct ref *r, so2_store_tx *tx, const so2_record *rec, so2_err *werr)
{
	if (tx->fd < 0)
		return so2_store_write(r->st, r->name, rec, werr);
	return so2_store_commit(r->st, tx, rec, werr);
}

/* backoff_delay - seconds without a request after the n-th failure in a row
 *	backoff_min doubled per failure, capped at backoff_max; a longer
 *	Retry-After from the server wins (RFC 9110 section 10.2.3). */
static long
backoff_delay(const so2_config *conf, long failures, long retry_after)
{
	long d = conf->backoff_min, i;

	for (i = 1; i < failures && d < conf->backoff_max; i++)
		d *= 2;
	if (d > conf->backoff_max)
		d = conf->backoff_max;
	return retry_after > d ? retry_after : d;
}

/* clock_text - a time of day for messages, "HH:MM:SS" (local time) */
static char *
clock_text(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL || strftime(buf, size, "%H:%M:%S", &tm) == 0)
		so2_format(buf, size, "%lld", (long long)t);
	return buf;
}

/* token_usable - the stored access token may still be sent at now */
static int
token_usable(const so2_record *rec, time_t now)
{
	return !so2_secret_empty(&rec->access_token) && rec->expires_at > now
	       && !so2_record_has_state(rec, SO2_STATE_STALE);
}

/* append - add text to the end of a message (truncating) */
static void
append(char *msg, size_t size, const char *text)
{
	size_t n = strlen(msg);

	if (n + 1 < size)
		so2_format(msg + n, size - n, "%s", text);
}

/* during_backoff - no request allowed before rec->retry_after
 *	SO2_OK when the current token can still be used (warning in info),
 *	else SO2_ERR_TEMP naming when the next attempt happens. */
static so2_status
during_backoff(const struct ref *r, const so2_record *rec, time_t now, so2_token_info *info,
	       so2_err *err)
{
	char at[SO2_CLOCK_MAX];

	clock_text(rec->retry_after, at, sizeof(at));
	if (token_usable(rec, now)) {
		if (info != NULL) {
			info->backing_off = 1;
			so2_format(info->warning, sizeof(info->warning),
				   "account %s: the access token expires in %lld s but refreshing"
				   " it failed %ld time%s in a row; using it, next refresh attempt"
				   " at %s; last error: %s", r->account,
				   (long long)(rec->expires_at - now), rec->failures,
				   rec->failures == 1 ? "" : "s", at,
				   rec->last_error ? rec->last_error : "-");
		}
		return SO2_OK;
	}
	return so2_err_set(err, SO2_ERR_TEMP,
			   "account %s: temporary failure: refreshing the access token failed"
			   " %ld time%s in a row; no new request to the token endpoint before %s"
			   " (in %lld s), the mail stays queued until then; last error: %s",
			   r->account, rec->failures, rec->failures == 1 ? "" : "s", at,
			   (long long)(rec->retry_after - now),
			   rec->last_error ? rec->last_error : "-");
}

/* record_failure - count a failed refresh in rec and write it (tokens unchanged)
 *	Called with the lock held; rec is the record read under the lock.
 *	Adds "next attempt at ..." to err; a failed write becomes a warning. */
static so2_status
record_failure(so2_cache *c, struct ref *r, so2_record *rec, long retry_after, time_t now,
	       so2_store_tx *tx, so2_token_info *info, so2_err *err)
{
	so2_status saved;
	char at[SO2_CLOCK_MAX], note[128];
	so2_err werr;
	long delay;

	if (rec->failures < 0 || rec->failures >= 1000000)
		rec->failures = 0;
	rec->failures++;
	delay = backoff_delay(c->conf, rec->failures, retry_after);
	rec->retry_after = delay > 0 ? now + delay : 0;
	if (so2_record_set_str(&rec->last_error, err->msg) != SO2_OK)
		return SO2_ERR_NOMEM;
	rec->last_error_at = now;
	if (delay > 0) {
		char *said = strstr(err->msg, "; retry after ");

		/* One time for the next attempt: the server's Retry-After is
		 * already in delay (backoff_delay), not said a second time. */
		if (said != NULL)
			*said = '\0';
		so2_format(note, sizeof(note),
			   "; attempt %ld failed, next attempt at %s (in %ld s%s)",
			   rec->failures, clock_text(rec->retry_after, at, sizeof(at)), delay,
			   retry_after > 0 && retry_after >= delay ? ", as the server asked" : "");
		append(err->msg, sizeof(err->msg), note);
	}
	if ((saved = save(r, tx, rec, &werr)) != SO2_OK && info != NULL)
		so2_format(info->warning, sizeof(info->warning),
			   "account %s: cannot record the failure for the back-off: %s",
			   r->account, werr.msg);
	return saved;
}

/* path_hints - commands a message names for account, made to work for ref
 *	The token endpoint's messages name the record's account
 *	(diagnose.h); a record given by its path needs "NAME --store DIR". */
static void
path_hints(const char *ref, const char *account, char *msg, size_t size)
{
	static const char *const cmds[] = { "login", "doctor", "refresh", "token" };
	char args[SO2_ACCOUNT_MAX + 1100], word[SO2_ACCOUNT_MAX + 32];
	char value[SO2_ACCOUNT_MAX + 1200];
	size_t i;

	so2_ref_args(ref, args, sizeof(args));
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		so2_format(word, sizeof(word), "sasl-oauth2 %s %s", cmds[i], account);
		so2_format(value, sizeof(value), "sasl-oauth2 %s %s", cmds[i], args);
		so2_diag_fill(msg, size, word, value);
	}
}

/* record_reserve - bytes of the largest record a reply can make (record.h) */
static size_t
record_reserve(const so2_cache *c)
{
	long reply = c->http.max_reply > 0 ? c->http.max_reply : SO2_REPLY_DEFAULT_MAX;

	return (size_t)reply + SO2_RECORD_META_MAX;
}

/* refresh_locked - refresh rec through the token endpoint and store it
 *	Called with the record's lock held and its write prepared (tx:
 *	the temporary file exists), so that whatever the server answers,
 *	a rotated refresh token included, can be stored. */
static so2_status
refresh_locked(so2_cache *c, struct ref *r, so2_record *rec, so2_store_tx *tx,
	       so2_token_info *info, so2_err *err)
{
	so2_token_reply reply;
	so2_oauth_error oerr;
	so2_http_conf hc;
	so2_err werr;
	so2_status result;
	char *ca = NULL;
	size_t ca_len = 0;
	time_t now;

	memset(&reply, 0, sizeof(reply));
	memset(&oerr, 0, sizeof(oerr));
	/* A client_credentials record has no refresh token (RFC 6749
	 * 4.4.3): so2_grant_refresh asks again with the client's
	 * credentials, here under the same lock as a refresh. */
	if (so2_secret_empty(&rec->refresh_token)
	    && (rec->grant_type == NULL
		|| strcmp(rec->grant_type, SO2_RECORD_GRANT_CLIENT_CREDENTIALS) != 0)) {
		char cmd[1400];

		so2_login_command(rec, r->account, cmd, sizeof(cmd));
		return so2_err_set(err, SO2_ERR_GRANT,
				   "account %s: the access token expired and the record holds no"
				   " refresh token; run: %s", r->account, cmd);
	}
	if (c->net_init != NULL && (result = c->net_init(err)) != SO2_OK)
		return so2_err_prefix(err, "account %s: cannot refresh", r->account);
	if ((result = so2_cache_ca_bundle(c, &ca, &ca_len, err)) != SO2_OK) {
		if (result != SO2_ERR_NOMEM)
			err->status = SO2_ERR_CONFIG;
		return so2_err_prefix(err, "account %s: cannot refresh", r->account);
	}
	/* Relative credential paths name files in the record's store,
	 * reached through its descriptor even after a chroot. */
	hc = c->http;
	hc.ca_blob = ca;
	hc.ca_blob_len = ca_len;
	hc.cred_dir_set = 1;
	hc.cred_dirfd = so2_store_dirfd(r->st);
	result = so2_grant_refresh(&hc, rec, &reply, &oerr, err);
	if (result != SO2_OK && r->owned && rec->account != NULL)
		path_hints(r->account, rec->account, err->msg, sizeof(err->msg));
	so2_wipe_free(ca, ca_len + 1);
	now = time(NULL);
	if (result == SO2_ERR_GRANT) {
		char why[512];

		/* What the record knows names the provider's likely reason. */
		if (so2_diag_dead_grant(rec->provider, oerr.code, rec->obtained_at,
					rec->refreshed_at, now, why, sizeof(why)))
			append(err->msg, sizeof(err->msg), why);
		/* The grant is dead: keep the record, mark it, fail fast from now on. */
		so2_record_set_str(&rec->last_error, err->msg);
		so2_record_set_str(&rec->state, SO2_STATE_NEEDS_LOGIN);
		rec->last_error_at = now;
		if (save(r, tx, rec, &werr) != SO2_OK && info != NULL)
			so2_format(info->warning, sizeof(info->warning), "%s", werr.msg);
		return needs_login_error(r, rec, err);
	}
	if (result != SO2_OK) {
		so2_status saved = SO2_ERR_PARAM;
		int kept = !so2_secret_empty(&reply.refresh_token);

		so2_err_prefix(err, "account %s: cannot refresh the access token", r->account);
		/* An unusable reply may carry a rotated refresh token: the old
		 * one may already be dead, so the new one is kept (issue 10,
		 * point 2), with the back-off written in the same record. */
		if (kept)
			so2_secret_take(&rec->refresh_token, &reply.refresh_token);
		if (result == SO2_ERR_TEMP || result == SO2_ERR_OAUTH)
			saved = record_failure(c, r, rec, oerr.retry_after, now, tx, info, err);
		else if (kept)
			saved = save(r, tx, rec, &werr);
		if (kept)
			so2_err_append(err, "%s", saved == SO2_OK
				       ? "; the new refresh token of the reply was kept in the"
				       " record" : "; WARNING: the new refresh token of the reply"
				       " could not be saved");
		goto out;
	}
	if ((result = so2_record_apply_reply(rec, &reply, now, err)) != SO2_OK)
		goto out;
	if (info != NULL) {
		info->refreshed = 1;
		if (reply.note[0] != '\0')
			so2_format(info->warning, sizeof(info->warning), "account %s: %s",
				   r->account, reply.note);
	}
	if (save(r, tx, rec, &werr) != SO2_OK && info != NULL) {
		info->not_saved = 1;
		so2_format(info->warning, sizeof(info->warning),
			 "account %s: the access token was refreshed and is used for this"
			 " authentication, but the record was not saved: %s%s", r->account,
			 werr.msg, so2_secret_empty(&reply.refresh_token) || tx->kept
			 ? "; the next authentication refreshes again"
			 : "; WARNING: the server rotated the refresh token and the new one is"
			 " lost when this process ends: fix the store now and run"
			 " sasl-oauth2 refresh");
	}
out:
	so2_token_reply_clear(&reply);
	return result;
}

/* wants_refresh - does rec need a refresh under opts at now? */
static int
wants_refresh(const so2_record *rec, const so2_get_opts *opts, long margin, time_t now)
{
	time_t last = rec->refreshed_at != 0 ? rec->refreshed_at : rec->obtained_at;

	if (opts->force || so2_record_needs_refresh(rec, now, margin))
		return 1;
	return opts->stale_before != 0 && last < opts->stale_before;
}

/* same_file - do two fstat results describe the same, unchanged file? */
static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size
	       && a->st_mode == b->st_mode
	       && a->st_mtim.tv_sec == b->st_mtim.tv_sec
	       && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec
	       && a->st_ctim.tv_sec == b->st_ctim.tv_sec
	       && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* same_trust - does the store directory still have the owner and mode it had?
 *	The read's warnings (a store anyone can write, a record of another
 *	user than the directory's) depend on them: a chmod or chown of the
 *	directory, which leaves the record's own times alone, must be seen. */
static int
same_trust(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_mode == b->st_mode
	       && a->st_uid == b->st_uid && a->st_gid == b->st_gid;
}

/* slot_find - the slot keeping record name of the store, or NULL */
static struct slot *
slot_find(so2_cache *c, const so2_store *st, const char *name)
{
	const char *dir = so2_store_dir(st);
	int i;

	for (i = 0; i < SO2_CACHE_SLOTS; i++)
		if (c->slots[i].dir != NULL && strcmp(c->slots[i].name, name) == 0
		    && strcmp(c->slots[i].dir, dir) == 0)
			return &c->slots[i];
	return NULL;
}

/* fd_to_spare - may the cache keep descriptor fd open?
 *	Only in the lower half of the soft RLIMIT_NOFILE: the upper half is the
 *	host program's (Postfix, a mail client with many accounts, a program
 *	that lowered its limit), so records kept open never make its own
 *	open(2) or accept(2) fail with EMFILE; and never 0, 1 or 2. A record
 *	whose file is not kept open is read again at each use, as before the
 *	cache. */
static int
fd_to_spare(int fd)
{
	struct rlimit rl;

	if (fd <= 2)
		return 0;	/* a host that closed them expects them back */
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return 1;
	return (rlim_t)fd < rl.rlim_cur / 2;
}

/* slot_to_fill - the slot of record name, else a free one, else the least
 *	recently used; emptied (its descriptor closed before a new one is
 *	opened: one descriptor fewer at the peak) */
static struct slot *
slot_to_fill(so2_cache *c, const so2_store *st, const char *name)
{
	struct slot *s = slot_find(c, st, name);
	int i;

	if (s == NULL) {
		s = &c->slots[0];
		for (i = 0; i < SO2_CACHE_SLOTS && s->dir != NULL; i++)
			if (c->slots[i].dir == NULL || c->slots[i].used < s->used)
				s = &c->slots[i];
	}
	slot_clear(s);
	return s;
}

/* slot_load - read record r afresh and keep it in a slot
 *	Called with c->mu held. The file is opened and fstat'ed first and
 *	held open; the record is then read by name, and kept only when the
 *	name still gives that same file afterwards (else it changed during
 *	the read: it is used this once and read again next time).
 *	On SO2_OK *rec is the record: kept in *kept (borrowed) or, when
 *	*kept is NULL, owned by the caller. *warn gets the read's warning. */
static so2_status
slot_load(so2_cache *c, struct ref *r, struct slot **kept, so2_record **rec, char *warn,
	  so2_err *err)
{
	struct slot *s = slot_to_fill(c, r->st, r->name);
	int dirfd = so2_store_dirfd(r->st), fd;
	struct stat sb, after;
	so2_status result;

	*kept = NULL;
	*rec = NULL;
	fd = openat(dirfd, r->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd >= 0 && (fstat(fd, &sb) != 0 || !fd_to_spare(fd) || fstat(dirfd, &s->dsb) != 0)) {
		close(fd);
		fd = -1;
	}
	if ((result = read_record(r, rec, warn, err)) != SO2_OK) {
		if (fd >= 0)
			close(fd);
		return result;
	}
	if (fd < 0 || fstatat(dirfd, r->name, &after, AT_SYMLINK_NOFOLLOW) != 0
	    || !S_ISREG(sb.st_mode) || !same_file(&sb, &after)) {
		if (fd >= 0)
			close(fd);
		return SO2_OK;	/* changed meanwhile: use once, keep nothing */
	}
	s->dir = strdup(so2_store_dir(r->st));
	s->name = strdup(r->name);
	if (s->dir == NULL || s->name == NULL) {
		free(s->dir);
		free(s->name);
		s->dir = s->name = NULL;
		close(fd);
		return SO2_OK;	/* not kept: used once */
	}
	s->rec = *rec;
	s->fd = fd;
	s->sb = sb;
	so2_format(s->warn, sizeof(s->warn), "%s", warn);
	*kept = s;
	return SO2_OK;
}

/* use_token - copy the access token of rec out */
static so2_status
use_token(const so2_record *rec, so2_secret *token, so2_token_info *info, so2_err *err)
{
	if (so2_secret_set(token, rec->access_token.data, rec->access_token.len) != SO2_OK)
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	if (info != NULL)
		info->expires_at = rec->expires_at;
	return SO2_OK;
}

/* cached_get - the lock-free first read, from the kept record when unchanged
 *	Returns 1 when the call is answered (*result, *token, *info, *err
 *	set as so2_cache_get_opts would), 0 when a refresh must be
 *	considered: then nothing is set and the caller goes on with a
 *	fresh read. */
static int
cached_get(so2_cache *c, struct ref *r, const so2_get_opts *opts, long margin, time_t now,
	   so2_secret *token, so2_token_info *info, so2_err *err, so2_status *result)
{
	char warn[SO2_ERR_MSG_MAX];
	struct slot *s;
	struct stat sb;
	so2_record *rec, *owned = NULL;
	int answered = 1;

	pthread_mutex_lock(&c->mu);
	s = slot_find(c, r->st, r->name);
	if (s != NULL
	    && fstatat(so2_store_dirfd(r->st), r->name, &sb, AT_SYMLINK_NOFOLLOW) == 0
	    && same_file(&sb, &s->sb) && fstat(so2_store_dirfd(r->st), &sb) == 0
	    && same_trust(&sb, &s->dsb)) {
		rec = s->rec;
		if (info != NULL && s->warn[0] != '\0')
			so2_format(info->warning, sizeof(info->warning), "%s", s->warn);
	} else {
		*result = slot_load(c, r, &s, &rec, warn, err);
		if (*result != SO2_OK)
			goto out;
		if (s == NULL)
			owned = rec;
		if (info != NULL && warn[0] != '\0')
			so2_format(info->warning, sizeof(info->warning), "%s", warn);
	}
	if (s != NULL)
		s->used = ++c->tick;
	if (so2_record_has_state(rec, SO2_STATE_NEEDS_LOGIN))
		*result = needs_login_error(r, rec, err);
	else if (!wants_refresh(rec, opts, margin, now))
		*result = use_token(rec, token, info, err);
	else if (!opts->ignore_backoff && rec->retry_after > now) {
		*result = during_backoff(r, rec, now, info, err);
		if (*result == SO2_OK)
			*result = use_token(rec, token, info, err);
	} else
		answered = 0;
out:
	pthread_mutex_unlock(&c->mu);
	so2_record_free(owned);
	if (!answered && info != NULL)
		info->warning[0] = '\0';	/* the fresh read sets it again */
	return answered;
}

/* so2_cache_get - a valid access token for ref */
so2_status
so2_cache_get(so2_cache *c, const char *ref, int force, so2_secret *token,
	      so2_token_info *info, so2_err *err)
{
	so2_get_opts opts;

	memset(&opts, 0, sizeof(opts));
	opts.force = force;
	opts.ignore_backoff = force;
	opts.margin = -1;
	return so2_cache_get_opts(c, ref, &opts, token, info, err);
}

/* so2_cache_get_opts - a valid access token for ref, refreshed per opts */
so2_status
so2_cache_get_opts(so2_cache *c, const char *ref, const so2_get_opts *opts, so2_secret *token,
		   so2_token_info *info, so2_err *err)
{
	struct ref r;
	so2_record *rec = NULL;
	char warn[SO2_ERR_MSG_MAX];
	so2_store_tx tx;
	so2_status result;
	int lockfd = -1;
	time_t start = time(NULL), now, first_refreshed;
	long margin = opts->margin >= 0 ? opts->margin : c->conf->refresh_margin;

	if (info != NULL)
		memset(info, 0, sizeof(*info));
	tx.fd = -1;
	tx.tmp[0] = '\0';
	if ((result = resolve(c, ref, &r, info, err)) != SO2_OK)
		return result;
	if (!opts->force && cached_get(c, &r, opts, margin, start, token, info, err, &result))
		goto out;
	if ((result = read_record(&r, &rec, warn, err)) != SO2_OK)
		goto out;
	if (info != NULL && warn[0] != '\0')
		so2_format(info->warning, sizeof(info->warning), "%s", warn);
	if (so2_record_has_state(rec, SO2_STATE_NEEDS_LOGIN)) {
		result = needs_login_error(&r, rec, err);
		goto out;
	}
	if (!wants_refresh(rec, opts, margin, start))
		goto use;
	if (!opts->ignore_backoff && rec->retry_after > start) {
		if ((result = during_backoff(&r, rec, start, info, err)) == SO2_OK)
			goto use;
		goto out;
	}

	/* Refresh under the lock, after reading the record again. */
	first_refreshed = rec->refreshed_at;
	result = so2_store_lock(r.st, r.name, c->conf->lock_timeout, &lockfd, err);
	if (result != SO2_OK)
		goto not_sent;
	/* A writer killed before its rename may have left a newer record. */
	so2_store_recover(r.st, r.name, NULL);
	so2_record_free(rec);
	rec = NULL;
	if ((result = read_record(&r, &rec, NULL, err)) != SO2_OK)
		goto out;
	if (so2_record_has_state(rec, SO2_STATE_NEEDS_LOGIN)) {
		result = needs_login_error(&r, rec, err);
		goto out;
	}
	now = time(NULL);
	if (opts->force ? rec->refreshed_at > first_refreshed && rec->refreshed_at >= start
			: !wants_refresh(rec, opts, margin, now))
		goto use;	/* another process refreshed it meanwhile */
	if (!opts->ignore_backoff && rec->retry_after > now) {
		/* another process failed meanwhile and set a back-off */
		if ((result = during_backoff(&r, rec, now, info, err)) == SO2_OK)
			goto use;
		goto out;
	}
	/* Only when what the server answers can be stored is it asked
	 * (issue 10, point 3): a refresh token it rotates must not be lost
	 * for a store that cannot be written. */
	if ((result = so2_store_prepare(r.st, r.name, record_reserve(c), &tx, err)) != SO2_OK)
		goto not_sent;
	result = refresh_locked(c, &r, rec, &tx, info, err);
	if ((result == SO2_ERR_TEMP || result == SO2_ERR_OAUTH) && !opts->force
	    && token_usable(rec, time(NULL))) {
		/* Inside the margin the old token still works: use it this time. */
		if (info != NULL) {
			info->backing_off = 1;
			so2_format(info->warning, sizeof(info->warning),
				   "%s; the current access token is still valid and is used",
				   err->msg);
		}
		goto use;
	}
	if (result != SO2_OK)
		goto out;
use:
	if (so2_secret_set(token, rec->access_token.data, rec->access_token.len) != SO2_OK) {
		result = so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (info != NULL)
		info->expires_at = rec->expires_at;
	result = SO2_OK;
	goto out;
not_sent:
	/* No request was sent: the lock or the temporary file could not be
	 * had. A token still valid (only inside the margin) is used, unless
	 * a refresh was asked for explicitly. */
	so2_err_prefix(err, "account %s: %s, no request was sent to the token endpoint",
		       r.account, opts->force ? "not refreshed" : "cannot refresh");
	if (!opts->force && token_usable(rec, time(NULL))) {
		if (info != NULL) {
			info->not_updated = result;
			so2_format(info->warning, sizeof(info->warning),
				   "%s; the current access token is still valid and is used",
				   err->msg);
		}
		goto use;
	}
out:
	so2_store_discard(r.st, &tx);
	so2_store_unlock(lockfd);
	so2_record_free(rec);
	release(&r);
	return result;
}

/* so2_token_digest - SHA-256 of a token */
so2_status
so2_token_digest(const so2_secret *token, unsigned char *out)
{
	static const unsigned char none = 0;
	unsigned int len = 0;

	if (EVP_Digest(token->data != NULL ? (const void *)token->data : &none, token->len,
		       out, &len, EVP_sha256(), NULL) != 1 || len != SO2_TOKEN_DIGEST_LEN)
		return SO2_ERR_NOMEM;
	return SO2_OK;
}

/* so2_cache_mark_stale - the server refused the token: refresh next time */
so2_status
so2_cache_mark_stale(so2_cache *c, const char *ref, const unsigned char *digest,
		     const char *reason, int *marked, so2_err *err)
{
	unsigned char held[SO2_TOKEN_DIGEST_LEN];
	struct ref r;
	so2_record *rec = NULL;
	so2_status result;
	int lockfd = -1;

	if (marked != NULL)
		*marked = 0;
	if ((result = resolve(c, ref, &r, NULL, err)) != SO2_OK)
		return result;
	result = so2_store_lock(r.st, r.name, c->conf->lock_timeout, &lockfd, err);
	if (result != SO2_OK)
		goto out;
	so2_store_recover(r.st, r.name, NULL);
	if ((result = read_record(&r, &rec, NULL, err)) != SO2_OK)
		goto out;
	/* Compared under the lock: the record holds another token when a
	 * refresh happened since the rejected one was read. */
	if (digest != NULL && (so2_token_digest(&rec->access_token, held) != SO2_OK
			       || CRYPTO_memcmp(held, digest, sizeof(held)) != 0))
		goto out;
	if (so2_record_has_state(rec, SO2_STATE_OK)) {
		if (so2_record_set_str(&rec->state, SO2_STATE_STALE) != SO2_OK
		    || so2_record_set_str(&rec->last_error, reason) != SO2_OK) {
			result = so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
			goto out;
		}
		rec->last_error_at = time(NULL);
		result = so2_store_write(r.st, r.name, rec, err);
		if (result == SO2_OK && marked != NULL)
			*marked = 1;
	}
out:
	so2_store_unlock(lockfd);
	so2_record_free(rec);
	release(&r);
	return result;
}

/* so2_cache_ref_exists - does ref name an existing record? */
int
so2_cache_ref_exists(so2_cache *c, const char *ref)
{
	struct ref r;
	so2_err err;
	int exists;

	if (resolve(c, ref, &r, NULL, &err) != SO2_OK)
		return 0;
	exists = so2_store_exists(r.st, r.name);
	release(&r);
	return exists;
}

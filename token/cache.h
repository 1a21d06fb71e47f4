/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	cache.h - a valid access token for an account, refreshed as needed
 * SYNOPSIS
 *	#include "token/cache.h"
 * DESCRIPTION
 *	The token cache ties the store and the token endpoint together.
 *	so2_cache_get() reads the record without a lock; when the access
 *	token is missing, stale or expires within the refresh margin it
 *	takes the record's lock, reads the record again (another process
 *	may have refreshed it meanwhile), refreshes through the token
 *	endpoint only if still needed, writes the new record and releases
 *	the lock: one token endpoint request per expiry, however many
 *	processes race.
 *
 *	What is opened here is opened once, at so2_cache_open(): the store
 *	directory and the CA bundle, kept as descriptors, so that a process
 *	that chroot()s afterwards keeps working. The bundle is read from its
 *	descriptor at each token request (so2_cache_ca_bundle) and freed
 *	after it: no copy stays in every mail process.
 *
 *	A record given by its path is opened at each use, so in a process
 *	that chroot()ed after so2_cache_open it is looked up inside the
 *	chroot. so2_cache_open notes the identity (device, inode) of "/" and
 *	of the current directory and its path (Postfix's master runs its
 *	daemons in queue_directory, where smtp chroot()s); when a record
 *	path cannot be opened and "/" has changed since, the message names
 *	the chroot (the directory current at open, or "a directory the
 *	module cannot name"), the path as it is on the host and the fixes:
 *	the record there, or an empty SASL password (the store, opened
 *	before the chroot).
 *
 *	No request is sent unless its result can be stored: the record's
 *	lock is held and the new record's temporary file created
 *	(so2_store_prepare) first. When either fails (a store writable by
 *	every user, a lock file that is a symbolic link, permission denied,
 *	a full disk, a read-only file system, the lock held too long)
 *	nothing is sent; a token still valid is used with a warning naming
 *	the reason (not when the refresh is forced), else the error names
 *	it. A rotated refresh token is therefore never obtained and lost.
 *
 *	Failures leave the record as it was, except: a dead grant marks it
 *	needs_login (later calls fail at once without a network request,
 *	naming the login command) and transient failures are counted for
 *	the back-off (members failures, retry_after, last_error; the tokens
 *	are written back unchanged). A token obtained but not written (an
 *	I/O error after the temporary file was created) is still returned,
 *	with a warning naming the failed step and info->not_saved set.
 *
 *	A writer killed between writing its temporary file and renaming it
 *	leaves a complete newer record behind; the next writer (under the
 *	lock) adopts it instead of losing a rotated refresh token (see
 *	so2_store_recover in store.h).
 *
 *	Parse once: the record read without a lock is kept parsed in the
 *	cache (tokens included, wiped at so2_cache_close) with its file
 *	held open, and reused while fstatat(2) of its name gives the same
 *	device, inode, size, mode and nanosecond mtime and ctime, and the
 *	store directory keeps its owner and mode (its trust warnings); at most
 *	SO2_CACHE_SLOTS records (8) and as many descriptors are kept, each
 *	above 2 and below half the soft RLIMIT_NOFILE (the rest is the host
 *	program's: a record that would need a descriptor there is read at
 *	each use instead). The read under the lock before a refresh always
 *	reads the file.
 *
 *	Thread safety: an so2_cache may be used by several threads at once
 *	(a mutex guards the kept records); the per-record lock serialises
 *	refreshes between threads too.
 * SEE ALSO
 *	store.h, grant.h, sasl-oauth2-record(5)
 */
#ifndef SO2_CACHE_H
#define SO2_CACHE_H

#include <time.h>
#include "token/conf.h"
#include "token/grant.h"
#include "base/error.h"
#include "token/record.h"
#include "base/secret.h"
#include "token/store.h"

#define SO2_CA_MAX (4 * 1024 * 1024)	/* bytes of CA bundle read */
#define SO2_CACHE_SLOTS 8		/* parsed records kept per cache */

typedef struct so2_cache so2_cache;

/* so2_token_info - what the caller may show about the token it got */
typedef struct so2_token_info {
	char account[SO2_ACCOUNT_MAX + 1];
	char path[1024];	/* record file path, for messages */
	time_t expires_at;	/* of the returned access token */
	int refreshed;		/* 1 when this call refreshed it */
	int backing_off;	/* 1 when a back-off kept this call from
				 * refreshing (the token is still valid) */
	int not_saved;		/* 1 when this call refreshed but the new
				 * record could not be written */
	so2_status not_updated;	/* a refresh was due but nothing was sent
				 * (lock, store: see the warning) and the
				 * still-valid token is returned: why;
				 * SO2_OK otherwise */
	char warning[SO2_ERR_MSG_MAX];	/* non-fatal problem, or "" */
} so2_token_info;

/*
 * so2_cache_open - prepare a cache from a configuration
 *	conf is borrowed and must outlive the cache. Opens the store
 *	directory and the CA bundle (conf->ca_file, else libcurl's); notes
 *	"/" and the current directory (see DESCRIPTION: chroot).
 *	Errors: SO2_ERR_IO (store or CA file), SO2_ERR_NOMEM. A store that
 *	does not exist yet is not an error here (it is reported at use).
 */
so2_status so2_cache_open(const so2_config *conf, so2_cache **out,
			  so2_err *err);

/* so2_cache_close - free; NULL ok */
void so2_cache_close(so2_cache *c);

/* so2_net_init_fn - a process-wide initialisation before network use */
typedef so2_status (*so2_net_init_fn)(so2_err *err);

/*
 * so2_cache_set_net_init - fn runs before every token endpoint request
 *	For an owner that defers libcurl's global initialisation (the SASL
 *	core: a process that only uses cached tokens never pays it) until
 *	the first refresh. fn must be cheap after its first success
 *	(pthread_once). Its error fails the refresh (as SO2_ERR_CONFIG,
 *	the record untouched). NULL: nothing runs (the command initialises
 *	libcurl in main).
 */
void so2_cache_set_net_init(so2_cache *c, so2_net_init_fn fn);

/*
 * so2_cache_ca_bundle - the CA bundle's bytes, read now
 *	From the descriptor opened at so2_cache_open (works after a chroot,
 *	and reads the file that was there then), whole: a read error or a
 *	size change refuses it (base/file.h). On SO2_OK *out is malloc'd,
 *	*outlen bytes plus a NUL; release with so2_wipe_free(*out,
 *	*outlen + 1). Errors: SO2_ERR_IO (cannot open, read, not a regular
 *	file of at most SO2_CA_MAX bytes, changed; the message names the
 *	file), SO2_ERR_NOMEM. Thread-safe.
 */
so2_status so2_cache_ca_bundle(so2_cache *c, char **out, size_t *outlen,
			       so2_err *err);

/* so2_cache_http - the HTTP settings the cache uses (CA file path, timeouts;
 *	no CA bytes: for a process that does not chroot) */
const so2_http_conf *so2_cache_http(const so2_cache *c);

/* so2_cache_store - the store, or NULL when it could not be opened */
so2_store *so2_cache_store(so2_cache *c);

/*
 * so2_cache_get - a valid access token for a record
 *	ref: an account name (record in the store) or an absolute path of
 *	a record file. force: refresh even when the token looks valid
 *	(and even during a back-off). The same as so2_cache_get_opts with
 *	{ force, force, -1, 0 }.
 *	On SO2_OK *token holds the access token (caller clears it) and
 *	*info is filled. Errors: SO2_ERR_NOTFOUND, SO2_ERR_RECORD,
 *	SO2_ERR_IO, SO2_ERR_LOCK, SO2_ERR_TEMP, SO2_ERR_GRANT,
 *	SO2_ERR_OAUTH, SO2_ERR_PARAM (bad account name), SO2_ERR_NOMEM;
 *	each message names the account and the next step.
 */
so2_status so2_cache_get(so2_cache *c, const char *ref, int force,
			 so2_secret *token, so2_token_info *info, so2_err *err);

/* so2_get_opts - when so2_cache_get_opts refreshes */
typedef struct so2_get_opts {
	int force;		/* refresh whatever the expiry */
	int ignore_backoff;	/* ask the endpoint even while backing off */
	long margin;		/* refresh when expiring within this many
				 * seconds; -1: the configured
				 * refresh_margin */
	time_t stale_before;	/* refresh when the last refresh (or the
				 * login) is older than this; 0: never.
				 * For refresh --keepalive: refresh tokens
				 * unused for 90 days die (Microsoft) */
} so2_get_opts;

/*
 * so2_cache_get_opts - so2_cache_get with explicit refresh conditions
 *	Back-off (sasl-oauth2-record(5) failures, retry_after): after a
 *	transient failure of the token endpoint (SO2_ERR_TEMP) or an
 *	OAuth error that does not kill the grant (SO2_ERR_OAUTH), no
 *	request is sent before retry_after = now + max(Retry-After,
 *	backoff_min * 2^(failures-1) capped at backoff_max). Until then a
 *	token that is still valid is returned (with a warning) and an
 *	expired one gives SO2_ERR_TEMP at once, naming the time of the
 *	next attempt. The back-off is kept in the record (written under
 *	its lock, tokens unchanged) so that every process shares it.
 *	Returns as so2_cache_get.
 */
so2_status so2_cache_get_opts(so2_cache *c, const char *ref,
			      const so2_get_opts *opts, so2_secret *token,
			      so2_token_info *info, so2_err *err);

/* Bytes of a token digest (SHA-256). */
#define SO2_TOKEN_DIGEST_LEN 32

/*
 * so2_token_digest - SHA-256 of an access token, to recognise it later
 *	without keeping it. out: SO2_TOKEN_DIGEST_LEN bytes. Returns
 *	SO2_OK, or SO2_ERR_NOMEM when OpenSSL cannot compute it.
 */
so2_status so2_token_digest(const so2_secret *token, unsigned char *out);

/*
 * so2_cache_mark_stale - the server rejected the token of ref
 *	Marks the record stale (under its lock) so the next so2_cache_get
 *	refreshes first. reason is kept as last_error. digest (NULL: any
 *	token) is so2_token_digest of the token that was rejected: the
 *	record is marked only while it still holds that token. A rejection
 *	of an older token arriving after another process refreshed (the
 *	server answers late, or many connections used the old token) must
 *	not undo the new one: one refresh per token generation, however
 *	many rejections (issue 10, point 5). *marked (NULL ok) is 1 when
 *	the record was marked. Errors as so2_cache_get (no network).
 */
so2_status so2_cache_mark_stale(so2_cache *c, const char *ref,
				const unsigned char *digest, const char *reason,
				int *marked, so2_err *err);

/*
 * so2_cache_ref_exists - 1 when ref names an existing record
 *	(account in the store, or a record file path).
 */
int so2_cache_ref_exists(so2_cache *c, const char *ref);

/*
 * so2_ref_args - what names record ref on the command's line
 *	An account name as is; a record given by its path /DIR/NAME.json
 *	(the SASL password form) as "NAME --store DIR": the command takes
 *	account names, not paths, and --store names the directory (issue
 *	10, point 12). A name with characters other than letters, digits
 *	and @._+-/,:=% is single-quoted for the shell (a ' inside as '\''),
 *	NAME when the quoted form does not fit. Into buf (size bytes).
 */
void so2_ref_args(const char *ref, char *buf, size_t size);

/*
 * so2_login_command - the command a user must run to log ref in again
 *	ref: an account or a record path (so2_ref_args); rec (NULL ok)
 *	adds the provider and grant. For a path whose file name does not
 *	end in .json, the command is followed by "; then: mv" of the new
 *	record to that path.
 */
void so2_login_command(const so2_record *rec, const char *ref,
		       char *buf, size_t size);

#endif

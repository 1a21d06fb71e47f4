/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	login_client.c - the client part of a new record: id, endpoint, auth
 * DESCRIPTION
 *	Client authentication (RFC 6749 2.3): --client-secret-file or the
 *	profile's client_secret_file names a file the record points to,
 *	read at each renewal (it must be a regular file others cannot
 *	read); --client-secret-stdin reads the secret from standard input
 *	(no echo on a terminal) and keeps it in STORE/ACCOUNT.secret, mode
 *	0600, once the login succeeded. A secret is never taken from the
 *	command line. A certificate (RFC 7523) needs its key too; one
 *	assertion is signed at once, so that a bad key, mode or pair fails
 *	before any request. An empty client_secret_file means a public
 *	client; an absent one inherits the profile's. Paths are made
 *	absolute, and relative to the store when inside it.
 * SEE ALSO
 *	login.h, assertion.h, record.h
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "token/assertion.h"

#include "login.h"

#define SECRET_MAX		4096	/* bytes of a client secret */

/* absolute - an absolute form of path into buf; SO2_ERR_CONFIG if none */
static so2_status
absolute(const char *what, const char *path, char *buf, size_t size, so2_err *err)
{
	char cwd[PATH_MAX];

	if (path[0] == '/') {
		so2_format(buf, size, "%s", path);
		return SO2_OK;
	}
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return so2_err_set(err, SO2_ERR_CONFIG, "%s %s: cannot make the path "
				   "absolute: %s", what, path, strerror(errno));
	so2_format(buf, size, "%s/%s", cwd, path);
	return SO2_OK;
}

/* check_secret_file - a readable client secret file others cannot read */
static so2_status
check_secret_file(const char *path, so2_err *err)
{
	struct stat sb;

	if (access(path, R_OK) != 0 || stat(path, &sb) != 0)
		return so2_err_set(err, SO2_ERR_CONFIG, "client secret file %s: %s",
				   path, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return so2_err_set(err, SO2_ERR_CONFIG, "client secret file %s is not "
				   "a regular file", path);
	if ((sb.st_mode & (S_IROTH | S_IWOTH)) != 0)
		return so2_err_set(err, SO2_ERR_CONFIG, "client secret file %s has "
				   "mode %04o: others can read it; run: chmod 600 %s",
				   path, (unsigned)(sb.st_mode & 07777), path);
	return SO2_OK;
}

/* read_secret_stdin - the client secret from standard input
 *	A terminal gets a prompt and no echo; a pipe gives its first line. */
static so2_status
read_secret_stdin(const char *client_id, char *buf, size_t size, size_t *len,
		  so2_err *err)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO), echo_off = 0;
	size_t n = 0;
	ssize_t got;
	char c;

	*len = 0;
	if (tty) {
		fprintf(stderr, "Client secret of %s (not shown): ", client_id);
		fflush(stderr);
		if (tcgetattr(STDIN_FILENO, &old) == 0) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			echo_off = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
		}
	}
	for (;;) {
		got = read(STDIN_FILENO, &c, 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0 || c == '\n')
			break;
		if (n + 1 >= size) {
			n = size;
			break;
		}
		buf[n++] = c;
	}
	if (echo_off) {
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (n >= size) {
		OPENSSL_cleanse(buf, size);
		return so2_err_set(err, SO2_ERR_PARAM, "the client secret on standard "
				   "input is longer than %zu bytes", size - 1);
	}
	while (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	if (n == 0)
		return so2_err_set(err, SO2_ERR_PARAM, "no client secret on standard "
				   "input (--client-secret-stdin)");
	*len = n;
	return SO2_OK;
}

/* save_secret - write the secret into a new 0600 file path (O_EXCL) */
static so2_status
save_secret(const char *path, const char *secret, size_t len,
	    const struct passwd *pw, so2_err *err)
{
	size_t done = 0;
	ssize_t n;
	int fd;

	(void)unlink(path);	/* a leftover of an interrupted login */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return so2_err_set(err, SO2_ERR_IO, "cannot create %s: %s", path,
				   strerror(errno));
	while (done < len) {
		n = write(fd, secret + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	if (done < len || fsync(fd) != 0 ||
	    (pw != NULL && fchown(fd, pw->pw_uid, pw->pw_gid) != 0)) {
		so2_err_set(err, SO2_ERR_IO, "cannot write %s: %s", path,
			    strerror(errno));
		close(fd);
		unlink(path);
		return SO2_ERR_IO;
	}
	close(fd);
	return SO2_OK;
}

/* cli_login_client - the client part of the new record: id, endpoint, auth */
so2_status
cli_login_client(cli_ctx *ctx, const cli_login_req *o, const so2_profile *prof,
		 const so2_login_plan *plan, const char *store_dir,
		 const struct passwd *pw, so2_record *rec, char *tmp_secret,
		 char *final_secret, size_t psize, so2_err *err)
{
	const char *secret_file = prof->client_secret_file;
	char path[PATH_MAX], cert[PATH_MAX], thumb[64], buf[SECRET_MAX + 1];
	so2_secret probe = SO2_SECRET_INIT;
	const char *auth = SO2_CLIENT_AUTH_NONE;
	size_t len;
	so2_status result;

	tmp_secret[0] = final_secret[0] = '\0';
	if (so2_record_set_str(&rec->account, o->account) != SO2_OK ||
	    so2_record_set_str(&rec->provider, plan->provider) != SO2_OK ||
	    so2_record_set_str(&rec->token_endpoint, plan->token_endpoint) != SO2_OK ||
	    so2_record_set_str(&rec->client_id, plan->client_id) != SO2_OK)
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	if (prof->private_key_file != NULL || prof->certificate_file != NULL) {
		if (prof->private_key_file == NULL || prof->certificate_file == NULL)
			return so2_err_set(err, SO2_ERR_PARAM, "a certificate credential "
					   "needs both --certificate and --private-key "
					   "(certificate_file and private_key_file)");
		if (o->secret_stdin || (secret_file != NULL && *secret_file != '\0'))
			return so2_err_set(err, SO2_ERR_PARAM, "give a client secret or a "
					   "certificate, not both");
		if (!so2_assertion_alg_valid(prof->assertion_alg))
			return so2_err_set(err, SO2_ERR_PARAM, "--assertion-alg must be "
					   "PS256 or RS256");
		auth = SO2_CLIENT_AUTH_CERT;
		if ((result = absolute("private key", prof->private_key_file, path,
				       sizeof(path), err)) != SO2_OK ||
		    (result = absolute("certificate", prof->certificate_file, cert,
				       sizeof(cert), err)) != SO2_OK)
			return result;
		if (so2_record_set_str(&rec->private_key_file, path) != SO2_OK ||
		    so2_record_set_str(&rec->certificate_file, cert) != SO2_OK ||
		    so2_record_set_str(&rec->assertion_alg, prof->assertion_alg ?
				       prof->assertion_alg : SO2_ALG_PS256) != SO2_OK)
			return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
		/* Sign one now: a bad key, mode or pair fails before any request. */
		result = so2_client_assertion(rec->client_id, rec->token_endpoint, AT_FDCWD,
					      path,
					      cert, rec->assertion_alg, time(NULL),
					      &probe, err);
		so2_secret_clear(&probe);
		if (result != SO2_OK)
			return result;
		if (so2_cert_thumbprint(cert, 1, thumb, sizeof(thumb), err) != SO2_OK)
			return err->status;
		fprintf(stderr, "Client authentication: certificate %s (x5t#S256 %s), "
			"key %s, %s\n", cert, thumb, path, rec->assertion_alg);
	} else if (o->secret_stdin) {
		if (secret_file != NULL && o->over.client_secret_file != NULL)
			return so2_err_set(err, SO2_ERR_PARAM, "give --client-secret-file "
					   "or --client-secret-stdin, not both");
		result = read_secret_stdin(rec->client_id, buf, sizeof(buf), &len, err);
		if (result != SO2_OK)
			return result;
		so2_format(tmp_secret, psize, "%s/.%s.secret.new", store_dir, o->account);
		so2_format(final_secret, psize, "%s/%s.secret", store_dir, o->account);
		result = save_secret(tmp_secret, buf, len, pw, err);
		OPENSSL_cleanse(buf, sizeof(buf));
		if (result != SO2_OK) {
			tmp_secret[0] = '\0';
			return result;
		}
		auth = SO2_CLIENT_AUTH_SECRET;
		if (so2_record_set_str(&rec->client_secret_file, tmp_secret) != SO2_OK)
			return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
		fprintf(stderr, "Client authentication: client secret from standard "
			"input, kept in %s (mode 0600)\n", final_secret);
	} else if (secret_file != NULL && *secret_file != '\0') {
		if ((result = absolute("client secret file", secret_file, path,
				       sizeof(path), err)) != SO2_OK ||
		    (result = check_secret_file(path, err)) != SO2_OK)
			return result;
		auth = SO2_CLIENT_AUTH_SECRET;
		if (so2_record_set_str(&rec->client_secret_file, path) != SO2_OK)
			return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
		fprintf(stderr, "Client authentication: client secret from %s\n", path);
	} else {
		fprintf(stderr, "Client authentication: none (public client)\n");
	}
	if (so2_record_set_str(&rec->client_auth, auth) != SO2_OK)
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	if (o->grant == CLI_GRANT_CLIENT_CREDENTIALS && strcmp(auth, SO2_CLIENT_AUTH_NONE) == 0)
		return so2_err_set(err, SO2_ERR_PARAM, "the client credentials grant "
				   "needs the client's credentials: give "
				   "--client-secret-file FILE, --client-secret-stdin, or "
				   "--certificate and --private-key");
	cli_verbose(ctx, "client_auth %s", auth);
	return SO2_OK;
}

/* store_relative - make a credential path inside the store relative to it
 *	The SASL module reads relative paths through the store's directory
 *	descriptor, so they keep working in Postfix's chroot; files
 *	elsewhere are read by path and must exist inside a chroot too. */
static so2_status
store_relative(char **member, const char *store_dir, so2_err *err)
{
	char dir[PATH_MAX];
	size_t n;

	if (*member == NULL || (*member)[0] != '/' ||
	    absolute("store", store_dir, dir, sizeof(dir), err) != SO2_OK)
		return SO2_OK;
	n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		dir[--n] = '\0';
	if (strncmp(*member, dir, n) != 0 || (*member)[n] != '/' ||
	    strchr(*member + n + 1, '/') != NULL)
		return SO2_OK;
	if (so2_record_set_str(member, *member + n + 1) != SO2_OK)
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	return SO2_OK;
}

/* cli_login_store_paths - the credential files of rec, store-relative */
so2_status
cli_login_store_paths(so2_record *rec, const char *store_dir, so2_err *err)
{
	so2_status result;

	if ((result = store_relative(&rec->client_secret_file, store_dir, err)) != SO2_OK ||
	    (result = store_relative(&rec->private_key_file, store_dir, err)) != SO2_OK)
		return result;
	return store_relative(&rec->certificate_file, store_dir, err);
}

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	assertion.c - RFC 7523 client assertions (see assertion.h)
 * DESCRIPTION
 *	Reads the key and the certificate into memory (capped), parses
 *	them from memory BIOs so no stdio buffer keeps key bytes, wipes
 *	the key text, builds the header and the claims with jansson and
 *	signs "base64url(header).base64url(claims)" with EVP_DigestSign.
 *	PS256 uses RSA_PSS_SALTLEN_DIGEST: RFC 7518 section 3.5 fixes the
 *	salt length to the hash length, and Microsoft rejects other salt
 *	lengths (AADSTS700027).
 * DIAGNOSTICS
 *	SO2_ERR_CONFIG naming the file and the fix; SO2_ERR_NOMEM.
 * SEE ALSO
 *	RFC 7523, RFC 7515, RFC 7518, EVP_DigestSignInit(3)
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "token/assertion.h"

#include "base/base64.h"
#include "base/file.h"

#define THUMB_MAX	64	/* base64url of a SHA-256: 43 characters */
#define SIG_MAX		1024	/* bytes of signature: RSA up to 8192 bits */

/* so2_assertion_alg_valid - PS256, RS256 or NULL */
int
so2_assertion_alg_valid(const char *alg)
{
	return alg == NULL || strcmp(alg, SO2_ALG_PS256) == 0 ||
	    strcmp(alg, SO2_ALG_RS256) == 0;
}

/* so2_key_file_check - a private key only its owner (and group) can read */
so2_status
so2_key_file_check(const char *path, unsigned mode, so2_err *err)
{
	if (!S_ISREG(mode))
		return so2_err_set(err, SO2_ERR_CONFIG,
				   "private key file %s is not a regular file", path);
	if ((mode & (S_IROTH | S_IWOTH | S_IWGRP)) != 0)
		return so2_err_set(err, SO2_ERR_CONFIG,
				   "private key file %s has mode %04o: it must not be "
				   "readable by others nor writable by anyone but its "
				   "owner; run: chmod 600 %s", path, mode & 07777, path);
	return SO2_OK;
}

/* read_file - a whole file of at most SO2_KEY_FILE_MAX bytes (base/file.h)
 *	is_key: check the mode as a private key's (before any other
 *	complaint about the file). The caller releases *out with
 *	so2_wipe_free(*out, *outlen + 1). */
static so2_status
read_file(int dirfd, const char *path, const char *what, int is_key, char **out,
	  size_t *outlen, so2_err *err)
{
	so2_read_why why;
	so2_status result;

	*out = NULL;
	*outlen = 0;
	if (path == NULL || *path == '\0')
		return so2_err_set(err, SO2_ERR_CONFIG, "no %s file is set", what);
	result = so2_read_at(dirfd, path, 0, SO2_KEY_FILE_MAX, out, outlen, &why);
	if (result != SO2_OK && (why.fail == SO2_READ_OPEN || why.fail == SO2_READ_STAT))
		return so2_err_set(err, SO2_ERR_CONFIG, "%s file %s: %s", what, path,
				   strerror(why.errnum));
	if (is_key && why.mode != 0) {
		so2_status mode_ok = so2_key_file_check(path, why.mode, err);

		if (mode_ok != SO2_OK) {
			so2_wipe_free(*out, *outlen + 1);
			*out = NULL;
			*outlen = 0;
			return mode_ok;
		}
	}
	switch (result == SO2_OK ? SO2_READ_OK : why.fail) {
	case SO2_READ_OK:
		return SO2_OK;
	case SO2_READ_NOMEM:
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	case SO2_READ_IO:
		return so2_err_set(err, SO2_ERR_CONFIG, "%s file %s: %s", what, path,
				   strerror(why.errnum));
	case SO2_READ_CHANGED:
		return so2_err_set(err, SO2_ERR_CONFIG, "%s file %s changed while it was "
				   "read", what, path);
	default:
		return so2_err_set(err, SO2_ERR_CONFIG, "%s file %s is not a regular "
				   "file of at most %d bytes", what, path, SO2_KEY_FILE_MAX);
	}
}

/* no_passphrase - PEM callback: refuse to prompt (we run inside daemons) */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	*(int *)u = 1;
	return -1;
}

/* load_key - the RSA private key of key_file */
static so2_status
load_key(int dirfd, const char *key_file, EVP_PKEY **out, so2_err *err)
{
	char *text = NULL;
	size_t len = 0;
	BIO *bio = NULL;
	int asked = 0, id;
	so2_status result;

	*out = NULL;
	result = read_file(dirfd, key_file, "private key", 1, &text, &len, err);
	if (result != SO2_OK)
		return result;
	if ((bio = BIO_new_mem_buf(text, (int)len)) == NULL) {
		result = so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
		goto out;
	}
	*out = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, &asked);
	ERR_clear_error();
	if (*out == NULL) {
		result = so2_err_set(err, SO2_ERR_CONFIG, "private key file %s: %s",
				     key_file, asked ? "the key is encrypted; give an "
				     "unencrypted PEM key (e.g. openssl pkey -in KEY "
				     "-out NEW.pem) kept with mode 0600" :
				     "no PEM private key found");
		goto out;
	}
	id = EVP_PKEY_get_base_id(*out);
	if (id != EVP_PKEY_RSA && id != EVP_PKEY_RSA_PSS) {
		EVP_PKEY_free(*out);
		*out = NULL;
		result = so2_err_set(err, SO2_ERR_CONFIG, "private key file %s: not an "
				     "RSA key (PS256 and RS256 need RSA)", key_file);
		goto out;
	}
	result = SO2_OK;
out:
	BIO_free(bio);
	so2_wipe_free(text, len + 1);
	return result;
}

/* load_cert - the first certificate of cert_file */
static so2_status
load_cert(int dirfd, const char *cert_file, X509 **out, so2_err *err)
{
	char *text = NULL;
	size_t len = 0;
	BIO *bio;
	so2_status result;

	*out = NULL;
	result = read_file(dirfd, cert_file, "certificate", 0, &text, &len, err);
	if (result != SO2_OK)
		return result;
	bio = BIO_new_mem_buf(text, (int)len);
	if (bio == NULL) {
		free(text);
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	}
	*out = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	ERR_clear_error();
	BIO_free(bio);
	free(text);
	if (*out == NULL)
		return so2_err_set(err, SO2_ERR_CONFIG, "certificate file %s: no PEM "
				   "certificate found", cert_file);
	return SO2_OK;
}

/* thumbprint - base64url of the SHA-256 or SHA-1 digest of cert's DER */
static so2_status
thumbprint(X509 *cert, int sha256, char *buf, size_t size, so2_err *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (X509_digest(cert, sha256 ? EVP_sha256() : EVP_sha1(), md, &mdlen) != 1 ||
	    so2_b64url_encode(md, mdlen, buf, size) == 0)
		return so2_err_set(err, SO2_ERR_NOMEM, "certificate digest failed");
	return SO2_OK;
}

/* so2_cert_thumbprint - thumbprint of a certificate file */
so2_status
so2_cert_thumbprint(const char *cert_file, int sha256, char *buf, size_t size,
		    so2_err *err)
{
	X509 *cert = NULL;
	so2_status result;

	result = load_cert(AT_FDCWD, cert_file, &cert, err);
	if (result == SO2_OK)
		result = thumbprint(cert, sha256, buf, size, err);
	X509_free(cert);
	return result;
}

/* new_jti - a random UUID (version 4) */
static so2_status
new_jti(char *buf, size_t size, so2_err *err)
{
	unsigned char b[16];

	if (RAND_bytes(b, sizeof(b)) != 1)
		return so2_err_set(err, SO2_ERR_NOMEM, "no random bytes for jti");
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(buf, size, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
		 b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
	return SO2_OK;
}

/* segment - base64url of the compact JSON of obj, malloc'd */
static char *
segment(json_t *obj)
{
	char *text, *out = NULL;
	size_t len, size;

	text = json_dumps(obj, JSON_COMPACT);
	if (text == NULL)
		return NULL;
	len = strlen(text);
	size = SO2_B64URL_LEN(len) + 1;
	if ((out = malloc(size)) != NULL &&
	    so2_b64url_encode((unsigned char *)text, len, out, size) == 0) {
		free(out);
		out = NULL;
	}
	free(text);
	return out;
}

/* sign - the signature of input with key */
static so2_status
sign(EVP_PKEY *key, int pss, const char *input, unsigned char *sig,
     size_t *siglen, so2_err *err)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	so2_status result = SO2_OK;

	if (md == NULL)
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	if (EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, key) != 1 ||
	    (pss && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
		     EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1)) ||
	    EVP_DigestSign(md, NULL, siglen, (const unsigned char *)input,
			   strlen(input)) != 1 || *siglen > SIG_MAX ||
	    EVP_DigestSign(md, sig, siglen, (const unsigned char *)input,
			   strlen(input)) != 1)
		result = so2_err_set(err, SO2_ERR_CONFIG, "signing the client assertion "
				     "failed (%s)", pss ? "PS256" : "RS256");
	ERR_clear_error();
	EVP_MD_CTX_free(md);
	return result;
}

/* so2_client_assertion - build and sign one client assertion */
so2_status
so2_client_assertion(const char *client_id, const char *audience, int dirfd,
		     const char *key_file, const char *cert_file, const char *alg,
		     time_t now, so2_secret *out, so2_err *err)
{
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	json_t *head = NULL, *claims = NULL;
	char *h64 = NULL, *c64 = NULL, *input = NULL, *jws = NULL;
	char x5t256[THUMB_MAX], x5t[THUMB_MAX], jti[40];
	unsigned char sig[SIG_MAX];
	size_t siglen = 0, inlen, jwslen = 0;
	int rs256;
	so2_status result;

	if (!so2_assertion_alg_valid(alg))
		return so2_err_set(err, SO2_ERR_CONFIG, "assertion algorithm \"%.16s\" "
				   "is not PS256 or RS256", alg);
	rs256 = alg != NULL && strcmp(alg, SO2_ALG_RS256) == 0;
	if (client_id == NULL || audience == NULL)
		return so2_err_set(err, SO2_ERR_PARAM, "client assertion without %s",
				   client_id == NULL ? "client id" : "audience");
	if ((result = load_key(dirfd, key_file, &key, err)) != SO2_OK)
		goto out;
	if ((result = load_cert(dirfd, cert_file, &cert, err)) != SO2_OK)
		goto out;
	if (X509_check_private_key(cert, key) != 1) {
		ERR_clear_error();
		result = so2_err_set(err, SO2_ERR_CONFIG, "the certificate %s does not "
				     "belong to the private key %s", cert_file, key_file);
		goto out;
	}
	if ((result = thumbprint(cert, 1, x5t256, sizeof(x5t256), err)) != SO2_OK ||
	    (result = thumbprint(cert, 0, x5t, sizeof(x5t), err)) != SO2_OK ||
	    (result = new_jti(jti, sizeof(jti), err)) != SO2_OK)
		goto out;

	head = json_pack("{s:s, s:s, s:s}", "alg", rs256 ? SO2_ALG_RS256 : SO2_ALG_PS256,
			 "typ", "JWT", "x5t#S256", x5t256);
	if (head != NULL && rs256 && json_object_set_new(head, "x5t", json_string(x5t)) != 0) {
		json_decref(head);
		head = NULL;
	}
	claims = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "aud", audience,
			   "iss", client_id, "sub", client_id, "jti", jti,
			   "nbf", (json_int_t)now, "iat", (json_int_t)now,
			   "exp", (json_int_t)(now + SO2_ASSERTION_LIFETIME));
	if (head == NULL || claims == NULL || (h64 = segment(head)) == NULL ||
	    (c64 = segment(claims)) == NULL) {
		result = so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
		goto out;
	}
	inlen = strlen(h64) + 1 + strlen(c64);
	if ((input = malloc(inlen + 1)) == NULL) {
		result = so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
		goto out;
	}
	snprintf(input, inlen + 1, "%s.%s", h64, c64);
	if ((result = sign(key, !rs256, input, sig, &siglen, err)) != SO2_OK)
		goto out;
	jwslen = inlen + 1 + SO2_B64URL_LEN(siglen) + 1;
	if ((jws = malloc(jwslen)) == NULL) {
		result = so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
		goto out;
	}
	memcpy(jws, input, inlen);
	jws[inlen] = '.';
	if (so2_b64url_encode(sig, siglen, jws + inlen + 1, jwslen - inlen - 1) == 0) {
		result = so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (so2_secret_set(out, jws, strlen(jws)) != SO2_OK) {
		result = so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
		goto out;
	}
	result = SO2_OK;
out:
	if (jws != NULL)
		so2_wipe_free(jws, jwslen);
	free(input);
	free(h64);
	free(c64);
	json_decref(head);
	json_decref(claims);
	X509_free(cert);
	EVP_PKEY_free(key);
	return result;
}

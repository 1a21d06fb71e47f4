/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	error.h - the one error vocabulary of sasl-oauth2
 * SYNOPSIS
 *	#include "base/error.h"
 * DESCRIPTION
 *	Every fallible core function returns an so2_status and, on failure,
 *	fills a caller-owned struct so2_err with a human-readable message
 *	that names what failed, for which account or file, and what to do.
 *	Messages never contain a token or secret in clear (see secret.h).
 *
 *	The status is mapped to a SASL result code in exactly one place,
 *	so2_status_to_sasl() in plugin/client.c, and to an exit code in
 *	exactly one place, cli_exit_code() in cli/report.c.
 *	Untrusted text put into a message goes through text.h first.
 * SEE ALSO
 *	secret.h, text.h, sasl-oauth2(8)
 */
#ifndef SO2_ERROR_H
#define SO2_ERROR_H

#include <stddef.h>

/* so2_status - result of a core operation */
typedef enum so2_status {
	SO2_OK = 0,
	SO2_ERR_NOMEM,		/* allocation failed */
	SO2_ERR_PARAM,		/* bad argument from the caller or user */
	SO2_ERR_CONFIG,		/* configuration file unreadable or invalid */
	SO2_ERR_NOTFOUND,	/* the token record does not exist */
	SO2_ERR_RECORD,		/* the token record is unreadable or invalid */
	SO2_ERR_IO,		/* store I/O failed (errno in the message) */
	SO2_ERR_LOCK,		/* the record's lock was not obtained in time */
	SO2_ERR_TEMP,		/* transient: network, timeout, HTTP 5xx, 429,
				 * a reply that is not an OAuth error;
				 * retrying later may succeed */
	SO2_ERR_GRANT,		/* the grant is dead (invalid_grant and
				 * friends): a new login is needed */
	SO2_ERR_OAUTH,		/* another OAuth error from the endpoint
				 * (invalid_client, invalid_scope, ...) */
	SO2_ERR_PENDING,	/* device grant: authorization_pending */
	SO2_ERR_SLOW_DOWN,	/* device grant: slow_down */
	SO2_ERR_PROTO,		/* the SASL peer broke the protocol */
	SO2_ERR_AUTH		/* the server rejected the credentials */
} so2_status;

/* Longest message kept, in bytes including the NUL. */
#define SO2_ERR_MSG_MAX 1024

/* so2_err - a status and its message; lives on the caller's stack */
typedef struct so2_err {
	so2_status status;
	char msg[SO2_ERR_MSG_MAX];
} so2_err;

/*
 * so2_err_set - record a failure
 *	Formats (printf-style) into err->msg, truncating at SO2_ERR_MSG_MAX
 *	bytes, sets err->status = status and returns status, so that
 *	callers can write "return so2_err_set(err, SO2_ERR_IO, ...)".
 *	err may be NULL (the message is dropped).
 */
so2_status so2_err_set(so2_err *err, so2_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * so2_err_prefix - put context in front of an existing message
 *	"prefix: old message"; keeps the status. Returns err->status.
 */
so2_status so2_err_prefix(so2_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * so2_err_append - add text at the end of an existing message
 *	printf-style, truncating at SO2_ERR_MSG_MAX bytes; keeps the status.
 *	Returns err->status (SO2_OK when err is NULL).
 */
so2_status so2_err_append(so2_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * so2_format - printf into a fixed buffer of size bytes, truncating
 *	Messages are capped by design (SO2_ERR_MSG_MAX); this is the one
 *	place where a long message is cut. Returns buf.
 */
char *so2_format(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* so2_err_clear - reset to SO2_OK with an empty message */
void so2_err_clear(so2_err *err);

/* so2_status_name - short constant name of a status, e.g. "temporary failure" */
const char *so2_status_name(so2_status status);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	error.c - the one error vocabulary (see error.h)
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/error.h"

/* so2_err_set - record a failure */
so2_status
so2_err_set(so2_err *err, so2_status status, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return status;
	err->status = status;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return status;
}

/* so2_err_prefix - put context in front of an existing message */
so2_status
so2_err_prefix(so2_err *err, const char *fmt, ...)
{
	char old[SO2_ERR_MSG_MAX];
	size_t n;
	va_list ap;

	if (err == NULL)
		return SO2_OK;
	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	if (n + 2 < sizeof(err->msg)) {
		size_t room = sizeof(err->msg) - n - 2 - 1, olen = strlen(old);

		memcpy(err->msg + n, ": ", 2);
		if (olen > room)
			olen = room;	/* messages are capped by design */
		memcpy(err->msg + n + 2, old, olen);
		err->msg[n + 2 + olen] = '\0';
	}
	return err->status;
}

/* so2_err_append - add text at the end of the message */
so2_status
so2_err_append(so2_err *err, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	if (err == NULL)
		return SO2_OK;
	n = strlen(err->msg);
	if (n + 1 < sizeof(err->msg)) {
		va_start(ap, fmt);
		vsnprintf(err->msg + n, sizeof(err->msg) - n, fmt, ap);
		va_end(ap);
	}
	return err->status;
}

/* so2_format - printf into a fixed buffer, truncating */
char *
so2_format(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (size == 0)
		return buf;
	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return buf;
}

/* so2_err_clear - reset to SO2_OK with an empty message */
void
so2_err_clear(so2_err *err)
{
	if (err == NULL)
		return;
	err->status = SO2_OK;
	err->msg[0] = '\0';
}

/* so2_status_name - short name of a status */
const char *
so2_status_name(so2_status status)
{
	switch (status) {
	case SO2_OK:		return "ok";
	case SO2_ERR_NOMEM:	return "out of memory";
	case SO2_ERR_PARAM:	return "bad parameter";
	case SO2_ERR_CONFIG:	return "configuration error";
	case SO2_ERR_NOTFOUND:	return "no token record";
	case SO2_ERR_RECORD:	return "bad token record";
	case SO2_ERR_IO:	return "token store I/O error";
	case SO2_ERR_LOCK:	return "token record lock timeout";
	case SO2_ERR_TEMP:	return "temporary failure";
	case SO2_ERR_GRANT:	return "authorization expired or revoked";
	case SO2_ERR_OAUTH:	return "token endpoint error";
	case SO2_ERR_PENDING:	return "authorization pending";
	case SO2_ERR_SLOW_DOWN:	return "slow down";
	case SO2_ERR_PROTO:	return "protocol error";
	case SO2_ERR_AUTH:	return "authentication rejected";
	}
	return "unknown error";
}

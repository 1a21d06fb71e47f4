/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	loopback.h - the loopback listener of a native app's sign-in
 * SYNOPSIS
 *	#include "login/loopback.h"
 * DESCRIPTION
 *	RFC 8252 7.3: the browser is sent back to http://localhost:PORT/PATH
 *	(or 127.0.0.1), where this listener, bound to 127.0.0.1 only, takes
 *	the redirect. Requests for other paths get 404 and are ignored; a
 *	redirect without code and error gets 400 and is ignored; a redirect
 *	whose state is not this login's gets an error page and is ignored
 *	(an old browser tab, or a forgery: RFC 6749 10.12). The first
 *	redirect with our state ends the wait, with a one-line page saying
 *	the sign-in arrived (or failed: the command says why). Nothing else
 *	is written to the browser; the code is never shown.
 *
 *	Each reply page is finished before the socket closes: the rest of
 *	the request is drained for a moment (at most 64 KiB), so that no
 *	reset destroys the page.
 * DIAGNOSTICS
 *	so2_status with a message: SO2_ERR_PARAM (a redirect URI that is not
 *	a loopback one), SO2_ERR_IO (socket, bind, listen), SO2_ERR_TEMP (no
 *	redirect within the timeout), SO2_ERR_PENDING (*stop was set).
 * SEE ALSO
 *	RFC 8252 7.3 and 8.3, RFC 6749 4.1.2 and 10.12, pkce.h
 */
#ifndef SO2_LOOPBACK_H
#define SO2_LOOPBACK_H

#include <signal.h>
#include <stddef.h>

#include "base/error.h"
#include "login/pkce.h"

#define SO2_LOOPBACK_URI_MAX	512	/* bytes of a redirect URI */

/* so2_loopback - a listener and the path it answers on */
typedef struct so2_loopback {
	int fd;				/* -1: not listening */
	long port;			/* 0 before listening: any free port */
	char path[SO2_LOOPBACK_URI_MAX];	/* "/" by default */
} so2_loopback;

/* so2_loopback_event - a request the listener ignored (for messages) */
typedef enum so2_loopback_event {
	SO2_LOOPBACK_OTHER_PATH,	/* not the redirect path: 404 */
	SO2_LOOPBACK_MALFORMED,		/* no code and no error: 400 */
	SO2_LOOPBACK_FOREIGN_STATE	/* not this login's state: 400 */
} so2_loopback_event;

/* so2_loopback_note - told of each ignored request; arg: the caller's */
typedef void so2_loopback_note(void *arg, so2_loopback_event ev);

/*
 * so2_loopback_init - an idle listener for port (0: any free one), path "/"
 */
void so2_loopback_init(so2_loopback *lb, long port);

/*
 * so2_loopback_parse_uri - port and path of a loopback redirect URI
 *	uri: http://localhost[:PORT][/PATH] or http://127.0.0.1[:PORT][/PATH]
 *	(no query, no fragment). *port is set only when the URI has one;
 *	path (psize bytes) gets the path, "/" when none. Errors:
 *	SO2_ERR_PARAM naming --redirect-uri and what is wrong.
 */
so2_status so2_loopback_parse_uri(const char *uri, long *port, char *path,
				  size_t psize, so2_err *err);

/*
 * so2_loopback_listen - listen on 127.0.0.1:lb->port (0: any free port)
 *	On SO2_OK lb->fd listens and lb->port is the port bound. Errors:
 *	SO2_ERR_IO (the message suggests --port or --paste when the port is
 *	taken).
 */
so2_status so2_loopback_listen(so2_loopback *lb, so2_err *err);

/*
 * so2_loopback_wait - accept requests until this login's redirect comes
 *	state: the login's state (pkce.h). timeout: seconds. stop: checked
 *	every second (a signal handler sets it); NULL: never. note (NULL:
 *	none) hears of every ignored request. On SO2_OK *r holds the
 *	redirect (free with so2_redirect_clear): a code, or the server's
 *	error (r->error set; the browser was told the sign-in failed).
 *	Errors: SO2_ERR_TEMP (timeout: the message says --timeout and
 *	--paste), SO2_ERR_PENDING (stopped).
 */
so2_status so2_loopback_wait(so2_loopback *lb, const char *state, long timeout,
			     volatile sig_atomic_t *stop, so2_loopback_note *note,
			     void *arg, so2_redirect *r, so2_err *err);

/* so2_loopback_close - stop listening; idle ok */
void so2_loopback_close(so2_loopback *lb);

#endif

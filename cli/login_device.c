/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	login_device.c - login with the device authorization grant (RFC 8628)
 * DESCRIPTION
 *	The device authorization request, then the code and the address to
 *	enter it at, printed once on standard error (the server's message
 *	only when it says more than the code: Microsoft's repeats it;
 *	server text made printable), and the code's deadline: a countdown redrawn every
 *	second when standard error is a terminal, one line otherwise;
 *	then polling the token endpoint every interval seconds
 *	(3.4, 3.5): authorization_pending keeps polling, slow_down adds 5
 *	seconds, expired_token and access_denied end the login, and so does
 *	the device code's expires_in. Transient failures back off (doubling,
 *	at most POLL_BACKOFF_MAX, or the server's Retry-After). Ctrl-C ends
 *	a wait at once; during a request it keeps its default action.
 * SEE ALSO
 *	login.h, RFC 8628, device.h
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/secret.h"
#include "base/text.h"
#include "login/device.h"

#include "login.h"

#define POLL_INTERVAL_DEFAULT	5	/* seconds, RFC 8628 3.2 */
#define POLL_SLOW_DOWN		5	/* seconds added by slow_down, 3.5 */
#define POLL_BACKOFF_MAX	60	/* seconds between polls at most */
#define DEVICE_LIFETIME_DEFAULT	900	/* seconds, when expires_in is 0 */
#define SHOW_MAX		1024	/* bytes of server text shown */

/* countdown - the time left on the terminal's line, redrawn in place */
static void
countdown(const char *account, time_t deadline, time_t now)
{
	long left = deadline > now ? (long)(deadline - now) : 0;

	fprintf(stderr, "\rWaiting for the sign-in as %s: %ld:%02ld left "
		"(Ctrl-C to cancel) ", account, left / 60, left % 60);
	fflush(stderr);
}

/* wait_poll - wait seconds before the next poll, with the countdown on a
 *	terminal; 0, or -1 when interrupted */
static int
wait_poll(const char *account, int tty, long seconds, time_t deadline)
{
	time_t end = time(NULL) + seconds, now;

	if (!tty)
		return cli_wait_seconds(seconds);
	while ((now = time(NULL)) < end) {
		countdown(account, deadline, now);
		if (cli_wait_seconds(1) != 0)
			return -1;
	}
	countdown(account, deadline, time(NULL));
	return 0;
}

/* poll_token - poll until the user signed in or the login ends */
static so2_status
poll_token(cli_ctx *ctx, const so2_http_conf *hc, const so2_record *client,
	   const so2_device_auth *da, const char *account, time_t deadline,
	   so2_token_reply *rep, so2_oauth_error *oerr, so2_err *err)
{
	long interval, lifetime, wait;
	int tty = isatty(STDERR_FILENO);
	time_t now;
	so2_status result;

	interval = da->interval > 0 ? da->interval : POLL_INTERVAL_DEFAULT;
	lifetime = da->expires_in > 0 ? da->expires_in : DEVICE_LIFETIME_DEFAULT;
	for (;;) {
		now = time(NULL);
		if (now >= deadline)
			return so2_err_set(err, SO2_ERR_GRANT,
					   "the code expired (after %ld s) before "
					   "the sign-in was completed; run the "
					   "login command again", lifetime);
		wait = interval;
		if (wait > deadline - now)
			wait = (long)(deadline - now);
		if (wait_poll(account, tty, wait, deadline) != 0)
			return SO2_ERR_PENDING;		/* interrupted */
		cli_catch_signals(0);
		result = so2_device_poll(hc, client, &da->device_code, rep, oerr, err);
		cli_catch_signals(1);
		switch (result) {
		case SO2_OK:
			return SO2_OK;
		case SO2_ERR_PENDING:
			cli_verbose(ctx, "authorization pending");
			break;
		case SO2_ERR_SLOW_DOWN:
			interval += POLL_SLOW_DOWN;
			cli_verbose(ctx, "slow_down: polling every %ld s now",
				    interval);
			break;
		case SO2_ERR_TEMP:
			interval = interval * 2 > POLL_BACKOFF_MAX ?
			    POLL_BACKOFF_MAX : interval * 2;
			if (oerr->retry_after > interval &&
			    oerr->retry_after <= POLL_BACKOFF_MAX)
				interval = oerr->retry_after;
			if (tty)
				fputc('\n', stderr);
			cli_msg("%s; trying again in %ld s", err->msg, interval);
			break;
		default:
			return result;
		}
		so2_token_reply_clear(rep);
	}
}

/* cli_grant_device - the device authorization grant, up to the token reply */
so2_status
cli_grant_device(const cli_login *l, so2_token_reply *rep, so2_oauth_error *oerr,
		 so2_err *err)
{
	so2_device_auth da;
	char show[SHOW_MAX], desc[64], when[CLI_TIME_MAX], in[CLI_TIME_MAX];
	int tty = isatty(STDERR_FILENO);
	long lifetime;
	time_t deadline;
	so2_status result;

	memset(&da, 0, sizeof(da));
	result = so2_device_authorize(l->hc, l->plan->device_authorization_endpoint,
				      l->plan->client_id, l->plan->scope, &da, oerr, err);
	if (result != SO2_OK)
		goto out;
	lifetime = da.expires_in > 0 ? da.expires_in : DEVICE_LIFETIME_DEFAULT;
	deadline = time(NULL) + lifetime;
	cli_catch_signals(1);	/* until the next request */
	fprintf(stderr, "To sign in, open %s",
		so2_printable(da.verification_uri, show, sizeof(show)));
	fprintf(stderr, " and enter the code %s\n",
		so2_printable(da.user_code, show, sizeof(show)));
	if (da.verification_uri_complete != NULL)
		fprintf(stderr, "(or open %s)\n",
			so2_printable(da.verification_uri_complete, show,
				       sizeof(show)));
	/* Microsoft's and Google's messages repeat the line above: say it once. */
	if (da.message != NULL && strstr(da.message, da.user_code) == NULL)
		fprintf(stderr, "%s\n", so2_printable(da.message, show, sizeof(show)));
	cli_verbose(l->ctx, "device code %s, poll every %ld s, expires in %ld s",
		    so2_secret_describe(da.device_code.data, da.device_code.len,
					desc, sizeof(desc)),
		    da.interval, da.expires_in);
	fprintf(stderr, "The code expires at %s (in %s).\n",
		cli_local_time(deadline, when, sizeof(when)),
		cli_duration(lifetime, in, sizeof(in)));
	if (!tty)
		fprintf(stderr, "Waiting for the sign-in as %s (Ctrl-C to cancel)...\n",
			l->req->account);
	result = poll_token(l->ctx, l->hc, l->client, &da, l->req->account, deadline,
			    rep, oerr, err);
	if (tty)
		fputc('\n', stderr);	/* end the countdown's line */
	cli_catch_signals(0);
out:
	so2_device_auth_clear(&da);
	return result;
}

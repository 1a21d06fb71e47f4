/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	signals.c - Ctrl-C during the command's waits
 * DESCRIPTION
 *	While the command waits for a person (a device code, a browser, a
 *	secret typed in) SIGINT, SIGTERM and SIGHUP only set cli_interrupted,
 *	and every wait ends at once (no SA_RESTART); the command then says
 *	what was left undone. Around a write that must be complete they are
 *	caught too; elsewhere they keep their action. A signal that was
 *	ignored when the command started (nohup) stays ignored.
 * SEE ALSO
 *	cli.h, login.h
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "cli.h"

volatile sig_atomic_t cli_interrupted;

/* on_signal - remember that the user wants to stop */
static void
on_signal(int sig)
{
	(void)sig;
	cli_interrupted = 1;
}

/* cli_catch_signals - catch (1) or restore (0) SIGINT, SIGTERM, SIGHUP
 *	A signal ignored when the command started (nohup, a background
 *	job of a shell without job control) stays ignored. */
void
cli_catch_signals(int on)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	static struct sigaction saved[sizeof(sigs) / sizeof(sigs[0])];
	static int have_saved;
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: end the wait at once */
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (!have_saved && sigaction(sigs[i], NULL, &saved[i]) != 0) {
			cli_msg("sigaction: %s", strerror(errno));
			return;
		}
		if (saved[i].sa_handler == SIG_IGN)
			continue;
		if (sigaction(sigs[i], on ? &sa : &saved[i], NULL) != 0)
			cli_msg("sigaction: %s", strerror(errno));
	}
	have_saved = 1;
}

/* cli_wait_seconds - sleep, ending early on a caught signal; -1 when interrupted */
int
cli_wait_seconds(long seconds)
{
	struct timespec left;

	left.tv_sec = seconds;
	left.tv_nsec = 0;
	while (!cli_interrupted && nanosleep(&left, &left) != 0 &&
	       errno == EINTR)
		;
	return cli_interrupted ? -1 : 0;
}

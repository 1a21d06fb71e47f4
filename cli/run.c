/* SPDX-License-Identifier: MIT */
/*
 * run.c - run a helper program and read its output (see run.h)
 *
 *	One home for what doctor's Postfix checks and postfix migrate both do:
 *	fork, exec without a shell, read stdout through a pipe, wait.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/error.h"

#include "run.h"

/* cli_run - run argv, its output into out; exit status or -1 */
int
cli_run(const char *const argv[], char *out, size_t size, int flags)
{
	int fds[2], status, devnull;
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	if (out != NULL && size > 0)
		out[0] = '\0';
	if (pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	fflush(NULL);
	if ((pid = fork()) < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fds[1], 1);
		if (flags & CLI_RUN_STDERR)
			dup2(fds[1], 2);
		else if ((devnull = open("/dev/null", O_WRONLY)) >= 0)
			dup2(devnull, 2);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		char sink[512];

		if (out != NULL && n + 1 < size)
			r = read(fds[0], out + n, size - 1 - n);
		else
			r = read(fds[0], sink, sizeof(sink));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (out != NULL && n + 1 < size)
			n += (size_t)r;
	}
	close(fds[0]);
	if (out != NULL && size > 0) {
		out[n] = '\0';
		while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
			out[--n] = '\0';
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* cli_postconf_why - postconf's reason for reading no configuration, and the way on */
void
cli_postconf_why(const char *dir, const char *opt, char *why, size_t size)
{
	const char *argv[6], *reason, *fatal = "postconf: fatal: ";
	char out[1024];
	int n = 0, rc;

	argv[n++] = "postconf";
	if (dir != NULL) {
		argv[n++] = "-c";
		argv[n++] = dir;
	}
	argv[n++] = "-h";
	argv[n++] = "config_directory";
	argv[n] = NULL;
	rc = cli_run(argv, out, sizeof(out), CLI_RUN_STDERR);
	if (rc == 127) {
		so2_format(why, size, "postconf not found: is Postfix installed?");
		return;
	}
	/* Its last line says why (warnings about master.cf may come first). */
	reason = strrchr(out, '\n') != NULL ? strrchr(out, '\n') + 1 : out;
	if (strncmp(reason, fatal, strlen(fatal)) == 0)
		reason += strlen(fatal);
	so2_format(why, size, "postconf found no Postfix configuration%s%s (%s): set Postfix "
		   "up (Debian: dpkg-reconfigure postfix), or give %s DIR for another instance",
		   dir != NULL ? " in " : "", dir != NULL ? dir : "",
		   reason[0] != '\0' ? reason : "no reason given", opt);
}

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
#include <sys/wait.h>
#include <unistd.h>

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

/* SPDX-License-Identifier: MIT */
/*
 * run.h - run a helper program (postconf, postmap, postfix) and read its output
 *
 *	cli_run(argv, out, size, flags)
 *		Runs argv[0] (found in PATH) with argv, NULL-terminated, without
 *		a shell; its standard output (and with CLI_RUN_STDERR its
 *		standard error, else /dev/null) goes into out: at most size - 1
 *		bytes, NUL-terminated, trailing newlines and spaces removed; the
 *		rest is read and dropped so the program never blocks. out may be
 *		NULL (size 0) to drop everything. Returns the exit status, or -1
 *		when it could not be started, was killed by a signal or could
 *		not be waited for (127: not found). The command's stdio buffers
 *		are flushed first so that the child's output never precedes them.
 *		No secret may be passed in argv (it is visible in ps).
 */
#ifndef SO2_CLI_RUN_H
#define SO2_CLI_RUN_H

#include <stddef.h>

#define CLI_RUN_STDERR	1	/* standard error into out too */

int cli_run(const char *const argv[], char *out, size_t size, int flags);

/*
 * cli_postconf_why - why postconf [-c dir] reads no Postfix configuration,
 *	as a sentence into why (size bytes): postconf's own last line (e.g.
 *	"open /etc/postfix/main.cf: No such file or directory") and the way
 *	on, naming opt (the command's option for another configuration
 *	directory, "-c" or "--postfix-config"); "postconf not found" when
 *	Postfix is not installed. dir NULL: postconf's default (MAIL_CONFIG).
 */
void cli_postconf_why(const char *dir, const char *opt, char *why, size_t size);

#endif

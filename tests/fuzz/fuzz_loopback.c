/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	fuzz_loopback.c - libFuzzer target for the loopback listener's
 *	request reader (login/loopback.c)
 * DESCRIPTION
 *	Anything on the machine can connect to the listener while a login
 *	waits for its redirect: the request is untrusted. The reader is
 *	static: this file includes loopback.c to reach it. The input is
 *	the request, waiting in a socket pair whose other end was shut for
 *	writing; a target that comes out is given to so2_redirect_parse()
 *	as so2_loopback_wait() does. Besides the sanitizers' findings, the
 *	target traps when the reader's contract breaks: a target outside
 *	the buffer, holding a blank, CR or LF, or from a request line that
 *	does not start with "GET ".
 *	See tests/fuzz/README for building and running.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "login/loopback.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check - stop the fuzzer at a broken contract */
static void
check(int ok)
{
	if (!ok)
		__builtin_trap();
}

/* LLVMFuzzerTestOneInput - one request */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[REQUEST_MAX];
	so2_redirect r;
	char *target = NULL;
	so2_err err;
	int sv[2];

	if (size > REQUEST_MAX + 1024 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return 0;
	if (size > 0 && send(sv[1], data, size, MSG_NOSIGNAL) != (ssize_t)size) {
		close(sv[0]);
		close(sv[1]);
		return 0;
	}
	shutdown(sv[1], SHUT_WR);
	if (read_request(sv[0], buf, sizeof(buf), &target) == 0) {
		check(target >= buf + 4 && target < buf + sizeof(buf));
		check(strncmp(buf, "GET ", 4) == 0);
		check(strpbrk(target, " \r\n") == NULL);
		memset(&r, 0, sizeof(r));
		so2_err_clear(&err);
		(void)so2_redirect_parse(target, strlen(target), &r, &err);
		so2_redirect_clear(&r);
	}
	close(sv[0]);
	close(sv[1]);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	fuzz_reply.c - libFuzzer target for the reply classifiers (diagnose.h)
 * DESCRIPTION
 *	The input is a server reply as doctor reads it from the network or
 *	a user pastes it from a log: untrusted text. It is given, as a C
 *	string, to so2_diag_smtp(), so2_diag_imap() and
 *	so2_diag_challenge(), and each row to so2_diag_explain() with and
 *	without claims. Besides the sanitizers' findings, the target traps
 *	when a contract of diagnose.h breaks:
 *	- a classifier returning NULL, or a row of another kind;
 *	- a verdict without id, cause or fix, or not NUL-terminated;
 *	- so2_diag_fill() overrunning its buffer (ASan) or losing the NUL.
 *	See tests/fuzz/README for building and running.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "token/diagnose.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check - stop the fuzzer at a broken contract */
static void
check(int ok)
{
	if (!ok)
		__builtin_trap();
}

/* verdict_ok - the verdict is complete and terminated */
static void
verdict_ok(const so2_diag_row *row, const so2_jwt_claims *c, const char *user)
{
	so2_diag_verdict v;

	so2_diag_explain(row, c, user, "smtp", 1700000000, &v);
	check(v.id != NULL && v.id[0] != '\0');
	check(memchr(v.cause, '\0', sizeof(v.cause)) != NULL && v.cause[0] != '\0');
	check(memchr(v.fix, '\0', sizeof(v.fix)) != NULL && v.fix[0] != '\0');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	so2_jwt_claims c;
	const so2_diag_row *r;
	char *s, buf[SO2_DIAG_TEXT_MAX];

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&c, 0, sizeof(c));
	memcpy(c.aud, "https://outlook.office.com", 27);
	memcpy(c.upn, "a@example.com", 14);
	c.exp = 2000000000;

	r = so2_diag_smtp(s);
	check(r != NULL && r->kind == SO2_DIAG_SMTP);
	verdict_ok(r, NULL, NULL);
	verdict_ok(r, &c, s);
	r = so2_diag_imap(s);
	check(r != NULL && r->kind == SO2_DIAG_IMAP);
	verdict_ok(r, &c, "b@example.com");
	r = so2_diag_challenge(s);
	check(r != NULL && r->kind == SO2_DIAG_CHALLENGE);
	verdict_ok(r, &c, s);
	/* The input as placeholder value, into a fix text. */
	memcpy(buf, "MAILBOX and MAILBOX and ACCOUNT", 32);
	so2_diag_fill(buf, sizeof(buf), "MAILBOX", s);
	check(memchr(buf, '\0', sizeof(buf)) != NULL);
	free(s);
	return 0;
}

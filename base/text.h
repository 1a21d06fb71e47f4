/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	text.h - untrusted text made printable
 * SYNOPSIS
 *	#include "base/text.h"
 * DESCRIPTION
 *	Text from files, servers and token claims ends up in messages, logs
 *	and on terminals. Control characters (bytes below 0x20 and 0x7f)
 *	in it could forge log lines or drive a terminal, so they are
 *	replaced with '?' or refused. Bytes from 0x80 up (UTF-8) are kept.
 *	Pure functions: no allocation, never fail, never print.
 * SEE ALSO
 *	error.h (the messages these feed)
 */
#ifndef SO2_TEXT_H
#define SO2_TEXT_H

#include <stddef.h>

/*
 * so2_printable - copy untrusted text for a message or a terminal
 *	Copies at most size-1 bytes of the C string in into buf, replacing
 *	control characters (below 0x20, 0x7f) with '?', NUL-terminated.
 *	in NULL copies "". Returns buf (untouched when size is 0).
 */
char *so2_printable(const char *in, char *buf, size_t size);

/*
 * so2_printable_line - the first line of len bytes of in, printable
 *	As so2_printable, but stops at CR, LF or NUL or after len bytes:
 *	for one line of a server reply or header. in NULL copies "".
 *	Returns buf (untouched when size is 0).
 */
char *so2_printable_line(const char *in, size_t len, char *buf, size_t size);

/* so2_has_control - 1 when the C string s holds a control character
 *	(below 0x20, 0x7f), else 0; s NULL is 0 */
int so2_has_control(const char *s);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	text.c - untrusted text made printable (see text.h)
 * DESCRIPTION
 *	One test of what a control character is (is_control), used by all.
 */
#include "config.h"

#include "base/text.h"

/* is_control - a C0 control character or DEL */
static int
is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* so2_printable - untrusted text made safe for messages */
char *
so2_printable(const char *in, char *buf, size_t size)
{
	size_t i;

	if (size == 0)
		return buf;
	for (i = 0; in != NULL && in[i] != '\0' && i < size - 1; i++)
		buf[i] = is_control((unsigned char)in[i]) ? '?' : in[i];
	buf[i] = '\0';
	return buf;
}

/* so2_printable_line - the first line of in, printable */
char *
so2_printable_line(const char *in, size_t len, char *buf, size_t size)
{
	size_t i;

	if (size == 0)
		return buf;
	for (i = 0; in != NULL && i < len && i + 1 < size; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '\0' || c == '\r' || c == '\n')
			break;
		buf[i] = is_control(c) ? '?' : (char)c;
	}
	buf[i] = '\0';
	return buf;
}

/* so2_has_control - 1 when s holds a control character */
int
so2_has_control(const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		if (is_control((unsigned char)*s))
			return 1;
	return 0;
}

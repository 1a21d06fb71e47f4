/*
 * NAME
 *	sasl-server-init - a SASL server process, to see what modules map
 * SYNOPSIS
 *	sasl-server-init [client]
 * DESCRIPTION
 *	Calls sasl_server_init (or, with "client", sasl_client_init) with the
 *	plugin directory from $SASL_PATH, then prints /proc/self/maps lines
 *	of shared objects, one path per line, so a test can check that the
 *	sasl-oauth2 module pulls no libcurl or OpenSSL into a server.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sasl/sasl.h>

int
main(int argc, char **argv)
{
	char line[4096], last[4096] = "";
	FILE *f;
	int r;

	if (argc > 1 && strcmp(argv[1], "client") == 0)
		r = sasl_client_init(NULL);
	else
		r = sasl_server_init(NULL, "sasl-oauth2-test");
	if (r != SASL_OK) {
		fprintf(stderr, "init: %s\n", sasl_errstring(r, NULL, NULL));
		return 1;
	}
	if ((f = fopen("/proc/self/maps", "r")) == NULL)
		return 1;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *path = strchr(line, '/');

		if (path == NULL || strstr(path, ".so") == NULL || strcmp(path, last) == 0)
			continue;
		snprintf(last, sizeof(last), "%s", path);
		fputs(path, stdout);
	}
	fclose(f);
	return 0;
}

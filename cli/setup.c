/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	setup.c - the configuration the global options select, and record names
 * DESCRIPTION
 *	cli_load_config reads the configuration file (--config,
 *	$SASL_OAUTH2_CONF, else the built-in path) and applies --store and
 *	--ca-file over it; cli_account_of turns a record's file name back
 *	into its account.
 * SEE ALSO
 *	cli.h, sasl-oauth2.conf(5)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* replace - *member = strdup(value); 0 or -1 */
static int
replace(char **member, const char *value)
{
	char *copy;

	copy = strdup(value);
	if (copy == NULL)
		return -1;
	free(*member);
	*member = copy;
	return 0;
}

/* cli_load_config - read the configuration and apply --store, --ca-file */
so2_status
cli_load_config(cli_ctx *ctx, so2_err *err)
{
	const char *path;
	so2_status result;
	int must_exist;

	if (ctx->conf != NULL)
		return SO2_OK;
	/* A file the user named (--config or SASL_OAUTH2_CONF) must
	 * exist; the built-in default may be missing. */
	path = ctx->config_path != NULL ? ctx->config_path :
	    so2_config_default_path();
	must_exist = ctx->config_path != NULL || strcmp(path, SO2_CONF_PATH) != 0;
	ctx->conf_tried = path;
	result = so2_config_load(path, must_exist, &ctx->conf, err);
	if (result != SO2_OK)
		return result;
	if (ctx->verbose) {
		char desc[CLI_TEXT_MAX];

		cli_describe_config(ctx, desc, sizeof(desc));
		cli_verbose(ctx, "configuration: %s", desc);
	}
	if ((ctx->store_dir != NULL && replace(&ctx->conf->store_dir,
					       ctx->store_dir) != 0) ||
	    (ctx->ca_file != NULL && replace(&ctx->conf->ca_file,
					     ctx->ca_file) != 0))
		return so2_err_set(err, SO2_ERR_NOMEM, "out of memory");
	return SO2_OK;
}

/* cli_describe_config - which configuration file was read, for people */
void
cli_describe_config(const cli_ctx *ctx, char *buf, size_t size)
{
	if (ctx->conf != NULL && ctx->conf->path != NULL)
		snprintf(buf, size, "%s", ctx->conf->path);
	else
		snprintf(buf, size, "none (%s not found), built-in defaults",
			 ctx->conf_tried ? ctx->conf_tried : SO2_CONF_PATH);
}

/* cli_account_of - the account of a record file name ("A.json" -> "A") */
const char *
cli_account_of(const char *file, char *buf, size_t size)
{
	static const char suffix[] = ".json";
	size_t n = strlen(file), sl = sizeof(suffix) - 1;

	if (size == 0)
		return "";
	if (n > sl && strcmp(file + n - sl, suffix) == 0)
		n -= sl;
	if (n >= size)
		n = size - 1;
	memcpy(buf, file, n);
	buf[n] = '\0';
	return buf;
}

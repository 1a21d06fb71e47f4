/*
 * NAME
 *	plugin.c - the thin SASL module: loads the core at client init
 * SYNOPSIS
 *	libsasl-oauth2.so in libsasl2's plugin directory
 * DESCRIPTION
 *	Exports one symbol, sasl_client_plug_init (SASL saslplug.h). It
 *	links nothing but libc, so server programs that load every module
 *	of the directory (sasl_server_init) map no libcurl or OpenSSL.
 *
 *	At client init it dlopens the core (SO2_CORE_PATH, or
 *	$SASL_OAUTH2_CORE when the process is not set-id) with
 *	RTLD_NODELETE and lets the core register the mechanisms.
 *
 *	When the core cannot be loaded the mechanisms XOAUTH2 and
 *	OAUTHBEARER are still registered, and every attempt to use them
 *	fails with the loader's reason, so the administrator sees why
 *	instead of "no mechanism available".
 * SEE ALSO
 *	core.h, plugin/client.c, sasl-oauth2(8)
 */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sasl/sasl.h>
#include <sasl/saslplug.h>

#include "core.h"

#define SO2_EXPORT __attribute__((visibility("default")))

/* Why the core is not there; reported at every attempt. */
static char load_error[1024];

/* fallback_mech_new - fail the attempt, saying why the core is missing */
static int
fallback_mech_new(void *glob, sasl_client_params_t *params, void **conn)
{
	(void)glob;
	*conn = NULL;
	params->utils->seterror(params->utils->conn, SASL_NOLOG, "%s", load_error);
	params->utils->log(params->utils->conn, SASL_LOG_ERR, "%s", load_error);
	return SASL_FAIL;
}

/* fallback_mech_step - never reached (mech_new fails) */
static int
fallback_mech_step(void *conn, sasl_client_params_t *params, const char *in, unsigned inlen,
		   sasl_interact_t **prompts, const char **out, unsigned *outlen,
		   sasl_out_params_t *oparams)
{
	(void)conn; (void)params; (void)in; (void)inlen; (void)prompts; (void)oparams;
	*out = NULL;
	*outlen = 0;
	return SASL_FAIL;
}

static const unsigned long fallback_prompts[] = { SASL_CB_AUTHNAME, SASL_CB_LIST_END };

static sasl_client_plug_t fallback_plugins[] = {
	{ "XOAUTH2", 0, SASL_SEC_NOANONYMOUS | SASL_SEC_PASS_CREDENTIALS,
	  SASL_FEAT_WANT_CLIENT_FIRST, fallback_prompts, NULL, fallback_mech_new,
	  fallback_mech_step, NULL, NULL, NULL, NULL, NULL },
	{ "OAUTHBEARER", 0, SASL_SEC_NOANONYMOUS | SASL_SEC_PASS_CREDENTIALS,
	  SASL_FEAT_WANT_CLIENT_FIRST | SASL_FEAT_ALLOWS_PROXY, fallback_prompts, NULL,
	  fallback_mech_new, fallback_mech_step, NULL, NULL, NULL, NULL, NULL },
};

/* core_path - the core file to load */
static const char *
core_path(void)
{
	const char *env;

	if (getuid() == geteuid() && getgid() == getegid()
	    && (env = getenv(SO2_CORE_ENV)) != NULL && *env != '\0')
		return env;
	return SO2_CORE_PATH;
}

/* sasl_client_plug_init - libsasl2's entry point (saslplug.h) */
SO2_EXPORT int sasl_client_plug_init(const sasl_utils_t *utils, int max_version,
				     int *out_version, sasl_client_plug_t **pluglist,
				     int *plugcount);

SO2_EXPORT int
sasl_client_plug_init(const sasl_utils_t *utils, int max_version, int *out_version,
		      sasl_client_plug_t **pluglist, int *plugcount)
{
	sasl_client_plug_init_t *init;
	const char *path = core_path();
	const char *why;
	void *handle;

	if (max_version < SASL_CLIENT_PLUG_VERSION) {
		utils->log(NULL, SASL_LOG_ERR, "sasl-oauth2: libsasl2 client plugin version"
			   " too old");
		return SASL_BADVERS;
	}
	/* Never unloaded: libcurl must not be (libcurl curl_global_cleanup). */
	handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (handle != NULL) {
		*(void **)&init = dlsym(handle, SO2_CORE_ENTRY);
		if (init != NULL)
			return init(utils, max_version, out_version, pluglist, plugcount);
		why = "entry point missing (wrong version of the core?)";
	} else {
		why = dlerror();
	}
	snprintf(load_error, sizeof(load_error),
		 "sasl-oauth2: cannot load the core module %s: %s; reinstall sasl-oauth2",
		 path, why ? why : "unknown reason");
	utils->log(NULL, SASL_LOG_ERR, "%s", load_error);
	*out_version = SASL_CLIENT_PLUG_VERSION;
	*pluglist = fallback_plugins;
	*plugcount = 2;
	return SASL_OK;
}

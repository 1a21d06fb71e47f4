/*
 * NAME
 *	core.h - the contract between the SASL module and its core
 * DESCRIPTION
 *	libsasl2 dlopens every module in its plugin directory into every
 *	SASL program, servers included. The module libsasl-oauth2.so
 *	therefore depends on libc alone; at client initialisation it
 *	dlopens the core, sasl-oauth2-core.so (libcurl, OpenSSL, jansson),
 *	with RTLD_NODELETE so the core stays loaded for the life of the
 *	process (libcurl must not be unloaded), and hands the call over to
 *	the core's entry point, which has the signature of
 *	sasl_client_plug_init (SASL saslplug.h, sasl_client_plug_init_t).
 */
#ifndef SO2_PLUGIN_CORE_H
#define SO2_PLUGIN_CORE_H

/* The one symbol the core exports. */
#define SO2_CORE_ENTRY "so2_core_client_plug_init"

/* Environment variable naming another core file (tests, packagers);
 * honoured only when the process is not set-id. */
#define SO2_CORE_ENV "SASL_OAUTH2_CORE"

#endif

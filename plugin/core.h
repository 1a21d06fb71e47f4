/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	core.h - the contract between the SASL module and its core
 * DESCRIPTION
 *	libsasl2 dlopens every module in its plugin directory into every
 *	SASL program, servers included. The module libsasl-oauth2.so
 *	therefore depends on libc alone; at client initialisation, or at
 *	the first use of a mechanism (plugin.c says when), it dlopens the
 *	core, sasl-oauth2-core.so (libcurl, OpenSSL, jansson), with
 *	RTLD_NODELETE so the core stays loaded for the life of the process
 *	(libcurl must not be unloaded), and calls the core's entry point,
 *	which has the signature of sasl_client_plug_init (SASL saslplug.h,
 *	sasl_client_plug_init_t). Include after <sasl/saslplug.h>.
 */
#ifndef SO2_PLUGIN_CORE_H
#define SO2_PLUGIN_CORE_H

/* The one symbol the core exports. */
#define SO2_CORE_ENTRY "so2_core_client_plug_init"

/* Environment variable naming another core file (tests, packagers);
 * honoured only when the process is not set-id. */
#define SO2_CORE_ENV "SASL_OAUTH2_CORE"

/* Environment variable choosing when the module loads the core: "init"
 * (at sasl_client_init) or "use" (at the first mech_new of one of our
 * mechanisms); unset: init when the process may chroot or change ids
 * later, else use (doc/internals/loading.md). Honoured only when the
 * process is not set-id. */
#define SO2_LOAD_ENV "SASL_OAUTH2_LOAD"

/*
 * The mechanisms' flags (sasl_client_plug_t security_flags, features),
 * one definition for the core's table and the module's stand-ins, so
 * that libsasl2 sees the same mechanisms whenever the core is loaded
 * (see sasl-oauth2(8), "Mechanism properties", for why these).
 */
#define SO2_XOAUTH2_SECURITY	(SASL_SEC_NOANONYMOUS | SASL_SEC_PASS_CREDENTIALS)
#define SO2_XOAUTH2_FEATURES	SASL_FEAT_WANT_CLIENT_FIRST
#define SO2_OAUTHBEARER_SECURITY (SASL_SEC_NOANONYMOUS | SASL_SEC_PASS_CREDENTIALS)
#define SO2_OAUTHBEARER_FEATURES (SASL_FEAT_WANT_CLIENT_FIRST | SASL_FEAT_ALLOWS_PROXY)

#endif

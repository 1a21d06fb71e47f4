/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	plugin.c - the thin SASL module: loads the core when it is needed
 * SYNOPSIS
 *	libsasl-oauth2.so in libsasl2's plugin directory
 * DESCRIPTION
 *	Exports one symbol, sasl_client_plug_init (SASL saslplug.h). It
 *	links nothing but libc, so server programs that load every module
 *	of the directory (sasl_server_init) map no libcurl or OpenSSL.
 *
 *	The core (SO2_CORE_PATH, or $SASL_OAUTH2_CORE when the process is
 *	not set-id) is dlopened with RTLD_NODELETE, at one of two moments
 *	(doc/internals/loading.md says why):
 *	- at client init, when the process may lose access to files after
 *	  init: it runs as root or set-id, or holds CAP_SYS_CHROOT, CAP_SETUID or
 *	  CAP_SETGID (Postfix's smtp: init as root, then chroot and
 *	  setuid). The core then registers the mechanisms itself, as it
 *	  did before;
 *	- else at the first mech_new of XOAUTH2 or OAUTHBEARER: the module
 *	  registers both mechanisms with stand-ins that load and initialise
 *	  the core once (under a mutex: threads) and hand every call over to
 *	  the core's mechanism. A client that never selects them maps
 *	  nothing but this module.
 *	$SASL_OAUTH2_LOAD ("init" or "use"), honoured when the process is
 *	not set-id, forces one of the two (tests, packagers).
 *
 *	When the core cannot be loaded the mechanisms XOAUTH2 and
 *	OAUTHBEARER are still registered: every attempt to use them tries
 *	to load it again and, failing, fails with the loader's reason (and
 *	the reason at init, when that differs), so the administrator sees
 *	why instead of "no mechanism available", and a long-lived process
 *	recovers once the file is back.
 * SEE ALSO
 *	core.h, plugin/client.c, doc/internals/loading.md, sasl-oauth2(8)
 */
#include "config.h"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <linux/capability.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sasl/sasl.h>
#include <sasl/saslplug.h>

#include "core.h"

#define SO2_EXPORT __attribute__((visibility("default")))

enum mech_id { MECH_XOAUTH2, MECH_OAUTHBEARER, MECH_COUNT };

static const char *const mech_names[MECH_COUNT] = { "XOAUTH2", "OAUTHBEARER" };

/* Why the core is not there; reported at every attempt. */
static char load_error[1024];
/* Why loading at init failed, kept for the attempts that retry it (a
 * retry inside a chroot fails for another reason: both are said). */
static char init_error[1024];

/*
 * Loading at first use. Guarded by core_mu: the core's mechanisms once
 * its init ran (NULL before, and again after sasl_client_done freed
 * them), the number of stand-ins freed since, and the plugin version
 * libsasl2 offered at init.
 */
static pthread_mutex_t core_mu = PTHREAD_MUTEX_INITIALIZER;
static int core_ready;		/* the core's init ran (until sasl_client_done) */
static sasl_client_plug_t *core_mech[MECH_COUNT];
static int stand_ins_freed;
static int offered_version;

/* report_load_error - seterror and log the loader's reason */
static void
report_load_error(const sasl_utils_t *utils, const char *msg)
{
	utils->seterror(utils->conn, SASL_NOLOG, "%s", msg);
	utils->log(utils->conn, SASL_LOG_ERR, "%s", msg);
}

static const unsigned long required_prompts[] = { SASL_CB_AUTHNAME, SASL_CB_LIST_END };

/* set_id - is the process set-user-id or set-group-id? */
static int
set_id(void)
{
	return getuid() != geteuid() || getgid() != getegid();
}

/* core_path - the core file to load */
static const char *
core_path(void)
{
	const char *env;

	if (!set_id() && (env = getenv(SO2_CORE_ENV)) != NULL && *env != '\0')
		return env;
	return SO2_CORE_PATH;
}

/* may_lose_access - may the process chroot or change its ids after init?
 *	Root, a set-id process (it may switch back to its real ids, as
 *	seteuid(getuid()), with no privilege at all), or a process holding
 *	CAP_SYS_CHROOT, CAP_SETUID or CAP_SETGID (capget(2): effective set).
 *	Files reachable now may not be then. */
static int
may_lose_access(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	const int caps[] = { CAP_SYS_CHROOT, CAP_SETUID, CAP_SETGID };
	size_t i;

	if (geteuid() == 0 || set_id())
		return 1;
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) != 0)
		return 1;	/* unknown: load now, as before */
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		if (data[caps[i] / 32].effective & (1U << (caps[i] % 32)))
			return 1;
	return 0;
}

/* load_at_init - load the core at init (1) or at first use (0)?
 *	Any other value of SO2_LOAD_ENV than "init" or "use" (a typo, "INIT",
 *	"1") is logged and ignored: a packager or administrator who set it
 *	must learn that it did nothing. */
static int
load_at_init(const sasl_utils_t *utils)
{
	const char *env = set_id() ? NULL : getenv(SO2_LOAD_ENV);
	char shown[33];
	int now;
	size_t i;

	if (env != NULL && strcmp(env, "init") == 0)
		return 1;
	if (env != NULL && strcmp(env, "use") == 0)
		return 0;
	now = may_lose_access();
	if (env != NULL) {
		for (i = 0; env[i] != '\0' && i < sizeof(shown) - 1; i++)
			shown[i] = env[i] > 0x20 && env[i] < 0x7f ? env[i] : '?';
		shown[i] = '\0';
		utils->log(NULL, SASL_LOG_WARN, "sasl-oauth2: %s=%s%s is neither \"init\" nor "
			   "\"use\": ignored, the core module loads at %s", SO2_LOAD_ENV, shown,
			   env[i] != '\0' ? "..." : "", now ? "init" : "first use");
	}
	return now;
}

/* Program headers of the core examined before dlopen (it has a handful). */
#define CORE_PHDRS_MAX 64

/* core_file_bad - why the file at path must not be given to dlopen, or NULL
 *	dlopen maps the loadable segments of an ELF object and touches them:
 *	one that lies past the end of a file cut short (a copy or an upgrade
 *	half done) is SIGBUS in the host program, where the loader's own
 *	"file too short" covers only the first bytes. So: a regular file,
 *	whose PT_LOAD segments (ELF gABI, program header) all end within it.
 *	Anything the check cannot read is left to dlopen, which says why.
 *	why: size bytes, for the reason. No allocation. */
static const char *
core_file_bad(const char *path, char *why, size_t size)
{
	ElfW(Ehdr) eh;
	ElfW(Phdr) ph[CORE_PHDRS_MAX];
	struct stat sb;
	unsigned long long end, need = 0;
	size_t i, n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return NULL;
	if (fstat(fd, &sb) != 0) {
		close(fd);
		return NULL;
	}
	if (!S_ISREG(sb.st_mode)) {
		close(fd);
		snprintf(why, size, "%s", S_ISDIR(sb.st_mode) ? "it is a directory, not the core"
			 " file" : "not a regular file");
		return why;
	}
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh)
	    || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_phentsize != sizeof(ph[0])
	    || eh.e_phnum == 0 || eh.e_phnum > CORE_PHDRS_MAX) {
		close(fd);
		return NULL;	/* dlopen: "file too short", "invalid ELF header" */
	}
	n = eh.e_phnum;
	if (pread(fd, ph, n * sizeof(ph[0]), (off_t)eh.e_phoff) != (ssize_t)(n * sizeof(ph[0])))
		need = (unsigned long long)eh.e_phoff + n * sizeof(ph[0]);
	for (i = 0; need == 0 && i < n; i++) {
		end = (unsigned long long)ph[i].p_offset + ph[i].p_filesz;
		if (ph[i].p_type == PT_LOAD && end > (unsigned long long)sb.st_size)
			need = end;
	}
	close(fd);
	if (need == 0)
		return NULL;
	snprintf(why, size, "the file is cut short (%lld bytes, its contents need %llu): a copy"
		 " or an upgrade not finished?", (long long)sb.st_size, need);
	return why;
}

/* load_core - dlopen the core and find its entry; NULL with load_error set */
static sasl_client_plug_init_t *
load_core(void)
{
	sasl_client_plug_init_t *init = NULL;
	const char *path = core_path();
	const char *why;
	char bad[160];
	void *handle = NULL;
	size_t n;

	/* Never unloaded: libcurl must not be (libcurl curl_global_cleanup). */
	if ((why = core_file_bad(path, bad, sizeof(bad))) == NULL
	    && (handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)) == NULL)
		why = dlerror();
	if (handle != NULL) {
		*(void **)&init = dlsym(handle, SO2_CORE_ENTRY);
		if (init != NULL)
			return init;
		why = "entry point missing (wrong version of the core?)";
	}
	snprintf(load_error, sizeof(load_error),
		 "sasl-oauth2: cannot load the core module %s: %s; reinstall sasl-oauth2",
		 path, why ? why : "unknown reason");
	/* To syslog or the program's log: a new line or an escape sequence in
	 * the path ($SASL_OAUTH2_CORE) must not pass raw (base/text.h rule). */
	for (n = 0; load_error[n] != '\0'; n++)
		if ((unsigned char)load_error[n] < 0x20 || load_error[n] == 0x7f)
			load_error[n] = '?';
	return NULL;
}

/* core_init - load and initialise the core once; 0, or -1 with load_error
 *	Called with core_mu held. */
static int
core_init(const sasl_utils_t *utils)
{
	sasl_client_plug_init_t *init = load_core();
	sasl_client_plug_t *list = NULL;
	int version = 0, count = 0, i, j, r;

	if (init == NULL)
		return -1;
	r = init(utils, offered_version, &version, &list, &count);
	if (r != SASL_OK || list == NULL) {
		snprintf(load_error, sizeof(load_error), "sasl-oauth2: the core module could not"
			 " initialise (SASL result %d)", r);
		return -1;
	}
	for (i = 0; i < MECH_COUNT; i++)
		for (j = 0; j < count; j++)
			if (strcmp(list[j].mech_name, mech_names[i]) == 0)
				core_mech[i] = &list[j];
	core_ready = 1;
	stand_ins_freed = 0;
	return 0;
}

/* core_for - the core's mechanism id, loading the core first; NULL on failure
 *	*why gets the loader's reason (size bytes). */
static sasl_client_plug_t *
core_for(enum mech_id id, const sasl_utils_t *utils, char *why, size_t size)
{
	sasl_client_plug_t *m;

	pthread_mutex_lock(&core_mu);
	if (!core_ready)
		core_init(utils);	/* once: it registers both mechanisms */
	if (core_ready && core_mech[id] == NULL)
		snprintf(load_error, sizeof(load_error), "sasl-oauth2: the core module does not"
			 " offer %s (wrong version of the core?)", mech_names[id]);
	m = core_mech[id];
	/* With the reason at init, when it was another (why holds both). */
	if (m == NULL && init_error[0] != '\0' && strstr(load_error, init_error) == NULL)
		snprintf(why, size, "%s (at init: %s)", load_error, init_error);
	else if (m == NULL)
		snprintf(why, size, "%s", load_error);
	pthread_mutex_unlock(&core_mu);
	return m;
}

/* stand_in_new - mech_new at first use: load the core, then hand over */
static int
stand_in_new(enum mech_id id, sasl_client_params_t *params, void **conn)
{
	char why[sizeof(load_error) + sizeof(init_error) + 16];
	sasl_client_plug_t *m = core_for(id, params->utils, why, sizeof(why));

	*conn = NULL;
	if (m == NULL) {
		report_load_error(params->utils, why);
		return SASL_FAIL;
	}
	return m->mech_new(m->glob_context, params, conn);
}

/* stand_in_step - hand a step over to the core (mech_new succeeded) */
static int
stand_in_step(enum mech_id id, void *conn, sasl_client_params_t *params, const char *in,
	      unsigned inlen, sasl_interact_t **prompts, const char **out, unsigned *outlen,
	      sasl_out_params_t *oparams)
{
	sasl_client_plug_t *m = core_mech[id];

	if (m == NULL) {
		*out = NULL;
		*outlen = 0;
		return SASL_FAIL;
	}
	return m->mech_step(conn, params, in, inlen, prompts, out, outlen, oparams);
}

/* stand_in_dispose - hand the connection's end over to the core */
static void
stand_in_dispose(enum mech_id id, void *conn, const sasl_utils_t *utils)
{
	sasl_client_plug_t *m = core_mech[id];

	if (m != NULL && conn != NULL && m->mech_dispose != NULL)
		m->mech_dispose(conn, utils);
}

/* stand_in_free - sasl_client_done: free the core's mechanism, if loaded
 *	Once both stand-ins are freed the core's mechanisms are gone: a new
 *	sasl_client_init initialises the core again at first use. */
static void
stand_in_free(enum mech_id id, const sasl_utils_t *utils)
{
	sasl_client_plug_t *m;
	int i;

	pthread_mutex_lock(&core_mu);
	m = core_mech[id];
	if (m != NULL && m->mech_free != NULL)
		m->mech_free(m->glob_context, utils);
	if (++stand_ins_freed >= MECH_COUNT) {
		for (i = 0; i < MECH_COUNT; i++)
			core_mech[i] = NULL;
		core_ready = 0;
		stand_ins_freed = 0;
	}
	pthread_mutex_unlock(&core_mu);
}

static int
xoauth2_new(void *glob, sasl_client_params_t *params, void **conn)
{
	(void)glob;
	return stand_in_new(MECH_XOAUTH2, params, conn);
}

static int
oauthbearer_new(void *glob, sasl_client_params_t *params, void **conn)
{
	(void)glob;
	return stand_in_new(MECH_OAUTHBEARER, params, conn);
}

static int
xoauth2_step(void *conn, sasl_client_params_t *params, const char *in, unsigned inlen,
	     sasl_interact_t **prompts, const char **out, unsigned *outlen,
	     sasl_out_params_t *oparams)
{
	return stand_in_step(MECH_XOAUTH2, conn, params, in, inlen, prompts, out, outlen,
			     oparams);
}

static int
oauthbearer_step(void *conn, sasl_client_params_t *params, const char *in, unsigned inlen,
		 sasl_interact_t **prompts, const char **out, unsigned *outlen,
		 sasl_out_params_t *oparams)
{
	return stand_in_step(MECH_OAUTHBEARER, conn, params, in, inlen, prompts, out, outlen,
			     oparams);
}

static void
xoauth2_dispose(void *conn, const sasl_utils_t *utils)
{
	stand_in_dispose(MECH_XOAUTH2, conn, utils);
}

static void
oauthbearer_dispose(void *conn, const sasl_utils_t *utils)
{
	stand_in_dispose(MECH_OAUTHBEARER, conn, utils);
}

static void
xoauth2_free(void *glob, const sasl_utils_t *utils)
{
	(void)glob;
	stand_in_free(MECH_XOAUTH2, utils);
}

static void
oauthbearer_free(void *glob, const sasl_utils_t *utils)
{
	(void)glob;
	stand_in_free(MECH_OAUTHBEARER, utils);
}

/* The stand-ins: the core's names, flags and prompts (core.h). */
static sasl_client_plug_t stand_ins[] = {
	{ "XOAUTH2", 0, SO2_XOAUTH2_SECURITY, SO2_XOAUTH2_FEATURES, required_prompts, NULL,
	  xoauth2_new, xoauth2_step, xoauth2_dispose, xoauth2_free, NULL, NULL, NULL },
	{ "OAUTHBEARER", 0, SO2_OAUTHBEARER_SECURITY, SO2_OAUTHBEARER_FEATURES,
	  required_prompts, NULL, oauthbearer_new, oauthbearer_step, oauthbearer_dispose,
	  oauthbearer_free, NULL, NULL, NULL },
};

/* sasl_client_plug_init - libsasl2's entry point (saslplug.h) */
SO2_EXPORT int sasl_client_plug_init(const sasl_utils_t *utils, int max_version,
				     int *out_version, sasl_client_plug_t **pluglist,
				     int *plugcount);

SO2_EXPORT int
sasl_client_plug_init(const sasl_utils_t *utils, int max_version, int *out_version,
		      sasl_client_plug_t **pluglist, int *plugcount)
{
	sasl_client_plug_init_t *init;

	if (max_version < SASL_CLIENT_PLUG_VERSION) {
		utils->log(NULL, SASL_LOG_ERR, "sasl-oauth2: libsasl2 client plugin version"
			   " too old");
		return SASL_BADVERS;
	}
	*out_version = SASL_CLIENT_PLUG_VERSION;
	*plugcount = MECH_COUNT;
	if (!load_at_init(utils)) {
		pthread_mutex_lock(&core_mu);
		offered_version = max_version;
		pthread_mutex_unlock(&core_mu);
		*pluglist = stand_ins;
		return SASL_OK;
	}
	if ((init = load_core()) != NULL)
		return init(utils, max_version, out_version, pluglist, plugcount);
	/* Not there now (a package upgrade half done?): the stand-ins try
	 * again at each attempt, so a long-lived process recovers once the
	 * file is back, and each failed attempt says why. */
	utils->log(NULL, SASL_LOG_ERR, "%s; trying again at each attempt", load_error);
	pthread_mutex_lock(&core_mu);
	offered_version = max_version;
	snprintf(init_error, sizeof(init_error), "%s", strncmp(load_error, "sasl-oauth2: ", 13)
		 == 0 ? load_error + 13 : load_error);
	pthread_mutex_unlock(&core_mu);
	*pluglist = stand_ins;
	return SASL_OK;
}

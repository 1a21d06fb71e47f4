/* SPDX-License-Identifier: MIT */
/*
 * test_config.c - unit tests of conf.c
 *
 * Table-driven: good files and the values they give, each parse error
 * with its exact "FILE:LINE:COL: message", defaults, file loading, the
 * default path's environment variable, profile lookup. (The provider
 * resolution is tested in login/test_provider.c.) Failures say what was
 * got and what was wanted.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "token/conf.h"

#include "tests.h"

#define GUID "11111111-2222-3333-4444-555555555555"

/* str_or - s, or "(null)" for printing */
static const char *
str_or(const char *s)
{
	return s != NULL ? s : "(null)";
}

/* check_str - got equals want (both may be NULL) */
static void
check_str(const char *what, const char *got, const char *want)
{
	ck_assert_msg((got == NULL && want == NULL) ||
		      (got != NULL && want != NULL && strcmp(got, want) == 0),
		      "%s: got \"%s\", want \"%s\"", what, str_or(got), str_or(want));
}

/* parse_ok - parse text that must be valid */
static so2_config *
parse_ok(const char *text)
{
	so2_config *conf = NULL;
	so2_err err;
	so2_status st;

	so2_err_clear(&err);
	st = so2_config_parse("t.conf", text, strlen(text), &conf, &err);
	ck_assert_msg(st == SO2_OK, "parse of \"%s\": got status %d (%s), want ok",
		      text, st, err.msg);
	ck_assert_ptr_nonnull(conf);
	return conf;
}

START_TEST(test_defaults)
{
	so2_config *conf = so2_config_defaults();

	ck_assert_ptr_nonnull(conf);
	check_str("store_dir", conf->store_dir, SO2_STORE_DIR);
	check_str("path", conf->path, NULL);
	check_str("ca_file", conf->ca_file, NULL);
	check_str("proxy", conf->proxy, NULL);
	ck_assert_msg(conf->refresh_margin == SO2_DEFAULT_REFRESH_MARGIN,
		      "refresh_margin: got %ld", conf->refresh_margin);
	ck_assert_msg(conf->connect_timeout == SO2_DEFAULT_CONNECT_TIMEOUT,
		      "connect_timeout: got %ld", conf->connect_timeout);
	ck_assert_msg(conf->http_timeout == SO2_DEFAULT_HTTP_TIMEOUT,
		      "http_timeout: got %ld", conf->http_timeout);
	ck_assert_msg(conf->lock_timeout == SO2_DEFAULT_LOCK_TIMEOUT,
		      "lock_timeout: got %ld", conf->lock_timeout);
	ck_assert_msg(conf->max_reply == SO2_DEFAULT_MAX_REPLY,
		      "max_reply: got %ld", conf->max_reply);
	ck_assert_ptr_null(conf->profiles);
	so2_config_free(conf);
	so2_config_free(NULL);
}
END_TEST

START_TEST(test_empty_file)
{
	so2_config *conf = parse_ok("");

	check_str("path", conf->path, "t.conf");
	check_str("store_dir", conf->store_dir, SO2_STORE_DIR);
	ck_assert_ptr_null(conf->profiles);
	so2_config_free(conf);
	conf = parse_ok("\n# only a comment\n   \n\t# indented comment\n");
	ck_assert_ptr_null(conf->profiles);
	so2_config_free(conf);
}
END_TEST

START_TEST(test_full_file)
{
	static const char text[] =
	    "# global part\n"
	    "store_dir = /var/lib/so2\n"
	    "ca_file=/etc/ssl/ca.pem\n"
	    "  proxy   =   http://proxy:3128   \n"
	    "refresh_margin = 600\n"
	    "connect_timeout = 5\n"
	    "http_timeout = 60\n"
	    "lock_timeout = 120\n"
	    "max_reply = 1048576\n"
	    "\n"
	    "[microsoft]\n"
	    "client_id = " GUID "\n"
	    "tenant = organizations\n"
	    "cloud = usgov\n"
	    "authority = https://127.0.0.1:8443\n"
	    "scope = https://outlook.office365.us/SMTP.Send offline_access\n"
	    "[ work ]\n"
	    "provider = generic\n"
	    "token_endpoint = https://idp.example/token\n"
	    "device_authorization_endpoint = https://idp.example/device\n"
	    "authorization_endpoint = https://idp.example/auth\n"
	    "scope = mail #not a comment\n"
	    "[google]\n";
	so2_config *conf = parse_ok(text);
	const so2_profile *ms, *work, *g;

	check_str("store_dir", conf->store_dir, "/var/lib/so2");
	check_str("ca_file", conf->ca_file, "/etc/ssl/ca.pem");
	check_str("proxy", conf->proxy, "http://proxy:3128");
	ck_assert_msg(conf->refresh_margin == 600, "refresh_margin: got %ld",
		      conf->refresh_margin);
	ck_assert_msg(conf->connect_timeout == 5, "connect_timeout: got %ld",
		      conf->connect_timeout);
	ck_assert_msg(conf->http_timeout == 60, "http_timeout: got %ld",
		      conf->http_timeout);
	ck_assert_msg(conf->lock_timeout == 120, "lock_timeout: got %ld",
		      conf->lock_timeout);
	ck_assert_msg(conf->max_reply == 1048576, "max_reply: got %ld",
		      conf->max_reply);

	ms = so2_config_profile(conf, "microsoft");
	ck_assert_ptr_nonnull(ms);
	ck_assert_ptr_eq(ms, conf->profiles);
	ck_assert_msg(ms->line == 11, "[microsoft] line: got %d, want 11", ms->line);
	check_str("microsoft provider", ms->provider, "microsoft");
	check_str("client_id", ms->client_id, GUID);
	check_str("tenant", ms->tenant, "organizations");
	check_str("cloud", ms->cloud, "usgov");
	check_str("authority", ms->authority, "https://127.0.0.1:8443");
	check_str("ms scope", ms->scope,
		  "https://outlook.office365.us/SMTP.Send offline_access");
	check_str("ms token_endpoint", ms->token_endpoint, NULL);

	work = so2_config_profile(conf, "work");
	ck_assert_ptr_nonnull(work);
	check_str("work provider", work->provider, "generic");
	check_str("work token_endpoint", work->token_endpoint,
		  "https://idp.example/token");
	check_str("work device endpoint", work->device_authorization_endpoint,
		  "https://idp.example/device");
	check_str("work authorization_endpoint", work->authorization_endpoint,
		  "https://idp.example/auth");
	check_str("work scope (# in a value)", work->scope,
		  "mail #not a comment");

	g = so2_config_profile(conf, "google");
	ck_assert_ptr_nonnull(g);
	check_str("google provider (from the name)", g->provider, "google");
	ck_assert_ptr_null(g->next);
	ck_assert_ptr_null(so2_config_profile(conf, "nope"));
	ck_assert_ptr_null(so2_config_profile(conf, "Microsoft"));
	ck_assert_ptr_null(so2_config_profile(NULL, "microsoft"));
	so2_config_free(conf);
}
END_TEST

START_TEST(test_crlf_and_bounds)
{
	so2_config *conf;

	conf = parse_ok("store_dir = /s\r\nrefresh_margin = 0\r\n[google]\r\n"
			"client_id = x.apps.googleusercontent.com\r\n");
	check_str("store_dir (CRLF)", conf->store_dir, "/s");
	ck_assert_msg(conf->refresh_margin == 0, "refresh_margin: got %ld",
		      conf->refresh_margin);
	check_str("client_id (CRLF)", conf->profiles->client_id,
		  "x.apps.googleusercontent.com");
	so2_config_free(conf);

	conf = parse_ok("refresh_margin = 86400\nconnect_timeout = 600\n"
			"http_timeout = 1\nmax_reply = 1024");
	ck_assert_msg(conf->refresh_margin == 86400, "refresh_margin: got %ld",
		      conf->refresh_margin);
	ck_assert_msg(conf->max_reply == 1024, "max_reply: got %ld",
		      conf->max_reply);
	so2_config_free(conf);

	conf = parse_ok("\xef\xbb\xbfstore_dir = /bom\n");
	check_str("store_dir (after a BOM)", conf->store_dir, "/bom");
	so2_config_free(conf);

	conf = parse_ok("max_reply = 16777216\n");
	ck_assert_msg(conf->max_reply == 16777216, "max_reply: got %ld",
		      conf->max_reply);
	so2_config_free(conf);
}
END_TEST

/* Each bad file and its exact message. */
static const struct bad_case {
	const char *text;
	const char *want;
} bad_cases[] = {
	{ "foo = 1\n", "t.conf:1:1: unknown key \"foo\"" },
	{ "foo = 1\r\n", "t.conf:1:1: unknown key \"foo\"" },
	{ "\n  Store_Dir = /x\n",
	  "t.conf:2:3: unknown key \"Store_Dir\"; did you mean store_dir?" },
	{ "[microsoft]\nclient-id = x\n",
	  "t.conf:2:1: unknown key \"client-id\"; did you mean client_id?" },
	{ "[microsoft]\nclient_id: x\n",
	  "t.conf:2:10: expected \"=\" after \"client_id\"" },
	{ "store_dir = /a\nstore_dir = /b\n",
	  "t.conf:2:1: duplicate key store_dir (first set at line 1)" },
	{ "[microsoft]\nclient_id = a\n\tclient_id = b\n",
	  "t.conf:3:2: duplicate key client_id (first set at line 2)" },
	{ "refresh_margin = 86401\n",
	  "t.conf:1:18: refresh_margin must be a whole number from 0 to 86400 "
	  "(seconds), not \"86401\"" },
	{ "refresh_margin = -1\n",
	  "t.conf:1:18: refresh_margin must be a whole number from 0 to 86400 "
	  "(seconds), not \"-1\"" },
	{ "connect_timeout = 0\n",
	  "t.conf:1:19: connect_timeout must be a whole number from 1 to 600 "
	  "(seconds), not \"0\"" },
	{ "http_timeout = 10s\n",
	  "t.conf:1:16: http_timeout must be a whole number from 1 to 600 "
	  "(seconds), not \"10s\"" },
	{ "lock_timeout = 99999999999999999999\n",
	  "t.conf:1:16: lock_timeout must be a whole number from 1 to 600 "
	  "(seconds), not \"99999999999999999999\"" },
	{ "max_reply = 1023\n",
	  "t.conf:1:13: max_reply must be a whole number from 1024 to 16777216 "
	  "(bytes), not \"1023\"" },
	{ "max_reply = 0x400\n",
	  "t.conf:1:13: max_reply must be a whole number from 1024 to 16777216 "
	  "(bytes), not \"0x400\"" },
	{ "store_dir = relative/dir\n",
	  "t.conf:1:13: store_dir must be an absolute path (starting with /)" },
	{ "ca_file = ca.pem\n",
	  "t.conf:1:11: ca_file must be an absolute path (starting with /)" },
	{ "[microsoft]\nauthority = http://127.0.0.1\n",
	  "t.conf:2:13: authority must be an https:// URL" },
	{ "[microsoft]\ntoken_endpoint = https://a b\n",
	  "t.conf:2:27: a URL may not contain blanks" },
	{ "[x]\nclient_id = a\n",
	  "t.conf:1:2: section [x] needs a provider line: provider = microsoft, "
	  "google or generic" },
	{ "[google]\n[x]\n",
	  "t.conf:2:2: section [x] needs a provider line: provider = microsoft, "
	  "google or generic" },
	{ "[microsoft]\nstore_dir = /x\n",
	  "t.conf:2:1: store_dir is a global key: put it above the first "
	  "[section] (it is inside [microsoft])" },
	{ "client_id = abc\n",
	  "t.conf:1:1: client_id belongs to a provider profile: put it below a "
	  "section header such as [microsoft]" },
	{ "[microsoft]\n\n[microsoft]\n",
	  "t.conf:3:2: duplicate section [microsoft] (first at line 1)" },
	{ "[microsoft\n",
	  "t.conf:1:11: missing ']' at the end of the section header" },
	{ "[micro soft]\n",
	  "t.conf:1:8: a section name may hold letters, digits and \"_-.@+\" only" },
	{ "[]\n", "t.conf:1:2: empty section name" },
	{ "[microsoft] # comment\n",
	  "t.conf:1:13: unexpected text after ']' (comments take a whole line)" },
	{ "store_dir\n", "t.conf:1:10: expected \"=\" after \"store_dir\"" },
	{ "store_dir /x\n", "t.conf:1:11: expected \"=\" after \"store_dir\"" },
	{ "store_dir =   \n", "t.conf:1:15: missing value for store_dir" },
	{ "= x\n",
	  "t.conf:1:1: expected \"key = value\", \"[NAME]\" or a \"#\" comment" },
	{ "store_dir = /a\001b\n", "t.conf:1:15: control character 0x01" },
	{ "store_dir = /a\rb\n", "t.conf:1:15: control character 0x0d" },
	{ "[microsoft]\nprovider = msft\n",
	  "t.conf:2:12: provider must be microsoft, google or generic, not \"msft\"" },
	{ "[microsoft]\ncloud = germany\n",
	  "t.conf:2:9: cloud must be global, usgov, dod or china, not \"germany\"" },
	/* A tab is allowed in a line but not in a message: the value is
	 * quoted printable (found by tests/fuzz/fuzz_conf.c). */
	{ "[work]\nprovider = micro\tsoft\n",
	  "t.conf:2:12: provider must be microsoft, google or generic, "
	  "not \"micro?soft\"" },
	{ "refresh_margin = 1\t0\n",
	  "t.conf:1:18: refresh_margin must be a whole number from 0 to 86400 "
	  "(seconds), not \"1?0\"" },
};

START_TEST(test_bad)
{
	static so2_config sentinel;
	const struct bad_case *c = &bad_cases[_i];
	so2_config *conf = &sentinel;	/* must become NULL */
	so2_err err;
	so2_status st;

	so2_err_clear(&err);
	st = so2_config_parse("t.conf", c->text, strlen(c->text), &conf, &err);
	ck_assert_msg(st == SO2_ERR_CONFIG, "\"%s\": got status %d, want %d",
		      c->text, st, SO2_ERR_CONFIG);
	ck_assert_msg(conf == NULL, "\"%s\": *out not NULL on error", c->text);
	check_str(c->text, err.msg, c->want);
}
END_TEST

START_TEST(test_nul_and_sizes)
{
	static const char nul[] = "store_dir = /a\n#x\0y\n";
	so2_config *conf = NULL;
	char *big, want[128];
	so2_err err;
	so2_status st;

	st = so2_config_parse("t.conf", nul, sizeof(nul) - 1, &conf, &err);
	ck_assert_msg(st == SO2_ERR_CONFIG, "NUL: got status %d", st);
	check_str("NUL", err.msg, "t.conf:2:3: NUL byte (not a text file?)");

	big = malloc(SO2_CONF_MAX_SIZE + 2);
	ck_assert_ptr_nonnull(big);
	memset(big, '#', SO2_CONF_MAX_SIZE + 1);
	big[SO2_CONF_MAX_SIZE + 1] = '\0';
	st = so2_config_parse("t.conf", big, SO2_CONF_MAX_SIZE + 1, &conf, &err);
	ck_assert_msg(st == SO2_ERR_CONFIG, "too big: got status %d", st);
	snprintf(want, sizeof(want), "t.conf: larger than %d bytes",
		 SO2_CONF_MAX_SIZE);
	check_str("too big", err.msg, want);

	/* A line of 4097 bytes: too long, even as a comment. */
	big[4097] = '\n';
	st = so2_config_parse("t.conf", big, 4098, &conf, &err);
	ck_assert_msg(st == SO2_ERR_CONFIG, "long line: got status %d", st);
	check_str("long line", err.msg, "t.conf:1:4097: line longer than 4096 bytes");
	/* 4096 bytes are fine. */
	big[4096] = '\n';
	st = so2_config_parse("t.conf", big, 4097, &conf, &err);
	ck_assert_msg(st == SO2_OK, "4096-byte line: got status %d (%s)", st,
		      err.msg);
	so2_config_free(conf);
	free(big);
}
END_TEST

/* write_file - a temp file holding text; its path in buf */
static void
write_file(char *buf, size_t size, const char *text)
{
	FILE *fp;
	int fd;

	snprintf(buf, size, "/tmp/so2-test-config.XXXXXX");
	fd = mkstemp(buf);
	ck_assert_msg(fd >= 0, "mkstemp: %s", strerror(errno));
	fp = fdopen(fd, "w");
	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(fputs(text, fp) >= 0, 1);
	ck_assert_int_eq(fclose(fp), 0);
}

START_TEST(test_load)
{
	char path[64], want[256];
	so2_config *conf = NULL;
	so2_err err;
	so2_status st;

	write_file(path, sizeof(path), "store_dir = /x\n[google]\n");
	st = so2_config_load(path, 1, &conf, &err);
	ck_assert_msg(st == SO2_OK, "load: got %d (%s)", st, err.msg);
	check_str("path", conf->path, path);
	check_str("store_dir", conf->store_dir, "/x");
	so2_config_free(conf);

	write_file(path, sizeof(path), "store_dir = /x\nbogus = 1\n");
	st = so2_config_load(path, 0, &conf, &err);
	snprintf(want, sizeof(want), "%s:2:1: unknown key \"bogus\"", path);
	ck_assert_msg(st == SO2_ERR_CONFIG, "bad file: got %d", st);
	check_str("bad file", err.msg, want);
	unlink(path);

	/* Missing: defaults unless it must exist. */
	st = so2_config_load(path, 0, &conf, &err);
	ck_assert_msg(st == SO2_OK, "missing, optional: got %d (%s)", st, err.msg);
	check_str("missing: path", conf->path, NULL);
	check_str("missing: store_dir", conf->store_dir, SO2_STORE_DIR);
	so2_config_free(conf);
	st = so2_config_load(path, 1, &conf, &err);
	snprintf(want, sizeof(want), "%s: cannot open: %s", path, strerror(ENOENT));
	ck_assert_msg(st == SO2_ERR_CONFIG, "missing, required: got %d", st);
	ck_assert_ptr_null(conf);
	check_str("missing, required", err.msg, want);

	st = so2_config_load("/tmp", 0, &conf, &err);
	ck_assert_msg(st == SO2_ERR_CONFIG, "directory: got %d", st);
	check_str("directory", err.msg, "/tmp: not a regular file");
}
END_TEST

START_TEST(test_default_path)
{
	/* The test runs without set-id, so the variable is honoured. */
	ck_assert_int_eq(setenv("SASL_OAUTH2_CONF", "/some/where.conf", 1), 0);
	check_str("with SASL_OAUTH2_CONF", so2_config_default_path(),
		  "/some/where.conf");
	ck_assert_int_eq(setenv("SASL_OAUTH2_CONF", "", 1), 0);
	check_str("empty SASL_OAUTH2_CONF", so2_config_default_path(),
		  SO2_CONF_PATH);
	ck_assert_int_eq(unsetenv("SASL_OAUTH2_CONF"), 0);
	ck_assert_int_eq(setenv("HOME", "/nonexistent/home", 1), 0);
	ck_assert_int_eq(unsetenv("XDG_CONFIG_HOME"), 0);
	check_str("without", so2_config_default_path(), SO2_CONF_PATH);
}
END_TEST

/* A user's own file: read when it exists; its store is the user's by default */
START_TEST(test_user_path)
{
	char home[] = "/tmp/so2-unit-home.XXXXXX", path[512], want[512];
	so2_config *conf = NULL;
	so2_err err;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(home));
	ck_assert_int_eq(unsetenv("SASL_OAUTH2_CONF"), 0);
	ck_assert_int_eq(unsetenv("XDG_CONFIG_HOME"), 0);
	ck_assert_int_eq(unsetenv("XDG_STATE_HOME"), 0);
	ck_assert_int_eq(setenv("HOME", home, 1), 0);
	ck_assert_int_eq(so2_config_user_path(path, sizeof(path)), 0);
	snprintf(want, sizeof(want), "%s/.config/sasl-oauth2/sasl-oauth2.conf", home);
	check_str("user path", path, want);
	check_str("user file missing", so2_config_default_path(), SO2_CONF_PATH);

	snprintf(want, sizeof(want), "%s/.config", home);
	ck_assert_int_eq(mkdir(want, 0700), 0);
	snprintf(want, sizeof(want), "%s/.config/sasl-oauth2", home);
	ck_assert_int_eq(mkdir(want, 0700), 0);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("[microsoft]\nclient_id = " GUID "\n", f);
	ck_assert_int_eq(fclose(f), 0);
	check_str("user file present", so2_config_default_path(), path);

	so2_err_clear(&err);
	ck_assert_int_eq(so2_config_load(NULL, 0, &conf, &err), SO2_OK);
	snprintf(want, sizeof(want), "%s/.local/state/sasl-oauth2", home);
	check_str("user store", conf->store_dir, want);
	so2_config_free(conf);

	ck_assert_int_eq(setenv("XDG_STATE_HOME", "/x/state", 1), 0);
	ck_assert_int_eq(so2_config_load(NULL, 0, &conf, &err), SO2_OK);
	check_str("XDG_STATE_HOME", conf->store_dir, "/x/state/sasl-oauth2");
	so2_config_free(conf);
	ck_assert_int_eq(setenv("XDG_STATE_HOME", "relative", 1), 0);
	ck_assert_int_eq(so2_config_load(NULL, 0, &conf, &err), SO2_OK);
	check_str("relative XDG_STATE_HOME ignored", conf->store_dir, want);
	so2_config_free(conf);

	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("store_dir = /var/lib/sasl-oauth2\n", f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(so2_config_load(NULL, 0, &conf, &err), SO2_OK);
	check_str("store_dir named", conf->store_dir, "/var/lib/sasl-oauth2");
	so2_config_free(conf);

	/* SASL_OAUTH2_CONF still wins; XDG_CONFIG_HOME moves the file */
	ck_assert_int_eq(setenv("SASL_OAUTH2_CONF", "/some/where.conf", 1), 0);
	check_str("SASL_OAUTH2_CONF first", so2_config_default_path(), "/some/where.conf");
	ck_assert_int_eq(unsetenv("SASL_OAUTH2_CONF"), 0);
	ck_assert_int_eq(setenv("XDG_CONFIG_HOME", "/x/config", 1), 0);
	ck_assert_int_eq(so2_config_user_path(path, sizeof(path)), 0);
	check_str("XDG_CONFIG_HOME", path, "/x/config/sasl-oauth2/sasl-oauth2.conf");
	ck_assert_int_eq(unsetenv("XDG_CONFIG_HOME"), 0);
	ck_assert_int_eq(unsetenv("XDG_STATE_HOME"), 0);

	snprintf(want, sizeof(want), "rm -rf '%s'", home);
	ck_assert_int_eq(system(want), 0);
}
END_TEST

/* The client authentication keys; "" for client_secret_file = public */
START_TEST(test_client_auth_keys)
{
	static const char text[] =
	    "[a]\nprovider = microsoft\nclient_secret_file =\n"
	    "[b]\nprovider = google\nclient_secret_file = /etc/s\n"
	    "private_key_file = /k.pem\ncertificate_file = /c.pem\n"
	    "assertion_alg = RS256\n";
	so2_config *conf = NULL;
	const so2_profile *a, *b;
	so2_err err;

	ck_assert_msg(so2_config_parse("T", text, sizeof(text) - 1, &conf, &err) == SO2_OK,
		      "parse: %s", err.msg);
	a = so2_config_profile(conf, "a");
	b = so2_config_profile(conf, "b");
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	check_str("empty client_secret_file", a->client_secret_file, "");
	check_str("client_secret_file", b->client_secret_file, "/etc/s");
	check_str("private_key_file", b->private_key_file, "/k.pem");
	check_str("certificate_file", b->certificate_file, "/c.pem");
	check_str("assertion_alg", b->assertion_alg, "RS256");
	so2_config_free(conf);
	conf = NULL;
	ck_assert_int_eq(so2_config_parse("T", "[a]\nassertion_alg = ES256\n", 26, &conf,
					  &err), SO2_ERR_CONFIG);
	check_str("bad alg", err.msg,
		  "T:2:17: assertion_alg must be PS256 or RS256, not \"ES256\"");
	ck_assert_int_eq(so2_config_parse("T", "[a]\nprivate_key_file = k.pem\n", 29,
					  &conf, &err), SO2_ERR_CONFIG);
	ck_assert_int_eq(so2_config_parse("T", "[a]\nclient_id =\n", 16, &conf, &err),
			 SO2_ERR_CONFIG);
}
END_TEST

#define N_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite *
suite_config(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_empty_file);
	tcase_add_test(tc, test_full_file);
	tcase_add_test(tc, test_crlf_and_bounds);
	tcase_add_loop_test(tc, test_bad, 0, N_OF(bad_cases));
	tcase_add_test(tc, test_nul_and_sizes);
	tcase_add_test(tc, test_load);
	tcase_add_test(tc, test_default_path);
	tcase_add_test(tc, test_user_path);
	tcase_add_test(tc, test_client_auth_keys);
	suite_add_tcase(s, tc);
	return s;
}

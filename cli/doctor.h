/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	doctor.h - sasl-oauth2 doctor: the checklist and its parts
 * DESCRIPTION
 *	cmd_doctor.c runs the checks in order; doctor_probe.c is the live
 *	SMTP/IMAP probe (the mail client, TLS verified); doctor_postfix.c
 *	reads a Postfix configuration with postconf(1) and postmap(1);
 *	doctor_report.c holds the checklist they all add to and prints it.
 *	Every check adds one line: pass, info, warn, fail or skip, with a
 *	one-line fix for every warn and fail.
 *
 *	The token is held in an so2_secret and never printed; only its
 *	claims (jwt.h) and so2_secret_describe() text are shown.
 * SEE ALSO
 *	sasl-oauth2(1), sasl-oauth2-troubleshooting(7), diagnose.h
 */
#ifndef SO2_CLI_DOCTOR_H
#define SO2_CLI_DOCTOR_H

#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "token/cache.h"
#include "token/diagnose.h"
#include "token/jwt.h"
#include "token/perms.h"
#include "token/record.h"
#include "base/secret.h"

#include "cli.h"

#define DOC_TEXT_MAX	1536	/* bytes of a check's text or fix */
#define DOC_GROUPS_MAX	64	/* supplementary groups looked at */
#define DOC_IO_TIMEOUT	15	/* seconds per network read or write */
#define DOC_CLOCK_SKEW	180	/* seconds of clock offset worth a warning */

typedef enum doc_level { DOC_PASS, DOC_INFO, DOC_WARN, DOC_FAIL, DOC_SKIP } doc_level;

/* doc_check - one line of the checklist */
typedef struct doc_check {
	doc_level level;
	char id[48];			/* stable name, e.g. "record.mode" */
	char text[DOC_TEXT_MAX];
	char fix[DOC_TEXT_MAX];		/* "" for pass, info and skip */
} doc_check;

/* doctor - what the checks share */
typedef struct doctor {
	cli_ctx *ctx;
	const char *account;
	/* the runtime user: who must be able to read and refresh */
	char run_user[64];
	uid_t uid;
	gid_t groups[DOC_GROUPS_MAX];
	int ngroups;
	/* what earlier checks found */
	so2_cache *cache;
	so2_record *rec;		/* NULL when unreadable */
	so2_secret token;		/* the access token, when obtained */
	int have_claims;		/* claims decoded (not opaque) */
	int tls;			/* --tls: SO2_MAIL_TLS_* (0: by port) */
	so2_jwt_claims claims;
	char sasl_user[256];		/* user= that will be sent */
	const char *protocols[3];	/* endpoints whose permission is checked:
					 * "smtp", "hve", "imap", "pop" (perms.h) */
	const char *endpoint;		/* "hve" when the SMTP server is High Volume
					 * Email, else NULL (or --endpoint) */
	const char *endpoint_from;	/* how it was decided, for the message */
	/* Postfix */
	int postfix;			/* 1: check, 0: do not, -1: detect */
	const char *postfix_dir;	/* postconf -c DIR, NULL: default */
	/* the checklist */
	doc_check *checks;
	size_t n, cap;
	int nomem;
} doctor;

/* doctor_report.c */
/* doc_add - append a line; fix (NULL: none) gets ACCOUNT filled in */
void doc_add(doctor *d, doc_level level, const char *id, const char *fix,
	     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* doc_apply_verdict - one line for a classified reply; a REFRESH verdict
 *	marks the record stale */
void doc_apply_verdict(doctor *d, const char *id, const char *what, const char *reply,
		       const so2_diag_verdict *v);
/* doc_print_text - the checklist for people, on stdout */
void doc_print_text(const doctor *d, int nfail, int nwarn, int npass);
/* doc_print_json - the checklist as one JSON object on stdout; 0 or -1 */
int doc_print_json(const doctor *d, int nfail, int nwarn, int npass);
/* doc_provider - the record's provider ("microsoft", "google"), NULL when unknown */
const char *doc_provider(const doctor *d);

/* doctor_probe.c */
void doc_probe(doctor *d, const char *protocol, const char *hostport);

/* doctor_length.c: the token.length line, after the token was obtained */
void doc_token_length(doctor *d);

/* doctor_record.c */
/* doc_user_can - may the runtime user access st? want: 4 read, 2 write,
 *	1 search (access(2) bits); 1 or 0 */
int doc_user_can(const doctor *d, const struct stat *st, int want);
/* doc_record_usable - is the record name (in the store dir) or path (from
 *	"/") usable by the runtime user: present, mode 0600, its own, parsed,
 *	not needing a login? 0 with a description in why (size bytes), -1
 *	with the reason */
int doc_record_usable(const doctor *d, const char *dir, const char *name, char *why,
		      size_t size);

/* doctor_postfix.c */
int doc_postfix_detect(const doctor *d);
void doc_postfix(doctor *d);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	suites.c - the suites of tests/unit/test-mail (the mail/ layer)
 */
#include "config.h"

#include <stddef.h>

#include "tests.h"

const unit_suite_fn unit_suites[] = {
	suite_mail,
	suite_mail_hostile,
	NULL
};

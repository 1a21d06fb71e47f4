/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	suites.c - the suites of tests/unit/test-login (the login/ layer)
 */
#include "config.h"

#include <stddef.h>

#include "tests.h"

const unit_suite_fn unit_suites[] = {
	suite_pkce,
	suite_provider,
	NULL
};

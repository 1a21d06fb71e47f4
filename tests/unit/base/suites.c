/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	suites.c - the suites of tests/unit/test-base (the base/ layer)
 */
#include "config.h"

#include <stddef.h>

#include "tests.h"

const unit_suite_fn unit_suites[] = {
	suite_secret,
	suite_buf,
	suite_file,
	suite_text,
	suite_base64,
	suite_json,
	NULL
};

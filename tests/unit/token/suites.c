/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	suites.c - the suites of tests/unit/test-token (the token/ layer)
 */
#include "config.h"

#include <stddef.h>

#include "tests.h"

const unit_suite_fn unit_suites[] = {
	suite_config,
	suite_record,
	suite_store,
	suite_cache,
	suite_reuse,
	suite_token_reply,
	suite_http,
	suite_assertion,
	suite_mechanism,
	suite_jwt,
	suite_diagnose,
	suite_caps,
	NULL
};

# SPDX-License-Identifier: MIT
# store.sh - the token store tests: a logged-in account and its record
# (sourced after common.sh and idp.sh)
# shellcheck shell=bash
#
#   A                           the account (default relay@example.com)
#   t_store_setup [EMULATOR-ARGS...]
#                               emulator (auto-approving $A), configuration
#                               ($S_CONF_EXTRA in the global part), store,
#                               and a login of $A
# The record helpers (t_rec_get, t_rec_set, t_rec_expire) and t_run_client
# are in common.sh; without a record named, they use $A's.

A=${A:-relay@example.com}

t_store_setup() {
	t_start_idp --auto-approve "$A" --interval 1 "$@"
	t_conf "${S_CONF_EXTRA:-}"
	t_store
	t_login "$A"
}

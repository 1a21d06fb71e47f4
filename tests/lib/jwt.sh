# SPDX-License-Identifier: MIT
# jwt.sh - unsigned JWTs for the diagnostics tests (sourced after common.sh)
# shellcheck shell=bash
#
#   t_b64url                   base64url of stdin without padding (RFC 7515 section 2)
#   t_jwt PAYLOAD-JSON         an unsigned JWT (header.payload.sig) with that payload
#   t_record_jwt ACCOUNT PAYLOAD EXPIRES_IN [REFRESH]
#                              a record whose access token is t_jwt PAYLOAD
#   t_claims_user UPN AUD SCP  a delegated-token payload expiring in an hour

t_b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }

t_jwt() {
	printf '%s.%s.c2ln' "$(printf '{"typ":"JWT","alg":"RS256"}' | t_b64url)" \
		"$(printf '%s' "$1" | t_b64url)"
}

t_record_jwt() {
	t_record "$1" "$(t_jwt "$2")" "$3" "${4:-}"
}

t_claims_user() {
	printf '{"aud":"%s","scp":"%s","upn":"%s","tid":"72f988bf-0000-0000-0000-000000000001",'\
'"appid":"11111111-2222-3333-4444-555555555555","idtyp":"user","exp":%s}' \
		"$2" "$3" "$1" "$(( $(date +%s) + 3600 ))"
}

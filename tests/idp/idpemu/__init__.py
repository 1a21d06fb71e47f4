# SPDX-License-Identifier: MIT
"""Microsoft identity platform (v2.0) emulator for the sasl-oauth2 tests.

Standard library only.  Module map:
  util      encoding helpers, clock, secret redaction
  errors    Microsoft-shaped OAuth errors (AADSTS codes)
  scopes    scope string parsing (resources, short names, OIDC scopes)
  tokens    HS256 JWT access / id tokens with Exchange Online-like claims
  assertion client assertion (RFC 7523) checks, signatures verified with openssl
  state     configuration, registered clients, grants, codes, faults, counters
  messages  Request / Response objects, strict form parsing
  flows     the OAuth endpoints: devicecode, token, authorize, introspect
  admin     the /_admin/* test control API
  server    HTTPS server, request parsing, routing, fault injection
  main      command line
"""

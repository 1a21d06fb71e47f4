# SPDX-License-Identifier: MIT
"""The OAuth endpoints: device authorization, token, authorize, introspect.

Each endpoint is a function (state, request) -> Response; failures are raised
as errors.OAuthError and rendered by the server.
"""

import base64
import binascii
import hashlib
import hmac
from urllib.parse import unquote_plus, urlencode, urlsplit

from . import assertion, errors, scopes
from .messages import Response
from .state import AuthCode
from .util import b64url, new_uuid, now, redact, utc_stamp

DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


def _require(form, name):
    value = form.get(name)
    if not value:
        raise errors.missing_param(name)
    return value


def _check_tenant(state, req):
    if req.tenant.lower() in (t.lower() for t in state.config.unknown_tenants):
        raise errors.unknown_tenant(req.tenant)


def _find_client(state, req, client_id):
    client = state.clients.get(client_id)
    if client is None:
        raise errors.unknown_client(client_id, req.tenant)
    return client


# --- client authentication ---------------------------------------------------

def _basic_credentials(req):
    """(client_id, secret) from an HTTP Basic Authorization header, or (None, None)."""
    auth = req.headers.get("Authorization") or ""
    if not auth.lower().startswith("basic "):
        return None, None
    try:
        user, _, password = base64.b64decode(auth[6:].strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise errors.malformed("Malformed Basic authorization header.")
    return unquote_plus(user), unquote_plus(password)


def authenticate_client(state, req, form):
    """Identify and authenticate the client; returns (client, appidacr).

    appidacr is "0" for a public client, "1" for a secret, "2" for a certificate.
    """
    basic_id, basic_secret = _basic_credentials(req)
    secret = form.get("client_secret") or basic_secret
    client_assertion = form.get("client_assertion")
    client_id = form.get("client_id") or basic_id or \
        (assertion.peek_issuer(client_assertion) if client_assertion else None)
    if not client_id:
        raise errors.missing_param("client_id")
    client = _find_client(state, req, client_id)

    if client.public:
        if secret or client_assertion:
            raise errors.public_client_with_credentials()
        return client, "0"
    if client_assertion:
        if form.get("client_assertion_type") != assertion.JWT_BEARER:
            raise errors.bad_assertion("[Reason - client_assertion_type must be '%s'.]" % assertion.JWT_BEARER)
        host = req.headers.get("Host") or ""
        port = req.base_url.rsplit(":", 1)[1]
        audiences = ["https://%s%s" % (h, req.path) for h in (host, "127.0.0.1:" + port, "localhost:" + port) if h]
        assertion.verify(client_assertion, client, audiences)
        req.note("client assertion ok")
        return client, "2"
    if not secret:
        raise errors.credentials_required()
    if client.secret is None or not hmac.compare_digest(secret.encode(), client.secret.encode()):
        raise errors.bad_secret(client.id)
    return client, "1"


# --- token replies -------------------------------------------------------------

def _lifetime_value(state, seconds):
    return str(seconds) if state.config.expires_in_as_string else seconds


def _issue_user_tokens(state, req, grant, names, client, appidacr, new_refresh_token):
    """Token reply for a delegated grant; rotates the refresh token when asked."""
    cfg, t = state.config, now()
    lifetime = cfg.access_token_lifetime
    token, claims = state.tokens.user_access_token(grant, names, client, appidacr, t, lifetime, cfg.token_padding,
                                                   cfg.token_compact)
    state.record_access_token(claims, grant.id)
    reply = {
        "token_type": "Bearer",
        "scope": grant.scope.render(names),
        "expires_in": _lifetime_value(state, lifetime),
        "ext_expires_in": _lifetime_value(state, lifetime),
        "access_token": token,
    }
    if grant.scope.offline and new_refresh_token:
        reply["refresh_token"] = state.rotate_refresh_token(grant)
        req.note("rt out=%s gen=%d" % (redact(reply["refresh_token"]), grant.generation))
    if "openid" in grant.scope.oidc:
        reply["id_token"] = state.tokens.id_token(grant, client, t, "email" in grant.scope.oidc)
    # Members replaced or added as a broken provider would send them (a bad
    # access_token, token_type "mac", expires_in 2^63); the refresh token
    # still rotates for real.
    reply.update(cfg.reply_override)
    req.note("upn=%s at=%s aud=%s" % (grant.upn, redact(token), claims["aud"]))
    return Response.json(reply)


# --- grant types ------------------------------------------------------------------

def grant_device_code(state, req, form):
    device_code = _require(form, "device_code")
    client, appidacr = authenticate_client(state, req, form)
    with state.lock:
        entry = state.device_codes.get(device_code)
        if entry is None or entry.client_id != client.id:
            raise errors.bad_verification_code()
        if entry.status == "redeemed":
            raise errors.device_code_redeemed()
        if entry.expires <= now():
            raise errors.device_code_expired()
        if entry.status == "pending":
            raise errors.authorization_pending()
        if entry.status == "declined":
            raise errors.authorization_declined()
        entry.status = "redeemed"
        grant = state.new_grant(entry.upn, client.id, entry.scope, ["pwd", "mfa"])
        req.note("user_code=%s" % entry.user_code)
        return _issue_user_tokens(state, req, grant, grant.scope.names, client, appidacr,
                                  not state.config.omit_refresh_token_on_grant)


def grant_refresh_token(state, req, form):
    refresh_token = _require(form, "refresh_token")
    client, appidacr = authenticate_client(state, req, form)
    requested = scopes.parse(form["scope"]) if form.get("scope") else None
    req.note("rt in=%s" % redact(refresh_token))
    with state.lock:
        grant, generation = state.lookup_refresh_token(refresh_token)
        if grant is None:
            raise errors.refresh_token_unknown()
        if grant.client_id != client.id:
            raise errors.grant_malformed("The refresh token was issued to a different client.")
        if grant.revoked_at is not None:
            raise state.revocation_error(grant)
        if state.config.strict_rotation and generation != grant.generation:
            req.note("reused generation %d of %d" % (generation, grant.generation))
            raise errors.refresh_token_rotated()
        names = grant.scope.names
        if requested is not None:
            if requested.resource_key != grant.scope.resource_key:
                raise errors.consent_required(client.id, requested.render())
            if not requested.default:
                extra = [n for n in requested.names if n not in grant.scope.names]
                if extra:
                    raise errors.consent_required(client.id, requested.render(extra))
                names = requested.names
        grant.refreshes += 1
        return _issue_user_tokens(state, req, grant, names, client, appidacr,
                                  not state.config.omit_refresh_token)


def _pkce_ok(entry, verifier):
    if not entry.challenge:
        return True
    if not verifier:
        return False
    if entry.method == "S256":
        computed = b64url(hashlib.sha256(verifier.encode("ascii", "replace")).digest())
    else:
        computed = verifier
    return hmac.compare_digest(computed.encode(), entry.challenge.encode())


def grant_authorization_code(state, req, form):
    code = _require(form, "code")
    redirect_uri = _require(form, "redirect_uri")
    client, appidacr = authenticate_client(state, req, form)
    with state.lock:
        entry = state.auth_codes.get(code)
        if entry is None or entry.client_id != client.id:
            raise errors.grant_malformed()
        if entry.used:
            raise errors.code_redeemed()
        if entry.expires <= now():
            raise errors.code_expired()
        if entry.redirect_uri != redirect_uri:
            raise errors.reply_address_mismatch()
        if not _pkce_ok(entry, form.get("code_verifier")):
            raise errors.pkce_mismatch()
        entry.used = True
        grant = state.new_grant(entry.upn, client.id, entry.scope, ["pwd"])
        return _issue_user_tokens(state, req, grant, grant.scope.names, client, appidacr,
                                  not state.config.omit_refresh_token_on_grant)


def grant_client_credentials(state, req, form):
    scope_text = _require(form, "scope")
    client, appidacr = authenticate_client(state, req, form)
    if client.public:
        raise errors.credentials_required()
    tokens = scope_text.split()
    if len(tokens) != 1 or not tokens[0].endswith("/.default"):
        raise errors.app_scope_needs_default(scope_text)
    scope = scopes.parse(tokens[0])
    cfg = state.config
    roles = cfg.app_roles if scope.kind == "exchange" else []
    token, claims = state.tokens.app_access_token(scope.audience(app_only=True), roles, client, appidacr,
                                                  now(), cfg.access_token_lifetime, cfg.token_padding)
    state.record_access_token(claims, None)
    req.note("app token %s aud=%s" % (redact(token), claims["aud"]))
    return Response.json({
        "token_type": "Bearer",
        "expires_in": _lifetime_value(state, cfg.access_token_lifetime),
        "ext_expires_in": _lifetime_value(state, cfg.access_token_lifetime),
        "access_token": token,
    })


GRANTS = {
    DEVICE_CODE_GRANT: grant_device_code,
    "refresh_token": grant_refresh_token,
    "authorization_code": grant_authorization_code,
    "client_credentials": grant_client_credentials,
}


# --- endpoints -------------------------------------------------------------------------

def token(state, req):
    if req.method != "POST":
        raise errors.only_post(req.method)
    _check_tenant(state, req)
    form = req.form
    grant_type = _require(form, "grant_type")
    req.note("grant=%s client=%s" % (grant_type, form.get("client_id", "-")))
    handler = GRANTS.get(grant_type)
    if handler is None:
        raise errors.unsupported_grant(grant_type)
    resp = handler(state, req, form)
    state.count("grants", grant_type)
    return resp


def devicecode(state, req):
    if req.method != "POST":
        raise errors.only_post(req.method)
    _check_tenant(state, req)
    form = req.form
    client = _find_client(state, req, _require(form, "client_id"))
    scope = scopes.parse(_require(form, "scope"))
    entry = state.new_device_code(client.id, scope)
    cfg = state.config
    uri = req.base_url + "/device"
    req.note("user_code=%s scope=%s" % (entry.user_code, scope.render()))
    return Response.json({
        "device_code": entry.device_code,
        "user_code": entry.user_code,
        "verification_uri": uri,
        "expires_in": _lifetime_value(state, cfg.device_code_lifetime),
        "interval": _lifetime_value(state, cfg.interval),
        "message": "To sign in, use a web browser to open the page %s and enter the code %s to "
                   "authenticate." % (uri, entry.user_code),
    })


def authorize(state, req):
    """Authorization endpoint: signs the user in without interaction and redirects."""
    args = req.args
    _check_tenant(state, req)
    client = _find_client(state, req, _require(args, "client_id"))
    redirect_uri = _require(args, "redirect_uri")
    parts = urlsplit(redirect_uri)
    if not parts.scheme or parts.fragment or (parts.scheme in ("http", "https") and not parts.netloc):
        raise errors.bad_redirect_uri(redirect_uri)
    # From here on errors go back to the client through the redirect.
    try:
        response_type = _require(args, "response_type")
        if response_type != "code":
            raise errors.unsupported_response_type(response_type)
        scope = scopes.parse(_require(args, "scope"))
        challenge = args.get("code_challenge")
        method = args.get("code_challenge_method") or ("plain" if challenge else None)
        if challenge and (method not in ("S256", "plain") or not 43 <= len(challenge) <= 128):
            raise errors.bad_code_challenge("method must be S256 or plain, length 43-128.")
        upn = args.get("login_hint") or state.config.auto_approve
        if not upn:
            raise errors.login_required()
    except errors.OAuthError as err:
        state.count("errors", err.error)
        trace = new_uuid()
        params = {"error": err.error,
                  "error_description": err.description(trace, req.correlation_id() or new_uuid(),
                                                       utc_stamp()),
                  "error_uri": "https://login.microsoftonline.com/error?code=%d" % err.code}
        if "state" in args:
            params["state"] = args["state"]
        return Response.redirect(_add_query(redirect_uri, params))
    with state.lock:
        entry = AuthCode(client.id, redirect_uri, scope, upn, challenge, method)
        state.auth_codes[entry.code] = entry
    req.note("upn=%s code=%s pkce=%s" % (upn, redact(entry.code), method or "none"))
    params = {"code": entry.code}
    if "state" in args:
        params["state"] = args["state"]
    params["session_state"] = new_uuid()
    return Response.redirect(_add_query(redirect_uri, params))


def _add_query(uri, params):
    return uri + ("&" if urlsplit(uri).query else "?") + urlencode(params)


def introspect(state, req):
    """RFC 7662 token introspection (Dovecot's introspection_mode post, get or auth)."""
    token_value = None
    if req.method == "POST":
        token_value = req.form.get("token")
    if not token_value and req.query:
        token_value = req.args.get("token")
    if not token_value:
        auth = req.headers.get("Authorization") or ""
        if auth.lower().startswith("bearer "):
            token_value = auth[7:].strip()
    if not token_value:
        raise errors.missing_param("token")
    claims = state.tokens.decode(token_value)
    with state.lock:
        record = state.access.get(claims.get("uti")) if claims else None
        active = record is not None and not record.revoked and claims["exp"] > now()
    req.note("token=%s active=%s" % (redact(token_value), active))
    if not active:
        return Response.json({"active": False})
    reply = {
        "active": True,
        "token_type": "Bearer",
        "client_id": claims["appid"],
        "aud": claims["aud"],
        "iss": claims["iss"],
        "sub": claims["sub"],
        "iat": claims["iat"],
        "nbf": claims["nbf"],
        "exp": claims["exp"],
        "scope": claims.get("scp") or " ".join(claims.get("roles", [])),
        "tid": claims["tid"],
        "oid": claims["oid"],
    }
    if "upn" in claims:
        reply.update({"upn": claims["upn"], "email": claims["upn"], "preferred_username": claims["upn"],
                      "username": claims["upn"], "name": claims["name"]})
    elif claims.get("idtyp") == "app":
        # Exchange lets an app-only token use the mailboxes the app was
        # given (Add-MailboxPermission); --app-mailbox names one per client
        client = state.clients.get(claims["appid"])
        if client is not None and client.mailbox:
            reply.update({"upn": client.mailbox, "email": client.mailbox,
                          "preferred_username": client.mailbox, "username": client.mailbox})
    return Response.json(reply)

# SPDX-License-Identifier: MIT
"""Access tokens and id tokens: HS256 JWTs with Entra ID-like claims.

The signing key is random per run, so clients cannot verify the tokens
(neither can they with real Exchange Online tokens); servers ask /introspect.
"""

import hashlib
import hmac
import json
import secrets

from .util import b64url, b64url_decode, random_token, stable_uuid

USER_ROLE_TEMPLATE = "b79fbf4d-3ef9-4689-8143-76b194e85509"
APP_ROLE_TEMPLATE = "0997a1d0-0d1d-4acb-b408-d5ca73121e90"


def user_profile(upn):
    """Deterministic directory attributes for a user principal name."""
    local = upn.split("@", 1)[0]
    parts = [p for p in local.replace("_", ".").replace("-", ".").split(".") if p] or ["user"]
    given = parts[0].capitalize()
    family = parts[1].capitalize() if len(parts) > 1 else "Tester"
    digest = hashlib.sha256(upn.lower().encode()).hexdigest().upper()
    return {
        "given_name": given,
        "family_name": family,
        "name": "%s %s" % (given, family),
        "oid": stable_uuid("user", upn.lower()),
        "puid": "1003" + digest[:12],
    }


class TokenFactory:
    def __init__(self, tenant_id):
        self.tenant_id = tenant_id
        self._key = secrets.token_bytes(32)
        self._kid = random_token(20)

    # --- JWS compact serialisation -------------------------------------
    def encode(self, claims):
        header = {"typ": "JWT", "nonce": random_token(32), "alg": "HS256", "x5t": self._kid, "kid": self._kid}
        signing_input = "%s.%s" % (b64url(_json(header)), b64url(_json(claims)))
        mac = hmac.new(self._key, signing_input.encode("ascii"), hashlib.sha256).digest()
        return "%s.%s" % (signing_input, b64url(mac))

    def decode(self, token):
        """Claims of a token this run issued, or None (expiry is not checked here)."""
        try:
            head, body, sig = token.split(".")
            mac = hmac.new(self._key, ("%s.%s" % (head, body)).encode("ascii"), hashlib.sha256).digest()
            if not hmac.compare_digest(b64url_decode(sig), mac):
                return None
            claims = json.loads(b64url_decode(body))
            return claims if isinstance(claims, dict) else None
        except (ValueError, UnicodeError):
            return None

    # --- token kinds ------------------------------------------------------
    def _common(self, audience, client, appidacr, iat, lifetime, padding, compact=False):
        claims = {
            "aud": audience,
            "iss": "https://sts.windows.net/%s/" % self.tenant_id,
            "iat": iat,
            "nbf": iat,
            "exp": iat + lifetime,
            "aio": random_token(90),
            "app_displayname": client.display_name,
            "appid": client.id,
            "appidacr": appidacr,
            "idp": "https://sts.windows.net/%s/" % self.tenant_id,
            "rh": "0.A" + random_token(60) + ".",
            "tid": self.tenant_id,
            "uti": random_token(16),
            "ver": "1.0",
        }
        if padding:
            claims["xms_test_padding"] = "x" * padding
        if compact:  # without the opaque filler claims: ~1.4 KB, fits sendmail's 2047-byte AUTH line
            del claims["aio"], claims["rh"]
        return claims

    def user_access_token(self, grant, names, client, appidacr, iat, lifetime, padding, compact=False):
        """(token, claims) of a delegated token for grant.upn."""
        profile = user_profile(grant.upn)
        claims = self._common(grant.scope.audience(), client, appidacr, iat, lifetime, padding, compact)
        del claims["idp"]
        claims.update({
            "acct": 0,
            "acr": "1",
            "amr": list(grant.amr),
            "family_name": profile["family_name"],
            "given_name": profile["given_name"],
            "idtyp": "user",
            "ipaddr": "127.0.0.1",
            "name": profile["name"],
            "oid": profile["oid"],
            "puid": profile["puid"],
            "scp": " ".join(names),
            "sid": grant.sid,
            "signin_state": ["kmsi"],
            "sub": b64url(hashlib.sha256(("%s|%s" % (profile["oid"], client.id)).encode()).digest()),
            "unique_name": grant.upn,
            "upn": grant.upn,
            "wids": [USER_ROLE_TEMPLATE],
            "xms_idrel": "1 10",
        })
        return self.encode(_ordered(claims)), claims

    def app_access_token(self, audience, roles, client, appidacr, iat, lifetime, padding):
        """(token, claims) of an app-only (client credentials) token."""
        claims = self._common(audience, client, appidacr, iat, lifetime, padding)
        sp_oid = stable_uuid("sp", client.id)
        claims.update({"idtyp": "app", "oid": sp_oid, "roles": list(roles), "sub": sp_oid,
                       "wids": [APP_ROLE_TEMPLATE]})
        return self.encode(_ordered(claims)), claims

    def id_token(self, grant, client, iat, with_email):
        profile = user_profile(grant.upn)
        claims = {
            "aud": client.id,
            "iss": "https://login.microsoftonline.com/%s/v2.0" % self.tenant_id,
            "iat": iat, "nbf": iat, "exp": iat + 3600,
            "name": profile["name"],
            "oid": profile["oid"],
            "preferred_username": grant.upn,
            "rh": "0.A" + random_token(60) + ".",
            "sid": grant.sid,
            "sub": b64url(hashlib.sha256(("%s|%s" % (profile["oid"], client.id)).encode()).digest()),
            "tid": self.tenant_id,
            "uti": random_token(16),
            "ver": "2.0",
        }
        if with_email:
            claims["email"] = grant.upn
        return self.encode(claims)


def _json(obj):
    return json.dumps(obj, separators=(",", ":")).encode("utf-8")


def _ordered(claims):
    """Claims in alphabetical order after the registered ones, like Entra ID."""
    first = ("aud", "iss", "iat", "nbf", "exp")
    out = {k: claims[k] for k in first if k in claims}
    out.update({k: claims[k] for k in sorted(claims) if k not in out})
    return out


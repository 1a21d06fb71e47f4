# SPDX-License-Identifier: MIT
"""Everything the emulator remembers, behind one lock.

Flows and admin handlers take `state.lock` around any read-modify-write;
nothing slow (subprocesses, sleeps, socket I/O) happens while holding it.
"""

import collections
import secrets
import threading

from . import errors
from .tokens import TokenFactory
from .util import new_uuid, now, random_token, stable_uuid, utc_stamp

DEFAULT_CLIENT_ID = "11111111-2222-3333-4444-555555555555"
GRANT_TYPES = ("refresh_token", "urn:ietf:params:oauth:grant-type:device_code",
               "authorization_code", "client_credentials")
REQUEST_KINDS = ("token", "devicecode", "authorize", "introspect")
FAULT_ENDPOINTS = ("token", "devicecode", "authorize", "introspect", "any")
FAULT_KINDS = ("http500", "http503", "http429", "timeout", "garbage", "html", "empty", "close",
               "invalid_grant", "interaction_required", "consent_required", "slow_down",
               "expired_secret")
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # no vowels: no accidental words, no 0/O 1/I


class Config:
    """Run-time settings; all of them can be changed with POST /_admin/config."""

    FIELDS = {  # name: (type, default)
        "access_token_lifetime": (int, 3600),
        "interval": (int, 5),
        "device_code_lifetime": (int, 900),
        "strict_rotation": (bool, False),
        "expires_in_as_string": (bool, False),
        "omit_refresh_token": (bool, False),
        "omit_refresh_token_on_grant": (bool, False),
        "auto_approve": (str, None),
        "token_padding": (int, 0),
        "token_compact": (bool, False),
        "reply_override": (dict, {}),
        "unknown_tenants": (list, []),
        "app_roles": (list, ["SMTP.SendAsApp"]),
    }

    def __init__(self):
        for name, (_, default) in self.FIELDS.items():
            setattr(self, name, list(default) if isinstance(default, list) else default)

    def update(self, changes):
        """Apply a partial update (validated as a whole first); raises ValueError."""
        if not isinstance(changes, dict):
            raise ValueError("expected a JSON object")
        for name, value in changes.items():
            if name not in self.FIELDS:
                raise ValueError("unknown setting '%s'" % name)
            kind = self.FIELDS[name][0]
            if name == "auto_approve" and value is None:
                continue
            if kind is int and (type(value) is not int or value < 0):
                raise ValueError("'%s' must be a non-negative integer" % name)
            if kind is not int and type(value) is not kind:
                raise ValueError("'%s' must be a %s" % (name, kind.__name__))
            if kind is list and not all(isinstance(v, str) for v in value):
                raise ValueError("'%s' must be a list of strings" % name)
        for name, value in changes.items():
            setattr(self, name, value)

    def as_dict(self):
        return {name: getattr(self, name) for name in self.FIELDS}


class Client:
    def __init__(self, client_id, secret=None):
        self.id = client_id
        self.secret = secret
        self.certs = []
        self.mailbox = None     # --app-mailbox: the mailbox its app-only tokens may use
        self.display_name = "sasl-oauth2 test client" if client_id == DEFAULT_CLIENT_ID \
            else "test app %s" % client_id[:8]

    @property
    def public(self):
        return self.secret is None and not self.certs


class Grant:
    """A user's consent to a client for a scope; owns the refresh token chain."""

    def __init__(self, upn, client_id, scope, amr):
        self.id = new_uuid()
        self.upn = upn
        self.client_id = client_id
        self.scope = scope
        self.amr = amr
        self.sid = new_uuid()
        self.created = now()
        self.generation = 0        # generation of the newest refresh token (0 = none yet)
        self.current_rt = None
        self.refreshes = 0
        self.revoked_at = None

    def as_dict(self):
        return {"id": self.id, "upn": self.upn, "client_id": self.client_id,
                "scope": self.scope.render(), "offline_access": self.scope.offline,
                "refresh_token_prefix": self.current_rt[:6] if self.current_rt else None,
                "generation": self.generation, "refreshes": self.refreshes,
                "revoked": self.revoked_at is not None, "created": self.created}


class DeviceCode:
    def __init__(self, client_id, scope, lifetime, user_code):
        self.device_code = random_token(120)
        self.user_code = user_code
        self.client_id = client_id
        self.scope = scope
        self.expires = now() + lifetime
        self.status = "pending"    # pending | approved | declined | redeemed
        self.upn = None


class AuthCode:
    LIFETIME = 600

    def __init__(self, client_id, redirect_uri, scope, upn, challenge, method):
        self.code = "1.A" + random_token(600)
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        self.scope = scope
        self.upn = upn
        self.challenge = challenge
        self.method = method
        self.expires = now() + self.LIFETIME
        self.used = False


class AccessRecord:
    """What /introspect needs to know about an issued access token."""

    def __init__(self, claims, grant_id):
        self.claims = claims
        self.grant_id = grant_id
        self.revoked = False

    @property
    def upn(self):
        return self.claims.get("upn")


class Fault:
    def __init__(self, endpoint, kind, count, retry_after, delay):
        self.endpoint = endpoint
        self.kind = kind
        self.remaining = count         # -1 = until cleared
        self.retry_after = retry_after
        self.delay = delay

    def as_dict(self):
        return {"endpoint": self.endpoint, "kind": self.kind, "count": self.remaining,
                "retry_after": self.retry_after, "delay": self.delay}


class State:
    def __init__(self, config, tenant_id=None):
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        self.config = config
        self.tenant_id = tenant_id or stable_uuid("tenant", "example.com")
        self.tokens = TokenFactory(self.tenant_id)
        self.clients = {DEFAULT_CLIENT_ID: Client(DEFAULT_CLIENT_ID)}
        self.grants = {}             # grant id -> Grant
        self.refresh_tokens = {}     # refresh token -> (grant id, generation)
        self.device_codes = {}       # device_code -> DeviceCode
        self.user_codes = {}         # user_code -> DeviceCode
        self.auth_codes = {}         # code -> AuthCode
        self.access = {}             # uti -> AccessRecord
        self.faults = []
        self.reset_stats()

    # --- clients ---------------------------------------------------------
    def add_client(self, client_id, secret=None):
        client = self.clients.get(client_id) or Client(client_id)
        if secret is not None:
            client.secret = secret
        self.clients[client_id] = client
        return client

    # --- device codes --------------------------------------------------------
    def new_device_code(self, client_id, scope):
        with self.lock:
            self._expire_codes()
            while True:
                raw = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(8))
                user_code = "%s-%s" % (raw[:4], raw[4:])
                if user_code not in self.user_codes:
                    break
            entry = DeviceCode(client_id, scope, self.config.device_code_lifetime, user_code)
            if self.config.auto_approve:
                entry.status, entry.upn = "approved", self.config.auto_approve
            self.device_codes[entry.device_code] = entry
            self.user_codes[user_code] = entry
            return entry

    def decide_device_codes(self, user_code, status, upn):
        """Approve/decline one pending code (or all pending ones); returns the user codes."""
        with self.lock:
            if user_code is not None:
                key = user_code.strip().upper().replace("-", "")
                key = "%s-%s" % (key[:4], key[4:])
                entry = self.user_codes.get(key)
                pending = [entry] if entry and entry.status == "pending" and entry.expires > now() else []
                if not pending:
                    raise KeyError(user_code)
            else:
                pending = [e for e in self.user_codes.values() if e.status == "pending" and e.expires > now()]
            for entry in pending:
                entry.status, entry.upn = status, upn
            return [e.user_code for e in pending]

    def _expire_codes(self):
        """Forget device and authorization codes long past their expiry."""
        cutoff = now() - 3600
        for dc, entry in list(self.device_codes.items()):
            if entry.expires < cutoff:
                del self.device_codes[dc]
                self.user_codes.pop(entry.user_code, None)
        for code, entry in list(self.auth_codes.items()):
            if entry.expires < cutoff:
                del self.auth_codes[code]

    # --- grants and tokens ---------------------------------------------------
    def new_grant(self, upn, client_id, scope, amr):
        with self.lock:
            grant = Grant(upn, client_id, scope, amr)
            self.grants[grant.id] = grant
            return grant

    def rotate_refresh_token(self, grant):
        """Issue the next refresh token of grant's chain."""
        with self.lock:
            token = random_token(24) + "." + random_token(700)
            grant.generation += 1
            grant.current_rt = token
            self.refresh_tokens[token] = (grant.id, grant.generation)
            return token

    def lookup_refresh_token(self, token):
        """(grant, generation) or (None, None)."""
        with self.lock:
            grant_id, generation = self.refresh_tokens.get(token, (None, None))
            return self.grants.get(grant_id), generation

    def record_access_token(self, claims, grant_id):
        with self.lock:
            t = now()
            if len(self.access) > 50000:  # keep memory bounded in long runs
                for uti in [u for u, r in self.access.items() if r.claims["exp"] < t]:
                    del self.access[uti]
            self.access[claims["uti"]] = AccessRecord(claims, grant_id)
            self.stats["issued_access_tokens"] += 1

    def revoke(self, upn=None, refresh_token=None, everything=False):
        """Revoke grants (and their access tokens); returns (grants, access tokens) revoked."""
        with self.lock:
            if refresh_token is not None:
                grant, _ = self.lookup_refresh_token(refresh_token)
                if grant is None:
                    raise KeyError("refresh_token")
                grants = [grant]
            else:
                grants = [g for g in self.grants.values()
                          if everything or g.upn.lower() == (upn or "").lower()]
            t = now()
            for grant in grants:
                grant.revoked_at = grant.revoked_at or t
            ids = {g.id for g in grants}
            n_access = 0
            for record in self.access.values():
                hit = everything or record.grant_id in ids or \
                    (upn is not None and (record.upn or "").lower() == upn.lower())
                if hit and not record.revoked:
                    record.revoked = True
                    n_access += 1
            return len(grants), n_access

    def revocation_error(self, grant):
        return errors.grant_revoked(utc_stamp(grant.created), utc_stamp(grant.revoked_at))

    # --- faults ------------------------------------------------------------
    def take_fault(self, endpoint):
        """The next injected fault for this endpoint, consuming one use of it."""
        with self.lock:
            for fault in self.faults:
                if fault.endpoint in (endpoint, "any"):
                    if fault.remaining > 0:
                        fault.remaining -= 1
                    if fault.remaining == 0:
                        self.faults.remove(fault)
                    self.stats["faults_injected"] += 1
                    return fault
            return None

    # --- counters ------------------------------------------------------------
    def reset_stats(self):
        with self.lock:
            self.stats = {
                "requests": {k: 0 for k in REQUEST_KINDS},
                "grants": {k: 0 for k in GRANT_TYPES},
                "errors": collections.Counter(),
                "faults_injected": 0,
                "issued_access_tokens": 0,
            }

    def count(self, section, key):
        with self.lock:
            self.stats[section][key] = self.stats[section].get(key, 0) + 1

    def live_refresh_tokens(self):
        with self.lock:
            strict = self.config.strict_rotation
            live = 0
            for grant_id, generation in self.refresh_tokens.values():
                grant = self.grants.get(grant_id)
                if grant and grant.revoked_at is None and (not strict or generation == grant.generation):
                    live += 1
            return live

    def stats_json(self):
        with self.lock:
            out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in self.stats.items()}
            out["live_refresh_tokens"] = self.live_refresh_tokens()
            return out

# SPDX-License-Identifier: MIT
"""The request / response objects passed between the server and the flows."""

import json
from urllib.parse import unquote_plus

from . import errors

FORM_TYPE = "application/x-www-form-urlencoded"


def parse_form(text):
    """Parse an application/x-www-form-urlencoded string strictly.

    Empty pieces ('a=1&&b=2', a trailing '&') are tolerated; a piece without
    '=', bad UTF-8 or a repeated parameter is an invalid_request.
    """
    out = {}
    for piece in text.split("&"):
        if not piece:
            continue
        if "=" not in piece:
            raise errors.malformed("Malformed parameter '%s'." % piece[:40])
        name, value = piece.split("=", 1)
        try:
            name = unquote_plus(name, errors="strict")
            value = unquote_plus(value, errors="strict")
        except UnicodeDecodeError:
            raise errors.malformed("Parameters must be UTF-8.")
        if name in out:
            raise errors.malformed("Duplicate parameter '%s'." % name[:40])
        out[name] = value
    return out


class Request:
    """An HTTP request as the endpoint functions see it."""

    def __init__(self, method, path, query, headers, body, base_url, tenant=None):
        self.method = method
        self.path = path            # without the query string
        self.query = query          # raw query string
        self.headers = headers      # email.message.Message (case-insensitive)
        self.body = body            # bytes
        self.base_url = base_url    # https://127.0.0.1:PORT
        self.tenant = tenant
        self.notes = []             # log-safe remarks the handler appends to its log line
        self._form = None

    @property
    def form(self):
        """The form body; a body of another content type reads as empty, as at Entra ID."""
        if self._form is None:
            ctype = (self.headers.get("Content-Type") or FORM_TYPE).split(";")[0].strip().lower()
            if ctype != FORM_TYPE or not self.body:
                self._form = {}
            else:
                try:
                    text = self.body.decode("utf-8")
                except UnicodeDecodeError:
                    raise errors.malformed("The request body must be UTF-8.")
                self._form = parse_form(text)
        return self._form

    @property
    def args(self):
        return parse_form(self.query)

    def json(self):
        """The body as a JSON object (admin API); raises ValueError."""
        if not self.body.strip():
            return {}
        value = json.loads(self.body.decode("utf-8"))
        if not isinstance(value, dict):
            raise ValueError("expected a JSON object")
        return value

    def correlation_id(self):
        """Entra ID echoes the client's client-request-id as the correlation id."""
        value = (self.headers.get("client-request-id") or "").strip()
        return value if 0 < len(value) <= 64 and all(c in "0123456789abcdefABCDEF-" for c in value) else None

    def note(self, text):
        self.notes.append(text)


class Response:
    def __init__(self, status, body=b"", content_type="application/json; charset=utf-8", headers=None):
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = dict(headers or {})
        self.error = None           # OAuth error name, for the counters

    @classmethod
    def json(cls, obj, status=200, headers=None):
        body = json.dumps(obj, separators=(",", ":")).encode("utf-8")
        hdrs = {"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"}
        hdrs.update(headers or {})
        return cls(status, body, headers=hdrs)

    @classmethod
    def oauth_error(cls, err, correlation_id=None):
        resp = cls.json(err.body(correlation_id), err.status, err.headers)
        resp.error = err.error
        return resp

    @classmethod
    def html(cls, text, status=200):
        return cls(status, text.encode("utf-8"), "text/html; charset=utf-8")

    @classmethod
    def redirect(cls, location):
        return cls(302, b"", "text/html; charset=utf-8", {"Location": location, "Cache-Control": "no-store"})

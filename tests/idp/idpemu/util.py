# SPDX-License-Identifier: MIT
"""Small helpers shared by the emulator modules."""

import base64
import datetime
import re
import secrets
import time
import uuid

_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_NAMESPACE = uuid.UUID("6f1c64a4-6c8e-4f1d-9a55-3c0e6b8a2f10")


def b64url(data):
    """Unpadded base64url of bytes."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    """Inverse of b64url(); raises ValueError on anything malformed."""
    if not isinstance(text, str) or not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def now():
    return int(time.time())


def utc_stamp(t=None):
    """'YYYY-MM-DD hh:mm:ssZ' as in Microsoft error bodies."""
    when = datetime.datetime.fromtimestamp(now() if t is None else t, datetime.timezone.utc)
    return when.strftime("%Y-%m-%d %H:%M:%SZ")


def random_token(nbytes):
    return b64url(secrets.token_bytes(nbytes))


def new_uuid():
    return str(uuid.uuid4())


def stable_uuid(*parts):
    """A UUID that is the same for the same inputs in every run."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def redact(secret):
    """What may appear in logs instead of a token or secret."""
    if not secret:
        return "<none>"
    return "%s...(%d)" % (secret[:6], len(secret))

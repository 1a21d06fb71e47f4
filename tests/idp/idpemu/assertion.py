# SPDX-License-Identifier: MIT
"""Client assertions (RFC 7523 JWT bearer client authentication).

Structure and claims are always checked.  When certificates are registered for
the client (--client-cert ID:CERT.pem) the x5t#S256 / x5t header must name one
of them and the RS256 / PS256 signature is verified with the openssl command.
"""

import hashlib
import json
import os
import ssl
import subprocess
import tempfile

from . import errors
from .util import b64url, b64url_decode, now

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

# openssl dgst options per JWS algorithm (PS256: MGF1-SHA256, salt length = digest length).
_ALGS = {
    "RS256": [],
    "PS256": ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest",
              "-sigopt", "rsa_mgf1_md:sha256"],
}


class ClientCert:
    """A registered certificate: its thumbprints and its public key (PEM file)."""

    def __init__(self, path, workdir):
        with open(path, encoding="ascii") as f:
            pem = f.read()
        der = ssl.PEM_cert_to_DER_cert(pem[pem.index("-----BEGIN CERTIFICATE-----"):])
        self.path = path
        self.x5t = b64url(hashlib.sha1(der).digest())
        self.x5t_s256 = b64url(hashlib.sha256(der).digest())
        self.pubkey = os.path.join(workdir, "pub-%s.pem" % self.x5t_s256)
        out = subprocess.run(["openssl", "x509", "-pubkey", "-noout", "-in", path],
                             capture_output=True, check=True, timeout=30)
        with open(self.pubkey, "wb") as f:
            f.write(out.stdout)

    def verify(self, alg, signing_input, signature):
        with tempfile.TemporaryDirectory(prefix="idp-sig-") as tmp:
            data, sig = os.path.join(tmp, "data"), os.path.join(tmp, "sig")
            with open(data, "wb") as f:
                f.write(signing_input)
            with open(sig, "wb") as f:
                f.write(signature)
            cmd = ["openssl", "dgst", "-sha256", "-verify", self.pubkey, "-signature", sig] + _ALGS[alg] + [data]
            res = subprocess.run(cmd, capture_output=True, timeout=30)
        return res.returncode == 0 and b"Verified OK" in res.stdout


def _part(text):
    value = json.loads(b64url_decode(text))
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def peek_issuer(assertion):
    """The unverified 'iss' of an assertion (to find the client when client_id is absent)."""
    try:
        return str(_part(assertion.split(".")[1]).get("iss") or "")
    except (ValueError, IndexError, UnicodeError):
        return ""


def verify(assertion, client, audiences):
    """Raise OAuthError(invalid_client) unless the assertion authenticates client."""
    try:
        head_b64, body_b64, sig_b64 = assertion.split(".")
        header, claims, signature = _part(head_b64), _part(body_b64), b64url_decode(sig_b64)
    except (ValueError, UnicodeError):
        raise errors.bad_assertion("[Reason - The client assertion is not a well-formed JWS compact serialization.]")

    alg = header.get("alg")
    thumb_s256, thumb = header.get("x5t#S256"), header.get("x5t")
    if alg not in _ALGS:
        raise errors.bad_assertion("[Reason - Unsupported signing algorithm '%s'; use RS256 or PS256.]" % alg)
    if not isinstance(thumb_s256 or thumb, str):
        raise errors.bad_assertion("[Reason - The assertion header has neither 'x5t#S256' nor 'x5t'.]")
    if claims.get("iss") != client.id or claims.get("sub") != client.id:
        raise errors.bad_assertion("[Reason - 'iss' and 'sub' must both be the client id '%s'.]" % client.id)
    aud = claims.get("aud")
    if not any(a in audiences for a in (aud if isinstance(aud, list) else [aud])):
        raise errors.bad_assertion("[Reason - Invalid audience '%s'; expected '%s'.]" % (aud, audiences[0]))
    exp, nbf, t = claims.get("exp"), claims.get("nbf", 0), now()
    if not isinstance(exp, (int, float)) or not isinstance(nbf, (int, float)):
        raise errors.bad_assertion("[Reason - 'exp' (and 'nbf' when present) must be numeric.]")
    if exp <= t or nbf > t:
        raise errors.assertion_time(t, nbf, exp)

    if not client.certs:
        return  # nothing to verify the signature against: structure and claims only
    if thumb_s256:
        cert = next((c for c in client.certs if c.x5t_s256 == thumb_s256), None)
    else:
        cert = next((c for c in client.certs if c.x5t == thumb), None)
    if cert is None:
        raise errors.bad_assertion(
            "[Reason - The key was not found., Thumbprint of key used by client: '%s', Please visit the "
            "Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id "
            "'%s'.]" % (thumb_s256 or thumb, client.id))
    if not cert.verify(alg, ("%s.%s" % (head_b64, body_b64)).encode("ascii"), signature):
        raise errors.bad_assertion(
            "[Reason - The provided signature value did not match the expected signature value., "
            "Thumbprint of key used by client: '%s']" % (thumb_s256 or thumb))

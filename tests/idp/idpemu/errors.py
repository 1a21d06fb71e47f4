# SPDX-License-Identifier: MIT
"""Microsoft-shaped OAuth 2.0 errors.

Every error answered by the emulator's OAuth endpoints is an OAuthError; it
renders as the JSON body Microsoft Entra ID sends:

  {"error": "invalid_grant",
   "error_description": "AADSTS50173: text\r\nTrace ID: ...\r\nCorrelation ID: ...\r\nTimestamp: ...",
   "error_codes": [50173], "timestamp": ..., "trace_id": ..., "correlation_id": ...,
   "error_uri": "https://login.microsoftonline.com/error?code=50173"}
"""

from .util import new_uuid, utc_stamp


class OAuthError(Exception):
    def __init__(self, error, code, text, status=None, suberror=None, headers=None):
        super().__init__("%s AADSTS%d" % (error, code))
        self.error = error
        self.code = code
        self.text = text
        self.status = status or (401 if error == "invalid_client" else 400)
        self.suberror = suberror
        self.headers = dict(headers or {})

    def description(self, trace_id, correlation_id, stamp):
        return "AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s" % (
            self.code, self.text, trace_id, correlation_id, stamp)

    def body(self, correlation_id=None):
        trace_id = new_uuid()
        correlation_id = correlation_id or new_uuid()
        stamp = utc_stamp()
        body = {
            "error": self.error,
            "error_description": self.description(trace_id, correlation_id, stamp),
            "error_codes": [self.code],
            "timestamp": stamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": "https://login.microsoftonline.com/error?code=%d" % self.code,
        }
        if self.suberror:
            body["suberror"] = self.suberror
        return body


# --- catalogue: one function per situation, so call sites read as prose ---

def missing_param(name):
    return OAuthError("invalid_request", 900144,
                      "The request body must contain the following parameter: '%s'." % name)


def malformed(detail="Request is malformed or invalid."):
    return OAuthError("invalid_request", 9002313, "Invalid request. " + detail)


def only_post(method):
    return OAuthError("invalid_request", 900561,
                      "The endpoint only accepts POST, OPTIONS requests. Received a %s request." % method)


def unknown_tenant(name):
    return OAuthError("invalid_request", 90002,
                      "Tenant '%s' not found. Check to make sure you have the correct tenant ID and "
                      "are signing into the correct cloud. Check with your subscription administrator, "
                      "this may happen if there are no active subscriptions for the tenant." % name)


def unknown_client(client_id, tenant):
    return OAuthError("unauthorized_client", 700016,
                      "Application with identifier '%s' was not found in the directory '%s'. This can "
                      "happen if the application has not been installed by the administrator of the "
                      "tenant or consented to by any user in the tenant. You may have sent your "
                      "authentication request to the wrong tenant." % (client_id, tenant))


def public_client_with_credentials():
    return OAuthError("invalid_client", 700025,
                      "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.")


def credentials_required():
    return OAuthError("invalid_client", 7000218,
                      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")


def bad_secret(client_id):
    return OAuthError("invalid_client", 7000215,
                      "Invalid client secret provided. Ensure the secret being sent in the request is the "
                      "client secret value, not the client secret ID, for a secret added to app '%s'." % client_id)


def expired_secret(client_id):
    return OAuthError("invalid_client", 7000222,
                      "The provided client secret keys for app '%s' are expired. Visit the Azure portal to "
                      "create new keys for your app: https://aka.ms/NewClientSecret, or consider using "
                      "certificate credentials for added security: https://aka.ms/certCreds." % client_id)


def bad_assertion(reason):
    return OAuthError("invalid_client", 700027, "Client assertion failed signature validation. " + reason)


def assertion_time(now_s, nbf, exp):
    return OAuthError("invalid_client", 700024,
                      "Client assertion is not within its valid time range. Current time: %s, assertion "
                      "valid from %s, expiry time of assertion %s." % (now_s, nbf, exp))


def unsupported_grant(grant_type):
    return OAuthError("unsupported_grant_type", 70003,
                      "The app requested an unsupported grant type '%s'." % grant_type)


def invalid_scope(text):
    return OAuthError("invalid_scope", 70011,
                      "The provided value for the input parameter 'scope' is not valid. " + text)


def multiple_resources(scope):
    return OAuthError("invalid_scope", 28000,
                      "Provided value for the input parameter scope is not valid because it contains more "
                      "than one resource. Scope %s is not valid." % scope)


def app_scope_needs_default(scope):
    return OAuthError("invalid_scope", 1002012,
                      "The provided value for scope %s is not valid. Client credential flows must have a "
                      "scope value with /.default suffixed to the resource identifier (application ID URI)." % scope)


def consent_required(client_id, scope):
    return OAuthError("invalid_grant", 65001,
                      "The user or administrator has not consented to use the application with ID '%s'. "
                      "Send an interactive authorization request for this user and resource "
                      "(scope not granted: %s)." % (client_id, scope), suberror="consent_required")


def grant_malformed(detail=""):
    return OAuthError("invalid_grant", 70000, ("Provided grant is invalid or malformed. " + detail).strip())


def refresh_token_unknown():
    return OAuthError("invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.")


def refresh_token_rotated():
    return grant_malformed("The refresh token has already been redeemed and was replaced by a newer "
                           "one (refresh token rotation is enforced).")


def grant_revoked(issued, valid_from):
    return OAuthError("invalid_grant", 50173,
                      "The provided grant has expired due to it being revoked, a fresh auth token is needed. "
                      "The user might have changed or reset their password. The grant was issued on '%s' "
                      "and the TokensValidFrom date (before which tokens are not valid) for this user is "
                      "'%s'." % (issued, valid_from))


def code_redeemed():
    return OAuthError("invalid_grant", 54005,
                      "OAuth2 Authorization code was already redeemed, please retry with a new valid code "
                      "or use an existing refresh token.")


def code_expired():
    return OAuthError("invalid_grant", 70008,
                      "The provided authorization code or refresh token has expired due to inactivity. "
                      "Send a new interactive authorization request for this user and resource.")


def reply_address_mismatch():
    return OAuthError("invalid_grant", 500112,
                      "The reply address does not match the reply address provided when requesting "
                      "Authorization code.")


def pkce_mismatch():
    return OAuthError("invalid_grant", 501481,
                      "The Code_Verifier does not match the code_challenge supplied in the authorization request.")


def authorization_pending():
    return OAuthError("authorization_pending", 70016,
                      "OAuth 2.0 device flow error. Authorization is pending. Continue polling.")


def authorization_declined():
    return OAuthError("authorization_declined", 65004, "User declined to consent to access the app.")


def device_code_expired():
    return OAuthError("expired_token", 70019, "Verification code expired.")


def bad_verification_code():
    return OAuthError("bad_verification_code", 70018,
                      "Invalid verification code: the device_code was not recognized.")


def device_code_redeemed():
    return OAuthError("invalid_grant", 54005, "The device code was already redeemed; start a new device flow.")


def login_required():
    return OAuthError("login_required", 50058,
                      "A silent sign-in request was sent but no user is signed in.")


def unsupported_response_type(value):
    return OAuthError("unsupported_response_type", 700054,
                      "response_type '%s' is not enabled for the application." % value)


def bad_redirect_uri(uri):
    return OAuthError("invalid_request", 50011,
                      "The redirect URI '%s' specified in the request does not match the redirect URIs "
                      "configured for the application." % uri)


def bad_code_challenge(detail):
    return OAuthError("invalid_request", 501491, "Invalid code_challenge parameter: " + detail)


# Injected faults that answer with an OAuth error (see server.Handler.apply_fault).
def for_fault(kind, retry_after=None):
    retry = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    if kind == "http500":
        return OAuthError("server_error", 50000,
                          "There was an error issuing a token or an issue with our sign-in service.", status=500)
    if kind == "http503":
        return OAuthError("temporarily_unavailable", 90033,
                          "A transient error has occurred. Please try again.", status=503, headers=retry)
    if kind == "http429":
        return OAuthError("temporarily_unavailable", 90055,
                          "TenantThrottlingError: There are too many incoming requests. Please try again later.",
                          status=429, headers={"Retry-After": str(1 if retry_after is None else retry_after)})
    if kind == "invalid_grant":
        return OAuthError("invalid_grant", 700082,
                          "The refresh token has expired due to inactivity. The token was issued on "
                          "'2020-01-01T00:00:00.0000000Z' and was inactive for 90.00:00:00.")
    if kind == "interaction_required":
        return OAuthError("interaction_required", 50076,
                          "Due to a configuration change made by your administrator, or because you moved "
                          "to a new location, you must use multi-factor authentication to access "
                          "'00000002-0000-0ff1-ce00-000000000000'.")
    if kind == "consent_required":
        return consent_required("(fault injection)", "(fault injection)")
    if kind == "expired_secret":
        return expired_secret("(fault injection)")
    if kind == "slow_down":
        return OAuthError("slow_down", 50196,
                          "The server terminated an operation because it encountered a client request loop. "
                          "Poll less often: slow down.")
    return None

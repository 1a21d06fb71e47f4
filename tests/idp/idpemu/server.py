# SPDX-License-Identifier: MIT
"""HTTPS server: TLS, request reading, routing, fault injection, logging."""

import logging
import re
import socket
import ssl
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from . import admin, errors, flows
from .messages import Request, Response
from .util import random_token

log = logging.getLogger("idp")

MAX_BODY = 64 * 1024
DRAIN_LIMIT = 1024 * 1024
HANDSHAKE_TIMEOUT = 10
OAUTH_PATH = re.compile(r"/([^/]+)/oauth2/v2\.0/(token|devicecode|authorize)")
DISCOVERY_PATH = re.compile(r"/([^/]+)/v2\.0/\.well-known/openid-configuration")


class HttpError(Exception):
    """A problem with the HTTP request itself (answered with a JSON error, then closed)."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port, ssl_context, state):
        self.ssl_context = ssl_context
        self.state = state
        super().__init__(("127.0.0.1", port), Handler)

    @property
    def port(self):
        return self.server_address[1]

    @property
    def base_url(self):
        return "https://127.0.0.1:%d" % self.port

    def finish_request(self, request, client_address):
        # The TLS handshake runs here, in the connection's own thread, so a
        # slow or broken client cannot stall the accept loop.
        request.settimeout(HANDSHAKE_TIMEOUT)
        try:
            tls = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as err:
            log.info("TLS handshake with %s:%d failed: %s", client_address[0], client_address[1], err)
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            tls.close()

    def handle_error(self, request, client_address):
        log.info("connection from %s:%d ended with an error: %s", client_address[0], client_address[1],
                 traceback.format_exc(limit=1).strip().splitlines()[-1])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "idp-emulator/1.0"
    sys_version = ""

    def version_string(self):
        return self.server_version

    timeout = 30  # idle keep-alive connections are closed after this
    # Headers and body go out in separate writes: without TCP_NODELAY the
    # body waits for the delayed ACK of the headers (40 ms per request).
    disable_nagle_algorithm = True

    # --- plumbing ---------------------------------------------------------------
    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_POST

    def log_message(self, fmt, *args):
        pass  # requests are logged by dispatch(), without query strings

    def send_error(self, code, message=None, explain=None):
        """Malformed request lines etc.: JSON instead of the stock HTML page."""
        self.close_connection = True
        self.send(Response.json({"error": "bad_request", "status": code, "message": message or ""}, code))

    def send(self, resp):
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(resp.body)))
        for name, value in resp.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(resp.body)
        self.wfile.flush()

    def read_body(self):
        if self.headers.get("Transfer-Encoding"):
            raise HttpError(411, "chunked request bodies are not supported; send Content-Length")
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        if not length.isdigit():
            raise HttpError(400, "invalid Content-Length")
        if int(length) > MAX_BODY:
            if int(length) <= DRAIN_LIMIT:  # read it anyway so the client sees the answer, not a reset
                remaining = int(length)
                while remaining > 0:
                    chunk = self.rfile.read(min(remaining, 65536))
                    if not chunk:
                        break
                    remaining -= len(chunk)
            raise HttpError(413, "request body larger than %d bytes" % MAX_BODY)
        body = self.rfile.read(int(length))
        if len(body) != int(length):
            raise HttpError(400, "truncated request body")
        return body

    # --- routing ---------------------------------------------------------------------
    def route(self, path):
        """(endpoint name for counters and faults, function, tenant) or None."""
        m = OAUTH_PATH.fullmatch(path)
        if m:
            return m.group(2), getattr(flows, m.group(2)), m.group(1)
        if path == "/introspect":
            return "introspect", flows.introspect, None
        if path == "/device":
            return None, device_page, None
        m = DISCOVERY_PATH.fullmatch(path)
        if m:
            return None, discovery, m.group(1)
        if path.startswith("/_admin/"):
            return None, admin.handle, None
        return None

    def dispatch(self):
        started = time.monotonic()
        state = self.server.state
        url = urlsplit(self.path)
        req = None
        try:
            body = self.read_body()
            req = Request(self.command, url.path, url.query, self.headers, body, self.server.base_url)
            route = self.route(url.path)
            if route is None:
                resp = Response.json({"error": "not_found", "path": url.path[:200]}, 404)
            else:
                endpoint, func, req.tenant = route
                if endpoint:
                    state.count("requests", endpoint)
                    fault = state.take_fault(endpoint)
                    if fault:
                        req.note("fault=%s" % fault.kind)
                        resp = self.apply_fault(fault)
                        if resp is None:
                            self.log_request_line(req, "closed", started)
                            return
                    else:
                        resp = func(state, req)
                else:
                    resp = func(state, req)
        except errors.OAuthError as err:
            resp = Response.oauth_error(err, req.correlation_id() if req else None)
        except HttpError as err:
            self.close_connection = True
            resp = Response.json({"error": "invalid_request", "message": str(err)}, err.status)
        except Exception:  # a bug: answer 500 and keep serving
            log.error("internal error on %s %s\n%s", self.command, url.path, traceback.format_exc())
            resp = Response.json({"error": "server_error", "message": "emulator bug, see its log"}, 500)
        if resp.error:
            state.count("errors", resp.error)
            if req:
                req.note("error=%s" % resp.error)
        self.send(resp)
        self.log_request_line(req, resp.status, started)

    def log_request_line(self, req, status, started):
        notes = " ".join(req.notes) if req else ""
        log.info("%s %s -> %s %.0fms %s", self.command, urlsplit(self.path).path[:200], status,
                 (time.monotonic() - started) * 1000, notes)

    # --- fault injection ------------------------------------------------------
    def apply_fault(self, fault):
        """The response an injected fault calls for (None: connection closed)."""
        err = errors.for_fault(fault.kind, fault.retry_after)
        if err is not None:
            return Response.oauth_error(err)
        if fault.kind == "timeout":
            self.server.state.stopping.wait(fault.delay)
            return Response.json({"error": "gateway_timeout"}, 504)
        if fault.kind == "garbage":
            return Response(200, b"\x00\xff\xfe{\"access_tok" + random_token(32).encode() + b"\x80")
        if fault.kind == "html":
            return Response.html("<!DOCTYPE html><html><head><title>Sign in to your account</title></head>"
                                 "<body><p>Please sign in.</p></body></html>")
        if fault.kind == "empty":
            return Response(200, b"")
        # "close": drop the connection without answering
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        return None


def device_page(state, req):
    with state.lock:
        pending = sum(1 for e in state.user_codes.values() if e.status == "pending")
    return Response.html(
        "<!DOCTYPE html><html><head><title>Enter code</title></head><body>"
        "<h1>sasl-oauth2 test identity provider</h1>"
        "<p>This emulator has no interactive sign-in. Device codes are approved by the test harness "
        "with <code>POST /_admin/device/approve</code> (or automatically with --auto-approve).</p>"
        "<p>Pending device codes: %d</p></body></html>" % pending)


def discovery(state, req):
    base = "%s/%s" % (req.base_url, req.tenant)
    return Response.json({
        "issuer": "https://login.microsoftonline.com/%s/v2.0" % state.tenant_id,
        "authorization_endpoint": base + "/oauth2/v2.0/authorize",
        "token_endpoint": base + "/oauth2/v2.0/token",
        "device_authorization_endpoint": base + "/oauth2/v2.0/devicecode",
        "introspection_endpoint": req.base_url + "/introspect",
        "response_types_supported": ["code"],
        "grant_types_supported": list(flows.GRANTS),
        "code_challenge_methods_supported": ["S256", "plain"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic",
                                                  "private_key_jwt"],
        "tenant_region_scope": "EU",
    })

# SPDX-License-Identifier: MIT
"""Command line: parse options, build the state, serve until SIGTERM/SIGINT."""

import argparse
import logging
import os
import shutil
import signal
import ssl
import sys
import tempfile
import threading

from .assertion import ClientCert
from .server import Server
from .state import Config, State

log = logging.getLogger("idp")


def parse_args(argv):
    p = argparse.ArgumentParser(prog="idp-emulator.py",
                                description="Microsoft identity platform v2.0 emulator for tests (HTTPS, 127.0.0.1).")
    p.add_argument("--cert", required=True, help="server certificate chain (PEM)")
    p.add_argument("--key", required=True, help="server private key (PEM)")
    p.add_argument("--port", type=int, default=0, help="TCP port; 0 = pick a free one (default)")
    p.add_argument("--port-file", help="write the port here (atomically) once listening")
    p.add_argument("--access-token-lifetime", type=int, default=3600, metavar="SECONDS")
    p.add_argument("--interval", type=int, default=5, metavar="SECONDS", help="device flow polling interval")
    p.add_argument("--device-code-lifetime", type=int, default=900, metavar="SECONDS")
    p.add_argument("--strict-rotation", action="store_true",
                   help="a refresh token stops working once it has been rotated")
    p.add_argument("--auto-approve", metavar="UPN",
                   help="sign this user in at /authorize and approve new device codes at once")
    p.add_argument("--client", action="append", default=[], metavar="ID[:SECRET]",
                   help="register a public client (ID) or a confidential one (ID:SECRET)")
    p.add_argument("--client-cert", action="append", default=[], metavar="ID:CERT.pem",
                   help="register a certificate for client assertions of ID (makes ID confidential)")
    p.add_argument("--app-mailbox", action="append", default=[], metavar="ID:UPN",
                   help="app-only tokens of client ID may use mailbox UPN (introspection "
                        "names it, as Exchange's mailbox permission for the app would)")
    p.add_argument("--unknown-tenant", action="append", default=[], metavar="NAME",
                   help="tenant path segment answered with AADSTS90002")
    p.add_argument("--log", metavar="FILE", help="log file (default: stderr)")
    args = p.parse_args(argv)
    for name in ("access_token_lifetime", "interval", "device_code_lifetime", "port"):
        if getattr(args, name) < 0:
            p.error("--%s must not be negative" % name.replace("_", "-"))
    return args


def setup_logging(path):
    handler = logging.FileHandler(path) if path else logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s idp: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)


def build_state(args, workdir):
    config = Config()
    config.update({
        "access_token_lifetime": args.access_token_lifetime,
        "interval": args.interval,
        "device_code_lifetime": args.device_code_lifetime,
        "strict_rotation": args.strict_rotation,
        "unknown_tenants": args.unknown_tenant,
    })
    config.auto_approve = args.auto_approve
    state = State(config)
    for spec in args.client:
        client_id, sep, secret = spec.partition(":")
        if not client_id or (sep and not secret):
            raise SystemExit("idp-emulator: bad --client '%s' (want ID or ID:SECRET)" % spec)
        state.add_client(client_id, secret if sep else None)
    for spec in args.app_mailbox:
        client_id, _, upn = spec.partition(":")
        if not client_id or "@" not in upn:
            raise SystemExit("idp-emulator: bad --app-mailbox '%s' (want ID:UPN)" % spec)
        state.add_client(client_id).mailbox = upn
    for spec in args.client_cert:
        client_id, _, path = spec.partition(":")
        if not client_id or not path:
            raise SystemExit("idp-emulator: bad --client-cert '%s' (want ID:CERT.pem)" % spec)
        try:
            state.add_client(client_id).certs.append(ClientCert(path, workdir))
        except (OSError, ValueError) as err:
            raise SystemExit("idp-emulator: cannot use certificate %s: %s" % (path, err))
    return state


def write_port_file(path, port):
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".port-", dir=directory)
    with os.fdopen(fd, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    setup_logging(args.log)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(args.cert, args.key)
    except (OSError, ssl.SSLError) as err:
        raise SystemExit("idp-emulator: cannot load --cert/--key: %s" % err)

    workdir = tempfile.mkdtemp(prefix="idp-emulator-")
    try:
        state = build_state(args, workdir)
        try:
            server = Server(args.port, context, state)
        except OSError as err:
            raise SystemExit("idp-emulator: cannot listen on 127.0.0.1:%d: %s" % (args.port, err))

        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda signum, frame: stop.set())
        thread = threading.Thread(target=server.serve_forever, name="accept", daemon=True)
        thread.start()
        if args.port_file:
            write_port_file(args.port_file, server.port)
        log.info("listening on %s (clients: %s)", server.base_url,
                 ", ".join("%s%s" % (c.id, "" if c.public else " (confidential)") for c in state.clients.values()))
        while not stop.wait(0.5):
            pass
        log.info("stopping")
        state.stopping.set()
        server.shutdown()
        server.server_close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0

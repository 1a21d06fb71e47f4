#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""scripted-server.py - an SMTP or IMAP server that answers AUTH like Exchange Online (or Gmail)

Test tool for sasl-oauth2 (Python standard library only). Listens on 127.0.0.1,
speaks enough SMTP (RFC 5321, STARTTLS RFC 3207, AUTH RFC 4954) or IMAP
(RFC 9051, STARTTLS, AUTHENTICATE with SASL-IR RFC 4959) to take one XOAUTH2
login, and answers it with the reply of a scenario: one row of the
classification table (token/diagnose.c). Texts are the ones Exchange Online and
Gmail send (/work/shared/reference/m365.md section 5.4).

  scripted-server.py --proto smtp|imap --cert C --key K [--port N]
      [--port-file F] [--scenario NAME | --scenario-file F] [--implicit-tls]
      [--no-starttls] [--no-sasl-ir] [--mechs "LOGIN XOAUTH2"] [--log F]
      [--timeout S]

--scenario-file is read at each connection, so one server can play several
scenarios. --implicit-tls: TLS from the first byte (ports 465/993).
The log records each login as "AUTH user=U token=PREFIX...(LEN bytes)
scenario=NAME": never the whole token. --list prints the scenario names.
"""
import argparse
import base64
import os
import socket
import socketserver
import ssl
import sys
import threading

TAG = " [SN4PR0201CA0040.namprd02.prod.outlook.com 2026-11-29T10:00:00.000Z 08DCF0A1B2C3D4E5]"

# name -> (reply lines, challenge JSON or None)
SMTP = {
    "accept": (["235 2.7.0 Authentication successful"], None),
    "5.7.3": (["535 5.7.3 Authentication unsuccessful" + TAG], None),
    "tenant": (["535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled "
                "for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information."
                + TAG], None),
    "mailbox": (["535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is "
                 "disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more "
                 "information." + TAG], None),
    "basic": (["535 5.7.139 Authentication unsuccessful, basic authentication is disabled."
               + TAG], None),
    "secdefaults": (["535 5.7.139 Authentication unsuccessful, user is locked by your "
                     "organization's security defaults policy. Contact your administrator."
                     + TAG], None),
    "criteria": (["535 5.7.139 Authentication unsuccessful, the request did not meet the "
                  "criteria to be authenticated successfully. Contact your administrator."
                  + TAG], None),
    "5.7.57": (["530 5.7.57 Client not authenticated to send mail" + TAG], None),
    "5.7.30": (["550 5.7.30 Basic authentication is not supported for Client Submission."],
               None),
    "5.7.60": (["550 5.7.60 SMTP; Client does not have permissions to send as this sender"],
               None),
    "sendas": (["554 5.2.252 SendAsDenied; relay@example.com not allowed to send as "
                "other@example.com; STOREDRV.Submission.Exception:SendAsDeniedException."
                "MapiExceptionSendAsDenied"], None),
    "logon": (["430 4.2.0 STOREDRV; mailbox logon failure; Failed to process message due to "
               "a permanent exception with message [BeginDiagnosticData]Cannot open mailbox."
               " MapiExceptionLogonFailed"], None),
    "concurrency": (["432 4.3.2 Concurrent connections limit exceeded. Visit "
                     "https://aka.ms/concurrent_sending for more information."], None),
    "tls": (["421 4.7.66 TLS 1.0 and 1.1 are not supported. Please upgrade/update your "
             "client to support TLS 1.2. Visit https://aka.ms/smtp_auth_tls."], None),
    "4.7.500": (["451 4.7.500 Access denied, please try again later."], None),
    "5.1.8": (["550 5.1.8 Access denied, bad outbound sender"], None),
    "expiring": (["501 5.5.127 Invalid XOAUTH2 auth data - Token will expire soon"], None),
    "gmail": (["535-5.7.8 Username and Password not accepted. For more information, go to",
               "535 5.7.8  https://support.google.com/mail/?p=BadCredentials x1-2.gsmtp"],
              '{"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}'),
    "gmail-throttle": (["454 4.7.0 Too many login attempts, please try again later."], None),
    # RFC 4954's code as Dovecot and Postfix-backed servers send it (no Gmail link).
    "5.7.8": (["535 5.7.8  Authentication credentials invalid"], None),
    # High Volume Email (https://github.com/tarickb/sasl-xoauth2/issues/110).
    "hve": (["501 5.5.124 Invalid XOAUTH2 auth data"], None),
}

IMAP = {
    "accept": ("OK AUTHENTICATE completed.", None),
    "failed": ("NO AUTHENTICATE failed.", None),
    "not-connected": ("NO User is authenticated but not connected.", None),
    # Exchange answering LOGIN (https://github.com/holon-run/uxc/issues/445).
    "basic": ("NO Basic authentication is disabled.", None),
    # AUTHENTICATE accepted, then every mailbox command refused
    # (https://github.com/getmail6/getmail6/issues/214).
    "unusable": ("OK AUTHENTICATE completed.", None),
    "gmail": ("NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)",
              '{"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}'),
}


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # A client that refuses our certificate ends the handshake: expected.
        sys.stderr.write("connection from %s ended: %s\n" % (client_address[0],
                                                             sys.exc_info()[1]))


def make_handler(opts, ctx, log):
    lock = threading.Lock()

    def note(text):
        with lock:
            log.write(text + "\n")
            log.flush()

    def scenario():
        if opts.scenario_file:
            try:
                with open(opts.scenario_file) as f:
                    return f.read().strip()
            except OSError:
                return "accept"
        return opts.scenario

    def describe(b64):
        """user= and a token summary from an XOAUTH2 initial response."""
        try:
            raw = base64.b64decode(b64, validate=True).decode("utf-8", "replace")
        except Exception:
            return "undecodable"
        parts = raw.split("\x01")
        user = parts[0][5:] if parts and parts[0].startswith("user=") else "?"
        tok = parts[1][12:] if len(parts) > 1 and parts[1].startswith("auth=Bearer ") else ""
        return "user=%s token=%s...(%d bytes)" % (user, tok[:6], len(tok))

    class Handler(socketserver.StreamRequestHandler):
        def setup(self):
            self.request.settimeout(opts.timeout)
            if opts.implicit_tls:
                self.request = ctx.wrap_socket(self.request, server_side=True)
            self.tls = opts.implicit_tls
            super().setup()

        def send(self, line):
            self.wfile.write((line + "\r\n").encode())
            self.wfile.flush()

        def readline(self):
            line = self.rfile.readline(65536)
            if not line:
                raise EOFError
            return line.decode("utf-8", "replace").rstrip("\r\n")

        def starttls(self):
            self.wfile.flush()
            self.request = ctx.wrap_socket(self.request, server_side=True)
            self.rfile = self.request.makefile("rb")
            self.wfile = self.request.makefile("wb")
            self.tls = True

        def handle(self):
            try:
                if opts.proto == "smtp":
                    self.smtp()
                else:
                    self.imap()
            except (EOFError, OSError, ssl.SSLError) as e:
                note("connection ended: %s" % e)

        def smtp(self):
            self.send("220 scripted.example Microsoft ESMTP MAIL Service ready")
            while True:
                line = self.readline()
                verb = line.split(" ")[0].upper()
                if verb in ("EHLO", "HELO"):
                    caps = ["250-scripted.example Hello", "250-SIZE 157286400", "250-PIPELINING"]
                    if not self.tls and not opts.no_starttls:
                        caps.append("250-STARTTLS")
                    if self.tls:
                        caps.append("250-AUTH " + opts.mechs)
                    caps.append("250 SMTPUTF8")
                    for c in caps:
                        self.send(c)
                elif verb == "STARTTLS" and not self.tls:
                    self.send("220 2.0.0 SMTP server ready")
                    self.starttls()
                elif verb == "AUTH":
                    words = line.split(" ")
                    if not self.tls or len(words) < 2 or words[1].upper() not in \
                            opts.mechs.upper().split():
                        self.send("504 5.7.4 Unrecognized authentication type")
                        continue
                    b64 = words[2] if len(words) > 2 else None
                    if b64 is None:
                        self.send("334 ")
                        b64 = self.readline()
                    name = scenario()
                    lines, chal = SMTP.get(name, SMTP["accept"])
                    note("AUTH %s %s scenario=%s" % (words[1], describe(b64), name))
                    if chal:
                        self.send("334 " + base64.b64encode(chal.encode()).decode())
                        answer = self.readline()
                        note("challenge answered with %d bytes" % len(answer))
                    for out in lines:
                        self.send(out)
                elif verb == "QUIT":
                    self.send("221 2.0.0 Service closing transmission channel")
                    return
                elif verb in ("MAIL", "RCPT", "DATA"):
                    self.send("530 5.7.57 Client not authenticated to send mail")
                else:
                    self.send("500 5.3.3 Unrecognized command")

        def imap(self):
            self.send("* OK The Microsoft Exchange IMAP4 service is ready.")
            while True:
                line = self.readline()
                words = line.split(" ")
                tag = words[0]
                cmd = words[1].upper() if len(words) > 1 else ""
                if cmd == "CAPABILITY":
                    caps = "IMAP4 IMAP4rev1"
                    if self.tls:
                        caps += " " + " ".join("AUTH=" + m for m in opts.mechs.split())
                        if not opts.no_sasl_ir:
                            caps += " SASL-IR"
                    elif not opts.no_starttls:
                        caps += " STARTTLS LOGINDISABLED"
                    self.send("* CAPABILITY " + caps)
                    self.send(tag + " OK CAPABILITY completed.")
                elif cmd == "STARTTLS" and not self.tls:
                    self.send(tag + " OK Begin TLS negotiation now.")
                    self.starttls()
                elif cmd == "AUTHENTICATE":
                    b64 = words[3] if len(words) > 3 else None
                    if b64 is None:
                        self.send("+ ")
                        b64 = self.readline()
                    name = scenario()
                    result, chal = IMAP.get(name, IMAP["accept"])
                    note("AUTHENTICATE %s %s scenario=%s" % (words[2], describe(b64), name))
                    if chal:
                        self.send("+ " + base64.b64encode(chal.encode()).decode())
                        self.readline()
                    self.send(tag + " " + result)
                elif cmd in ("EXAMINE", "SELECT"):
                    if scenario() == "unusable":
                        self.send(tag + " BAD User is authenticated but not connected.")
                    else:
                        self.send("* 0 EXISTS")
                        self.send(tag + " OK [READ-ONLY] EXAMINE completed.")
                elif cmd == "LOGOUT":
                    self.send("* BYE Microsoft Exchange Server IMAP4 server signing off.")
                    self.send(tag + " OK LOGOUT completed.")
                    return
                else:
                    self.send(tag + " BAD Command Error. 10")

    return Handler


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--proto", choices=("smtp", "imap"), default="smtp")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--scenario", default="accept")
    ap.add_argument("--scenario-file")
    ap.add_argument("--implicit-tls", action="store_true")
    ap.add_argument("--no-starttls", action="store_true")
    ap.add_argument("--no-sasl-ir", action="store_true",
                    help="IMAP: do not announce SASL-IR (the client waits for '+ ')")
    ap.add_argument("--mechs", default="LOGIN XOAUTH2")
    ap.add_argument("--log")
    ap.add_argument("--timeout", type=float, default=20,
                    help="seconds a connection may wait for the client")
    ap.add_argument("--list", action="store_true")
    opts = ap.parse_args()
    if opts.list:
        print("\n".join(sorted(SMTP if opts.proto == "smtp" else IMAP)))
        return 0
    table = SMTP if opts.proto == "smtp" else IMAP
    if not opts.scenario_file and opts.scenario not in table:
        ap.error("unknown scenario %s (--list)" % opts.scenario)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(opts.cert, opts.key)
    log = open(opts.log, "a") if opts.log else sys.stderr
    srv = Server(("127.0.0.1", opts.port), make_handler(opts, ctx, log))
    if opts.port_file:
        tmp = opts.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.rename(tmp, opts.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    import signal
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    sys.exit(main())

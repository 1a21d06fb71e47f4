#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# connect-server.py - a scripted IMAP/POP3 server for tests/connect-protocol.sh
#
# usage: connect-server.py SCENARIO CERT KEY PORTFILE LOGFILE
# Serves one connection on 127.0.0.1 (port written to PORTFILE), plays
# SCENARIO, writes every line the client sent to LOGFILE ("C: ...", the
# authentication response decoded with ^A shown as "^A" and the token as
# TOKEN) and exits 0 when the client behaved as the scenario expects, 1
# otherwise (the reason on stderr).
import base64, json, socket, ssl, sys

scenario, cert, key, portfile, logfile = sys.argv[1:6]
log = open(logfile, "w")
ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
ctx.load_cert_chain(cert, key)
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
open(portfile, "w").write(str(srv.getsockname()[1]))
srv.settimeout(30)
raw, _ = srv.accept()
raw.settimeout(15)
implicit = not scenario.startswith("starttls")
conn = ctx.wrap_socket(raw, server_side=True) if implicit else raw
buf = b""


def fail(why):
    print("connect-server: " + scenario + ": " + why, file=sys.stderr)
    sys.exit(1)


def send(s):
    conn.sendall(s.encode() + b"\r\n")


def line():
    global buf
    while b"\n" not in buf:
        try:
            d = conn.recv(65536)
        except (socket.timeout, ssl.SSLError, OSError):
            d = b""
        if not d:
            log.write("C: <closed>\n")
            log.flush()
            return None
        buf += d
    ln, buf = buf.split(b"\n", 1)
    s = ln.rstrip(b"\r").decode("latin-1")
    log.write("C: " + s + "\n")
    log.flush()
    return s


def shown(b64):
    d = base64.b64decode(b64).decode("latin-1")
    d = d.replace("auth=Bearer test-token-1", "auth=Bearer TOKEN")
    return d.replace("\x01", "^A")


def expect_response(s):
    if s is None:
        fail("connection closed instead of the response")
    log.write("R: " + shown(s.split(" ")[-1]) + "\n")
    log.flush()


def chal(obj):
    return base64.b64encode(json.dumps(obj).encode()).decode()


ERR = {"status": "invalid_token", "scope": "https://outlook.office.com/IMAP.AccessAsUser.All",
       "openid-configuration": "https://login.example/.well-known/openid-configuration"}

if scenario.startswith("pop3"):
    send("+OK scripted POP3")
    c = line()
    if c != "CAPA":
        fail("want CAPA, got %r" % c)
    send("+OK")
    send("SASL XOAUTH2 OAUTHBEARER")
    send(".")
    c = line()
    if c not in ("AUTH XOAUTH2", "AUTH OAUTHBEARER"):
        fail("want AUTH without initial response, got %r" % c)
    send("+ ")
    expect_response(line())
    if scenario == "pop3-ok":
        send("+OK logged in")
        if line() != "STAT":
            fail("STAT not relayed")
        send("+OK 0 0")
    else:  # pop3-error: error challenge, then -ERR
        send("+ " + chal(ERR))
        c = line()
        if c not in ("", "AQ=="):
            fail("want the mechanism's reply, got %r" % c)
        send("-ERR [AUTH] Authentication failed.")
        if line() is not None:
            fail("the client went on after -ERR")
    sys.exit(0)

# IMAP
if scenario == "long-line":
    send("* OK " + "x" * 20000)
    line()
    sys.exit(0)
if scenario == "silent":
    line()
    sys.exit(0)
if scenario in ("drip", "huge-line", "binary"):
    # Issue 10, point 7: one byte every 0.2 s (the client must give up at
    # its timeout, not wait on forever), 10 MB without a line end, binary.
    try:
        if scenario == "drip":
            conn.sendall(b"* OK ")
            for _ in range(150):
                conn.sendall(b"x")
                __import__("time").sleep(0.2)
        elif scenario == "huge-line":
            conn.sendall(b"* OK " + b"x" * (10 * 1024 * 1024))
        else:
            conn.sendall(bytes(range(1, 32)) * 8 + b"\r\n")
    except (OSError, ssl.SSLError):
        pass  # the client hung up: what the scenario wants
    sys.exit(0)
caps = "IMAP4rev1 AUTH=XOAUTH2 AUTH=OAUTHBEARER"
if scenario != "server-first":
    caps += " SASL-IR"
if scenario.startswith("starttls"):
    send("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] scripted IMAP")
    c = line()
    if c is None or not c.endswith(" STARTTLS"):
        fail("want STARTTLS, got %r" % c)
    tag = c.split(" ")[0]
    if scenario == "starttls-inject":
        # the reply and an injected line in one segment, before TLS
        conn.sendall(("%s OK Begin TLS\r\n* OK injected\r\n" % tag).encode())
        line()
        sys.exit(0)
    send(tag + " OK Begin TLS")
    conn = ctx.wrap_socket(raw, server_side=True)
    c = line()
    if c is None or not c.endswith(" CAPABILITY"):
        fail("want CAPABILITY after TLS, got %r" % c)
    send("* CAPABILITY " + caps)
    send(c.split(" ")[0] + " OK done")
else:
    send("* OK [CAPABILITY %s] scripted IMAP" % caps)
c = line()
if c is None or " AUTHENTICATE " not in c:
    fail("want AUTHENTICATE, got %r" % c)
tag = c.split(" ")[0]
if scenario == "server-first":
    if len(c.split(" ")) != 3:
        fail("an initial response without SASL-IR: %r" % c)
    send("+ ")
    c = line()
expect_response(c)
if scenario == "untagged-flood":
    # endless untagged data in answer to AUTHENTICATE
    try:
        for _ in range(100000):
            send("* OK still thinking")
    except (OSError, ssl.SSLError):
        pass
    sys.exit(0)
if scenario in ("ok", "server-first", "starttls-ok"):
    send("* CAPABILITY IMAP4rev1 IDLE")
    send(tag + " OK [CAPABILITY IMAP4rev1 IDLE UIDPLUS] Logged in")
    c = line()
    if c != "x SELECT INBOX":
        fail("the client's command was not relayed: %r" % c)
    send("* 0 EXISTS")
    send("x OK done")
elif scenario == "exchange-no":
    send(tag + " NO AUTHENTICATE failed.")
    c = line()  # the connector retries once after a refresh (fails here)
elif scenario in ("error", "second-challenge"):
    send("+ " + chal(ERR))
    c = line()
    if c not in ("", "AQ=="):
        fail("want the mechanism's reply to the error challenge, got %r" % c)
    if scenario == "second-challenge":
        send("+ " + chal(ERR))
        c = line()
        if c != "*":
            fail("want * (cancel) after a second challenge, got %r" % c)
        send(tag + " BAD cancelled")
    else:
        send(tag + " NO [AUTHENTICATIONFAILED] Authentication failed.")
    line()
elif scenario in ("garbage", "not-json"):
    send("+ " + ("!!!not base64" if scenario == "garbage"
                 else base64.b64encode(b"hello there").decode()))
    c = line()
    if c != "*":
        fail("want * (cancel) after a bad challenge, got %r" % c)
    send(tag + " BAD cancelled")
    line()
else:
    fail("unknown scenario")
sys.exit(0)

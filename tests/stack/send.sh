#!/bin/bash
# SPDX-License-Identifier: MIT
# send.sh DIR FROM TO SUBJECT -- inject a message into the relay's smtpd
# (127.0.0.1:IN_PORT, no auth) with python3 smtplib; prints the relay's queue id.
# Optional: BODY (text of the body; default a short line), BODY_SIZE (pad the
# body to about this many bytes).
set -eu

. "$(dirname "$0")/../lib/stackctl.sh"

[ $# -eq 4 ] || { echo "usage: $0 DIR FROM TO SUBJECT" >&2; exit 2; }
D=$(t_stack_absdir "$1")
t_stack_load_env "$D"

python3 - "$IN_PORT" "$2" "$3" "$4" <<'PY'
import os, re, smtplib, sys
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

port, sender, rcpt, subject = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
body = os.environ.get("BODY", "sasl-oauth2 end-to-end test message.\n")
size = int(os.environ.get("BODY_SIZE", "0") or 0)
if size > len(body):
    line = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789\n"
    body += line * ((size - len(body)) // len(line) + 1)
msg = EmailMessage()
msg["From"] = sender
msg["To"] = rcpt
msg["Subject"] = subject
msg["Date"] = formatdate(localtime=True)
msg["Message-ID"] = make_msgid(domain="stack.test")
msg.set_content(body)
try:
    with smtplib.SMTP("127.0.0.1", port, local_hostname="injector.test", timeout=30) as s:
        s.ehlo()
        code, resp = s.mail(sender)
        if code != 250:
            sys.exit("send.sh: MAIL FROM refused: %d %s" % (code, resp.decode(errors="replace")))
        code, resp = s.rcpt(rcpt)
        if code not in (250, 251):
            sys.exit("send.sh: RCPT TO refused: %d %s" % (code, resp.decode(errors="replace")))
        code, resp = s.data(msg.as_bytes())
        if code != 250:
            sys.exit("send.sh: DATA refused: %d %s" % (code, resp.decode(errors="replace")))
except (OSError, smtplib.SMTPException) as e:
    sys.exit("send.sh: SMTP to 127.0.0.1:%d failed: %s" % (port, e))
m = re.search(r"queued as ([0-9A-Za-z]+)", resp.decode(errors="replace"))
if not m:
    sys.exit("send.sh: no queue id in reply: %s" % resp.decode(errors="replace"))
print(m.group(1))
PY

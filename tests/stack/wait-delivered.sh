#!/bin/bash
# SPDX-License-Identifier: MIT
# wait-delivered.sh DIR SUBJECT [TIMEOUT]  (TIMEOUT in seconds, default 30)
# Waits until a message with exactly this Subject is in alice's maildir and the
# relay's log has `status=sent` for it (the relay's queue id is read from the
# Received: header the relay added). Prints two lines: the relay's log line,
# then the path of the delivered file. Exit 1 with diagnostics on timeout.
set -eu

. "$(dirname "$0")/../lib/stackctl.sh"

[ $# -ge 2 ] && [ $# -le 3 ] || { echo "usage: $0 DIR SUBJECT [TIMEOUT]" >&2; exit 2; }
D=$(t_stack_absdir "$1")
t_stack_load_env "$D"

python3 - "$MAILDIR_ALICE" "$RELAY_LOG" "$2" "${3:-30}" <<'PY'
import email.parser, os, re, sys, time

maildir, relay_log, subject, timeout = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
parser = email.parser.BytesHeaderParser()
deadline = time.monotonic() + timeout

def find_file():
    for sub in ("new", "cur"):
        d = os.path.join(maildir, sub)
        try:
            names = sorted(os.listdir(d))
        except OSError:
            continue
        for n in names:
            p = os.path.join(d, n)
            try:
                with open(p, "rb") as f:
                    h = parser.parse(f)
            except OSError:
                continue
            if h.get("Subject") == subject:
                return p, h
    return None, None

def relay_qid(h):
    for r in h.get_all("Received") or []:
        m = re.search(r"by relay\.test \(Postfix\) with E?SMTP\w* id ([0-9A-Za-z]+)", " ".join(r.split()))
        if m:
            return m.group(1)
    return None

def sent_line(qid):
    try:
        with open(relay_log, errors="replace") as f:
            for line in f:
                if (" %s: " % qid) in line and "status=sent" in line:
                    return line.rstrip("\n")
    except OSError:
        pass
    return None

path = qid = line = None
while True:
    if path is None:
        path, h = find_file()
        if path is not None:
            qid = relay_qid(h)
            if qid is None:
                sys.exit("wait-delivered: %s has no Received: header from relay.test" % path)
    if qid is not None:
        line = sent_line(qid)
        if line:
            print(line)
            print(path)
            sys.exit(0)
    if time.monotonic() > deadline:
        break
    time.sleep(0.2)

print("wait-delivered: timeout after %gs waiting for Subject %r (delivered file: %s, relay queue id: %s)"
      % (timeout, subject, path, qid), file=sys.stderr)
try:
    with open(relay_log, errors="replace") as f:
        lines = f.readlines()
    print("---- relay log (status lines / last lines) %s ----" % relay_log, file=sys.stderr)
    st = [l for l in lines if "status=" in l or "SASL" in l or "warning" in l or "error" in l]
    for l in (st[-15:] or lines[-15:]):
        print(l.rstrip("\n"), file=sys.stderr)
except OSError as e:
    print("(no relay log: %s)" % e, file=sys.stderr)
sys.exit(1)
PY

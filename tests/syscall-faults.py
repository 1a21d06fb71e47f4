#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""syscall-faults.py - every syscall of the record's read-lock-refresh-write path fails once

Test tool (issue 10 item 16), run by tests/syscall-faults.sh. For one program
(the module through tests/sasl-client, or `sasl-oauth2 refresh`):

1. traces one clean run (strace) and picks the calls that touch the store:
   opens relative to the store directory, reads, writes, fsyncs, closes and
   lock fcntls of those files, fsync of the directory, renameat, unlinkat;
2. for each such call and each plausible errno, runs the program again from
   the same expired record with strace injecting that errno into exactly that
   call (inject=SYSCALL:error=ERRNO:when=N) and checks that strace did inject
   it there;
3. checks the outcome: no crash and no hang; the record is still a JSON
   object whose refresh token works (a clean `sasl-oauth2 refresh` succeeds
   afterwards, against an emulator with strict rotation); and when the run
   failed or left the record as it was, its messages name the step.

Prints the matrix (syscall x errno x outcome), one line per run, and exits 1
when a row failed.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

ERRNOS = {
    "openat": ["EIO", "EACCES", "EINTR"],
    "openat+creat": ["EIO", "EACCES", "ENOSPC", "EDQUOT", "EINTR"],
    "read": ["EIO", "EINTR", "EAGAIN"],
    "write": ["EIO", "ENOSPC", "EDQUOT", "EINTR", "EAGAIN"],
    "fsync": ["EIO", "ENOSPC", "EDQUOT", "EINTR"],
    "close": ["EIO", "EINTR"],
    "renameat": ["EIO", "EACCES", "ENOSPC", "EDQUOT"],
    "unlinkat": ["EIO", "EACCES"],
    "fcntl": ["EAGAIN", "EACCES", "EINTR"],
}
TRACED = "openat,read,write,fsync,close,renameat,renameat2,unlinkat,fcntl"
LINE = re.compile(r"^(\d+) +(\w+)\((.*)\) += (-?\w+)")


def step_words(call):
    """Words one of which a message about a failure of call must hold."""
    name, target = call["name"], call["target"]
    if name == "fcntl" or target.endswith(".lock"):
        return ["lock"]
    if name == "openat" and target.endswith(".tmp"):
        return ["temp"]
    if name == "openat":
        return ["open"]
    if name == "fsync" and target == ".":
        return ["fsync"]
    return {"read": ["read"], "write": ["write"], "fsync": ["fsync"], "close": ["close"],
            "renameat": ["rename"], "unlinkat": ["unlink", "remove"]}.get(name, [name])


def store_calls(trace, store):
    """The calls of a clean trace that touch the store, with their ordinal."""
    fds, dirfd, counts, calls = {}, None, {}, []
    for raw in trace.splitlines():
        m = LINE.match(raw)
        if not m:
            continue
        _, name, args, ret = m.groups()
        counts[name] = counts.get(name, 0) + 1
        n = counts[name]
        first = args.split(",")[0].strip()
        target = None
        if name == "openat":
            path = re.search(r'"([^"]*)"', args)
            path = path.group(1) if path else ""
            if first == "AT_FDCWD" and path == store and "O_DIRECTORY" in args:
                if ret.isdigit():
                    dirfd = ret
                continue
            if dirfd is not None and first == dirfd:
                target = path
                if ret.isdigit():
                    fds[ret] = path
                kind = "openat+creat" if "O_CREAT" in args else "openat"
                calls.append({"name": name, "n": n, "target": target, "kind": kind,
                              "first": first, "desc": "openat %s" % target})
            continue
        if name in ("renameat", "renameat2", "unlinkat"):
            if dirfd is not None and first == dirfd:
                path = re.search(r'"([^"]*)"', args)
                target = path.group(1) if path else "?"
                calls.append({"name": name, "n": n, "target": target,
                              "kind": "renameat" if name != "unlinkat" else "unlinkat",
                              "first": first, "desc": "%s %s" % (name, target)})
            continue
        if first == dirfd and name == "fsync":
            calls.append({"name": name, "n": n, "target": ".", "kind": "fsync",
                          "first": first, "desc": "fsync store directory"})
            continue
        if first not in fds:
            if name == "close" and first == dirfd:
                continue
            continue
        target = fds[first]
        if name == "close":
            fds.pop(first)
        if name == "fcntl" and "SETLK" not in args:
            continue
        if name in ("read", "write", "fsync", "close", "fcntl"):
            calls.append({"name": name, "n": n, "target": target, "kind": name,
                          "first": first, "desc": "%s %s" % (name, target)})
    return calls


def record_state(path):
    """(readable, access_token, refresh_token) of the record file."""
    try:
        with open(path) as f:
            r = json.load(f)
        return isinstance(r, dict), r.get("access_token"), r.get("refresh_token")
    except (OSError, ValueError):
        return False, None, None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", required=True, help="module or refresh")
    ap.add_argument("--store", required=True)
    ap.add_argument("--account", required=True)
    ap.add_argument("--template", required=True,
                    help="a scratch file: the expired copy of the live record each run starts from")
    ap.add_argument("--stale", help="a temporary file name planted before each run")
    ap.add_argument("--check", required=True, help="command that must succeed afterwards")
    ap.add_argument("--relogin", required=True,
                    help="command that logs in again after a lost refresh token")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    o = ap.parse_args()
    cmd = o.cmd[1:] if o.cmd and o.cmd[0] == "--" else o.cmd
    rec = os.path.join(o.store, o.account + ".json")

    def reset():
        """The live record (rotated by the last check), expired again."""
        for f in os.listdir(o.store):
            if f.endswith(".tmp"):
                os.unlink(os.path.join(o.store, f))
        with open(rec) as f:
            r = json.load(f)
        r["expires_at"] = 1
        r["state"] = "ok"
        for k in ("failures", "retry_after", "last_error", "last_error_at"):
            r.pop(k, None)
        with open(o.template, "w") as f:
            json.dump(r, f)
        shutil.copy(o.template, rec + ".reset")
        os.chmod(rec + ".reset", 0o600)
        os.replace(rec + ".reset", rec)
        if o.stale:
            with open(os.path.join(o.store, o.stale), "w") as f:
                f.write("{")
            os.chmod(os.path.join(o.store, o.stale), 0o600)

    def run(extra, trace_file):
        try:
            p = subprocess.run(["strace", "-f", "-qq", "-o", trace_file] + extra + ["--"] + cmd,
                               capture_output=True, text=True, timeout=90)
            return p.returncode, p.stdout + p.stderr
        except subprocess.TimeoutExpired:
            return "hang", ""

    tdir = os.path.dirname(o.template)
    reset()
    rc, out = run(["-e", "trace=" + TRACED], os.path.join(tdir, "clean.trace"))
    if rc != 0:
        print("FAIL: %s: the clean run failed: %s" % (o.name, out))
        return 1
    with open(os.path.join(tdir, "clean.trace")) as f:
        calls = store_calls(f.read(), o.store)
    bad = rows = 0
    for call in calls:
        for err in ERRNOS[call["kind"]]:
            reset()
            _, at0, _ = record_state(rec)
            sysname = call["name"]
            inj = os.path.join(tdir, "inj.trace")
            rc, out = run(["-e", "trace=" + sysname, "-e",
                           "inject=%s:error=%s:when=%d" % (sysname, err, call["n"])], inj)
            with open(inj) as f:
                injected = [ln for ln in f if "(INJECTED)" in ln]
            ok, at, rt = record_state(rec)
            updated = ok and at != at0
            problems = []
            if not injected:
                problems.append("not injected")
            elif not re.search(r"\b%s\(%s\b" % (sysname, re.escape(call["first"])),
                               injected[0]):
                problems.append("injected elsewhere: " + injected[0].strip())
            if rc == "hang" or (isinstance(rc, int) and rc < 0):
                problems.append("crash or hang (%s)" % rc)
            if not ok or not rt:
                problems.append("record unreadable or without refresh token")
            chk = subprocess.run(o.check, shell=True, capture_output=True, text=True)
            if chk.returncode != 0:
                problems.append("refresh token lost")
                # a new login, so that the next rows start from a live token
                subprocess.run(o.relogin, shell=True, capture_output=True)
            if rc != 0 or not updated:
                low = out.lower()
                if not any(w in low for w in step_words(call)):
                    problems.append("no message names the step (%s)" % "/".join(
                        step_words(call)))
            if rc == 0 and updated:
                outcome = "absorbed (record updated)"
            elif rc == 0:
                outcome = "succeeded, record unchanged, warned"
            else:
                outcome = "error exit %s" % rc
            m = re.search(r"(cannot [^;:]*|[^;:]*failed: [^;]*)", out)
            said = m.group(1).strip()[:90] if m and (rc != 0 or not updated) else ""
            rows += 1
            status = "FAIL" if problems else "ok"
            if problems:
                bad += 1
            print("%-4s %-7s %-44s %-6s %-36s %s%s" % (
                status, o.name, call["desc"][:44], err, outcome,
                ("said: " + said) if said else "",
                ("  <- " + "; ".join(problems)) if problems else ""))
            sys.stdout.flush()
    print("%s: %d calls of the store path x errnos = %d runs, %d failed" % (
        o.name, len(calls), rows, bad))
    return 1 if bad or rows == 0 else 0


if __name__ == "__main__":
    sys.exit(main())

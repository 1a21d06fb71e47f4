#!/bin/bash
# SPDX-License-Identifier: MIT
# with-syslog.sh DIR CMD... - run CMD with a private /dev/log, print what it logged
#	For what libsasl2 logs before a connection exists (a module's
#	sasl_client_plug_init): it goes to syslog(3), not to the program's log
#	callback. Run inside "unshare -m --propagation private" as root: /dev is
#	replaced, in this mount namespace only, by DIR/dev holding null, zero,
#	random and urandom (bound to the real ones) and a /dev/log socket read
#	here. Nothing outside the namespace changes.
set -e
W=$1
D=$W/dev
shift
mkdir -p "$D"
for n in null zero urandom random; do
	: > "$D/$n"
	mount --bind "/dev/$n" "$D/$n"
done
mount --bind "$D" /dev
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
s.settimeout(3)
try:
    while True:
        print(s.recv(4096).decode(errors="replace"), flush=True)
except OSError:
    pass' > "$W/syslog.out" &
for _ in $(seq 100); do [ -S /dev/log ] && break; sleep 0.05; done
chmod 666 /dev/log	# CMD may run as another user (set-uid, setpriv)
"$@" > /dev/null 2>&1 || true
wait
cat "$W/syslog.out"

#!/bin/bash
# SPDX-License-Identifier: MIT
# doctor-hostile.sh - doctor's probe names what a hostile mail server did
# (issue 10, point 7): a "999" reply, a 10 MB line and binary data in place
# of the greeting were all "connection closed or timed out"; a server that
# sends a byte now and then is cut off at the timeout. Plain TCP servers on
# loopback (python3), doctor --smtp against each.
. "${top_srcdir:-.}/tests/lib/common.sh"
command -v python3 >/dev/null || t_skip "python3 not installed"
t_tmpdir
ACCOUNT=alice@example.net
t_record $ACCOUNT test-token-1 3600
cat > "$T/sasl-oauth2.conf" <<EOC
store_dir = $T/store
EOC
export SASL_OAUTH2_CONF=$T/sasl-oauth2.conf

# probe WHAT PYTHON-BYTES-EXPR - serve one connection sending those bytes
# (then holding it open a while), run doctor --smtp against it; sets OUT
probe() {
	rm -f "$T/port"
	python3 - "$T/port" "$2" <<'PY' &
import socket, sys, time
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
open(sys.argv[1] + ".t", "w").write(str(srv.getsockname()[1]))
__import__("os").rename(sys.argv[1] + ".t", sys.argv[1])
srv.settimeout(30)
c, _ = srv.accept()
try:
    data = eval(sys.argv[2])
    if isinstance(data, bytes):
        c.sendall(data)
    else:
        for b in data:          # a generator: paced bytes
            c.sendall(b)
    time.sleep(5)
except OSError:
    pass
PY
	local pid=$! i
	t_on_exit "kill $pid 2>/dev/null"
	for i in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
	[ -s "$T/port" ] || t_fail "$1: the server did not start"
	SECONDS=0
	OUT=$(timeout 120 "$SO2_CLI" doctor $ACCOUNT --no-postfix \
		--smtp=127.0.0.1:"$(cat "$T/port")" --tls starttls 2>&1)
	ELAPSED=$SECONDS
	kill $pid 2>/dev/null; wait $pid 2>/dev/null
	t_not_contains "$OUT" "connection closed or timed out" "$1: a guess instead of the cause"
}

probe "999 reply" 'b"999 what\r\n"'
t_contains "$OUT" 'not an SMTP reply ("999 what"' "999 reply"
probe "10 MB line" 'b"220 " + b"x" * (10 * 1024 * 1024)'
t_contains "$OUT" "longer than 16 KB" "10 MB line"
probe "binary" 'bytes(range(1, 32)) * 8 + b"\r\n"'
t_contains "$OUT" "the server sent binary data" "binary"
probe "TLS on a plain port" 'b"\x16\x03\x01\x00\x80\x01\x00\x00\x7c\x03\x03"'
t_contains "$OUT" "answered with TLS where text was expected" "TLS on a plain port"
echo "PASS: doctor names a 999 reply, a 10 MB line, binary data and TLS"

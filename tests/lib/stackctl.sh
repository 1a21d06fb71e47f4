# SPDX-License-Identifier: MIT
# stackctl.sh - helpers of the tests/stack/ scripts (start.sh, stop.sh,
# send.sh, wait-delivered.sh, stack-selftest.sh); sourced, not run. They run
# without common.sh (by hand too), so these stand alone.
# shellcheck shell=bash
#
#   t_stack_die MSG            "stack: ERROR: MSG", exit 1
#   t_stack_absdir DIR         absolute path of an existing directory
#   t_stack_load_env DIR       source DIR/env (written by start.sh)
#   t_stack_tail_log NAME FILE...   the end of logs after a failure
#   t_stack_free_ports N       N distinct free TCP ports on 127.0.0.1
#   t_stack_wait_banner NAME PORT PREFIX TIMEOUT LOG...
#   t_stack_wait_socket NAME PATH TIMEOUT LOG...
#   t_stack_pid_alive PIDFILE [MARK]

STACK_SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../stack" && pwd)

t_stack_die() {
    echo "stack: ERROR: $*" >&2
    exit 1
}

# t_stack_absdir DIR -> absolute path of an existing directory
t_stack_absdir() {
    [ -d "$1" ] || t_stack_die "no such directory: $1"
    (cd "$1" && pwd -P)
}

# t_stack_load_env DIR: source DIR/env (written by start.sh)
t_stack_load_env() {
    [ -r "$1/env" ] || t_stack_die "$1/env not found: is the stack started (tests/stack/start.sh $1)?"
    # shellcheck disable=SC1091
    . "$1/env"
}

# t_stack_tail_log NAME FILE...: show the end of logs after a failure
t_stack_tail_log() {
    local name=$1 f
    shift
    for f in "$@"; do
        if [ -s "$f" ]; then
            echo "---- last lines of $name log $f ----" >&2
            tail -n 30 "$f" >&2
            echo "----" >&2
        else
            echo "(stack: $name log $f is empty or missing)" >&2
        fi
    done
}

# t_stack_free_ports N: prints N distinct free TCP ports on 127.0.0.1, one a
# line (all sockets are bound at the same time, so the ports differ).
t_stack_free_ports() {
    python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
for s in socks:
    print(s.getsockname()[1])
for s in socks:
    s.close()
PY
}

# t_stack_wait_banner NAME PORT PREFIX TIMEOUT LOG...: wait until a TCP server
# on 127.0.0.1:PORT sends a greeting starting with PREFIX.
t_stack_wait_banner() {
    local name=$1 port=$2 prefix=$3 timeout=$4
    shift 4
    if ! python3 - "$port" "$prefix" "$timeout" <<'PY'
import socket, sys, time
port, prefix, timeout = int(sys.argv[1]), sys.argv[2].encode(), float(sys.argv[3])
deadline = time.monotonic() + timeout
last = "no attempt"
while time.monotonic() < deadline:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.settimeout(2)
            data = b""
            while b"\n" not in data:
                chunk = s.recv(512)
                if not chunk:
                    break
                data += chunk
            if data.startswith(prefix):
                if prefix.startswith(b"220"):
                    s.sendall(b"QUIT\r\n")
                else:
                    s.sendall(b"a LOGOUT\r\n")
                sys.exit(0)
            last = "unexpected greeting %r" % data[:100]
    except OSError as e:
        last = str(e)
    time.sleep(0.2)
print("last error: %s" % last, file=sys.stderr)
sys.exit(1)
PY
    then
        echo "stack: ERROR: $name did not answer on 127.0.0.1:$port within ${timeout}s" >&2
        t_stack_tail_log "$name" "$@"
        return 1
    fi
}

# t_stack_wait_socket NAME PATH TIMEOUT LOG...: wait until a unix socket exists
t_stack_wait_socket() {
    local name=$1 path=$2 timeout=$3 i
    shift 3
    for ((i = 0; i < timeout * 5; i++)); do
        [ -S "$path" ] && return 0
        sleep 0.2
    done
    echo "stack: ERROR: $name socket $path did not appear within ${timeout}s" >&2
    t_stack_tail_log "$name" "$@"
    return 1
}

# t_stack_pid_alive PIDFILE [MARK]: true when the pid in PIDFILE runs and (when
# MARK is given) is ours: MARK occurs in its command line or is its working
# directory (a Postfix master runs in its queue directory). Guards against
# stale pid files whose pid was reused by another process.
t_stack_pid_alive() {
    local pid
    [ -r "$1" ] || return 1
    pid=$(head -n 1 "$1" | tr -dc 0-9)
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    # a zombie (exited, not yet reaped) counts as gone
    case $(sed -n 's/^[0-9]* (.*) \([A-Za-z]\).*/\1/p' "/proc/$pid/stat" 2>/dev/null) in
        Z|X|"") return 1 ;;
    esac
    [ $# -ge 2 ] || return 0
    case " $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) " in
        *"$2"*) return 0 ;;
    esac
    [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$2" ]
}

#!/bin/bash
# SPDX-License-Identifier: MIT
# stop.sh DIR -- stop everything tests/stack/start.sh started in DIR.
# Idempotent; works from DIR's layout alone (no DIR/env needed), and only
# ever addresses the instances living in DIR.
set -eu

. "$(dirname "$0")/../lib/stackctl.sh"

[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
[ -d "$1" ] || exit 0
D=$(t_stack_absdir "$1")
rc=0

# kill_pidfile NAME PIDFILE MARK: TERM, wait up to 5 s, then KILL
kill_pidfile() {
    local name=$1 f=$2 mark=$3 pid i
    t_stack_pid_alive "$f" "$mark" || { rm -f "$f"; return 0; }
    pid=$(head -n 1 "$f" | tr -dc 0-9)
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || { rm -f "$f"; return 0; }
        sleep 0.1
    done
    echo "stack: $name (pid $pid) did not stop on TERM, killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$f"
}

# Ask everything to stop at once, then wait (bounded) for all of it.
# Postfix instances: `postfix stop` only signals the master.
for n in relay mx; do
    [ -f "$D/$n/etc/main.cf" ] || continue
    if t_stack_pid_alive "$D/$n/queue/pid/master.pid" "$D/$n/queue"; then
        postfix -c "$D/$n/etc" stop >/dev/null 2>&1 || true
    fi
done
# Dovecot: what `dovecot stop` does (TERM to the master of this base_dir),
# without its fixed wait.
DV=$D/dovecot
if t_stack_pid_alive "$DV/run/master.pid" "$DV/dovecot.conf"; then
    kill -TERM "$(head -n 1 "$DV/run/master.pid" | tr -dc 0-9)" 2>/dev/null || true
fi
# pid file:mark pairs
masters="$D/relay/queue/pid/master.pid:$D/relay/queue $D/mx/queue/pid/master.pid:$D/mx/queue $DV/run/master.pid:$DV/dovecot.conf"
for ((i = 0; i < 100; i++)); do
    alive=
    for m in $masters; do
        t_stack_pid_alive "${m%%:*}" "${m#*:}" && alive=1
    done
    [ -n "$alive" ] || break
    sleep 0.1
done
for m in $masters; do
    kill_pidfile "master of ${m%%:*}" "${m%%:*}" "${m#*:}"
done

# identity-provider emulator (started with setsid: its own process group)
if t_stack_pid_alive "$D/idp/pid" "$D/idp/port"; then
    pid=$(head -n 1 "$D/idp/pid" | tr -dc 0-9)
    # only kill the group if the emulator leads it (setsid in start.sh)
    if [ "$(ps -o pgid= -p "$pid" | tr -dc 0-9)" = "$pid" ]; then
        kill -TERM -- "-$pid" 2>/dev/null || true
    fi
    kill_pidfile "idp emulator" "$D/idp/pid" "$D/idp/port"
fi
rm -f "$D/idp/pid"

# Report anything still running from DIR (should not happen).
for n in relay mx; do
    if t_stack_pid_alive "$D/$n/queue/pid/master.pid" "$D/$n/queue"; then
        echo "stack: postfix $n is still running" >&2
        rc=1
    fi
done
if t_stack_pid_alive "$DV/run/master.pid" "$DV/dovecot.conf"; then
    echo "stack: dovecot is still running" >&2
    rc=1
fi
exit $rc

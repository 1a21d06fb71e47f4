#!/bin/bash
# SPDX-License-Identifier: MIT
# start.sh DIR -- start the private end-to-end mail stack in DIR (run as root).
#
#   idp emulator  (tests/idp/idp-emulator.py, when present)  https://127.0.0.1:IDP_PORT
#   Dovecot       IMAP+STARTTLS on 127.0.0.1:IMAP_PORT, IMAP over TLS on IMAPS_PORT,
#                 POP3+STLS on POP3_PORT and POP3 over TLS on POP3S_PORT (when
#                 dovecot-pop3d is installed), LMTP + SASL auth on unix
#                 sockets; passdb oauth2 (RFC 7662 introspection against the
#                 emulator) for XOAUTH2/OAUTHBEARER, static password for PLAIN/LOGIN
#   "mx" Postfix  plays Microsoft 365's submission server on 127.0.0.1:SUB_PORT
#                 (STARTTLS, AUTH via Dovecot, delivers alice@example.net via LMTP)
#   "relay"       the system under test: Postfix smarthost client on
#                 127.0.0.1:IN_PORT relaying to [127.0.0.1]:SUB_PORT with SASL
#
# Environment read:
#   RELAY_MECH          xoauth2 (default), oauthbearer, or plain (baseline:
#                       relay@example.com:relaypass)
#   SASLO2_PLUGIN_DIR   dir holding only our libsasl-oauth2.so -> SASL_PATH of the relay
#   SASL_OAUTH2_CORE, SASL_OAUTH2_CONF   passed to the relay's daemons
#   RELAY_CHROOT        y (default, as Debian ships smtp) or n
#   RELAY_CHROOT_FILES  extra absolute paths copied into the relay's chroot
#                       (DIR/relay/queue), like Debian's chroot_extra_files
#   IDP_EMULATOR        emulator script (default: tests/idp/idp-emulator.py)
#   IDP_TOKEN_LIFETIME  --access-token-lifetime for the emulator (default 3600)
#   IDP_EXTRA_ARGS      more emulator arguments (word-split)
#   STACK_NO_IDP=1      do not start the emulator even if present
#   STACK_WAIT          seconds to wait for each service (default 20)
# Writes DIR/env (shell-sourceable). Nothing outside DIR is written.
set -eu

. "$(dirname "$0")/../lib/stackctl.sh"

[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || t_stack_die "start.sh must run as root (Postfix/Dovecot instances)"
for cmd in postfix postconf postmap dovecot python3 openssl; do
    command -v "$cmd" >/dev/null || t_stack_die "$cmd not found"
done
[ -x /usr/lib/dovecot/lmtp ] || t_stack_die "Dovecot LMTP missing: apt-get install dovecot-lmtpd"
[ -x /usr/lib/dovecot/imap ] || t_stack_die "Dovecot IMAP missing: apt-get install dovecot-imapd"
getent passwd postfix >/dev/null || t_stack_die "user postfix missing"
getent passwd dovecot >/dev/null || t_stack_die "user dovecot missing"

D=$(t_stack_absdir "$1")
WAIT=${STACK_WAIT:-20}
RELAY_MECH=${RELAY_MECH:-xoauth2}
RELAY_CHROOT=${RELAY_CHROOT:-y}
case $RELAY_MECH in xoauth2|oauthbearer|plain) ;;
    *) t_stack_die "RELAY_MECH must be xoauth2, oauthbearer or plain" ;; esac
case $RELAY_CHROOT in y|n) ;; *) t_stack_die "RELAY_CHROOT must be y or n" ;; esac
case $D in *[[:space:],=\"\'\$\\]*) t_stack_die "DIR must not contain blanks, commas, quotes, = or \$: $D" ;; esac

# The mail user: an existing unprivileged account (no users are created).
MAIL_USER=nobody
MAIL_GROUP=$(id -gn "$MAIL_USER")

# Leftovers from a previous run in the same DIR: stop them, then start afresh.
if [ -e "$D/env" ] || [ -e "$D/idp/pid" ] || [ -e "$D/dovecot/dovecot.conf" ] \
    || [ -e "$D/mx/etc/main.cf" ] || [ -e "$D/relay/etc/main.cf" ]; then
    echo "stack: stopping leftovers of a previous run in $D" >&2
    "$STACK_SRCDIR/stop.sh" "$D" || true
    rm -rf "$D/idp" "$D/dovecot" "$D/mx" "$D/relay" "$D/mail" "$D/env"
fi

# DIR must be traversable by postfix/dovecot/nobody; so must its parents.
chmod 755 "$D"
p=$D
while [ "$p" != / ]; do
    p=$(dirname "$p")
    case $(stat -L -c %A "$p") in
        *[xt]) ;;
        *) false ;;
    esac || {
        t_stack_die "$p is not traversable by unprivileged users (o+x); use a DIR under /tmp"
    }
done

cleanup_on_error() {
    local rc=$?
    if [ $rc -ne 0 ]; then
        echo "stack: start failed (exit $rc); stopping what was started (logs kept in $D)" >&2
        "$STACK_SRCDIR/stop.sh" "$D" >/dev/null 2>&1 || true
    fi
}
trap cleanup_on_error EXIT

umask 022

# ---------------------------------------------------------------- TLS
mkdir -p "$D/tls"
if ! [ -s "$D/tls/ca.pem" ] || ! [ -s "$D/tls/server.pem" ] || ! [ -s "$D/tls/server.key" ]; then
    "$STACK_SRCDIR/testca.sh" "$D/tls"
fi
CA=$D/tls/ca.pem

# ---------------------------------------------------------------- ports
mapfile -t ports < <(t_stack_free_ports 6)
SUB_PORT=${ports[0]}
IMAP_PORT=${ports[1]}
IN_PORT=${ports[2]}
IMAPS_PORT=${ports[3]}
POP3_PORT=${ports[4]}
POP3S_PORT=${ports[5]}
# POP3 only when Dovecot's POP3 server is installed (empty ports otherwise)
if [ -x /usr/lib/dovecot/pop3 ]; then dv_protocols="imap pop3 lmtp"; else
    dv_protocols="imap lmtp"; POP3_PORT=; POP3S_PORT=; fi

# ---------------------------------------------------------------- emulator
IDP_EMULATOR=${IDP_EMULATOR:-$STACK_SRCDIR/../idp/idp-emulator.py}
IDP_PORT=
IDP_URL=
mkdir -p "$D/idp"
IDP_LOG=$D/idp/idp.log
if [ "${STACK_NO_IDP:-0}" != 1 ] && [ -f "$IDP_EMULATOR" ]; then
    IDP_EMULATOR=$(cd "$(dirname "$IDP_EMULATOR")" && pwd -P)/$(basename "$IDP_EMULATOR")
    rm -f "$D/idp/port"
    # shellcheck disable=SC2086
    setsid python3 "$IDP_EMULATOR" --cert "$D/tls/server.pem" --key "$D/tls/server.key" \
        --port 0 --port-file "$D/idp/port" \
        --access-token-lifetime "${IDP_TOKEN_LIFETIME:-3600}" --interval 1 \
        --auto-approve relay@example.com ${IDP_EXTRA_ARGS:-} \
        </dev/null >"$IDP_LOG" 2>&1 &
    echo $! >"$D/idp/pid"
    for ((i = 0; i < WAIT * 5; i++)); do
        [ -s "$D/idp/port" ] && break
        t_stack_pid_alive "$D/idp/pid" || break
        sleep 0.2
    done
    IDP_PORT=$({ tr -dc 0-9 <"$D/idp/port"; } 2>/dev/null || true)
    if [ -z "$IDP_PORT" ]; then
        echo "stack: ERROR: idp emulator did not write its port file $D/idp/port" >&2
        t_stack_tail_log "idp emulator" "$IDP_LOG"
        exit 1
    fi
    IDP_URL=https://127.0.0.1:$IDP_PORT
    code=000
    for ((i = 0; i < WAIT * 5; i++)); do
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 --cacert "$CA" \
            "$IDP_URL/organizations/v2.0/.well-known/openid-configuration" || true)
        [ "$code" != 000 ] && break
        sleep 0.2
    done
    if [ "$code" = 000 ]; then
        echo "stack: ERROR: idp emulator does not answer HTTPS (verified by $CA) on $IDP_URL" >&2
        t_stack_tail_log "idp emulator" "$IDP_LOG"
        exit 1
    fi
elif [ "${STACK_NO_IDP:-0}" != 1 ]; then
    echo "stack: note: $IDP_EMULATOR not found, starting without the identity-provider emulator" >&2
fi

# ---------------------------------------------------------------- env
write_env() {
    cat >"$D/env" <<EOF
# written by tests/stack/start.sh; source it
STACK_DIR=$D
RELAY_MECH=$RELAY_MECH
CA=$CA
TLS_DIR=$D/tls
IDP_PORT=$IDP_PORT
IDP_URL=$IDP_URL
IDP_LOG=$IDP_LOG
SUB_PORT=$SUB_PORT
IMAP_PORT=$IMAP_PORT
IN_PORT=$IN_PORT
IMAPS_PORT=$IMAPS_PORT
POP3_PORT=$POP3_PORT
POP3S_PORT=$POP3S_PORT
MAIL_DIR=$D/mail
MAILDIR_ALICE=$D/mail/example.net/alice/Maildir
MAILDIR_RELAY=$D/mail/example.com/relay/Maildir
DOVECOT_CONF=$D/dovecot/dovecot.conf
DOVECOT_BASE_DIR=$D/dovecot/run
DOVECOT_AUTH_SOCKET=$D/dovecot/run/auth-postfix
DOVECOT_LMTP_SOCKET=$D/dovecot/run/lmtp
DOVECOT_LOG=$D/dovecot/dovecot.log
MX_CONFIG_DIR=$D/mx/etc
MX_QUEUE_DIR=$D/mx/queue
MX_LOG=$D/mx/maillog
RELAY_CONFIG_DIR=$D/relay/etc
RELAY_QUEUE_DIR=$D/relay/queue
RELAY_LOG=$D/relay/maillog
RELAY_SASL_PASSWD=$D/relay/etc/sasl_passwd
RELAY_CHROOT=$RELAY_CHROOT
RELAY_SASL_PATH=${RELAY_SASL_PATH:-}
EOF
}

# ---------------------------------------------------------------- Dovecot
DV=$D/dovecot
mkdir -p "$DV" "$DV/state" "$D/mail"
chown "$MAIL_USER:$MAIL_GROUP" "$D/mail"
chmod 0700 "$D/mail"
: >"$DV/dovecot.log"

cat >"$DV/users" <<EOF
alice@example.net::::::
relay@example.com::::::
EOF

if [ -n "$IDP_PORT" ]; then
    cat >"$DV/dovecot-oauth2.conf.ext" <<EOF
# token validation by RFC 7662 introspection against the test emulator
introspection_mode = post
introspection_url = $IDP_URL/introspect
force_introspection = yes
username_attribute = upn
active_attribute = active
active_value = true
tls_ca_cert_file = $CA
timeout_msecs = 10000
EOF
    oauth_mechs=" xoauth2 oauthbearer"
    oauth_passdb="passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $DV/dovecot-oauth2.conf.ext
}"
else
    oauth_mechs=
    oauth_passdb="# (no idp emulator: no oauth2 passdb)"
fi

pop3_service=
[ -z "$POP3_PORT" ] || pop3_service="service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $POP3_PORT
  }
  inet_listener pop3s {
    address = 127.0.0.1
    port = $POP3S_PORT
    ssl = yes
  }
}"

cat >"$DV/dovecot.conf" <<EOF
# private Dovecot instance of the sasl-oauth2 test stack (tests/stack/start.sh)
instance_name = saslo2-stack-$IMAP_PORT
base_dir = $DV/run
state_dir = $DV/state
log_path = $DV/dovecot.log
info_log_path = $DV/dovecot.log
debug_log_path = $DV/dovecot.log
protocols = $dv_protocols
listen = 127.0.0.1
shutdown_clients = yes

ssl = yes
ssl_cert = <$D/tls/server.pem
ssl_key = <$D/tls/server.key
ssl_dh = </usr/share/dovecot/dh.pem

auth_mechanisms = plain login$oauth_mechs
disable_plaintext_auth = yes
auth_verbose = yes
auth_cache_size = 0
auth_failure_delay = 0
default_internal_user = dovecot
default_login_user = dovenull

$oauth_passdb
passdb {
  driver = static
  mechanisms = plain login
  username_filter = relay@example.com
  args = password=relaypass
}
userdb {
  driver = passwd-file
  args = username_format=%u $DV/users
  default_fields = uid=$MAIL_USER gid=$MAIL_GROUP home=$D/mail/%d/%n
}

mail_location = maildir:~/Maildir
first_valid_uid = 1
first_valid_gid = 1

service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
    ssl = yes
  }
}
$pop3_service
service lmtp {
  unix_listener lmtp {
    mode = 0660
    user = postfix
    group = postfix
  }
}
service auth {
  unix_listener auth-postfix {
    mode = 0660
    user = postfix
    group = postfix
  }
}
# no brute-force penalty (delays of up to 15 s after failed logins from an IP)
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service doveadm {
  inet_listener {
    port = 0
  }
}
EOF
[ -r /usr/share/dovecot/dh.pem ] || sed -i '/^ssl_dh = /d' "$DV/dovecot.conf"
[ -z "$IDP_PORT" ] || chmod 0644 "$DV/dovecot-oauth2.conf.ext"
chmod 0644 "$DV/dovecot.conf" "$DV/users"

write_env

if ! doveconf -c "$DV/dovecot.conf" -n >"$DV/doveconf.out" 2>&1; then
    echo "stack: ERROR: Dovecot rejects its configuration $DV/dovecot.conf:" >&2
    cat "$DV/doveconf.out" >&2
    exit 1
fi
if ! dovecot -c "$DV/dovecot.conf" >>"$DV/dovecot.log" 2>&1; then
    echo "stack: ERROR: dovecot did not start" >&2
    t_stack_tail_log dovecot "$DV/dovecot.log"
    exit 1
fi
t_stack_wait_banner "dovecot imap" "$IMAP_PORT" "* OK" "$WAIT" "$DV/dovecot.log"
[ -z "$POP3_PORT" ] || t_stack_wait_banner "dovecot pop3" "$POP3_PORT" "+OK" "$WAIT" "$DV/dovecot.log"
t_stack_wait_socket "dovecot auth" "$DV/run/auth-postfix" "$WAIT" "$DV/dovecot.log"
t_stack_wait_socket "dovecot lmtp" "$DV/run/lmtp" "$WAIT" "$DV/dovecot.log"

# ---------------------------------------------------------------- Postfix common
# master_cf CHROOT SMTPD_LISTEN: a master.cf like Debian's default, minus the
# port-25 smtpd and the pipe(8) services, with smtpd on SMTPD_LISTEN.
master_cf() {
    local c=$1
    cat <<EOF
# service type  private unpriv  chroot  wakeup  maxproc command + args
$2      inet  n       -       $c       -       -       smtpd
pickup    unix  n       -       $c       60      1       pickup
cleanup   unix  n       -       $c       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       $c       1000?   1       tlsmgr
rewrite   unix  -       -       $c       -       -       trivial-rewrite
bounce    unix  -       -       $c       -       0       bounce
defer     unix  -       -       $c       -       0       bounce
trace     unix  -       -       $c       -       0       bounce
verify    unix  -       -       $c       -       1       verify
flush     unix  n       -       $c       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       $c       -       -       smtp
relay     unix  -       -       $c       -       -       smtp
showq     unix  n       -       $c       -       -       showq
error     unix  -       -       $c       -       -       error
retry     unix  -       -       $c       -       -       error
discard   unix  -       -       $c       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       $c       -       -       lmtp
anvil     unix  -       -       $c       -       1       anvil
scache    unix  -       -       $c       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

# main_cf_common NAME: settings shared by both instances
main_cf_common() {
    local n=$1
    cat <<EOF
# private Postfix instance "$n" of the sasl-oauth2 test stack (tests/stack/start.sh)
compatibility_level = 3.6
queue_directory = $D/$n/queue
data_directory = $D/$n/data
mail_owner = postfix
setgid_group = postdrop
syslog_name = postfix-$n
maillog_file = $D/$n/maillog
maillog_file_prefixes = $D
myhostname = $n.test
mydomain = test
myorigin = \$myhostname
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
alias_maps =
alias_database =
local_recipient_maps =
local_transport = error:5.1.1 local delivery is disabled in the test stack
biff = no
append_dot_mydomain = no
readme_directory = no
smtputf8_enable = no
delay_warning_time = 0
queue_run_delay = 5s
minimal_backoff_time = 5s
maximal_backoff_time = 20s
smtp_address_preference = ipv4
smtpd_banner = \$myhostname ESMTP test-$n
EOF
}

# age_files FILE...: Postfix waits while main.cf/master.cf are less than a
# second old (protection against reading a file being edited); backdate them.
age_files() {
    touch -d "@$(($(date +%s) - 10))" "$@"
}

# start_postfix NAME PORT
start_postfix() {
    local n=$1 port=$2 cf=$D/$1/etc
    age_files "$cf/main.cf" "$cf/master.cf"
    chown postfix "$D/$n/data"
    chmod 0700 "$D/$n/data"
    : >"$D/$n/maillog"
    if ! postfix -c "$cf" check >"$D/$n/postfix-check.out" 2>&1; then
        echo "stack: ERROR: postfix check failed for the $n instance ($cf):" >&2
        cat "$D/$n/postfix-check.out" >&2
        exit 1
    fi
    if ! postfix -c "$cf" start >"$D/$n/postfix-start.out" 2>&1; then
        echo "stack: ERROR: Postfix $n instance did not start:" >&2
        cat "$D/$n/postfix-start.out" >&2
        t_stack_tail_log "postfix $n" "$D/$n/maillog"
        exit 1
    fi
    t_stack_wait_banner "postfix $n smtpd" "$port" "220" "$WAIT" "$D/$n/maillog"
}

# ---------------------------------------------------------------- "mx" Postfix
mkdir -p "$D/mx/etc" "$D/mx/queue" "$D/mx/data"
master_cf n "127.0.0.1:$SUB_PORT" >"$D/mx/etc/master.cf"
{
    main_cf_common mx
    cat <<EOF

# plays Microsoft 365's submission server (smtp.office365.com:587)
virtual_mailbox_domains = example.net
virtual_mailbox_maps = inline:{ alice@example.net=ok }
virtual_transport = lmtp:unix:$DV/run/lmtp
# Exchange Online takes AUTH lines of several KB (a 1.5-2.5 KB token is 2-3.4 KB
# of base64); Postfix's default line_length_limit (2048) would cut them.
line_length_limit = 16384
smtpd_tls_security_level = may
smtpd_tls_cert_file = $D/tls/server.pem
smtpd_tls_key_file = $D/tls/server.key
smtpd_tls_auth_only = yes
smtpd_tls_loglevel = 1
smtpd_tls_received_header = yes
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = $DV/run/auth-postfix
smtpd_sasl_security_options = noanonymous
smtpd_sasl_tls_security_options = noanonymous
smtpd_sasl_authenticated_header = yes
mynetworks =
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_recipient_restrictions = reject_unlisted_recipient
smtpd_error_sleep_time = 0s
EOF
} >"$D/mx/etc/main.cf"
start_postfix mx "$SUB_PORT"

# ---------------------------------------------------------------- "relay" Postfix
RE=$D/relay
mkdir -p "$RE/etc" "$RE/queue" "$RE/data"
master_cf "$RELAY_CHROOT" "127.0.0.1:$IN_PORT" >"$RE/etc/master.cf"

sasl_env=
RELAY_SASL_PATH=
if [ "$RELAY_MECH" = plain ]; then
    mech_filter=plain
    creds="relay@example.com:relaypass"
    # a private plugin dir holding only Debian's PLAIN module
    libplain=$(ls /usr/lib/*/sasl2/libplain.so /usr/lib/sasl2/libplain.so 2>/dev/null | head -n 1 || true)
    [ -n "$libplain" ] || t_stack_die "Cyrus SASL PLAIN module missing: apt-get install libsasl2-modules"
    mkdir -p "$RE/sasl2"
    ln -sf "$libplain" "$RE/sasl2/libplain.so"
    RELAY_SASL_PATH=$RE/sasl2
    sasl_env="SASL_PATH=$RELAY_SASL_PATH"
else
    mech_filter=$RELAY_MECH
    creds="relay@example.com:"
    if [ -n "${SASLO2_PLUGIN_DIR:-}" ]; then
        [ -d "$SASLO2_PLUGIN_DIR" ] || t_stack_die "SASLO2_PLUGIN_DIR=$SASLO2_PLUGIN_DIR is not a directory"
        RELAY_SASL_PATH=$(cd "$SASLO2_PLUGIN_DIR" && pwd -P)
        sasl_env="SASL_PATH=$RELAY_SASL_PATH"
    fi
    for v in SASL_OAUTH2_CORE SASL_OAUTH2_CONF; do
        val=${!v:-}
        [ -n "$val" ] || continue
        case $val in *[[:space:],=\"\'\$\\]*) t_stack_die "$v must not contain blanks, commas, quotes, = or \$" ;; esac
        sasl_env="$sasl_env $v=$val"
    done
fi


{
    main_cf_common relay
    cat <<EOF

# the system under test: a Microsoft 365 smarthost client
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
relayhost = [127.0.0.1]:$SUB_PORT
smtp_sasl_auth_enable = yes
smtp_sasl_mechanism_filter = $mech_filter
smtp_sasl_password_maps = hash:$RE/etc/sasl_passwd
smtp_sasl_security_options = noanonymous
smtp_sasl_tls_security_options = noanonymous
smtp_tls_security_level = encrypt
smtp_tls_CAfile = $CA
smtp_tls_loglevel = 1
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ XAUTHORITY DISPLAY LANG=C POSTLOG_SERVICE POSTLOG_HOSTNAME $sasl_env
EOF
} >"$RE/etc/main.cf"

age_files "$RE/etc/main.cf" "$RE/etc/master.cf"
printf '[127.0.0.1]:%s %s\n' "$SUB_PORT" "$creds" >"$RE/etc/sasl_passwd"
chmod 0600 "$RE/etc/sasl_passwd"
postmap -c "$RE/etc" "hash:$RE/etc/sasl_passwd"

# The chroot (queue directory), filled the Debian way
# (/usr/lib/postfix/configure-instance.sh) plus RELAY_CHROOT_FILES.
if [ "$RELAY_CHROOT" = y ]; then
    (
        cd "$RE/queue"
        for f in etc/localtime etc/services etc/resolv.conf etc/hosts \
            etc/host.conf etc/nsswitch.conf etc/nss_mdns.config; do
            mkdir -p "${f%/*}"
            if [ -f "/$f" ]; then rm -f "$f" && cp -L "/$f" "$f" && chmod a+rX "$f"; fi
        done
        (echo /dev/random; echo /dev/urandom) | cpio -pdL --quiet . 2>/dev/null || true
        mkdir -p usr/lib/zoneinfo
        ln -sf /etc/localtime usr/lib/zoneinfo/localtime
        libs=$(for name in gcc_s nss resolv; do
            for f in /lib/*/lib${name}*.so* /lib/lib${name}*.so*; do
                [ -f "$f" ] && echo "${f#/}"
            done
        done || true)
        # shellcheck disable=SC2086
        [ -z "$libs" ] || tar cf - -C / $libs 2>/dev/null | tar xf -
        for f in ${RELAY_CHROOT_FILES:-}; do
            case $f in /*) ;; *) echo "stack: RELAY_CHROOT_FILES: $f is not absolute" >&2; exit 1 ;; esac
            mkdir -p ".${f%/*}"
            cp -a "$f" ".$f"
        done
    )
fi

write_env
start_postfix relay "$IN_PORT"

write_env
trap - EXIT
echo "stack: started in $D (IDP ${IDP_PORT:-none}, submission $SUB_PORT, IMAP $IMAP_PORT, inject $IN_PORT; relay mech $RELAY_MECH)" >&2

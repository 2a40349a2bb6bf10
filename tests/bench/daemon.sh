# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by bench.sh and shapes.sh: the bench's own unprivileged libvirtd, whose test driver serves a
# host file over the daemon's socket (test+unix:///FILE?socket=...) as qemu:///system serves a real
# host's guests: the guests' definitions are parsed in the daemon, not in pcipass.
#
#   daemon_start RD   starts it (a first session connection does; it leaves 120 s after its last
#                     client) with its home in RD; sets DAEMON_SOCK, or DAEMON_NOTE and returns 1
#   daemon_uri FILE   the URI of FILE through it
#   daemon_stop       ends it
# As root the daemon runs as nobody: FILE and its directories must be readable by anyone.

as_daemon_user() {
    if [ "$(id -u)" -eq 0 ]; then
        setpriv --reuid=65534 --regid=65534 --clear-groups env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
            HOME="$RD" XDG_RUNTIME_DIR="$RD/run" XDG_CONFIG_HOME="$RD/.config" \
            XDG_CACHE_HOME="$RD/.cache" LC_ALL=C.UTF-8 "$@"
    else
        env HOME="$RD" XDG_RUNTIME_DIR="$RD/run" XDG_CONFIG_HOME="$RD/.config" \
            XDG_CACHE_HOME="$RD/.cache" "$@"
    fi
}

daemon_start() {
    RD=$1
    DAEMON_SOCK="" DAEMON_NOTE=""
    if ! command -v libvirtd > /dev/null && [ ! -x /usr/sbin/libvirtd ]; then
        DAEMON_NOTE="skipped: no libvirtd"
        return 1
    fi
    if [ "$(id -u)" -eq 0 ] && ! command -v setpriv > /dev/null; then
        DAEMON_NOTE="skipped: no setpriv to run the daemon unprivileged"
        return 1
    fi
    mkdir -p "$RD/run"; chmod 700 "$RD/run"; chmod 755 "$RD"
    [ "$(id -u)" -ne 0 ] || chown -R 65534:65534 "$RD"
    as_daemon_user virsh -q -c qemu:///session version > /dev/null 2>&1 || {
        DAEMON_NOTE="skipped: the private libvirtd did not start"; return 1; }
    DAEMON_SOCK=$RD/run/libvirt/libvirt-sock
}

daemon_uri() { printf 'test+unix://%s?socket=%s' "$1" "$DAEMON_SOCK"; }

daemon_stop() {
    _pid=$(cat "${RD:-/nonexistent}/run/libvirt/libvirtd.pid" 2> /dev/null) && kill "$_pid" 2> /dev/null || true
}

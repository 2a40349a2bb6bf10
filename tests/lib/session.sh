# SPDX-License-Identifier: GPL-2.0-or-later
# The real QEMU driver for tests: an unprivileged qemu:///session whose libvirtd this test starts
# (libvirt auto-starts it on first connection) in a private HOME, and stops at the end.
SESSION_UID=65534

# Where the test's files must be readable by the unprivileged user.
session_setup() {
    chmod 755 "$WORK"
    SESSION="$WORK/session"
    mkdir -p "$SESSION/run"
    chmod 700 "$SESSION/run"
    chown -R "$SESSION_UID:$SESSION_UID" "$SESSION"
    trap 'session_stop; cleanup_work' EXIT
}

# as_session CMD...: runs CMD as the unprivileged user with the private session environment
as_session() {
    setpriv --reuid=$SESSION_UID --regid=$SESSION_UID --clear-groups env -i \
        PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$SESSION" XDG_RUNTIME_DIR="$SESSION/run" \
        XDG_CONFIG_HOME="$SESSION/.config" XDG_CACHE_HOME="$SESSION/.cache" LC_ALL=C.UTF-8 \
        ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
        ${LSAN_OPTIONS:+LSAN_OPTIONS="$LSAN_OPTIONS"} "$@"
}

# session_tui_wrap: the console in tmux (tests/lib/tmux.sh) as the session user, with its journal
# in the session's home
session_tui_wrap() {
    TUI_WRAP="setpriv --reuid=$SESSION_UID --regid=$SESSION_UID --clear-groups env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=$SESSION XDG_RUNTIME_DIR=$SESSION/run XDG_CONFIG_HOME=$SESSION/.config XDG_CACHE_HOME=$SESSION/.cache PCIPASS_JOURNAL=$SESSION/journal LC_ALL=C.UTF-8 TERM=tmux-256color"
}

# as_session_bg CMD...: the same in the background, as one process: $! is CMD itself (not a
# subshell around it), so that a signal sent to $! reaches it
as_session_bg() {
    (exec setpriv --reuid=$SESSION_UID --regid=$SESSION_UID --clear-groups env -i \
        PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$SESSION" XDG_RUNTIME_DIR="$SESSION/run" \
        XDG_CONFIG_HOME="$SESSION/.config" XDG_CACHE_HOME="$SESSION/.cache" LC_ALL=C.UTF-8 \
        ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
        ${LSAN_OPTIONS:+LSAN_OPTIONS="$LSAN_OPTIONS"} "$@") &
}

# virsh_s ARGS...: virsh on the private session; run_session NAME ARGS...: pcipass on it as the
# session user, its output kept as run_cmd keeps it
virsh_s() { as_session virsh -q -c qemu:///session "$@"; }
run_session() {
    _n=$1; shift
    as_session "$PCIPASS" -c qemu:///session "$@" > "$WORK/$_n.out" 2> "$WORK/$_n.err"
    echo $? > "$WORK/$_n.rc"
}

session_stop() {
    _pid=$(cat "$SESSION/run/libvirt/libvirtd.pid" 2>/dev/null) || return 0
    kill "$_pid" 2>/dev/null || return 0
    # libvirtd leaves when its clients are gone; wait for it so the next test starts clean
    _i=0
    while kill -0 "$_pid" 2>/dev/null && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
}

# session_usable: whether this machine can run the session test at all (root for setpriv, libvirtd)
session_usable() {
    [ "$(id -u)" -eq 0 ] && command -v setpriv > /dev/null &&
        { command -v libvirtd > /dev/null || [ -x /usr/sbin/libvirtd ]; }
}

# session_start [TOOL...]: the start of every session test: the whole test is skipped (TAP 1..0,
# with the reason) where this machine cannot run a private session or lacks a TOOL; else the
# private session is set up
session_start() {
    _miss=""
    for _t in "$@"; do command -v "$_t" > /dev/null || _miss="$_miss $_t"; done
    if ! session_usable || [ -n "$_miss" ]; then
        echo "1..0 # SKIP needs root (for setpriv) and libvirtd${*:+, and }$*"
        exit 0
    fi
    session_setup
}

# session_define NAME ARCH: defines an empty guest of ARCH (s390x or x86_64) on the session daemon,
# never started (no VFIO here). The UUID is derived from the name, so it is the same on every run.
session_define() {
    case $2 in
        s390x) _m=s390-ccw-virtio _e=/usr/bin/qemu-system-s390x ;;
        *) _m=q35 _e=/usr/bin/qemu-system-x86_64 ;;
    esac
    _u=$(printf '%s' "$1" | cksum | cut -d' ' -f1)
    cat > "$WORK/$1.xml" <<XML
<domain type='qemu'>
  <name>$1</name>
  <uuid>$(printf '5a1e0000-0000-4000-8000-%012x' "$_u")</uuid>
  <memory unit='MiB'>256</memory>
  <os><type arch='$2' machine='$_m'>hvm</type></os>
  <devices><emulator>$_e</emulator></devices>
</domain>
XML
    chmod 644 "$WORK/$1.xml"
    virsh_s define "$WORK/$1.xml" > /dev/null
}

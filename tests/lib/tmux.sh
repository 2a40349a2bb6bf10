# SPDX-License-Identifier: GPL-2.0-or-later
# The console tested as a person uses it: the real binary in a real terminal (tmux), keys in,
# screen out. Waits poll the screen for expected text; nothing sleeps blindly.
TMUX_SOCK="$WORK/tmux.sock"
tmx() { tmux -S "$TMUX_SOCK" "$@"; }

# tui_begin: the start of a console test without a session daemon: the whole test is skipped
# (TAP 1..0) where tmux is missing; the terminal and the work directory go when it ends
tui_begin() {
    if ! command -v tmux > /dev/null; then
        echo "1..0 # SKIP tmux is not installed"
        exit 0
    fi
    trap 'tui_stop; cleanup_work' EXIT
}

# tui_start COLS LINES ARGS...: pcipass in a fresh pane (behind $TUI_WRAP, if set); when it ends the pane shows
# "EXITED <status> <terminal modes>" so a test can check the terminal was given back.
tui_start() {
    _c=$1 _l=$2; shift 2
    tui_stop
    printf '%s\n' "$@" > "$WORK/tui.args"
    cat > "$WORK/tui.sh" <<SH
set --
while IFS= read -r a; do set -- "\$@" "\$a"; done < "$WORK/tui.args"
${TUI_WRAP:-} "$PCIPASS" "\$@" 2> "$WORK/tui.err"
s=\$?
printf '\nEXITED %s %s\n' "\$s" "\$(stty -a | tr ' ;' '\n\n' | grep -E '^-?(icanon|echo)\$' | tr '\n' ' ')"
exec sleep 600
SH
    # default-shell: tmux runs the pane through the user's login shell, which for a build user
    # (a package build as nobody) may be nologin; exec: the pane's process stays the script's
    # shell (tests look for pcipass among its children)
    tmx -f /dev/null start-server \; set -g default-shell /bin/sh \; set -g remain-on-exit on \; \
        new-session -d -s t -x "$_c" -y "$_l" "exec env LC_ALL=C.UTF-8 TERM=tmux-256color $TUI_ENV sh $WORK/tui.sh"
}

tui_stop() {
    if tmx has-session -t t 2>/dev/null; then
        _sp=$(tmx display -p -t t '#{pane_pid}')
        tmx kill-server 2>/dev/null
        # the old server must be gone before a new one takes the socket
        _i=0; while kill -0 "$_sp" 2>/dev/null && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
    fi
    rm -f "$TMUX_SOCK"
}

screen() { tmx capture-pane -p -t t | sed 's/[[:space:]]*$//'; }
keys() { tmx send-keys -t t "$@"; }

# wait_for TEXT [SECONDS]: true once TEXT is on screen, looked for every $TUI_POLL tenths of a
# second (default 1); SECONDS counts looks, as a loaded machine's sleeps run long
wait_for() {
    _p=${TUI_POLL:-1}
    _i=0 _max=$(( ${2:-10} * 10 / _p ))
    while [ $_i -lt $_max ]; do
        # the raw pane: trailing blanks do not matter to a fixed-string match
        tmx capture-pane -p -t t | grep -qF -- "$1" && return 0
        sleep "$((_p / 10)).$((_p % 10))"; _i=$((_i + 1))
    done
    echo "timed out waiting for: $1" | diag
    screen | diag
    return 1
}
wait_gone() {
    _i=0
    while [ $_i -lt 100 ]; do
        screen | grep -qF -- "$1" || return 0
        sleep 0.1; _i=$((_i + 1))
    done
    return 1
}

# golden NAME: the screen against tests/tui/golden/NAME.txt; the header's URI and host paths
# depend on where the tree is, so everything after "libvirt:" on the first line is left out.
golden() {
    screen | sed '1s/  libvirt:.*/  libvirt: .../' > "$WORK/screen.$1"
    if [ -n "${UPDATE_GOLDEN:-}" ]; then cp "$WORK/screen.$1" "$top_srcdir/tests/tui/golden/$1.txt"; fi
    diff -u "$top_srcdir/tests/tui/golden/$1.txt" "$WORK/screen.$1" > "$WORK/screen.$1.diff"
    _r=$?
    [ $_r -eq 0 ] || diag < "$WORK/screen.$1.diff"
    return $_r
}

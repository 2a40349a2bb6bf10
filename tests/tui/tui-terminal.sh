#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The console and its terminal: every signal that ends it gives the terminal back (no alternate
# screen, cursor visible, line mode and echo on); a terminal that goes away ends it instead of a
# spin; terminals it cannot use (TERM unset or dumb or unknown, absurd LINES/COLUMNS, no terminal)
# are refused with the problem and the fix, the screen untouched.
. "$srcdir/tests/lib/common.sh"
. "$srcdir/tests/lib/tmux.sh"

tui_begin

X86=$(fake_root x86-server)
URI="test://$top_srcdir/data/demo/guests.xml"
pcipass_pid() { pgrep -P "$(tmx display -p -t t '#{pane_pid}')" pcipass; }

# --- each signal, with the console on its list ---
for sn in INT:2 TERM:15 HUP:1 QUIT:3 USR1:10; do
    sig=${sn%:*} n=${sn#*:}
    tui_start 100 30 --dev-root "$X86-dev" --sysfs-root "$X86" -c "$URI"
    wait_for "Host PCI functions" > /dev/null
    [ "$(tmx display -p -t t '#{alternate_on} #{cursor_flag}')" = "1 0" ] || echo "# not in the alternate screen"
    kill -"$sig" "$(pcipass_pid)"; wait_for "EXITED" > /dev/null
    screen | grep -q "EXITED $((128 + n)) icanon echo" &&
        [ "$(tmx display -p -t t '#{alternate_on} #{cursor_flag}')" = "0 1" ] &&
        grep -q "interrupted by signal $n" "$WORK/tui.err"
    ok $? "SIG$sig: exit $((128 + n)), main screen, cursor visible, line mode and echo back"
done

# (a signal inside a libvirt call that does not return: tests/virt/hostile.sh, daemon stopped)

# --- the terminal goes away: pcipass under nohup (SIGHUP ignored), the pty closed under it ---
cat > "$WORK/eof.sh" <<SH
trap '' HUP
"$PCIPASS" --dev-root "$X86-dev" --sysfs-root "$X86" -c "$URI" 2> "$WORK/eof.err"
echo \$? > "$WORK/eof.rc"
SH
tui_stop
tmx -f /dev/null start-server \; set -g default-shell /bin/sh \; \
    new-session -d -s t -x 100 -y 30 "exec env LC_ALL=C.UTF-8 TERM=tmux-256color sh $WORK/eof.sh"
wait_for "Host PCI functions" > /dev/null
eofpid=$(pcipass_pid)
tmx kill-server
i=0; while [ ! -s "$WORK/eof.rc" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(cat "$WORK/eof.rc" 2>/dev/null)" = 1 ] && grep -q "the terminal is gone" "$WORK/eof.err"
ok $? "the terminal closed (SIGHUP ignored): the console ends, exit 1, says why"
! kill -0 "$eofpid" 2>/dev/null; ok $? "and no process is left spinning"
rm -f "$TMUX_SOCK"

# --- terminals it cannot use: a message, exit 1, nothing drawn ---
refused() { # NAME ENV-ASSIGNMENTS...: the console started under those, in a pane; its output kept
    _n=$1; shift
    cat > "$WORK/$_n.sh" <<SH
exec env $* LC_ALL=C.UTF-8 "$PCIPASS" --dev-root "$X86-dev" --sysfs-root "${REFUSED_ROOT:-$X86}" -c "$URI" \
    2> "$WORK/$_n.err"
SH
    rm -f "$WORK/$_n.rc"
    tui_stop
    tmx -f /dev/null start-server \; set -g default-shell /bin/sh \; set -g remain-on-exit on \; \
        new-session -d -s t -x 100 -y 30 "sh $WORK/$_n.sh; echo \$? > $WORK/$_n.rc.new; mv $WORK/$_n.rc.new $WORK/$_n.rc; exec sleep 600"
    _i=0; while [ ! -f "$WORK/$_n.rc" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
    # what reached the terminal, with escape sequences: nothing at all
    tmx capture-pane -e -p -t t | tr -d ' \n' > "$WORK/$_n.out"
}
refused dumb TERM=dumb
[ "$(rc dumb)" = 1 ] && err_has dumb "TERM=dumb cannot move the cursor" && err_has dumb "TERM=xterm-256color" &&
    [ ! -s "$WORK/dumb.out" ]
ok $? "TERM=dumb: refused with the problem and the fix, exit 1, nothing written to the screen"
refused unset -u TERM
[ "$(rc unset)" = 1 ] && err_has unset "TERM is not set" && [ ! -s "$WORK/unset.out" ]
ok $? "TERM unset: refused, exit 1, nothing written to the screen"
refused unknown TERM=no-such-terminal
[ "$(rc unknown)" = 1 ] && err_has unknown "TERM=no-such-terminal is not a terminal type this system knows" &&
    [ ! -s "$WORK/unknown.out" ]
ok $? "an unknown TERM: refused, exit 1"
refused huge TERM=tmux-256color LINES=100000 COLUMNS=100000
[ "$(rc huge)" = 1 ] && err_has huge "LINES=100000 is not a screen size (1 to 1000)" &&
    err_has huge "unset LINES" && [ ! -s "$WORK/huge.out" ]
ok $? "LINES=100000: refused with the fix, exit 1, no gigabytes taken"
# a host that cannot be read: said plainly before the screen changes, while the guests' read,
# started alongside the host's scan, is given up
REFUSED_ROOT="$WORK/no-such-root"
refused noroot TERM=tmux-256color
REFUSED_ROOT=""
[ "$(rc noroot)" = 1 ] && err_has noroot "sysfs root '$WORK/no-such-root': No such file or directory" &&
    [ ! -s "$WORK/noroot.out" ]
ok $? "a sysfs root that is not there: the console says so, exit 1, nothing drawn"
refused cols TERM=tmux-256color COLUMNS=abc
[ "$(rc cols)" = 1 ] && err_has cols "COLUMNS=abc is not a screen size"
ok $? "COLUMNS=abc: refused"
tui_stop
# no terminal at all (input from a file): refused the same way
run_cmd notty --dev-root "$X86-dev" --sysfs-root "$X86" -c "$URI" < /dev/null
[ "$(rc notty)" = 1 ] && err_has notty "the console needs a terminal" && [ ! -s "$WORK/notty.out" ]
ok $? "no terminal: refused, exit 1"

done_testing

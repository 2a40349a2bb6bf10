#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The console of a fleet: two hosts served by a private daemon over its socket and one that is not
# there. The host list with its counts and the unreachable host's reason, a host's console opened
# from it, and a change made there that goes to that host.
. "$srcdir/tests/lib/common.sh"
. "$srcdir/tests/lib/session.sh"
. "$srcdir/tests/lib/tmux.sh"

session_start tmux
trap 'tui_stop; session_stop; cleanup_work' EXIT
virsh_s list > /dev/null
SOCK="$SESSION/run/libvirt/libvirt-sock"
cp "$top_srcdir/tests/data/remote-host.xml" "$WORK/hostb.xml"; chmod 644 "$WORK/hostb.xml"
B="test+unix://$WORK/hostb.xml?socket=$SOCK"
L="qemu+unix:///session?socket=$SOCK"
DEAD="test+unix://$WORK/hostb.xml?socket=$WORK/no-such-sock"

session_tui_wrap
tui_start 250 30 -c "$B" -c "$L" -c "$DEAD"
wait_for "fleet: 3 hosts, 2 reachable" 30; ok $? "the fleet console opens on its host list"
screen | grep -q "^test+unix://$WORK/hostb.xml?socket=$SOCK  *4  *1  *1  *0  *libvirt node devices"
ok $? "host B: 4 functions, 1 guest, 1 held, no conflict, read from node devices" || screen | diag
screen | grep -q "^qemu+unix:///session?socket=$SOCK "; ok $? "this machine's daemon as the second host"
screen | grep -q "^test+unix://$WORK/hostb.xml?socket=$WORK/no-such-sock  *unreachable: cannot connect to libvirt"
ok $? "the unreachable host with libvirt's reason"
keys j j Enter; wait_for "is unreachable:"; ok $? "Enter on it says so and opens nothing"

# --- the fleet in one console: every host's functions, owners and free functions at once ---
keys l; wait_for "Every host's PCI functions"; ok $? "l: the merged function list"
screen | grep -q "^HOST  *ADDRESS  *CLASS"; ok $? "with a HOST column"
screen | grep -q "^test+unix://$WORK/hostb.xml?socket=$SOCK  *0003:c1:00.0  *3D controller"
ok $? "host B's functions in it, each row with its host"
screen | grep -q "no-such-sock"; [ $? -ne 0 ]; ok $? "the unreachable host has no rows"
keys Escape; wait_for "fleet: 3 hosts"
keys o; wait_for "Who owns what, on every host"
screen | grep -q "^test+unix://$WORK/hostb.xml?socket=$SOCK  *0000:b5:02.0  *db1  *L+C  *no"
ok $? "o: the ownership review across hosts"
keys Escape; wait_for "fleet: 3 hosts"
keys f; wait_for "Find free functions"; keys -l zz; keys Enter
wait_for "find: 'zz' is neither a class in hex"; ok $? "find: a query that is neither class nor ids is refused, saying what is valid"
keys BSpace BSpace; keys -l 02; keys Enter; wait_for "Free functions matching 02, on every host"
ok $? "f: find free functions by class across the fleet"
screen | grep -q "^test+unix://$WORK/hostb.xml?socket=$SOCK  *0000:d8:00.0  *Ethernet controller  *Mellanox"
ok $? "host B's free NIC, named from pci.ids"
screen | grep -q "host-critical, reset: unknown on this host"; ok $? "marked for what could not be checked there"
screen | grep -q "0000:b5:0"; [ $? -ne 0 ]; ok $? "not what is known to be taken (the VF db1 holds, its PF)"
keys Escape; wait_for "fleet: 3 hosts"

keys Home Enter; wait_for "Host PCI functions"
wait_for "host: test+unix://$WORK/hostb.xml"; ok $? "Enter opens host B's console, named in its header"
screen | grep -q "^0003:c1:00.0 "; ok $? "its functions are host B's node devices"
screen | grep -q "Host-critical: unknown on this host (libvirt's node devices do not say)"
ok $? "the detail pane marks what could not be checked on host B"
screen | grep -q "^0000:d8:00.0 Ethernet control.* Mellanox"; ok $? "a function sent without names is named from pci.ids"
# attach the A100 to db1, on host B
keys j j j Enter; wait_for "Pick the guest for 0003:c1:00.0" 20
keys Enter; wait_for "Assign 0003:c1:00.0 to guest 'db1'" 20
# db1 runs in libvirt's test driver, which takes persistent changes only
keys Tab Tab Right Tab Enter; wait_for "XML preview: 0003:c1:00.0 to guest 'db1' (persistent only)" 20
keys Enter; wait_for "persistent configuration of guest 'db1'? [y/N]" 20; keys y
wait_for "host-critical (root filesystem, default route, boot VGA) is unknown on this host" 20
ok $? "the guard that cannot know on a remote host asks, never passes silently"
keys y; wait_for "whether the kernel can reset it is unknown on this host" 20; keys y
wait_for "Assignment applied" 30; ok $? "the change is applied to host B"
keys Escape; wait_for "Host PCI functions"
screen | grep -q "^0003:c1:00.0 .*db1\[C\]"; ok $? "read back from host B: db1 holds it in its configuration"
keys q; wait_for "fleet: 3 hosts" 20; ok $? "q goes back to the host list"
screen | grep -q "^test+unix://$WORK/hostb.xml?socket=$SOCK  *4  *1  *2  *0"; ok $? "host B now counts 2 held functions"
keys q; wait_for EXITED 20; screen | grep -q "EXITED 0 .*icanon .*echo"; ok $? "quits with status 0, terminal restored"

# --- a host set aside for not answering, tried again with r once it answers ---
if command -v python3 > /dev/null; then
    python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8); held = []
while True: held.append(s.accept()[0])' "$WORK/silent.sock" &
    silent=$!
    i=0; while [ ! -S "$WORK/silent.sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    chmod 777 "$WORK/silent.sock"
    SLOW="test+unix://$WORK/hostb.xml?socket=$WORK/silent.sock"
    TUI_WRAP="$TUI_WRAP PCIPASS_FLEET_TIMEOUT=3" tui_start 250 30 -c "$SLOW" -c "$B"
    wait_for "unreachable: no answer within 3 s" 30
    screen | grep -q "silent.sock  *unreachable: no answer within 3 s"
    ok $? "a host that does not answer is set aside after the fleet timeout"
    # the host answers from now on: the silent listener goes, the daemon's socket takes its name
    kill "$silent"; wait "$silent" 2> /dev/null
    rm -f "$WORK/silent.sock"; ln -s "$SOCK" "$WORK/silent.sock"
    i=0
    while ! screen | grep -q "silent.sock  *4  *1  *1  *0" && [ $i -lt 10 ]; do
        keys r; sleep 1; i=$((i + 1))
    done
    screen | grep -q "silent.sock  *4  *1  *1  *0"
    ok $? "r takes the set-aside host back once its read has ended, and reads it again" || screen | diag
    keys q; wait_for EXITED 20
else
    ok 0 "# SKIP no python3 for a silent socket"
    ok 0 "# SKIP no python3 for a silent socket"
fi
done_testing

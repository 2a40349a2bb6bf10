#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The console against the real QEMU driver (a private qemu:///session): the whole assignment from
# the keyboard, then the definition libvirt stored is read back with virsh.
. "$srcdir/tests/lib/common.sh"
. "$srcdir/tests/lib/session.sh"
. "$srcdir/tests/lib/tmux.sh"

session_start tmux
trap 'tui_stop; session_stop; cleanup_work' EXIT
S390=$(fake_root s390-zpci)
chmod -R a+rX "$WORK/roots"

session_define zs s390x
ok $? "s390x guest defined on the private session daemon"

JOURNAL="$SESSION/journal"
session_tui_wrap
tui_start 120 40 --dev-root "$S390-dev" --sysfs-root "$S390" -c qemu:///session
# this machine's QEMU has no VFIO: the real driver's domain capabilities say so, and the console
# starts with the checklist
wait_for "Setup checklist: 1 check failed"; ok $? "the checklist first: the real driver's domain capabilities"
screen | grep -q "\[FAIL\] hostdev   the hypervisor at qemu:///session takes PCI hostdevs, but not through vfio"
ok $? "names the hostdev check and why"
keys Escape
wait_for "Host PCI functions"; ok $? "the console opens on qemu:///session"
keys j j Enter; wait_for "Pick the guest for 0002:00:00.0"
keys Enter; wait_for "Assign 0002:00:00.0 to guest 'zs'"
screen | grep -q "zPCI uid            0x0302"; ok $? "suggested zPCI uid: the host's own"
keys Tab Tab Tab Tab Tab Enter; wait_for "XML preview: 0002:00:00.0 to guest 'zs' (persistent only)"
ok $? "preview"
keys Enter; wait_for "[y/N]"; keys y
wait_for "Assignment applied"; ok $? "applied through the real QEMU driver"
screen | grep -q '<address type="pci" domain="0x0000" bus="0x00" slot="0x[0-9a-f]*" function="0x0">'
ok $? "the guest address libvirt filled in is shown"
keys Escape o; wait_for "Who owns what"
screen | grep -q "^0002:00:00.0 .*zs .*C .*0x0302 .*0x00000302"; ok $? "owners view shows it"
grep -q '"action":"attach"' "$JOURNAL"; ok $? "the change is in the undo journal"

# the daemon dies under the console: r finds the connection dead and connects anew (a session
# daemon starts again on demand); where that fails too, the status line says so and offers r again
# (tested with an unreachable URI in tui.sh)
session_stop
keys r; wait_for "1 guest read"; ok $? "daemon killed: r reconnects, the console carries on"
keys Escape; wait_for "Host PCI functions"
screen | grep -q "^0002:00:00.0 .*zs\[C\]"; ok $? "and the owners are back"

# a guest undefined between listing and apply (another operator): refused, nothing else changes
session_define zgone s390x
keys r; wait_for "2 guests read"
keys Home j j j Enter; wait_for "Pick the guest for 0003:00:00.0"; keys Home Enter
wait_for "Assign 0003:00:00.0 to guest 'zgone'"; keys Tab Tab Tab Tab Tab Enter
wait_for "XML preview: 0003:00:00.0 to guest 'zgone'"
virsh_s undefine zgone > /dev/null
keys Enter; wait_for "[y/N]"; keys y
wait_for "no guest named 'zgone'"; ok $? "guest undefined between listing and apply: refused with the reason"
keys Escape Escape; wait_for "Pick the guest"; keys Escape
wait_for "Host PCI functions"

# SIGTERM while the apply waits for its yes: nothing applied, nothing journaled, terminal back
keys Home j j j Enter; wait_for "Pick the guest for 0003:00:00.0"; keys Enter
wait_for "Assign 0003:00:00.0"; keys Tab Tab Tab Tab Tab Enter; wait_for "XML preview"; keys Enter
wait_for "[y/N]"
journal_before=$(wc -c < "$JOURNAL")
pid=$(pgrep -P "$(tmx display -p -t t '#{pane_pid}')")
kill -TERM "$pid"; wait_for "EXITED"
screen | grep -q "EXITED 143 icanon echo"; ok $? "SIGTERM during apply: exit 143, terminal restored"
virsh_s dumpxml --inactive zs | grep -q "domain='0x0003'"
[ $? -ne 0 ]; ok $? "and nothing half-applied"
[ "$(wc -c < "$JOURNAL")" = "$journal_before" ]; ok $? "and the journal unchanged"
virsh_s dumpxml --inactive zs | grep -q "<zpci uid='0x0302' fid='0x00000302'/>"
ok $? "virsh shows the stored zPCI ids"

# undo from the console of a change the CLI made, then of the console's own, read back with virsh
as_session env PCIPASS_JOURNAL="$JOURNAL" "$PCIPASS" -c qemu:///session --sysfs-root "$S390" \
    --dev-root "$S390-dev" attach --config zs 0003:00:00.0 \
    > "$WORK/cli-attach.out" 2>&1
ok $? "the CLI attaches 0003:00:00.0 to zs"
virsh_s dumpxml --inactive zs | grep -q "domain='0x0003'"; ok $? "virsh shows it"
tui_start 120 40 --dev-root "$S390-dev" --sysfs-root "$S390" -c qemu:///session
wait_for "Setup checklist"; keys Escape; wait_for "Host PCI functions"
keys u; wait_for "Undo the attach of 0003:00:00.0 for guest 'zs' ("
ok $? "u: the console offers to undo the CLI's attach"
keys y; wait_for "Undone: the attach of 0003:00:00.0 for guest 'zs'"; ok $? "and undoes it"
virsh_s dumpxml --inactive zs | grep -q "domain='0x0003'"; [ $? -ne 0 ]
ok $? "virsh: zs no longer holds it"
virsh_s dumpxml --inactive zs | grep -q "domain='0x0002'"; ok $? "and still holds the earlier one"
keys Home j j j Enter; wait_for "Pick the guest for 0003:00:00.0"; keys Enter
wait_for "Assign 0003:00:00.0 to guest 'zs'"; keys Tab Tab Tab Tab Tab Enter; wait_for "XML preview"
keys Enter; wait_for "[y/N]"; keys y; wait_for "Assignment applied"
virsh_s dumpxml --inactive zs | grep -q "domain='0x0003'"; ok $? "the console attaches it again"
keys Escape; wait_for "Host PCI functions"; keys u
wait_for "Undo the attach of 0003:00:00.0 for guest 'zs' ("; keys y
wait_for "Undone: the attach of 0003:00:00.0 for guest 'zs'"
ok $? "u undoes the console's own attach"
virsh_s dumpxml --inactive zs | grep -q "domain='0x0003'"; [ $? -ne 0 ]; ok $? "virsh: gone again"
keys q; wait_for "EXITED 0"; ok $? "q exits 0"
done_testing

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Faults of libvirt, with the real QEMU driver of a private qemu:///session daemon (see
# tests/lib/session.sh): a guest undefined between the operator's listing and the attach, and the
# daemon killed while pcipass waits on it. pcipass exits 1 with libvirt's message and nothing is
# half-done.
. "$srcdir/tests/lib/common.sh"
. "$srcdir/tests/lib/session.sh"

session_start ss
X86=$(fake_root x86-server)
chmod -R a+rX "$WORK/roots"
pp() { run_session "$@"; }

for g in g1 g2; do
    session_define "$g" x86_64 || echo "define $g failed" | diag
done
pp list guests --json
[ "$(jq -r '[.[].name] | join(" ")' "$WORK/list.out")" = "g1 g2" ]; ok $? "the operator's listing shows g1 and g2"

# --- a guest undefined between listing and apply (another operator, another tool) ---
virsh_s undefine g1 > /dev/null
pp gone --sysfs-root "$X86" attach g1 0000:17:02.3
[ "$(rc gone)" = 1 ] && [ ! -s "$WORK/gone.out" ] && err_has gone "guest: no guest named 'g1'" && err_has gone "guests: g2"
ok $? "attach to the undefined guest: exit 1, says it is gone and which guests there are"
virsh_s list --all --name > "$WORK/all"
! grep -qx g1 "$WORK/all"; ok $? "and the guest is not defined again behind the operator's back"

# --- the daemon killed while pcipass waits on it ---
pid=$(cat "$SESSION/run/libvirt/libvirtd.pid")
sock="$SESSION/run/libvirt/libvirt-sock"
kill -STOP "$pid"
pp killed --sysfs-root "$X86" attach g2 0000:17:02.3 &
ppid=$!
# wait until pcipass's connection sits in the stopped daemon's accept queue
i=0
while [ $i -lt 100 ]; do
    q=$(ss -xlH "src $sock" 2>/dev/null | awk '{ print $3; exit }')
    [ "${q:-0}" -ge 1 ] && break
    sleep 0.1; i=$((i + 1))
done
[ $i -lt 100 ]; ok $? "pcipass connected to the daemon and waits on it"
kill -KILL "$pid"
wait $ppid
[ "$(rc killed)" = 1 ] && [ ! -s "$WORK/killed.out" ] && err_has killed "pcipass: cannot connect to libvirt at 'qemu:///session': "
ok $? "daemon killed: exit 1, 'cannot connect' with libvirt's own reason"
grep -q "End of file\|Cannot recv data\|Connection reset\|Broken pipe" "$WORK/killed.err"; ok $? "libvirt's reason is the lost connection"
diag < "$WORK/killed.err"
# a new daemon (libvirt starts one on the next connection) holds g2 unchanged
virsh_s dumpxml --inactive g2 > "$WORK/g2.after"
! grep -q "<hostdev" "$WORK/g2.after"; ok $? "nothing half-done: g2 has no hostdev"

done_testing

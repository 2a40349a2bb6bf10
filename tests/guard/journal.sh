#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The journal, undo and all-or-nothing changes against the real QEMU driver: an unprivileged
# qemu:///session daemon (persistent, unlike the test driver), guests defined and never started.
# Undo must give back the guest's persistent XML byte for byte.
. "$srcdir/tests/lib/common.sh"
. "$srcdir/tests/lib/session.sh"

session_start
X86=$(fake_root x86-server)
chmod -R a+rX "$WORK/roots"
# the session user has no PCIPASS_JOURNAL: the default for non-root, under its XDG state
JOURNAL="$SESSION/.local/state/pcipass/journal"

pp() { # NAME ARGS...: pcipass as the session user on the demo x86 host
    _n=$1; shift
    run_session "$_n" --sysfs-root "$X86" --proc-root "$X86-proc" "$@"
}
# the definition without pcipass's identity metadata: an attach (an undone detach too) records
# the function's identity there, and libvirt keeps an empty <metadata/> when the last entry goes;
# the identity itself is asserted where it is meant to change
dump() {
    virsh_s dumpxml --inactive ju > "$WORK/$1.full.xml"
    sed '/<metadata>/,/<\/metadata>/d; /<metadata\/>/d' "$WORK/$1.full.xml" > "$WORK/$1.xml"
}
same_as_before() { # NAME: the guest's persistent XML now is the one saved at the start
    dump "$1"
    cmp -s "$WORK/before.xml" "$WORK/$1.xml"; _r=$?
    [ $_r -eq 0 ] || diff -u "$WORK/before.xml" "$WORK/$1.xml" | diag
    return $_r
}
records() { pp hist history --json; jq length "$WORK/hist.out"; }

cat > "$WORK/ju.xml" <<'XML'
<domain type='qemu'>
  <name>ju</name>
  <uuid>5a1e0000-0000-4000-8000-00000000a086</uuid>
  <memory unit='MiB'>256</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <hostdev mode='subsystem' type='pci' managed='yes'>
      <source><address domain='0x0000' bus='0xb3' slot='0x00' function='0x0'/></source>
    </hostdev>
  </devices>
</domain>
XML
chmod 644 "$WORK/ju.xml"
virsh_s define "$WORK/ju.xml" > /dev/null
ok $? "private qemu:///session started, guest defined"
dump before

# attach, then undo
pp a1 attach ju 0000:17:02.3
ok "$(rc a1)" "attach a VF"
[ -f "$JOURNAL" ]; ok $? "journalled in \$XDG_STATE_HOME's default for a non-root user"
pp h1 history --json
[ "$(jq -r '.[-1] | [.action,.guest,.devices,.flags,.uri,.undone] | @tsv' "$WORK/h1.out")" = \
  "$(printf 'attach\tju\t0000:17:02.3\tconfig\tqemu:///session\tfalse')" ]
ok $? "history: action, guest, devices, flags, URI"
jq -r '.[-1].xml' "$WORK/h1.out" | grep -q 'bus="0x17" slot="0x02" function="0x3"'; ok $? "history keeps the stored XML"
pp u1 undo
ok "$(rc u1)" "undo exits 0"
out_has u1 "# undone: attach of 0000:17:02.3 for guest 'ju'"; ok $? "undo says what it reverted"
same_as_before u1; ok $? "undo of an attach restores the guest's XML exactly"
grep -q 'pcipass:function address="0000:17:02.3"' "$WORK/u1.full.xml"; [ $? -ne 0 ]
ok $? "and removes the identity the attach recorded"
pp h2 history
grep -Eq "attach +done +ju +0000:17:02.3 .* yes$" "$WORK/h2.out" && grep -q "undo .*ju" "$WORK/h2.out"
ok $? "history shows the attach as undone and the undo itself"

# detach, then undo: the element goes back as libvirt held it
pp d1 detach ju 0000:b3:00.0
ok "$(rc d1)" "detach"
pp u2 undo
ok "$(rc u2)" "undo of the detach"
same_as_before u2; ok $? "undo of a detach restores the guest's XML exactly"

# several functions: all or nothing
n_before=$(records)
pp m1 attach ju 0000:65:00.0 --all-functions --guest-address 0000:00:01.0
[ "$(rc m1)" = 1 ] && err_has m1 "guest-address: 0000:00:01.0 is already in use in guest 'ju'"
ok $? "--all-functions into a guest slot the guest already uses is refused before libvirt is asked"
same_as_before m1; ok $? "a refusal leaves the guest's XML exactly as before"
pp m1h history --json
[ "$(jq length "$WORK/m1h.out")" = "$n_before" ]; ok $? "and nothing is journalled"
pp m2 attach ju 0000:65:00.0 --all-functions
ok "$(rc m2)" "--all-functions into a free slot"
dump m2
slots=$(grep -A6 '<hostdev' "$WORK/m2.xml" | sed -n 's/.*<address type=.pci. domain=.0x0000. bus=.0x00. slot=.\(0x[0-9a-f]*\). function=.\(0x[0-7]\).*/\1.\2/p' | sort | tr '\n' ' ')
s0=${slots%%.*}
[ "$slots" = "$s0.0x0 $s0.0x1 " ]; ok $? "the real driver keeps both functions in one guest slot ($slots)"
grep -q "slot=.$s0. function=.0x0. multifunction=.on." "$WORK/m2.xml"; ok $? "multifunction='on' on function 0"
pp u3 undo
ok "$(rc u3)" "undo of a multi-function attach"
same_as_before u3; ok $? "restores the guest's XML exactly"

# guards against the real driver: a shut-off guest's config counts as an owner
session_define ko x86_64
pp own attach ko 0000:b3:00.0
[ "$(rc own)" = 1 ] && err_has own "0000:b3:00.0 is held by guest 'ju' (persistent configuration)"
ok $? "a function in a shut-off guest's config is refused for another guest (libvirt would take it)"
virsh_s dumpxml --inactive ko | grep -q "<hostdev"; [ $? -ne 0 ]; ok $? "and the other guest is untouched"

# nothing left to undo
pp u4 undo
pp u5 undo
[ "$(rc u5)" = 1 ] && err_has u5 "holds no change to undo"; ok $? "undo with nothing left says so"
same_as_before u5; ok $? "after undoing everything the guest is as defined"

# check against the real driver: libvirt answers about hostdev support itself
pp chk check --json
[ "$(jq -r '.[] | select(.check=="libvirt") | .status' "$WORK/chk.out")" = pass ]; ok $? "check: the session is reachable and writable"
hs=$(jq -r '.[] | select(.check=="hostdev") | .status' "$WORK/chk.out")
[ "$hs" = pass ] || [ "$hs" = fail ]; ok $? "check: the QEMU driver says whether it takes vfio hostdevs ($hs)"
jq -r '.[] | select(.check=="hostdev") | .message' "$WORK/chk.out" | diag

done_testing

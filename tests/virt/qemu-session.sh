#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The real QEMU driver: an unprivileged qemu:///session daemon that this test starts itself, guests
# defined and never started (no VFIO here). What pcipass refuses before sending is checked against
# what the real driver itself says of the same XML, so the two cannot drift apart.
. "$srcdir/tests/lib/common.sh"
. "$srcdir/tests/lib/session.sh"

session_start
S390=$(fake_root s390-zpci)
X86=$(fake_root x86-server)
chmod -R a+rX "$WORK/roots"

pp() { run_session "$@"; }

session_define zs s390x && session_define zx x86_64
ok $? "private qemu:///session started, s390x and x86_64 guests defined"

pp guests guests --json
[ "$(jq -r '[.[] | "\(.name)/\(.arch)/\(.state)"] | join(" ")' "$WORK/guests.out")" = "zs/s390x/shut off zx/x86_64/shut off" ]
ok $? "guests through the real driver"

# explicit zPCI ids: stored as given, libvirt adds the guest slot
pp a1 --sysfs-root "$S390" attach zs 0002:00:00.0 --zpci-uid 0x0001 --zpci-fid 0x00000000
ok "$(rc a1)" "attach with explicit zPCI ids to the s390x guest"
out_has a1 '<zpci uid="0x0001" fid="0x00000000"/>'; ok $? "stored uid and fid as previewed"
grep -q '<address type="pci" domain="0x0000" bus="0x00" slot="0x[0-9a-f]*" function="0x0">' "$WORK/a1.out"
ok $? "libvirt filled the guest address, and the operator is shown it"

# persistent: a new process sees it
pp o1 owners --json
[ "$(jq -r '.[] | select(.address=="0002:00:00.0") | .owners[0] | "\(.guest) \(.config) \(.live) \(.zpci.uid)"' "$WORK/o1.out")" = "zs true false 0x0001" ]
ok $? "a new process reads the stored assignment back as an owner"

# no ids: the host's own, free in the guest (the one policy of both faces), as xml --guest shows
"$PCIPASS" --sysfs-root "$S390" xml 0003:00:00.0 > "$WORK/x2.plain"
grep -q '<zpci' "$WORK/x2.plain"; [ $? -ne 0 ]; ok $? "xml without a guest: no zPCI ids chosen"
pp x2 --sysfs-root "$S390" xml --guest zs 0003:00:00.0
out_has x2 '<zpci uid="0x0400" fid="0x00000400"/>'; ok $? "xml --guest: the host's ids, free in the guest"
pp a2 --sysfs-root "$S390" attach zs 0003:00:00.0
ok "$(rc a2)" "attach without zPCI ids"
out_has a2 '<zpci uid="0x0400" fid="0x00000400"/>'; ok $? "the host's ids (uid 0x0400, fid 0x400) sent and stored"
pp amb --sysfs-root "$S390" attach zs 0004:00:00.0 --zpci-uid 0400
[ "$(rc amb)" = 1 ] && err_has amb "zpci uid: '0400' is ambiguous: a leading zero without 0x"
ok $? "uid 0400 refused as ambiguous, naming the field"

# decimal uid is stored as hex
pp a3 --sysfs-root "$S390" attach zs 0004:00:00.0 --zpci-uid 17 --zpci-fid 0x20
out_has a3 '<zpci uid="0x0011" fid="0x00000020"/>'; ok $? "decimal uid 17 goes in as 0x0011"

# refusals: pcipass refuses before sending, and the real driver refuses the same XML itself
both_refuse() { # NAME PCIPASS-MESSAGE LIBVIRT-MESSAGE GUEST XML-ARGS...
    _n=$1 _pm=$2 _lm=$3 _g=$4; shift 4
    pp "$_n" --sysfs-root "$S390" attach "$_g" "$@"
    [ "$(rc "$_n")" = 1 ] && err_has "$_n" "$_pm"
    ok $? "pcipass refuses: $_pm"
    "$PCIPASS" xml "$@" > "$WORK/$_n.dev.xml" 2>/dev/null
    chmod 644 "$WORK/$_n.dev.xml"
    virsh_s attach-device "$_g" "$WORK/$_n.dev.xml" --config > "$WORK/$_n.virsh" 2>&1
    grep -qF -- "$_lm" "$WORK/$_n.virsh"; _r=$?
    [ $_r -eq 0 ] || diag < "$WORK/$_n.virsh"
    ok $_r "and so does the QEMU driver: $_lm"
}
both_refuse dupuid "zpci uid: 0x0001 is already used in guest 'zs'" "zPCI uid 1 is already reserved" \
    zs 0005:00:00.0 --zpci-uid 0x0001 --zpci-fid 0x00000050
both_refuse dupfid "zpci fid: 0x00000000 is already used in guest 'zs'" "zPCI fid 0 is already reserved" \
    zs 0005:00:00.0 --zpci-uid 0x0050 --zpci-fid 0x00000000
both_refuse zx86 "zpci: guest 'zx' is x86_64; zPCI uid/fid exist for s390x guests only" \
    "This QEMU binary doesn't support zPCI" zx 0005:00:00.0 --zpci-uid 0x0051
both_refuse twice "0002:00:00.0 is already assigned to guest 'zs'" \
    "device is already in the domain configuration" zs 0002:00:00.0

# uid 0 and fid past 32 bits never get an XML out of pcipass; libvirt refuses them too
for v in 0x0000 0x10000; do
    pp "uid$v" --sysfs-root "$S390" attach zs 0005:00:00.0 --zpci-uid "$v"
    [ "$(rc "uid$v")" = 1 ] && err_has "uid$v" "valid range 0x0001-0xffff"
    ok $? "pcipass refuses uid $v with the valid range"
    sed "s/uid=\"0x0051\"/uid=\"$v\"/" "$WORK/zx86.dev.xml" > "$WORK/uid$v.xml"; chmod 644 "$WORK/uid$v.xml"
    virsh_s attach-device zs "$WORK/uid$v.xml" --config 2>&1 | grep -qF "Invalid PCI address uid='$v', must be > 0x0000 and <= 0xffff"
    ok $? "and the QEMU driver says: Invalid PCI address uid='$v'"
done
pp fidbig --sysfs-root "$S390" attach zs 0005:00:00.0 --zpci-fid 0x100000000
[ "$(rc fidbig)" = 1 ] && err_has fidbig "valid range 0x00000000-0xffffffff"; ok $? "pcipass refuses fid 0x100000000"
sed 's/uid="0x0051"/fid="0x100000000"/' "$WORK/zx86.dev.xml" > "$WORK/fid.xml"; chmod 644 "$WORK/fid.xml"
virsh_s attach-device zs "$WORK/fid.xml" --config 2>&1 | grep -qF "Invalid value for attribute 'fid' in element 'zpci'"
ok $? "and the QEMU driver refuses it too"

pp live --sysfs-root "$S390" attach zs 0005:00:00.0 --live
[ "$(rc live)" = 1 ] && err_has live "--live: guest 'zs' is shut off"; ok $? "--live on a shut-off guest refused before sending"

# an error only libvirt can see is passed on, prefixed, and nothing changes
virsh_s dumpxml --inactive zs > "$WORK/before.xml"
pp dbl --sysfs-root "$S390" attach zs 0005:00:00.0 --guest-address "$(sed -n 's/.*<address type="pci" domain="\(0x0000\)" bus="0x\(00\)" slot="0x\([0-9a-f]*\)" function="0x0">.*/0000:\2:\3.0/p' "$WORK/a1.out")"
[ "$(rc dbl)" = 1 ] && err_has dbl "is already in use in guest 'zs'"
ok $? "a guest address the guest already uses is refused before libvirt is asked (libvirt would say 'double use')"
virsh_s dumpxml --inactive zs > "$WORK/after.xml"
cmp -s "$WORK/before.xml" "$WORK/after.xml"; ok $? "and the guest's definition is unchanged"

# detach
pp d1 detach zs 0003:00:00.0
ok "$(rc d1)" "detach from the shut-off guest"
out_has d1 "# detached 0003:00:00.0 from the persistent configuration of guest 'zs'"; ok $? "says what it did"
virsh_s dumpxml --inactive zs | grep -q "domain='0x0003'"
[ $? -ne 0 ]; ok $? "the function is gone from the stored definition"
pp d2 detach zs 0003:00:00.0
[ "$(rc d2)" = 1 ] && err_has d2 "0003:00:00.0 is not in the persistent configuration of guest 'zs'"
ok $? "detaching it again: a clear refusal"
pp o2 owners --json
[ "$(jq -r '[.[].address] | join(" ")' "$WORK/o2.out")" = "0002:00:00.0 0004:00:00.0" ]
ok $? "owners after the detach"

# the host's uid taken in the guest: that one is libvirt's choice (the lowest free), the fid the host's
pp a2b --sysfs-root "$S390" attach zs 0001:00:00.0 --zpci-uid 0x0501
ok "$(rc a2b)" "attach 0001:00:00.0 with the uid the host gives 0005:00:00.0"
pp a2c --sysfs-root "$S390" attach zs 0005:00:00.0
out_has a2c '<zpci uid="0x0002" fid="0x00000501"/>'; ok $? "uid taken: libvirt's lowest free uid 2, the host's fid"

# no MAC given: the stable one from the guest's UUID, the same in xml --guest, attach and storage
pp xm --sysfs-root "$X86" xml --guest zx --interface 0000:17:02.1
mac=$(sed -n 's/.*<mac address="\([^"]*\)".*/\1/p' "$WORK/xm.out")
[ -n "$mac" ]; ok $? "xml --interface --guest shows the MAC that attach sends ($mac)"
pp am --sysfs-root "$X86" attach zx 0000:17:02.1 --interface
out_has am "<mac address=\"$mac\"/>"; ok $? "attach sends and libvirt stores that MAC"

# x86_64 guest: interface form for a VF, guest address given
pp ix --sysfs-root "$X86" attach zx 0000:17:02.3 --interface --mac 52:54:00:00:17:23
ok "$(rc ix)" "attach a VF as <interface type=hostdev> with a MAC to the x86_64 guest"
out_has ix '<mac address="52:54:00:00:17:23"/>'; ok $? "the MAC is stored"

done_testing

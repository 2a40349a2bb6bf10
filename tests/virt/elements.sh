#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The element options an operator needs for a GPU, a boot device or a VLAN (--rom-bar, --rom-file,
# --boot-order, --vlan, --trust), against the real QEMU driver of a private qemu:///session: sent,
# stored and read back, journalled and undone; what pcipass refuses before sending (a boot order
# next to <os><boot>, one used twice) is refused by the driver itself too. What libvirt 9.0 does
# not have (<driver model>, iommufd, nodedev-detach to a variant driver) is refused with the
# version needed, before anything is sent.
. "$srcdir/tests/lib/common.sh"
. "$srcdir/tests/lib/session.sh"

session_start
X86=$(fake_root x86-server)
C="$WORK/conf"
mkdir -p "$C/usr/share/rom"
printf 'rom' > "$C/usr/share/rom/gpu.rom"
printf 'rom' > "$C/usr/share/rom/secret.rom"
chmod 000 "$C/usr/share/rom/secret.rom"
chmod -R a+rX "$WORK/roots" "$C/usr"
chmod 000 "$C/usr/share/rom/secret.rom"
J="$SESSION/journal"
pp() { _n=$1; shift; run_session "$_n" --sysfs-root "$X86" --proc-root "$X86-proc" --conf-root "$C" --journal "$J" "$@"; }
config_of() { virsh_s dumpxml --inactive "$1"; }
records() { [ -f "$J" ] && grep -c '^#pcipass-journal' "$J" || echo 0; }

# ob: defined without any boot element, so libvirt gives it <os><boot dev='hd'/>; el: boots by a
# per-device boot order (its NIC's)
session_define ob x86_64
session_define el x86_64
sed "s|<devices>|<devices><interface type='user'><model type='virtio'/><boot order='9'/></interface>|" "$WORK/el.xml" > "$WORK/el2.xml"
chmod 644 "$WORK/el2.xml"
virsh_s define "$WORK/el2.xml" > /dev/null
config_of el > "$WORK/el-before.xml"
config_of ob | grep -q "<boot dev='hd'/>" && ! grep -q "<boot dev=" "$WORK/el-before.xml"
ok $? "guests defined: ob with the <os><boot dev='hd'/> libvirt adds, el with a per-device boot order"

# --- ROM and boot order on a hostdev: sent, stored, read back ---
pp a1 attach el 0000:b3:00.0 --rom-bar off --boot-order 1 --rom-file /usr/share/rom/gpu.rom
ok "$(rc a1)" "attach with --rom-bar off --boot-order 1 --rom-file" || diag < "$WORK/a1.err"
config_of el > "$WORK/a1.xml"
grep -q "<boot order='1'/>" "$WORK/a1.xml" && grep -q "<rom bar='off' file='/usr/share/rom/gpu.rom'/>" "$WORK/a1.xml"
ok $? "the QEMU driver stored <boot order='1'/> and <rom bar='off' file=.../>" || diag < "$WORK/a1.xml"
out_has a1 '<boot order="1"/>' && out_has a1 '<rom bar="off" file="/usr/share/rom/gpu.rom"/>'
ok $? "and the read-back shows them to the operator"
[ "$(grep -v '^#pcipass-journal' "$J" | tail -n 1 | jq -r '.elements[0] | "\(.rom_bar) \(.rom_file) \(.boot_order)"')" = "off /usr/share/rom/gpu.rom 1" ]
ok $? "journalled with the element's options"
pp o1 owners --json
ok "$(rc o1)" "a new process reads the guest with them"

# --- a boot order the guest already uses: pcipass refuses, and so does libvirt ---
pp a2 attach el 0000:17:02.2 --boot-order 1
[ "$(rc a2)" = 1 ] && err_has a2 "boot-order: 1 is already used by another device of guest 'el'"
ok $? "pcipass refuses a boot order used twice, before sending"
"$PCIPASS" xml 0000:17:02.2 --boot-order 1 > "$WORK/a2.dev.xml"; chmod 644 "$WORK/a2.dev.xml"
virsh_s attach-device el "$WORK/a2.dev.xml" --config > "$WORK/a2.virsh" 2>&1
grep -qiF "boot order 1 is already used by another device" "$WORK/a2.virsh"
ok $? "and the QEMU driver says: boot order 1 is already used by another device" || diag < "$WORK/a2.virsh"

# --- a boot order next to <os><boot> ---
n0=$(records)
pp a3 attach ob 0000:b3:00.0 --boot-order 2
[ "$(rc a3)" = 1 ] && err_has a3 "boot-order: guest 'ob' boots by <os><boot dev=.../>" && [ "$(records)" = "$n0" ]
ok $? "pcipass refuses a per-device boot order for a guest with <os><boot>, nothing journalled"
"$PCIPASS" xml 0000:b3:00.0 --boot-order 2 > "$WORK/a3.dev.xml"; chmod 644 "$WORK/a3.dev.xml"
virsh_s attach-device ob "$WORK/a3.dev.xml" --config > "$WORK/a3.virsh" 2>&1
grep -qF "per-device boot elements cannot be used together with os/boot elements" "$WORK/a3.virsh"
ok $? "and the QEMU driver refuses it the same way" || diag < "$WORK/a3.virsh"

# --- the ROM file: readable by the hypervisor's user, under the configuration root ---
pp r1 attach el 0000:17:02.2 --rom-file /usr/share/rom/none.rom
[ "$(rc r1)" = 1 ] && err_has r1 "rom-file: cannot read '$C/usr/share/rom/none.rom'"
ok $? "a ROM file that is not there is refused, looked up under --conf-root"
pp r2 attach el 0000:17:02.2 --rom-file /usr/share/rom/secret.rom
[ "$(rc r2)" = 1 ] && err_has r2 "rom-file: cannot read '$C/usr/share/rom/secret.rom': Permission denied"
ok $? "one the hypervisor's user cannot read is refused"
pp r3 attach el 0000:17:02.2 --rom-file usr/share/rom/gpu.rom
[ "$(rc r3)" = 1 ] && err_has r3 "rom-file: 'usr/share/rom/gpu.rom' is not valid; an absolute path"
ok $? "a relative path is refused"

# --- an SR-IOV VF as a NIC: VLAN tag and trust ---
pp i1 attach el 0000:17:02.1 --interface --vlan 42 --trust on
ok "$(rc i1)" "attach --interface --vlan 42 --trust on" || diag < "$WORK/i1.err"
config_of el > "$WORK/i1.xml"
grep -q "<interface type='hostdev' managed='yes' trustGuestRxFilters='yes'>" "$WORK/i1.xml" &&
    grep -A1 '<vlan>' "$WORK/i1.xml" | grep -q "<tag id='42'/>"
ok $? "the QEMU driver stored trustGuestRxFilters='yes' and the VLAN tag" || diag < "$WORK/i1.xml"
for v in 0 4095 x; do
    pp "iv$v" attach el 0000:17:02.3 --interface --vlan "$v"
    [ "$(rc "iv$v")" = 1 ] && err_has "iv$v" "vlan: '$v' is not a VLAN tag; valid range 1-4094"
    ok $? "--vlan $v refused with the valid range"
done
pp iv attach el 0000:17:02.3 --vlan 5
[ "$(rc iv)" = 2 ] && err_has iv "--vlan needs --interface"; ok $? "--vlan without --interface is a usage error"
pp it attach el 0000:17:02.3 --interface --trust maybe
[ "$(rc it)" = 1 ] && err_has it "trust: 'maybe' is not valid; use on or off"; ok $? "--trust maybe refused"

# --- undo: each goes, the guest is as before ---
# (the pcie-root-ports libvirt added for them stay, as with virsh detach-device)
pp u1 undo
pp u2 undo
config_of el > "$WORK/u.xml"
[ "$(rc u1) $(rc u2)" = "0 0" ] && ! grep -q "<hostdev\|<interface type='hostdev'" "$WORK/u.xml" &&
    grep -q "<boot order='9'/>" "$WORK/u.xml"
ok $? "undo of both attaches takes both elements out again" || { diag < "$WORK/u1.err"; diag < "$WORK/u.xml"; }

# --- what libvirt 9.0 does not have: refused with the version, nothing sent ---
v=$(virsh_s version | sed -n 's/^Using library: libvirt \([0-9.]*\).*/\1/p')
n0=$(records)
pp d1 attach el 0000:b3:00.0 --driver-model mlx5_vfio_pci
[ "$(rc d1)" = 1 ] && err_has d1 "driver-model (<driver model=.../>) needs libvirt 10.0.0 or later; libvirt here is $v: nothing was sent"
ok $? "--driver-model on libvirt $v: refused with the version needed" || diag < "$WORK/d1.err"
pp d2 attach el 0000:b3:00.0 --iommufd
[ "$(rc d2)" = 1 ] && err_has d2 "iommufd (<driver iommufd='yes'/>) needs libvirt 12.1.0 or later; libvirt here is $v"
ok $? "--iommufd: refused with the version needed"
config_of el | cmp -s - "$WORK/u.xml" && [ "$(records)" = "$n0" ]
ok $? "the guest is untouched and nothing is journalled"
"$PCIPASS" xml 0000:b3:00.0 --driver-model mlx5_vfio_pci --iommufd > "$WORK/d.dev.xml"; chmod 644 "$WORK/d.dev.xml"
virsh_s attach-device el "$WORK/d.dev.xml" --config > "$WORK/d.virsh" 2>&1
config_of el > "$WORK/d.xml"
grep -q '<hostdev' "$WORK/d.xml" && ! grep -q "model='mlx5_vfio_pci'" "$WORK/d.xml" && ! grep -q iommufd "$WORK/d.xml"
ok $? "why: libvirt $v takes such an element and silently drops both attributes" || { diag < "$WORK/d.virsh"; diag < "$WORK/d.xml"; }
virsh_s detach-device el "$WORK/d.dev.xml" --config > /dev/null 2>&1
pp p1 prepare 0000:b3:00.0 --driver mlx5_vfio_pci
[ "$(rc p1)" = 1 ] && err_has p1 "binding to the VFIO variant driver mlx5_vfio_pci (prepare --driver) needs libvirt 10.0.0 or later; libvirt here is $v"
ok $? "prepare --driver: refused with the version needed" || diag < "$WORK/p1.err"
pp p2 release 0000:b3:00.0 --driver mlx5_vfio_pci
[ "$(rc p2)" = 2 ] && err_has p2 "release: unrecognized option '--driver'"; ok $? "release --driver is a usage error"
pp p3 prepare 0000:b3:00.0 --driver 'mlx5 vfio'
[ "$(rc p3)" = 1 ] && err_has p3 "driver: 'mlx5 vfio' is not a driver name"; ok $? "a driver name with a blank is refused"

done_testing

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The guards of attach, prepare and release on a fake host (tests/data/guard.hw) and libvirt's test
# driver: each refusal, its message, and what --force does and does not override.
. "$srcdir/tests/lib/common.sh"

G=$(fake_root guard)
P="$G-proc"
URI="test://$top_srcdir/tests/data/guard-guests.xml"
pp() { _n=$1; shift; run_cmd "$_n" -c "$URI" --sysfs-root "$G" --proc-root "$P" "$@"; }

# refused NAME MESSAGE ARGS...: exit 1, nothing on stdout, the message on stderr, no journal record
refused() {
    _n=$1 _m=$2; shift 2
    rm -f "$PCIPASS_JOURNAL"
    pp "$_n" "$@"
    [ "$(rc "$_n")" = 1 ] && [ ! -s "$WORK/$_n.out" ] && err_has "$_n" "$_m" && [ ! -s "$PCIPASS_JOURNAL" ]
    ok $? "refused: $* -> $_m"
}
# forced NAME MESSAGE ARGS...: with --force the change is made, the finding is a warning
forced() {
    _n=$1 _m=$2; shift 2
    pp "$_n" "$@" --force
    [ "$(rc "$_n")" = 0 ] && err_has "$_n" "warning: $_m" && err_has "$_n" "(overridden by --force)"
    ok $? "--force overrides: $*"
}

# --- owner ---
refused own1 "refused: 0000:04:00.0 is held by guest 'other' (persistent configuration)" attach target 0000:04:00.0 --whole-group
refused own2 "0000:07:00.0 is held by guest 'busy' (live and persistent configuration)" attach target 0000:07:00.0
err_has own2 "(--force overrides)"; ok $? "the refusal says --force may override it"
forced own3 "0000:07:00.0 is held by guest 'busy'" attach target 0000:07:00.0
out_has own3 "# attached 0000:07:00.0 to the persistent configuration of guest 'target'"; ok $? "and attaches"
refused same "0000:07:00.1 is already assigned to guest 'target'" attach target 0000:07:00.1
refused same-force "0000:07:00.1 is already assigned to guest 'target'" attach target 0000:07:00.1 --force

# --- IOMMU group ---
refused grp "0000:04:00.0: IOMMU group 12 partner 0000:04:00.1 is bound to host driver snd_hda_intel" attach busy 0000:04:00.0
err_has grp "0000:04:00.0 is held by guest 'other'"; ok $? "one line per finding: the owner too"
[ "$(grep -c 'refused:' "$WORK/grp.err")" = 2 ]; ok $? "exactly two findings, 04:00.2 (no driver) is no problem"
forced grpf "0000:04:00.0: IOMMU group 12 partner 0000:04:00.1" attach busy 0000:04:00.0 --config
pp stub attach target 0000:05:00.0 --dry-run
ok "$(rc stub)" "a partner on pci-stub keeps the group viable"
pp brg attach target 0000:06:00.0 --dry-run
[ "$(rc brg)" = 0 ] && [ ! -s "$WORK/brg.err" ]; ok $? "a bridge in the group is not a partner"
refused split "IOMMU group 14 partner 0000:07:00.0 is held by guest 'busy'" attach other 0000:07:00.1

# --whole-group: all the free endpoints of the group, in one step
pp whole attach busy 0000:04:00.1 --whole-group --config --dry-run
[ "$(rc whole)" = 1 ] && err_has whole "0000:04:00.1: IOMMU group 12 partner 0000:04:00.0 is held by guest 'other'"
ok $? "--whole-group does not take a function another guest holds"
pp whole2 attach other 0000:04:00.1 --whole-group --json
[ "$(rc whole2)" = 0 ] && [ "$(jq -r '.devices | join(" ")' "$WORK/whole2.out")" = "0000:04:00.1 0000:04:00.2" ]
ok $? "--whole-group attaches the group's free functions together (the held one stays)"
[ "$(jq -r '.xml' "$WORK/whole2.out" | grep -c '<hostdev ')" = 2 ]; ok $? "both stored"

# --- not an endpoint: never ---
refused br1 "0000:00:01.0 is a bridge (class 060400), not an endpoint" attach target 0000:00:01.0
refused br2 "0000:00:00.0 is a bridge (class 060000), not an endpoint" attach target 0000:00:00.0 --force
err_has br2 "not an endpoint; VFIO assigns endpoint functions only"; ok $? "and --force does not change that"
! grep -q "overrides" "$WORK/br2.err"; ok $? "no --force hint on what --force cannot override"

# --- host-critical ---
refused root "0000:01:00.0 is host-critical: it holds the root filesystem (/ is on vg-root)" attach target 0000:01:00.0
forced rootf "0000:01:00.0 is host-critical" attach target 0000:01:00.0
refused route "0000:03:00.0 is host-critical: it carries the default route (interface bond0)" attach target 0000:03:00.0
forced routef "0000:03:00.0 is host-critical" attach target 0000:03:00.0
refused vga "0000:09:00.0 is host-critical: it is the boot VGA (boot_vga=1)" attach target 0000:09:00.0
forced vgaf "0000:09:00.0 is host-critical" attach target 0000:09:00.0
R6=$(fake_root route6)
run_cmd r6 -c "$URI" --sysfs-root "$R6" --proc-root "$R6-proc" attach target 0000:03:00.0
[ "$(rc r6)" = 1 ] && err_has r6 "carries the default route (interface enp3s0)"; ok $? "an IPv6-only default route counts too"
# a fake sysfs root with the real /proc would mix two hosts: no proc root then, only the boot VGA
run_cmd noproc -c "$URI" --sysfs-root "$G" attach target 0000:01:00.0 --dry-run
ok "$(rc noproc)" "without --proc-root a fake sysfs root is not matched against the real /proc"
run_cmd noproc2 -c "$URI" --sysfs-root "$G" attach target 0000:09:00.0 --dry-run
[ "$(rc noproc2)" = 1 ]; ok $? "the boot VGA needs no proc root"

# --- no IOMMU group, not on this host ---
refused nogrp "0000:08:00.0 has no IOMMU group" attach target 0000:08:00.0
forced nogrpf "0000:08:00.0 has no IOMMU group" attach target 0000:08:00.0
refused nohost "device: 0000:42:00.0 is not a PCI function of this host" attach target 0000:42:00.0

# --- multifunction ---
pp mf1 attach other 0000:04:00.1 --all-functions
[ "$(rc mf1)" = 2 ] && err_has mf1 "--all-functions: DEVICE must be function 0"; ok $? "--all-functions wants function 0 (usage error)"
pp mf attach busy 0000:04:00.0 --all-functions --config --force
ok "$(rc mf)" "--all-functions attaches the device's functions (forced past the owner)"
[ "$(grep -c '<address type="pci" domain="0x0000" bus="0x00" slot="0x01" function="0x[012]"' "$WORK/mf.out")" = 3 ]
ok $? "all three functions in one guest slot (0x01, the first free one)"
[ "$(grep -c 'multifunction="on"' "$WORK/mf.out")" = 1 ] && out_has mf 'function="0x0" multifunction="on"'
ok $? "multifunction='on' on function 0 only"
pp mfga attach busy 0000:04:00.0 --all-functions --config --force --guest-address 0000:00:0a.0 --dry-run
[ "$(grep -c 'slot="0x0a" function="0x[012]"' "$WORK/mfga.out")" = 3 ]; ok $? "--guest-address chooses the slot"
refused mfmac "mac: several functions go together here" attach other 0000:04:00.1 --whole-group --interface --mac 52:54:00:00:00:01

# --- stable MAC for a VF ---
pp mac1 attach target 0000:0a:02.0 --interface --dry-run
pp mac2 attach target 0000:0a:02.0 --interface --dry-run
pp mac3 attach other 0000:0a:02.0 --interface --dry-run
m1=$(sed -n 's/.*<mac address="\([^"]*\)".*/\1/p' "$WORK/mac1.out")
m2=$(sed -n 's/.*<mac address="\([^"]*\)".*/\1/p' "$WORK/mac2.out")
m3=$(sed -n 's/.*<mac address="\([^"]*\)".*/\1/p' "$WORK/mac3.out")
case $m1 in 52:54:00:??:??:??) r=0 ;; *) r=1 ;; esac
ok $r "--interface without --mac: a 52:54:00 MAC ($m1)"
[ -n "$m1" ] && [ "$m1" = "$m2" ]; ok $? "the same on every run for the same guest and function"
[ -n "$m3" ] && [ "$m1" != "$m3" ]; ok $? "another guest gets another MAC ($m3)"
pp mac4 attach target 0000:0a:02.0 --interface --mac 02:00:00:00:00:01 --dry-run
out_has mac4 '<mac address="02:00:00:00:00:01"/>'; ok $? "--mac still wins"

# --- prepare and release ---
refused prep1 "0000:07:00.0 is in use by guest 'busy' (live and persistent configuration)" prepare 0000:07:00.0 --force
refused rel1 "0000:07:00.0 is in use by guest 'busy'" release 0000:07:00.0
refused prep2 "0000:01:00.0 is host-critical: it holds the root filesystem" prepare 0000:01:00.0
refused prep3 "0000:00:01.0 is a bridge" prepare 0000:00:01.0
pp prep4 prepare 0000:05:00.0
[ "$(rc prep4)" = 1 ] && err_has prep4 "binding 0000:05:00.0 to vfio-pci: the libvirt driver at '$URI' cannot bind host devices"
ok $? "where the driver cannot bind (test driver), the error says so plainly"
pp hprep history --json
[ "$(jq -r '.[-1] | [.action, .state] | @tsv' "$WORK/hprep.out")" = "$(printf 'prepare\tfailed')" ]
ok $? "the journal records the attempt as failed, so undo passes over it"
pp prep5 prepare 0000:05:00.0 --dry-run
[ "$(rc prep5)" = 0 ] && out_has prep5 "# dry run: would bind 0000:05:00.0 to vfio-pci"; ok $? "prepare --dry-run"

# --- SR-IOV from the physfn links, whatever sriov_totalvfs says ---
S=$(fake_root sriov-links)
cat > "$WORK/vfs.xml" <<'XML'
<node>
  <domain type='test'>
    <name>vfholder</name><uuid>6f0a6a6c-1d1e-4b8a-9e0a-000000000b01</uuid>
    <memory unit='GiB'>1</memory><os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>
    <devices>
      <hostdev mode='subsystem' type='pci' managed='yes'>
        <source><address domain='0x0000' bus='0x0a' slot='0x02' function='0x0'/></source>
      </hostdev>
      <hostdev mode='subsystem' type='pci' managed='yes'>
        <source><address domain='0x0000' bus='0x0b' slot='0x02' function='0x0'/></source>
      </hostdev>
    </devices>
  </domain>
  <domain type='test'>
    <name>pftaker</name><uuid>6f0a6a6c-1d1e-4b8a-9e0a-000000000b02</uuid>
    <memory unit='GiB'>1</memory><os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>
    <devices/>
  </domain>
</node>
XML
for pf in 0a 0b; do
    run_cmd sr$pf -c "test://$WORK/vfs.xml" --sysfs-root "$S" --proc-root "$S-proc" attach pftaker 0000:$pf:00.0 --config --force --dry-run
    [ "$(rc sr$pf)" = 1 ] && err_has sr$pf "0000:$pf:00.0 is the SR-IOV PF of VF 0000:$pf:02.0, which guest 'vfholder' (live and persistent configuration) holds"
    ok $? "a PF whose sriov_totalvfs is $([ $pf = 0a ] && echo garbage || echo missing): its VF's physfn link relates them; refused even with --force while vfholder runs"
done
run_cmd sr0c -c "test://$WORK/vfs.xml" --sysfs-root "$S" --proc-root "$S-proc" attach pftaker 0000:0c:00.0 --config --dry-run
[ "$(rc sr0c)" = 0 ]; ok $? "(a function no VF names is no PF: attached)"

done_testing

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The s390 demo host is an LPAR as a real kernel shows one: the rules the committed s390x kernel
# snapshot (tests/data/s390x-kernel.sysdump) shows, checked on the snapshot itself and on the demo:
# with uid_is_unique the PCI domain is the uid; uid_is_unique is the LPAR's, the same on every
# function; each function has an IOMMU group of its own; bus/pci/slots/FID names its address; the
# attributes are written as that kernel writes them. And the demo's guests are s390x guests.
. "$srcdir/tests/lib/common.sh"
unset PCIPASS_DATADIR

DUMP="$top_srcdir/tests/data/s390x-kernel.sysdump"
sh "$top_srcdir/tests/vm/replay-sysfs.sh" "$DUMP" "$WORK/snap"
ok $? "the kernel snapshot is laid out"
DEMO="$top_builddir/data/demo/s390-lpar"
[ -d "$DEMO/bus/pci/devices" ]; ok $? "the build has laid out the s390 demo host"

# rules ROOT LABEL: every check on one tree, from pcipass's inventory and the files themselves
rules() {
    _root=$1 _l=$2
    run_cmd "inv-$_l" --sysfs-root "$_root" -c test:///default list --json
    _j="$WORK/inv-$_l.out"
    [ "$(rc "inv-$_l")" = 0 ] && [ "$(jq '[.[] | select(.zpci != null)] | length' "$_j")" -ge 3 ]
    ok $? "$_l: listed, every function with its zPCI ids"
    [ "$(jq -r '[.[] | select(.zpci.uid_is_unique) | select((.address | split(":")[0] | ascii_downcase) != (.zpci.uid | ltrimstr("0x") | ascii_downcase))] | length' "$_j")" = 0 ] &&
        [ "$(jq '[.[] | select(.zpci.uid_is_unique)] | length' "$_j")" -gt 0 ]
    ok $? "$_l: with uid_is_unique, the PCI domain is the uid" ||
        jq -r '.[] | "\(.address) uid \(.zpci.uid) unique \(.zpci.uid_is_unique)"' "$_j" | diag
    [ "$(jq '[.[].zpci.uid_is_unique] | unique | length' "$_j")" = 1 ]
    ok $? "$_l: uid_is_unique is the LPAR's: the same on every function"
    [ "$(jq '[.[].iommu_group] | unique | length' "$_j")" = "$(jq length "$_j")" ] &&
        [ "$(jq '[.[] | select(.iommu_group == null)] | length' "$_j")" = 0 ]
    ok $? "$_l: each function has an IOMMU group of its own"
    _bad=
    for _p in "$_root"/bus/pci/devices/*; do
        _a=${_p##*/}
        read -r _fid < "$_p/function_id"; read -r _uid < "$_p/uid"
        read -r _s < "$_root/bus/pci/slots/$(printf '%08x' $((_fid)))/address" || _s=none
        [ "$_s" = "${_a%.*}" ] || _bad="$_bad $_a:slot=$_s"
        printf '%s\n' "$_fid" | grep -Eq '^0x[0-9a-f]{8}$' || _bad="$_bad $_a:function_id=$_fid"
        printf '%s\n' "$_uid" | grep -Eq '^0x[1-9a-f][0-9a-f]*$' || _bad="$_bad $_a:uid=$_uid"
    done
    [ -z "$_bad" ]; ok $? "$_l: slots/FID/address names each function; function_id and uid written as the kernel writes them${_bad:+ (wrong:$_bad)}"
}
rules "$WORK/snap" snapshot
rules "$DEMO" demo

run_cmd g --demo=s390 guests --json
[ "$(rc g)" = 0 ] && [ "$(jq length "$WORK/g.out")" -ge 2 ] &&
    [ "$(jq -r '[.[].arch] | unique | join(",")' "$WORK/g.out")" = s390x ]
ok $? "the s390 demo's guests are s390x guests only (KVM on IBM Z runs no other)"
run_cmd o --demo=s390 owners --json
[ "$(jq -r '[.[] | .address as $a | .owners[] | select(.zpci.uid != null) | "\($a) \(.zpci.uid)"] | join(",")' "$WORK/o.out")" = "0301:00:00.0 0x0301" ]
ok $? "the function a demo guest holds is the host's, with the LPAR's own uid (its domain in the guest stays)"
run_cmd gx --demo guests --json
[ "$(jq -r '[.[] | select(.arch == "x86_64")] | length' "$WORK/gx.out")" -ge 4 ]
ok $? "the x86 demo keeps its x86 guests"

done_testing

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The host inventory on fake sysfs roots: what `pcipass list --json` says of each function, checked
# field by field with jq, and cross-checked against lspci reading the very same root.
. "$srcdir/tests/lib/common.sh"

X86=$(fake_root x86-server)
S390=$(fake_root s390-zpci)
BROKEN=$(fake_root broken)
mkdir -p "$BROKEN/bus/pci/devices/junk"

run_cmd x86 -c test:///default --sysfs-root "$X86" list --json
ok "$(cat "$WORK/x86.rc")" "list --json on the x86 root exits 0"
[ ! -s "$WORK/x86.err" ]; ok $? "no warnings on a sound root"
J="$WORK/x86.out"
q() { jq -r "$1" "$J"; }
is() { # JQ-EXPR WANT DESCRIPTION
    got=$(q "$1")
    [ "$got" = "$2" ]; ok $? "$3"
    [ "$got" = "$2" ] || echo "got '$got', want '$2'" | diag
}

is 'length' 21 "all 21 functions listed"
is '[.[].address] == ([.[].address] | sort)' true "sorted by address"
is '[.[] | keys_unsorted | join(",")] | unique | .[]' \
   'address,class,class_name,vendor_id,device_id,vendor,device,subsystem_vendor_id,subsystem_device_id,driver,vfio,vfio_rule,iommu_group,numa_node,bridge,physfn,sriov,zpci,owners,binding,reset_method' \
   "every object has exactly the documented keys, in order"
is '.[] | select(.address=="0000:17:02.1") | [.class,.vendor_id,.device_id,.vendor,.device,.driver,.iommu_group,.physfn] | @tsv' \
   "$(printf '0x020000\t0x8086\t0x154c\tIntel Corporation\tEthernet Virtual Function 700 Series\tvfio-pci\t23\t0000:17:00.0')" \
   "a VF: ids, names, driver, group and its PF"
is '.[] | select(.address=="0000:17:00.0") | .sriov | "\(.total)/\(.enabled)"' "32/4" "a PF: total and enabled VFs"
is '.[] | select(.address=="0000:17:00.1") | .sriov.enabled' 0 "a PF with SR-IOV off"
is '.[] | select(.address=="0000:17:02.3") | .driver' null "a VF without driver reads null"
is '[.[] | select(.iommu_group==40) | .address] | join(" ")' "0000:65:00.0 0000:65:00.1" "GPU and its audio share group 40"
is '[.[] | select(.bridge) | .address] | join(" ")' \
   "0000:00:00.0 0000:00:01.0 0000:00:02.0 0000:00:03.0 0000:02:00.0" "host and PCI bridges are bridges; the ISA bridge is an endpoint"
is '.[] | select(.address=="0000:65:00.0") | .numa_node' 1 "NUMA node read"
is '.[] | select(.address=="0000:00:14.0") | [.subsystem_vendor_id,.subsystem_device_id,.class] | join(" ")' \
   "0x15d9 0x095d 0x0c0330" "subsystem ids and prog-if in the class code"
is '[.[] | select(.zpci != null)] | length' 0 "no zPCI on x86"
is '[.[] | .owners | length] | add' 0 "no owners where no guest holds anything"

# lspci on the same root must agree on every address, id pair and driver
lspci -D -n -k -O "sysfs.path=$X86/bus/pci" 2>/dev/null | awk '
    /^[0-9a-f]/ { if (a) print a, id, drv; a = $1; id = $3; drv = "null" }
    /Kernel driver in use:/ { drv = $5 }
    END { if (a) print a, id, drv }' > "$WORK/lspci.txt"
jq -r '.[] | "\(.address) \(.vendor_id[2:]):\(.device_id[2:]) \(.driver)"' "$J" > "$WORK/ours.txt"
diff -u "$WORK/lspci.txt" "$WORK/ours.txt" > "$WORK/lspci.diff"
ok $? "addresses, ids and drivers agree with lspci -k on the same root"
diag < "$WORK/lspci.diff"

run_cmd s390 -c test:///default --sysfs-root "$S390" list --json
J="$WORK/s390.out"
is 'length' 6 "s390: six functions, one per PCI domain"
is '.[] | select(.address=="0002:00:00.0") | .zpci | [.fid,.uid,.uid_is_unique,.pchid] | join(" ")' \
   "0x00000302 0x0302 true 0x0100" "s390: zPCI fid, uid, uid_is_unique, pchid"
is '[.[].zpci.uid_is_unique] | unique | join(" ")' true "s390: UID checking on: every function's uid is unique"
# uid_is_unique is the LPAR's: with UID checking off the kernel shows 0 in every function's file
Z0="$WORK/s390-uid-checking-off"
cp -a "$S390" "$Z0"
for u in "$Z0"/bus/pci/devices/*/uid_is_unique; do echo 0 > "$u"; done
rm "$Z0/bus/pci/devices/0000:00:00.0/uid_is_unique"
run_cmd z0 -c test:///default --sysfs-root "$Z0" list --json
[ "$(jq -r '[.[].zpci.uid_is_unique] | unique | join(" ")' "$WORK/z0.out")" = false ] &&
    [ "$(jq length "$WORK/z0.out")" = 6 ]
ok $? "s390: UID checking off: no function's uid is unique, the first's read from the others' files"
is '[.[] | select(.numa_node != null)] | length' 0 "s390: no NUMA nodes"

run_cmd broken -c test:///default --sysfs-root "$BROKEN" list --json
ok "$(cat "$WORK/broken.rc")" "broken root: still exits 0"
J="$WORK/broken.out"
is '[.[].address] | join(" ")' "0000:00:00.0 0000:00:14.0 0000:00:17.0 0000:00:1f.4 0000:00:1f.5 0000:17:00.0" \
   "broken root: the sound functions are all listed"
is '.[] | select(.address=="0000:00:1f.4") | .driver' null "dangling driver link reads as no driver"
is '.[] | select(.address=="0000:00:1f.5") | .iommu_group' null "dangling group link reads as no group"
is '.[] | select(.address=="0000:17:00.0") | .sriov' null "garbage sriov_totalvfs reads as no SR-IOV"
for pat in "junk: not a PCI function address" "0000:00:16.0: skipped: Cannot open" \
           "0000:00:17.0: cannot read 'numa_node': not a regular file" "0000:00:1f.4: 'driver' link is dangling" \
           "0000:00:1f.5: 'iommu_group' link is dangling" "0000:17:00.0: 'sriov_totalvfs' holds 'lots'"; do
    [ "$(grep -c "warning: .*$pat" "$WORK/broken.err")" -eq 1 ]
    ok $? "broken root: exactly one warning: $pat"
done
[ "$(grep -c . "$WORK/broken.err")" -eq 6 ]; ok $? "broken root: six warnings, no more"

run_cmd missing -c test:///default --sysfs-root "$WORK/no-such-root" list
[ "$(cat "$WORK/missing.rc")" = 1 ]; ok $? "a missing root exits 1"
grep -q "sysfs root '$WORK/no-such-root': No such file or directory" "$WORK/missing.err"; ok $? "and names the path"
[ ! -s "$WORK/missing.out" ]; ok $? "and prints nothing on stdout"
run_cmd notsys -c test:///default --sysfs-root "$WORK" list
[ "$(cat "$WORK/notsys.rc")" = 1 ]; ok $? "a directory that is no sysfs root exits 1"
grep -q "is not a sysfs root: it has no bus/pci/devices directory" "$WORK/notsys.err"; ok $? "and says why"

run_cmd usage1 -c test:///default --sysfs-root "$X86" list --bogus
[ "$(cat "$WORK/usage1.rc")" = 2 ]; ok $? "an unknown option is a usage error (2)"
run_cmd usage2 nosuchcommand
[ "$(cat "$WORK/usage2.rc")" = 2 ]; ok $? "an unknown command is a usage error (2)"
grep -q "unknown command 'nosuchcommand'" "$WORK/usage2.err"; ok $? "and is named"
run_cmd help --help
[ "$(cat "$WORK/help.rc")" = 0 ] && grep -q -- "--sysfs-root DIR" "$WORK/help.out"; ok $? "--help lists the options"

done_testing

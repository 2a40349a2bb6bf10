#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Faults of the host's sysfs: a function that disappears between a listing and an attach, and
# entries that cannot be read in ways the description language does not lay out. Each is skipped or
# read in part with a warning; the rest is listed; nothing crashes.
. "$srcdir/tests/lib/common.sh"

URI="test://$top_srcdir/data/demo/guests.xml"

# --- a function that disappears between scan and apply ---
X86=$(fake_root x86-server)
run_cmd scan -c "$URI" --sysfs-root "$X86" list --json
[ "$(jq -r '[.[] | select(.address=="0000:17:02.3")] | length' "$WORK/scan.out")" = 1 ]
ok $? "the operator's listing shows 0000:17:02.3 free"
# the VF goes away (SR-IOV disabled on its PF, hot unplug): its sysfs entry and directory vanish
rm -f "$X86/bus/pci/devices/0000:17:02.3"
rm -rf "$X86/devices/pci0000:17/0000:17:02.3"
run_cmd gone -c "$URI" --sysfs-root "$X86" attach ml-train 0000:17:02.3
[ "$(rc gone)" = 1 ] && [ ! -s "$WORK/gone.out" ] &&
    err_has gone "device: 0000:17:02.3 is not a PCI function of this host"
ok $? "attach of the vanished function is refused, naming it, nothing printed as done"
run_cmd gonejson -c "$URI" --sysfs-root "$X86" attach ml-train 0000:17:02.3 --json
[ "$(rc gonejson)" = 1 ] && [ ! -s "$WORK/gonejson.out" ]; ok $? "--json: exit 1 and no JSON claiming success"
# its link dangles while the directory is gone: the entry is skipped with a warning, the rest listed
ln -s ../../../devices/pci0000:17/0000:17:02.3 "$X86/bus/pci/devices/0000:17:02.3"
run_cmd dangle -c "$URI" --sysfs-root "$X86" list --json
[ "$(rc dangle)" = 0 ] && [ "$(jq length "$WORK/dangle.out")" = 20 ] && err_has dangle "0000:17:02.3: skipped:"
ok $? "a dangling device link: that function skipped with a warning, the other 20 listed"

# --- unreadable files and links, beyond tests/data/broken.hw ---
B=$(fake_root x86-server)
B2="$WORK/roots/x86-unreadable"
cp -a "$B" "$B2"
d() { printf '%s/%s' "$B2" "$(readlink "$B2/bus/pci/devices/$1" | sed 's|^\.\./\.\./\.\./||')"; }
# vendor is a directory: libpci's fatal error, that function only
rm "$(d 0000:00:14.0)/vendor"; mkdir "$(d 0000:00:14.0)/vendor"
# class holds garbage
printf 'zz\n' > "$(d 0000:00:17.0)/class"
# neither has the kernel's uevent: libpci reads their identity from those files
rm "$(d 0000:00:14.0)/uevent" "$(d 0000:00:17.0)/uevent"
# sriov_numvfs cannot be read (a directory), sriov_totalvfs empty on the other PF
rm "$(d 0000:17:00.0)/sriov_numvfs"; mkdir "$(d 0000:17:00.0)/sriov_numvfs"
: > "$(d 0000:17:00.1)/sriov_totalvfs"
# a driver link that loops on itself, an iommu_group link to a non-number
ln -sfn driver "$(d 0000:05:00.0)/driver"
mkdir -p "$B2/kernel/iommu_groups/notanumber"
ln -sfn ../../../kernel/iommu_groups/notanumber "$(d 0000:b3:00.0)/iommu_group"
# a physfn link to something that is not a PCI function
ln -sfn ../../../module "$(d 0000:17:02.0)/physfn"
# config missing altogether
rm "$(d 0000:65:00.1)/config"
# an empty file where a number should be
: > "$(d 0000:65:00.0)/numa_node"
# uevents that are not the kernel's: an id that is no hex pair, a key twice
sed -i 's/^PCI_ID=.*/PCI_ID=80zz:a1a3/' "$(d 0000:00:1f.4)/uevent"
printf 'PCI_CLASS=60100\n' >> "$(d 0000:00:1f.0)/uevent"
# a NUL byte: the text after it would be unseen by a string parse
printf 'PCI_ID=8086:0000\000\n' >> "$(d 0000:04:00.0)/uevent"
run_cmd unread -c "$URI" --sysfs-root "$B2" list --json
ok "$(rc unread)" "list on a root full of unreadable entries exits 0"
jq -e . "$WORK/unread.out" > /dev/null; ok $? "and prints valid JSON"
n=$(jq length "$WORK/unread.out")
[ "$n" -ge 19 ]; ok $? "every readable function is listed ($n of 21)"
err_has unread "0000:00:14.0: skipped:"; ok $? "vendor unreadable: that function skipped, with libpci's reason"
err_has unread "0000:17:00.0: cannot read 'sriov_numvfs'"; ok $? "unreadable sriov_numvfs warned"
err_has unread "0000:17:00.1: 'sriov_totalvfs' holds '', not a number"; ok $? "empty sriov_totalvfs warned"
err_has unread "0000:05:00.0: cannot read 'driver'" || err_has unread "0000:05:00.0: 'driver' link is dangling"
ok $? "a looping driver link is warned, read as no driver"
[ "$(jq -r '.[] | select(.address=="0000:05:00.0") | .driver' "$WORK/unread.out")" = null ]; ok $? "and the function shows no driver"
err_has unread "0000:b3:00.0: 'iommu_group' points to 'notanumber', not a group number"; ok $? "a non-numeric IOMMU group warned"
[ "$(jq -r '.[] | select(.address=="0000:b3:00.0") | .iommu_group' "$WORK/unread.out")" = null ]; ok $? "and read as no group"
err_has unread "0000:17:02.0: 'physfn' points to"; ok $? "a physfn that is no PCI function warned"
[ "$(jq -r '.[] | select(.address=="0000:17:02.0") | .physfn' "$WORK/unread.out")" = null ]; ok $? "and the VF shows no PF"
[ "$(jq -r '.[] | select(.address=="0000:65:00.1") | .vendor_id' "$WORK/unread.out")" = 0x10de ]; ok $? "missing config: read from the attribute files"
err_has unread "0000:00:1f.4: 'uevent' has no PCI_ID as the kernel writes it; its identity is read from the attribute files" &&
    err_has unread "0000:00:1f.0: 'uevent' has no PCI_CLASS as the kernel writes it"
ok $? "a uevent that is not the kernel's is named, with the key"
[ "$(jq -r '.[] | select(.address=="0000:00:1f.4" or .address=="0000:00:1f.0") | "\(.vendor_id):\(.device_id) \(.class)"' "$WORK/unread.out" | tr '\n' ' ')" = "0x8086:0xa1c2 0x060100 0x8086:0xa1a3 0x0c0500 " ]
ok $? "and those functions' identity is read from the attribute files"
err_has unread "0000:04:00.0: 'uevent' holds a NUL byte; its identity is read from the attribute files" &&
    [ "$(jq -r '.[] | select(.address=="0000:04:00.0") | "\(.vendor_id):\(.device_id)"' "$WORK/unread.out")" = 0x144d:0xa808 ]
ok $? "a uevent holding a NUL byte is named and not trusted"
run_cmd unreadtxt -c "$URI" --sysfs-root "$B2" list
ok "$(rc unreadtxt)" "the text listing of the same root exits 0"
[ "$(grep -c . "$WORK/unread.err")" -eq "$(sort -u "$WORK/unread.err" | grep -c .)" ]; ok $? "each warning once"

done_testing

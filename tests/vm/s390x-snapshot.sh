#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The quick relative of tests/vm/s390x.sh, no VM: a PCI sysfs that a real s390x kernel printed
# (tests/data/s390x-kernel.sysdump; its K line names the kernel, 6.1.0-50-s390x, under
# qemu-system-s390x 7.2 with zpci devices), laid out again and inventoried the same way.
. "$srcdir/tests/lib/common.sh"
. "$srcdir/tests/vm/zpci-compare.sh"
DUMP="$top_srcdir/tests/data/s390x-kernel.sysdump"
sh "$top_srcdir/tests/vm/replay-sysfs.sh" "$DUMP" "$WORK/root"
ok $? "the snapshot of $(sed -n 's/^K \([^ ]*\).*/\1/p' "$DUMP") is laid out"
zpci_compare "$WORK/root" 4
[ "$(jq -r '.[] | select(.address == "1234:00:00.0") | "\(.zpci.uid) \(.zpci.fid)"' "$WORK/zlist.out")" = "0x1234 0x00000010" ]
ok $? "uid 0x1234 fid 0x10 as QEMU was told; the PCI domain is the uid"
[ "$(jq -r '.[] | select(.address == "0001:00:00.0") | "\(.zpci.uid) \(.zpci.fid)"' "$WORK/zlist.out")" = "0x0001 0x00000001" ]
ok $? "a function without zpci options: the lowest free uid and fid, as the kernel shows them"
done_testing

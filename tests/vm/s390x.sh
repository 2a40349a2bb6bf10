#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The real-kernel lane, s390x: Debian's s390x kernel under qemu-system-s390x TCG with zPCI functions
# (uid/fid given, only a uid, none at all), its PCI sysfs printed on the console by
# tests/vm/init-s390x.sh and laid out here as a tree; pcipass's inventory of that tree must say what
# the kernel said: fid, uid, uid_is_unique, pchid, IOMMU group, driver, ids. Made afresh on every run.
. "$srcdir/tests/lib/common.sh"
. "$srcdir/tests/vm/lib.sh"

vm_require qemu-system-s390x
[ -x "$PCIPASS" ] || skip_all "pcipass is not built"
t0=$(now)
# the s390x packages come from the archive only when dpkg knows the architecture
dpkg --print-foreign-architectures | grep -qx s390x ||
    skip_all "dpkg has no s390x architecture (tests/install-deps.sh adds it)"
vm_fetch s390x
vm_initramfs "$WORK/initrd.gz" "$top_srcdir/tests/vm/init-s390x.sh" virtio_ring virtio \
    virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci 2> "$WORK/initramfs.err" ||
    skip_all "cannot build the s390x initramfs: $(head -n 1 "$WORK/initramfs.err")"
t_boot=$(now)
qemu-system-s390x -machine s390-ccw-virtio -cpu max -m 1024 -smp 1 \
    -nographic -nodefaults -serial stdio -no-reboot \
    -kernel "$VM_KERNEL" -initrd "$WORK/initrd.gz" -append "console=ttysclp0 quiet panic=-1" \
    -device zpci,uid=0x1234,fid=0x10,target=n1 -device virtio-net-pci,id=n1 \
    -device zpci,uid=0x7,fid=0x20,target=r1 -device virtio-rng-pci,id=r1 \
    -device zpci,uid=0x30,target=r2 -device virtio-rng-pci,id=r2 \
    -device virtio-net-pci,id=n2 \
    > "$WORK/console.log" 2>&1 &
qpid=$!
vm_watch $qpid "${PCIPASS_VM_TIMEOUT:-600}" "${PCIPASS_VM_STALL:-180}" "$WORK/watchdog" "$WORK/console.log"
wait $qpid
qrc=$?
t_end=$(now)
tr -d '\r' < "$WORK/console.log" > "$WORK/dump"
grep -q '^PPSYS-END$' "$WORK/dump"
st=$?
ok $st "the s390x kernel printed its PCI sysfs (QEMU exit $qrc)"
[ $st -eq 0 ] || { [ -f "$WORK/watchdog" ] && echo "# ended: $(cat "$WORK/watchdog")"; tail -n 30 "$WORK/dump" | diag; }
KERNEL_SAID=$(sed -n 's/^K //p' "$WORK/dump")
echo "# kernel: $KERNEL_SAID"
ROOT="$WORK/s390root"
sh "$top_srcdir/tests/vm/replay-sysfs.sh" "$WORK/dump" "$ROOT"
ok $? "its tree is laid out"
[ -z "${PCIPASS_VM_KEEP:-}" ] || cp "$WORK/dump" "$PCIPASS_VM_KEEP"

. "$srcdir/tests/vm/zpci-compare.sh"
zpci_compare "$ROOT" 4
echo "# timing: kernel fetch and initramfs $(secs "$t0" "$t_boot") s, boot and dump $(secs "$t_boot" "$t_end") s"
done_testing

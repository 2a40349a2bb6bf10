#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The real-kernel lane, x86: Debian's amd64 kernel under QEMU TCG (q35, intel-iommu) with two e1000e,
# an SR-IOV NVMe controller and a PCIe-to-PCI bridge with a two-function e1000 behind it. Inside, a
# root libvirtd and nested guests; tests/vm/x86-guest.sh runs there as init and its TAP comes back
# through a writable 9p share. One boot for the whole scenario.
. "$srcdir/tests/lib/common.sh"
. "$srcdir/tests/vm/lib.sh"

vm_require qemu-system-x86_64
[ -x "$PCIPASS" ] || skip_all "pcipass is not built"
t0=$(now)
vm_fetch amd64
vm_initramfs "$WORK/initrd.gz" "$top_srcdir/tests/vm/init-x86.sh" virtio_ring virtio virtio_pci_modern_dev \
    virtio_pci_legacy_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p overlay ||
    skip_all "cannot build the initramfs"
RES="$WORK/res"
mkdir -p "$RES"
cat > "$RES/env" <<ENV
srcdir='$top_srcdir'
top_builddir='$top_builddir'
kdir='$VM_KDIR'
kver='$VM_KVER'
ENV
truncate -s 16M "$WORK/nvme.img"
t_ready=$(now)
# -accel tcg: KVM is offered on these machines but a KVM guest hangs; caching-mode lets vfio map DMA
timeout "${PCIPASS_VM_TIMEOUT:-420}" qemu-system-x86_64 -accel tcg -m 2048 -smp 2 -machine q35 \
    -device intel-iommu,caching-mode=on -nodefaults -vga none -display none -no-reboot -serial stdio \
    -kernel "$VM_KERNEL" -initrd "$WORK/initrd.gz" \
    -append "console=ttyS0 intel_iommu=on panic=-1 quiet pp.run=$top_srcdir/tests/vm/x86-guest.sh" \
    -fsdev local,id=r,path=/,security_model=none,readonly=on,multidevs=remap \
    -device virtio-9p-pci,fsdev=r,mount_tag=hostroot \
    -fsdev local,id=o,path="$RES",security_model=none,multidevs=remap \
    -device virtio-9p-pci,fsdev=o,mount_tag=results \
    -device e1000e,romfile= \
    -device nvme-subsys,id=ss -device pcie-root-port,id=rp1,chassis=1 \
    -drive file="$WORK/nvme.img",if=none,id=nv,format=raw \
    -device nvme,serial=pp0001,subsys=ss,bus=rp1,sriov_max_vfs=2,sriov_vq_flexible=4,sriov_vi_flexible=2,msix_qsize=4 \
    -device nvme-ns,drive=nv,nsid=1,shared=false,detached=true \
    -device pcie-pci-bridge,id=pb \
    -device e1000,romfile=,bus=pb,addr=1.0,multifunction=on -device e1000,romfile=,bus=pb,addr=1.1 \
    -device pcie-root-port,id=rp2,chassis=2 -device e1000e,romfile=,bus=rp2 \
    -device pcie-root-port,id=rp3,chassis=3 -device pcie-root-port,id=rp4,chassis=4 \
    > "$WORK/console.log" 2>&1
qrc=$?
t_end=$(now)

. "$srcdir/tests/vm/relay.sh"
relay_tap "$RES/tap"
[ -f "$RES/done" ]
ok $? "the scenario ran to its end inside the VM (QEMU exit $qrc)"
if [ ! -f "$RES/done" ]; then
    echo "# --- VM console (last lines)"; tail -n 40 "$WORK/console.log" | sed 's/^/# /'
    echo "# --- scenario log (last lines)"; tail -n 40 "$RES/log" 2>/dev/null | sed 's/^/# /'
fi
relay_times "$t0" "$t_ready" "$t_end" "$RES/times"
[ -z "${PCIPASS_VM_KEEP:-}" ] || cp -r "$RES" "$PCIPASS_VM_KEEP"
done_testing

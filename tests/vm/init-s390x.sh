#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-or-later
# /init of the lane's s390x initramfs: loads the virtio PCI driver (so functions have driver links)
# and prints the kernel's PCI sysfs on the console between two marker lines, for tests/vm/s390x.sh
# to lay out as a tree on the host:
#   D PATH          a directory
#   L PATH TARGET   a symbolic link and its target as the kernel wrote it
#   F PATH HEX...   a file and its bytes in hex
# PATH is relative to /sys. Then it powers the machine off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci; do
    [ -f /mod/$m.ko ] && insmod /mod/$m.ko
done
# the attributes pcipass and libpci read, the zPCI ones of Documentation/arch/s390/pci.rst among them
ATTRS="vendor device class subsystem_vendor subsystem_device revision numa_node irq resource config
enable modalias function_id function_handle uid uid_is_unique pchid vfn port pfgid pft
sriov_totalvfs sriov_numvfs"
f() { [ -r "/sys/$1" ] && printf 'F %s %s\n' "$1" "$(od -An -tx1 -v "/sys/$1" 2> /dev/null | tr -s ' \n' '  ')"; }
l() { printf 'L %s %s\n' "$1" "$(readlink "/sys/$1")"; }
cd /sys
echo PPSYS-BEGIN
echo "K $(uname -r) $(uname -v | tr ' ' '_')"
for d in bus/pci/drivers/* kernel/iommu_groups/* bus/pci/slots/*; do [ -d "$d" ] && echo "D $d"; done
for s in bus/pci/slots/*; do [ -f "$s/address" ] && f "$s/address"; done
for g in kernel/iommu_groups/*; do for m in "$g"/devices/*; do [ -L "$m" ] && l "$m"; done; done
for p in bus/pci/devices/*; do
    [ -L "$p" ] || continue
    l "$p"
    real=$(readlink -f "$p"); real=${real#/sys/}
    echo "D $real"
    for a in $ATTRS; do f "$real/$a"; done
    for k in driver iommu_group physfn subsystem; do [ -L "$real/$k" ] && l "$real/$k"; done
    for v in "$real"/virtfn*; do [ -L "$v" ] && l "$v"; done
done
echo PPSYS-END
poweroff -f

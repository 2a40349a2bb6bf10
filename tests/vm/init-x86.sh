#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-or-later
# /init of the lane's x86 initramfs: the host's root (9p, read-only) under a tmpfs overlay becomes
# the root, the writable share "results" is mounted at /vmres, and the scenario named on the kernel
# command line (pp.run=PATH) runs as the first process. Module order: each needs the ones before it.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci netfs fscache \
         9pnet 9pnet_virtio 9p overlay; do
    insmod /mod/$m.ko || echo "init: insmod $m failed"
done
# the 9p devices appear a moment after virtio_pci is loaded
i=0
until mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot /lower 2> /dev/null; do
    i=$((i + 1)); [ $i -lt 100 ] || { echo "init: no 9p root"; poweroff -f; }
    sleep 0.1
done
mount -t tmpfs -o size=1g tmpfs /upper
mkdir -p /upper/u /upper/w
mount -t overlay overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w /newroot
mkdir -p /newroot/vmres
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results /newroot/vmres || echo "init: no results share"
run=$(sed -n 's/.*pp\.run=\([^ ]*\).*/\1/p' /proc/cmdline)
mount --move /proc /newroot/proc
mount --move /sys /newroot/sys
mount --move /dev /newroot/dev
exec switch_root /newroot /bin/sh "$run"

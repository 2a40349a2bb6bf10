#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-or-later
# /init of the s390x libvirt scenario's initramfs (tests/vm/s390x-libvirt.sh): the unpacked s390x
# root (9p tag s390root, read-only) under a tmpfs overlay becomes the root; this machine's root
# (hostroot, read-only: the source tree, the s390x build of pcipass, the kernel's modules) is at
# /host, the writable share "results" at /vmres. virtio-ccw is built into Debian's s390x kernel: the
# 9p devices need no PCI. Then the scenario named by pp.run= (a host path) runs as the first process.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in netfs fscache 9pnet 9pnet_virtio 9p overlay; do
    insmod /mod/$m.ko || echo "init: insmod $m failed"
done
m9() { # TAG DIR OPTIONS: the 9p devices appear a moment after the modules load
    _i=0
    until mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,$3 "$1" "$2" 2> /dev/null; do
        _i=$((_i + 1)); [ $_i -lt 100 ] || { echo "init: no 9p share $1"; poweroff -f; }
        sleep 0.1
    done
}
m9 s390root /lower ro,cache=loose
mount -t tmpfs -o size=512m tmpfs /upper
mkdir -p /upper/u /upper/w
mount -t overlay overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w /newroot
mkdir -p /newroot/host /newroot/vmres /newroot/proc /newroot/sys /newroot/dev /newroot/tmp
m9 hostroot /newroot/host ro,cache=loose
m9 results /newroot/vmres rw
run=$(sed -n 's/.*pp\.run=\([^ ]*\).*/\1/p' /proc/cmdline)
mount --move /proc /newroot/proc
mount --move /sys /newroot/sys
mount --move /dev /newroot/dev
exec switch_root /newroot /bin/busybox sh "/host$run"

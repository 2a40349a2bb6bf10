#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-or-later
# /init of the Linux guest nested in the lane's x86 VM (tests/vm/x86-guest.sh boots it with libvirt):
# Debian's own kernel with ACPI and PCIe hot-plug built in, and this busybox. Once a second it prints
# the PCI functions it sees on its serial console as "PPGUEST-PCI ADDRESS=VENDOR:DEVICE ...", and it
# keeps using them: every function's config space is read again before each line, so a function the
# host takes away is one the guest holds open.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
echo "PPGUEST-UP $(cut -d' ' -f1 /proc/uptime)"
while :; do
    line=""
    for d in /sys/bus/pci/devices/*; do
        [ -e "$d/config" ] || continue
        # the shell's own read, no dd or cat: a fork per function a second, in a guest under TCG
        # inside TCG, took most of the lane VM's two CPUs from every other section
        v="" p=""
        read -r -n 64 c < "$d/config" 2> /dev/null
        read -r v < "$d/vendor" 2> /dev/null
        read -r p < "$d/device" 2> /dev/null
        line="$line ${d##*/}=$v:$p"
    done
    echo "PPGUEST-PCI$line"
    sleep 1
done

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The real-kernel lane, s390x with libvirt: Debian's s390x kernel under qemu-system-s390x TCG with
# two zPCI functions, its root made of Debian's own s390x packages (libvirt, QEMU, busybox; unpacked,
# never installed, cached), and pcipass cross-built for s390x against the same tree. Inside, a root
# libvirtd and nested s390x guests; tests/vm/s390x-libvirt-guest.sh runs there as init and its TAP
# comes back through a writable 9p share. `make check-vm-s390` runs it.
. "$srcdir/tests/lib/common.sh"
. "$srcdir/tests/vm/lib.sh"

vm_require qemu-system-s390x
dpkg --print-foreign-architectures | grep -qx s390x ||
    skip_all "dpkg has no s390x architecture (tests/install-deps.sh adds it)"
command -v s390x-linux-gnu-gcc > /dev/null || skip_all "gcc-s390x-linux-gnu is not installed (tests/install-deps.sh)"
t0=$(now)
vm_fetch s390x
# the root: what the scenario runs, and the -dev packages pcipass is built against
vm_fetch_root s390x libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-misc busybox \
    pciutils jq kmod libvirt-dev libpci-dev libncurses-dev libxml2-dev libjson-c-dev zlib1g-dev libc6-dev
echo "# s390x root $VM_ROOT: $(cat "$VM_ROOT/.cost")"
t_root=$(now)

# pcipass for s390x: this tree, cross-built with the s390x root as the sysroot
B="$WORK/s390x-build"
mkdir -p "$B"
(cd "$B" && "$top_srcdir/configure" --quiet --host=s390x-linux-gnu CC="s390x-linux-gnu-gcc --sysroot=$VM_ROOT" \
    PKG_CONFIG_LIBDIR="$VM_ROOT/usr/lib/s390x-linux-gnu/pkgconfig:$VM_ROOT/usr/share/pkgconfig" \
    PKG_CONFIG_SYSROOT_DIR="$VM_ROOT" && make -s -j2 pcipass) > "$WORK/cross.log" 2>&1
file "$B/pcipass" 2> /dev/null | grep -q 'IBM S/390'
ok $? "pcipass cross-built for s390x against Debian's s390x libraries" || { diag < "$WORK/cross.log"; done_testing; exit; }
t_build=$(now)

vm_initramfs "$WORK/initrd.gz" "$top_srcdir/tests/vm/init-s390x-libvirt.sh" netfs fscache 9pnet 9pnet_virtio \
    9p overlay || skip_all "cannot build the s390x initramfs"
RES="$WORK/res"
mkdir -p "$RES"
cat > "$RES/env" <<ENV
srcdir='/host$top_srcdir'
top_builddir='/host$B'
kdir='/host$VM_KDIR'
kver='$VM_KVER'
ENV
t_boot=$(now)
# the functions under test are zPCI functions with their own uid and fid; the shares are virtio-ccw
qemu-system-s390x -machine s390-ccw-virtio -cpu max -m 2048 -smp 2 \
    -nographic -nodefaults -serial stdio -no-reboot \
    -kernel "$VM_KERNEL" -initrd "$WORK/initrd.gz" \
    -append "console=ttysclp0 quiet panic=-1 pp.run=$top_srcdir/tests/vm/s390x-libvirt-guest.sh" \
    -fsdev local,id=s,path="$VM_ROOT",security_model=none,readonly=on,multidevs=remap \
    -device virtio-9p-ccw,fsdev=s,mount_tag=s390root \
    -fsdev local,id=h,path=/,security_model=none,readonly=on,multidevs=remap \
    -device virtio-9p-ccw,fsdev=h,mount_tag=hostroot \
    -fsdev local,id=o,path="$RES",security_model=none,multidevs=remap \
    -device virtio-9p-ccw,fsdev=o,mount_tag=results \
    -object rng-random,id=rng0,filename=/dev/urandom -device virtio-rng-ccw,rng=rng0 \
    -device zpci,uid=0x1234,fid=0x10,target=n1 -device virtio-net-pci,id=n1 \
    -device zpci,uid=0x7,fid=0x20,target=r1 -device virtio-rng-pci,id=r1 \
    > "$WORK/console.log" 2>&1 &
qpid=$!
vm_watch $qpid "${PCIPASS_VM_TIMEOUT:-1200}" "${PCIPASS_VM_STALL:-300}" "$WORK/watchdog" \
    "$WORK/console.log" "$RES/tap" "$RES/times" "$RES/log"
wait $qpid
qrc=$?
t_end=$(now)

. "$srcdir/tests/vm/relay.sh"
relay_tap "$RES/tap"
[ -f "$RES/done" ]
ok $? "the scenario ran to its end inside the s390x VM (QEMU exit $qrc)"
if [ ! -f "$RES/done" ]; then
    [ -f "$WORK/watchdog" ] && echo "# ended: $(cat "$WORK/watchdog")"
    echo "# --- VM console (last lines)"; tail -n 40 "$WORK/console.log" | sed 's/^/# /'
    echo "# --- scenario log (last lines)"; tail -n 60 "$RES/log" 2>/dev/null | sed 's/^/# /'
fi
echo "# timing: s390x root $(secs "$t0" "$t_root") s, cross-build $(secs "$t_root" "$t_build") s"
relay_times "$t_build" "$t_boot" "$t_end" "$RES/times"
[ -z "${PCIPASS_VM_KEEP:-}" ] || cp -r "$RES" "$PCIPASS_VM_KEEP"
done_testing

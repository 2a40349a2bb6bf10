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
vm_fetch_pkg driverctl
vm_initramfs "$WORK/initrd.gz" "$top_srcdir/tests/vm/init-x86.sh" virtio_ring virtio virtio_pci_modern_dev \
    virtio_pci_legacy_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p overlay ||
    skip_all "cannot build the initramfs"
RES="$WORK/res"
mkdir -p "$RES"
# the nested Linux guest's initramfs: busybox and its own /init (the kernel is the lane's own)
vm_initramfs "$RES/guest-initrd.gz" "$top_srcdir/tests/vm/init-guest.sh" || skip_all "cannot build the guest's initramfs"
cat > "$RES/env" <<ENV
srcdir='$top_srcdir'
top_builddir='$top_builddir'
kdir='$VM_KDIR'
kver='$VM_KVER'
driverctl='$VM_PKGDIR/usr/sbin/driverctl'
ENV
truncate -s 16M "$WORK/nvme.img"
# the VM's libvirtd on TCP, forwarded to this machine's loopback only
RPORT=$((30000 + $$ % 20000))
RURI="qemu+tcp://127.0.0.1:$RPORT/system"
t_ready=$(now)
# -accel tcg: KVM is offered on these machines but a KVM guest hangs; caching-mode lets vfio map DMA
qemu-system-x86_64 -accel tcg -m 2048 -smp 2 -machine q35 \
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
    -netdev user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$RPORT-:16509 \
    -device virtio-net-pci,netdev=n0,romfile= \
    > "$WORK/console.log" 2>&1 &
qpid=$!
# a generous overall bound and a bound on silence: a loaded machine is slow, a hang is silent
vm_watch $qpid "${PCIPASS_VM_TIMEOUT:-3600}" "${PCIPASS_VM_STALL:-300}" "$WORK/watchdog" \
    "$WORK/console.log" "$RES/tap" "$RES/times" "$RES/log"

# --- the VM as a remote host, from here: its inventory through libvirt's node devices, a live
# attach and detach over TCP, while the scenario inside waits ---
while [ ! -f "$RES/remote-ready" ] && kill -0 $qpid 2> /dev/null; do sleep 1; done
if [ -f "$RES/remote-ready" ]; then
    RFN=$(cat "$RES/remote-fn")
    run_cmd rlist -c "$RURI" list --json
    ok "$(rc rlist)" "list over $RURI (the VM's libvirtd through a forwarded port)"
    diag < "$WORK/rlist.err"
    jq -r '.[] | [.address, (.class | .[2:6]), (.vendor_id | .[2:]), (.device_id | .[2:]),
                  (.driver // "null"), (.iommu_group // "null" | tostring)] | join(" ")' \
        "$WORK/rlist.out" | sort > "$WORK/rlist.txt"
    [ -s "$WORK/rlist.txt" ] && cmp -s "$WORK/rlist.txt" "$RES/lspci.txt"
    ok $? "remote inventory equals the VM's own lspci: address, class, ids, driver, IOMMU group"
    diff "$RES/lspci.txt" "$WORK/rlist.txt" | diag
    [ "$(jq -r '[.[] | .subsystem_vendor_id] | unique | join(",")' "$WORK/rlist.out")" = "" ]
    ok $? "and says nothing it does not know (subsystem ids null)"
    if [ -n "$RFN" ]; then
        run_cmd rat -c "$RURI" attach g4 "$RFN" --live
        virsh -q -c "$RURI" dumpxml g4 > "$WORK/g4live.xml" 2>&1
        a=${RFN#*:}
        [ "$(rc rat)" -eq 0 ] && grep -q "bus='0x${a%%:*}'" "$WORK/g4live.xml"
        ok $? "remote live attach of $RFN to g4: libvirt's live XML on the VM holds it"
        { cat "$WORK/rat.err"; cat "$WORK/rat.out"; } | diag
        err_has rat "unknown on this host"; ok $? "the host-critical guard says it cannot know there"
        err_has rat "do not carry its subsystem ids"; ok $? "no identity with unknown subsystem ids is recorded"
        run_cmd rown -c "$RURI" owners --json
        [ "$(jq -r --arg a "$RFN" '.[] | select(.address == $a) | .owners[0] | "\(.guest) \(.live) \(.config)"' "$WORK/rown.out")" = "g4 true false" ]
        ok $? "remote owners: g4 holds it live only"
        run_cmd rdet -c "$RURI" detach g4 "$RFN" --live --wait 3
        virsh -q -c "$RURI" dumpxml g4 > "$WORK/g4live2.xml" 2>&1
        if grep -q "bus='0x${a%%:*}'" "$WORK/g4live2.xml"; then
            [ "$(rc rdet)" -eq 1 ] && err_has rdet "unplug requested"
        else
            [ "$(rc rdet)" -eq 0 ]
        fi
        ok $? "remote live detach: requested, and said as what libvirt holds afterwards (rc $(rc rdet))"
        cat "$WORK/rdet.err" | diag
    fi
fi
touch "$RES/remote-done"
wait $qpid
qrc=$?
t_end=$(now)

. "$srcdir/tests/vm/relay.sh"
relay_tap "$RES/tap"
[ -f "$RES/done" ]
ok $? "the scenario ran to its end inside the VM (QEMU exit $qrc)"
if [ ! -f "$RES/done" ]; then
    [ -f "$WORK/watchdog" ] && echo "# ended: $(cat "$WORK/watchdog")"
    echo "# --- VM console (last lines)"; tail -n 40 "$WORK/console.log" | sed 's/^/# /'
    echo "# --- scenario log (last lines)"; tail -n 40 "$RES/log" 2>/dev/null | sed 's/^/# /'
fi
relay_times "$t0" "$t_ready" "$t_end" "$RES/times"
[ -z "${PCIPASS_VM_KEEP:-}" ] || cp -r "$RES" "$PCIPASS_VM_KEEP"
done_testing

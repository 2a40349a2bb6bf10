#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs as init inside the s390x libvirt scenario's VM (tests/vm/s390x-libvirt.sh boots it): Debian's
# s390x kernel with two zPCI functions, Debian's s390x libvirtd as root (qemu:///system) and
# nested s390x guests. TAP to /vmres/tap, timings to /vmres/times, the rest to /vmres/log.
exec > /vmres/tap 2> /vmres/log
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
# busybox for what the unpacked packages do not bring (sh, awk, sed, mktemp, ...)
busybox --install -s /bin 2> /dev/null
. /vmres/env
. "$srcdir/tests/lib/common.sh"
# libc-bin's C.utf8 locale is not among the unpacked packages
export LC_ALL=C
. "$srcdir/tests/vm/guest-lib.sh"
mark init
trap 'cleanup_work; finish' EXIT

# --- the machine ------------------------------------------------------------------------------------
vm_machine /tmp
vm_wake_cpus
# base-files is not among the unpacked packages: its /var/run link neither (libvirt's sockets are there)
[ -e /var/run ] || ln -s /run /var/run
# no base-passwd among the unpacked packages; libvirtd resolves its build's default user
echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd
echo 'libvirt-qemu:x:64055:64055:Libvirt Qemu:/var/lib/libvirt:/usr/sbin/nologin' >> /etc/passwd
printf 'root:x:0:\nkvm:x:101:\nlibvirt-qemu:x:64055:\nlibvirt:x:102:\n' > /etc/group
vm_qemu_conf
# qemu-system-misc brings a dozen emulators; libvirtd probes each one it finds (minutes under TCG)
for q in /usr/bin/qemu-system-*; do [ "$q" = /usr/bin/qemu-system-s390x ] || rm -f "$q"; done
vm_coldplug
modprobe virtio_pci
# the CPU model under TCG has no PRNG: the virtio-rng-ccw feeds the kernel's random pool
modprobe virtio_rng
NET=$(lspci -D -n -d 1af4:1000 | awk '{ print $1 }'); [ -n "$NET" ] || NET=$(lspci -D -n -d 1af4:1041 | awk '{ print $1 }')
RNG=$(lspci -D -n -d 1af4:1005 | awk '{ print $1 }'); [ -n "$RNG" ] || RNG=$(lspci -D -n -d 1af4:1044 | awk '{ print $1 }')
echo "functions: virtio-net $NET virtio-rng $RNG; kernel $(uname -r)" >&2
lspci -D -nn -k >&2
zattr() { cat "/sys/bus/pci/devices/$1/$2"; }
mark modules

# --- the zPCI functions as the kernel shows them ----------------------------------------------------
[ "$NET" = 1234:00:00.0 ] && [ "$RNG" = 0007:00:00.0 ]
ok $? "the kernel puts each zPCI function in the PCI domain of its uid (virtio-net $NET, virtio-rng $RNG)"
[ -n "$(grp "$NET")" ] && [ -n "$(grp "$RNG")" ] && [ "$(grp "$NET")" != "$(grp "$RNG")" ]
ok $? "the s390 IOMMU gives each its own group ($(grp "$NET"), $(grp "$RNG"))"

# --- vfio-pci: Debian's s390x kernel is built without VFIO ------------------------------------------
modprobe vfio-pci > "$WORK/vfio.out" 2>&1
vrc=$?
cat "$WORK/vfio.out" >&2
[ $vrc -ne 0 ] && grep -q "Module vfio-pci not found in directory /lib/modules/$kver" "$WORK/vfio.out"
ok_or $? "modprobe vfio-pci: this kernel has no such module (the first step it cannot do)" "$WORK/vfio.out"
grep -qx '# CONFIG_VFIO is not set' "$kdir/boot/config-$kver"
ok $? "its build configuration says why: # CONFIG_VFIO is not set"
echo vfio-pci > "/sys/bus/pci/devices/$RNG/driver_override"
echo "$RNG" > "/sys/bus/pci/drivers/$(drv "$RNG")/unbind" 2> /dev/null
echo "$RNG" > /sys/bus/pci/drivers_probe 2> /dev/null
[ -z "$(drv "$RNG")" ] && [ ! -e /dev/vfio/vfio ] && [ ! -d /sys/bus/pci/drivers/vfio-pci ]
ok $? "driver_override=vfio-pci leaves $RNG without a driver: no vfio-pci, no /dev/vfio"
echo > "/sys/bus/pci/devices/$RNG/driver_override"
echo "$RNG" > /sys/bus/pci/drivers_probe 2> /dev/null
mark vfio

# --- libvirtd as root -------------------------------------------------------------------------------
cat > /etc/libvirt/libvirtd.conf <<'CONF'
log_filters = "1:qemu.qemu_process 1:qemu.qemu_capabilities 3:*"
log_outputs = "1:file:/vmres/libvirtd-debug.log"
CONF
libvirtd > /vmres/libvirtd.log 2>&1 &
lvpid=$!
# where libvirtd waits, while it does not answer
( while kill -0 $lvpid 2> /dev/null && [ ! -f "$WORK/answered" ]; do
      sleep 20
      echo "libvirtd at $(cut -d' ' -f1 /proc/uptime) s, entropy $(cat /proc/sys/kernel/random/entropy_avail):"
      for t in /proc/$lvpid/task/*; do echo "  ${t##*/} $(cat "$t/comm") $(cat "$t/wchan")"; done
      for p in /proc/[0-9]*; do case $(cat "$p/comm" 2> /dev/null) in qemu*|dnsmasq|ip|iptables*) echo "  child: $(tr '\0' ' ' < "$p/cmdline" | cut -c1-200)";; esac; done
  done >&2 ) &
URI=qemu:///system
i=0
until timeout 20 virsh -q -c $URI version > "$WORK/version" 2>&1; do
    i=$((i + 1)); [ $i -lt 2400 ] && kill -0 $lvpid 2> /dev/null || break
    [ $((i % 10)) -eq 1 ] && { echo "virsh at $(cut -d' ' -f1 /proc/uptime) s:"; cat "$WORK/version"; ls -la /run/libvirt /var/run 2>&1 | head -n 20; } >&2
    sleep 0.5
done
mark libvirtd
touch "$WORK/answered"
virsh -q -c $URI version > "$WORK/version" 2>&1
ok_or $? "Debian's s390x libvirtd answers on $URI ($(tr '\n' ' ' < "$WORK/version"))" "$WORK/version" || exit 1
virsh -c $URI domcapabilities --arch s390x --machine s390-ccw-virtio --virttype qemu > "$WORK/domcaps" 2>&1
grep -q "<enum name='pciBackend'>" "$WORK/domcaps" || true
# a hostdev of guest $1 with source $2, the whole element on one line ('' when none)
hostdev_of() { # GUEST ADDRESS [--inactive]
    _a=$2
    _d=${_a%%:*} _r=${_a#*:}; _b=${_r%%:*} _r=${_r#*:}; _s=${_r%%.*} _f=${_r#*.}
    vx dumpxml $3 "$1" | tr -d '\n' | sed 's/<hostdev/\n<hostdev/g; s#</hostdev>#</hostdev>\n#g' |
        grep '^<hostdev' | grep "<source> *<address domain='0x$_d' bus='0x$_b' slot='0x$_s' function='0x$_f'/>"
}
holds() { [ -n "$(hostdev_of "$@")" ]; }

# --- check and list on the real kernel --------------------------------------------------------------
ppc check check --json
cat "$WORK/check.out" >&2
st() { jq -r ".[] | select(.check == \"$1\") | .status" "$WORK/check.out"; }
[ "$(st libvirt)" = pass ]; ok_or $? "check: libvirt passes (the real s390x QEMU driver)" "$WORK/check.out"
[ "$(st vfio-pci)" = fail ]; ok_or $? "check: vfio-pci fails, as the kernel has none ($(st vfio-pci))" "$WORK/check.out"
[ "$(st dev-vfio)" != pass ]; ok_or $? "check: /dev/vfio is not called ready ($(st dev-vfio))" "$WORK/check.out"
[ "$(st hostdev)" = fail ] && jq -r '.[] | select(.check == "hostdev") | .message' "$WORK/check.out" | grep -q "but not through vfio"
ok_or $? "check: hostdev fails, libvirt takes PCI hostdevs but not through vfio" "$WORK/check.out"
[ "$(rc check)" -ne 0 ]; ok $? "check exits non-zero (rc $(rc check))"
ppc list list --json
ok "$(rc list)" "list --json runs"
. "$srcdir/tests/vm/zpci-compare.sh"
# the same comparison as the inventory lane, here on the live /sys of the s390x kernel
zpci_compare /sys 2
j() { jq -r ".[] | select(.address == \"$1\") | $2" "$WORK/list.out"; }
[ "$(j "$NET" '"\(.zpci.uid) \(.zpci.fid) \(.zpci.uid_is_unique) \(.zpci.pchid)"')" = "0x1234 0x00000010 true 0x0000" ]
ok $? "list: $NET has uid 0x1234, fid 0x00000010, uid_is_unique, pchid 0x0000 ($(j "$NET" .zpci | tr -d '\n '))"
mark inventory

# --- a persistent s390x guest: attach with the host's uid/fid and with explicit ones ----------------
guest_xml() { # NAME
    echo "<domain type='qemu'><name>$1</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
    echo "<os><type arch='s390x' machine='s390-ccw-virtio'>hvm</type></os><devices>"
    echo "<emulator>/usr/bin/qemu-system-s390x</emulator><memballoon model='none'/></devices>"
    # no OS: the firmware finds no IPL device and stops in a disabled wait, which QEMU reports as a
    # guest panic; preserved, the guest stays (crashed, QEMU still running) for the live steps
    echo "<on_crash>preserve</on_crash></domain>"
}
for g in z1 z2; do guest_xml $g > "$WORK/$g.xml"; vx define "$WORK/$g.xml" > /dev/null || echo "define $g failed" >&2; done
ppc xml xml "$NET" --guest z1
cat "$WORK/xml.out" >&2
grep -q "<zpci uid=.0x1234. fid=.0x00000010./>" "$WORK/xml.out"
ok_or $? "xml $NET --guest z1: the element names the host's own uid 0x1234 and fid 0x10" "$WORK/xml.out"
ppc att1 attach z1 "$NET"
{ cat "$WORK/att1.out"; cat "$WORK/att1.err"; } >&2
hostdev_of z1 "$NET" --inactive > "$WORK/z1net"
cat "$WORK/z1net" >&2
[ "$(rc att1)" -eq 0 ] && [ -s "$WORK/z1net" ]
ok_or $? "attach z1 $NET (shut off: persistent): libvirt's configuration holds it" "$WORK/att1.err"
grep -q "<zpci uid='0x1234' fid='0x00000010'/>" "$WORK/z1net"
ok $? "libvirt's s390x QEMU driver stored the host's uid 0x1234 and fid 0x00000010"
grep -q "<address type='pci' domain='0x[0-9a-f]*' bus='0x00' slot='0x0[0-9a-f]' function='0x0'> *<zpci" "$WORK/z1net"
ok $? "and gave it a guest PCI address carrying the zPCI extension"
ppc att2 attach z1 "$RNG" --zpci-uid 0x42 --zpci-fid 0x99
{ cat "$WORK/att2.out"; cat "$WORK/att2.err"; } >&2
hostdev_of z1 "$RNG" --inactive > "$WORK/z1rng"
[ "$(rc att2)" -eq 0 ] && grep -q "<zpci uid='0x0042' fid='0x00000099'/>" "$WORK/z1rng"
ok_or $? "attach z1 $RNG --zpci-uid 0x42 --zpci-fid 0x99: stored as given" "$WORK/att2.err"
# a second guest with the same uid: pcipass refuses it, and libvirt, asked directly, too
ppc dupu attach z2 "$RNG" --zpci-uid 0x42 --zpci-fid 0x42 --force
[ "$(rc dupu)" -eq 0 ] && holds z2 "$RNG" --inactive
ok_or $? "attach z2 $RNG --force (z1 holds it too): stored with uid 0x42" "$WORK/dupu.err"
ppc dupu2 attach z2 "$NET" --zpci-uid 0x42 --zpci-fid 0x43 --force
[ "$(rc dupu2)" -ne 0 ] && ! holds z2 "$NET" --inactive && grep -q "zpci uid: 0x0042 is already used in guest 'z2'" "$WORK/dupu2.err"
ok_or $? "a second uid 0x42 in z2 is refused by pcipass (zpci uid: 0x0042 is already used), nothing stored" "$WORK/dupu2.err"
ppc dupx xml "$NET" --zpci-uid 0x42 --zpci-fid 0x43
cat "$WORK/dupx.out" >&2
vx attach-device z2 "$WORK/dupx.out" --config > "$WORK/dupv" 2>&1
[ $? -ne 0 ] && grep -q "internal error: zPCI uid [0-9]* is already reserved" "$WORK/dupv" && ! holds z2 "$NET" --inactive
ok_or $? "libvirt's s390x driver refuses the same element: $(grep error: "$WORK/dupv" | tail -n 1)" "$WORK/dupv"
ppc aud audit --json
cat "$WORK/aud.out" >&2
[ "$(jq -r "[.findings[] | select(.kind == \"shared\" and .address == \"$RNG\") | .guest] | sort | join(\" \")" "$WORK/aud.out")" = "z1 z2" ]
ok_or $? "audit: $RNG held by z1 and z2 is a finding for each (rc $(rc aud))" "$WORK/aud.out"
ppc dupd detach z2 "$RNG"
[ "$(rc dupd)" -eq 0 ] && ! holds z2 "$RNG" --inactive
ok_or $? "detach z2 $RNG" "$WORK/dupd.err"
ppc own owners --json
[ "$(jq -r ".[] | select(.address == \"$NET\") | .owners[] | select(.guest == \"z1\") | \"\(.live) \(.config)\"" "$WORK/own.out")" = "false true" ]
ok_or $? "owners: z1 holds $NET in its configuration, not live" "$WORK/own.out"
ppc det detach z1 "$RNG"
[ "$(rc det)" -eq 0 ] && ! holds z1 "$RNG" --inactive
ok_or $? "detach z1 $RNG: gone from libvirt's configuration" "$WORK/det.err"
ppc undo undo
[ "$(rc undo)" -eq 0 ] && grep -q "<zpci uid='0x0042' fid='0x00000099'/>" "$WORK/z1rng" && [ "$(hostdev_of z1 "$RNG" --inactive)" = "$(cat "$WORK/z1rng")" ]
ok_or $? "undo of the detach: z1 holds $RNG again with uid 0x42 and fid 0x99" "$WORK/undo.err"
mark attach

# --- starting a nested s390x guest: first without, then with the zPCI hostdev ----------------------
vx start z2 > "$WORK/z2start" 2>&1
ok_or $? "virsh start of a nested s390x guest without a hostdev: QEMU starts" "$WORK/z2start"
i=0; while [ "$(vx domstate z2)" = running ] && [ $i -lt 60 ]; do sleep 0.5; i=$((i + 1)); done
vx domstate --reason z2 > "$WORK/z2state" 2>&1
grep -q "crashed (panicked)" "$WORK/z2state" && grep -q "reason='disabled-wait'" /var/log/libvirt/qemu/z2.log
ok_or $? "its firmware finds no IPL device: a disabled wait, libvirt says $(cat "$WORK/z2state")" /var/log/libvirt/qemu/z2.log
mark z2start
vx start z1 > "$WORK/z1start" 2>&1
zrc=$?
cat "$WORK/z1start" >&2
[ $zrc -ne 0 ] && grep -q "unsupported configuration: host doesn't support VFIO PCI passthrough" "$WORK/z1start"
ok_or $? "virsh start of z1 with the zPCI hostdev: libvirt refuses, host doesn't support VFIO PCI passthrough" "$WORK/z1start"
ppc live attach z2 "$NET" --live --force
{ cat "$WORK/live.out"; cat "$WORK/live.err"; } >&2
[ "$(rc live)" -ne 0 ] && ! holds z2 "$NET" && grep -q "host doesn't support VFIO PCI passthrough" "$WORK/live.err"
ok_or $? "live attach to the running z2: libvirt's same refusal, passed on, nothing attached" "$WORK/live.err"
mark nested
vx destroy z2 > /dev/null 2>&1

done_testing
echo done > /vmres/done

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs as init inside the lane's x86 virtual machine (tests/vm/x86.sh boots it): a real kernel with an
# IOMMU and vfio-pci, a root libvirtd (qemu:///system) and nested guests that really run. TAP goes to
# /vmres/tap, timings to /vmres/times, everything else to /vmres/log; the host relays them.
exec > /vmres/tap 2> /vmres/log
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
. /vmres/env
. "$srcdir/tests/lib/common.sh"
. "$srcdir/tests/vm/guest-lib.sh"
now_s() { cut -d' ' -f1 /proc/uptime; }
secs_since() { awk -v a="$1" -v b="$(now_s)" 'BEGIN { printf "%.1f", b - a }'; }
mark init
trap 'cleanup_work; finish' EXIT

# --- the machine -----------------------------------------------------------------------------------
vm_machine
vm_wake_cpus
ip link set lo up 2> /dev/null
# libvirtd resolves its build's default user before it reads qemu.conf
grep -q '^libvirt-qemu:' /etc/group || echo 'libvirt-qemu:x:64055:' >> /etc/group
grep -q '^libvirt-qemu:' /etc/passwd ||
    echo 'libvirt-qemu:x:64055:64055:Libvirt Qemu:/var/lib/libvirt:/usr/sbin/nologin' >> /etc/passwd
vm_qemu_conf
vm_coldplug
modprobe vfio-pci
fn_of() { lspci -D -n -d "$1" | awk '{ print $1 }' | sed -n "${2:-1}p"; }
E1000E=$(fn_of 8086:10d3)
E1000E2=$(fn_of 8086:10d3 2)
NVME=$(fn_of 1b36:0010)
BR0=$(fn_of 8086:100e 1)
BR1=$(fn_of 8086:100e 2)
# VFs without a driver: the nvme driver would wait for their (never configured) controllers
echo 0 > "/sys/bus/pci/devices/$NVME/sriov_drivers_autoprobe"
echo 2 > "/sys/bus/pci/devices/$NVME/sriov_numvfs"
VF0=$(readlink "/sys/bus/pci/devices/$NVME/virtfn0"); VF0=${VF0##*/}
VF1=$(readlink "/sys/bus/pci/devices/$NVME/virtfn1"); VF1=${VF1##*/}
echo "functions: e1000e $E1000E nvme $NVME vfs $VF0 $VF1 behind the bridge $BR0 $BR1" >&2
mark modules

# the daemon also listens on TCP (inside the VM only, no authentication): the host reaches it
# through QEMU's user network, a port forwarded on its loopback, as a remote host
cat > /etc/libvirt/libvirtd.conf <<'CONF'
listen_tls = 0
listen_tcp = 1
auth_tcp = "none"
listen_addr = "0.0.0.0"
CONF
modprobe virtio_net
for n in /sys/class/net/*; do
    [ "$(basename "$(readlink "$n/device/driver" 2> /dev/null)")" = virtio_net ] || continue
    ip link set "${n##*/}" up && ip addr add 10.0.2.15/24 dev "${n##*/}"
done
libvirtd --listen > /vmres/libvirtd.log 2>&1 &
lvpid=$!
URI=qemu:///system
# lv_up: libvirtd answers, or it is gone (said below)
lv_up() { ! kill -0 $lvpid 2> /dev/null || virsh -q -c $URI version > /dev/null 2>&1; }
vm_wait 600 libvirtd lv_up
mark libvirtd
virsh -q -c $URI version > /dev/null 2>&1
ok $? "root libvirtd answers on $URI" || exit 1
# live XML of guest $1 holds a hostdev with source $2 (DDDD:BB:SS.F)
holds() { # GUEST ADDRESS [--inactive]
    _a=$2
    _d=${_a%%:*} _r=${_a#*:}; _b=${_r%%:*} _r=${_r#*:}; _s=${_r%%.*} _f=${_r#*.}
    vx dumpxml $3 "$1" | tr -d '\n' | sed 's/<hostdev/\n<hostdev/g; s#</hostdev>#</hostdev>\n#g' |
        grep '^<hostdev' | grep -q "<source> *<address domain='0x$_d' bus='0x$_b' slot='0x$_s' function='0x$_f'/>"
}

# --- nested guests: q35, no OS, 48 MiB; g1 with free root ports, g2 with none, g3 shut off -----------
guest_xml() { # NAME ROOTPORTS [BRIDGE]: BRIDGE adds a pcie-to-pci-bridge for conventional functions
    echo "<domain type='qemu'><name>$1</name><memory unit='MiB'>48</memory><vcpu>1</vcpu>"
    echo "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
    echo "<emulator>/usr/bin/qemu-system-x86_64</emulator>"
    echo "<controller type='pci' index='0' model='pcie-root'/>"
    _i=1; while [ $_i -le "$2" ]; do echo "<controller type='pci' index='$_i' model='pcie-root-port'/>"; _i=$((_i + 1)); done
    [ -z "${3:-}" ] || echo "<controller type='pci' index='$_i' model='pcie-to-pci-bridge'/>"
    echo "<controller type='usb' model='none'/><memballoon model='none'/></devices></domain>"
}
for g in g1:8:b g2:0 g3:4:b; do
    n=${g%%:*} r=${g#*:}; b=${r#*:}; [ "$b" = "$r" ] && b=""
    guest_xml "$n" "${r%%:*}" $b > "$WORK/$n.xml"
    vx define "$WORK/${g%%:*}.xml" > /dev/null || echo "define ${g%%:*} failed" >&2
done
vx start g1 > /dev/null && vx start g2 > /dev/null
[ "$(vx domstate g1)" = running ] && [ "$(vx domstate g2)" = running ]
ok $? "nested guests g1 and g2 run (q35, no OS), g3 is defined and shut off"
# lx: a Linux guest (this lane's kernel by direct boot, tests/vm/init-guest.sh as its init) that
# acknowledges hot-plug; it boots now, while the sections below run, and is used near the end.
# ACPI is what makes a Linux guest see hot-plug at all: without it libvirt passes -no-acpi and the
# guest's kernel drops its own root ports on the first hot-plug.
# lx_xml NAME SERIAL [QEMU-ARG...]: such a guest; extra QEMU arguments through libvirt's
# qemu:commandline (lxn: native PCIe hot-plug, ACPI's own hot-plug switched off)
lx_xml() {
    echo "<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'><name>$1</name>"
    echo "<memory unit='MiB'>256</memory><vcpu>1</vcpu>"
    echo "<os><type arch='x86_64' machine='q35'>hvm</type><kernel>$kdir/boot/vmlinuz-$kver</kernel>"
    echo "<initrd>/vmres/guest-initrd.gz</initrd><cmdline>console=ttyS0 panic=-1 mitigations=off quiet</cmdline></os>"
    echo "<features><acpi/><apic/></features><devices><emulator>/usr/bin/qemu-system-x86_64</emulator>"
    echo "<controller type='pci' index='0' model='pcie-root'/>"
    echo "<controller type='pci' index='1' model='pcie-root-port'/><controller type='pci' index='2' model='pcie-root-port'/>"
    echo "<serial type='file'><source path='$2'/><target port='0'/></serial>"
    echo "<controller type='usb' model='none'/><memballoon model='none'/></devices>"
    _n=$1; shift 2
    if [ $# -gt 0 ]; then
        echo "<qemu:commandline>"; for _a in "$@"; do echo "<qemu:arg value='$_a'/>"; done; echo "</qemu:commandline>"
    fi
    echo "</domain>"
}
LXLOG="$WORK/lx.serial" LXNLOG="$WORK/lxn.serial"
lx_xml lx "$LXLOG" > "$WORK/lx.xml"
lx_xml lxn "$LXNLOG" -global ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off > "$WORK/lxn.xml"
vx define "$WORK/lx.xml" > /dev/null && vx start lx > "$WORK/lxstart" 2>&1
ok_or $? "the Linux guest lx starts (direct kernel boot, ACPI hot-plug); it boots while the sections below run" "$WORK/lxstart"
vx define "$WORK/lxn.xml" > /dev/null && vx start lxn > "$WORK/lxnstart" 2>&1
ok_or $? "the Linux guest lxn starts (native PCIe hot-plug)" "$WORK/lxnstart"
mark guests

# --- setup checks ----------------------------------------------------------------------------------
ppc check check --json
[ "$(rc check)" -eq 0 ] && [ "$(jq '[.[] | select(.status != "pass")] | length' "$WORK/check.out")" -eq 0 ]
ok_or $? "check: every item passes on a real kernel with an IOMMU, vfio-pci and a root libvirtd" "$WORK/check.out"
for c in iommu vfio-pci dev-vfio libvirt hostdev; do
    [ "$(jq -r ".[] | select(.check == \"$c\") | .status" "$WORK/check.out")" = pass ]
    ok $? "check: $c passes"
done
ppc checkdev check --json "$E1000E"
[ "$(jq -r '.[] | select(.check == "device") | .status' "$WORK/checkdev.out")" = pass ]
ok_or $? "check $E1000E (e1000e, a group of its own): ready" "$WORK/checkdev.out"
ppc checkbr check --json "$BR0"
st=$(jq -r '.[] | select(.check == "device") | .status' "$WORK/checkbr.out")
[ "$st" = warn ] || [ "$st" = fail ]
ok_or $? "check $BR0 (shares its group with $BR1 on e1000): not ready ($st)" "$WORK/checkbr.out"
grep -q "$BR1" "$WORK/checkbr.out"; ok $? "and names the partner $BR1"

# --- list --json against lspci -vmm and sysfs, every function, every field --------------------------
ppc list list --json
ok "$(rc list)" "list --json runs"
n_l=$(jq length "$WORK/list.out")
n_s=$(ls /sys/bus/pci/devices | wc -l)
[ "$n_l" -eq "$n_s" ]; ok $? "list has every function the kernel has ($n_l of $n_s)"
lspci -D -nn -k -vmm > "$WORK/lspci"
# three tables keyed by address, each made by one process or builtins (a fork costs much under TCG):
# what pcipass printed, what sysfs holds, what lspci says
jq -r '.[] | [.address, .vendor_id, .device_id, .class, .subsystem_vendor_id, .subsystem_device_id,
    (.driver // ""), (.iommu_group // "" | tostring), (.numa_node // "" | tostring), (.physfn // ""),
    (.sriov.total // "" | tostring), (.sriov.enabled // "" | tostring), (.zpci // "" | tostring),
    (.vendor // ""), (.device // "")] | @tsv' \
    "$WORK/list.out" > "$WORK/pp.tsv"
for S in /sys/bus/pci/devices/*; do
    a=${S##*/}
    read -r v < "$S/vendor"; read -r d < "$S/device"; read -r c < "$S/class"
    read -r sv < "$S/subsystem_vendor"; read -r sd < "$S/subsystem_device"; read -r nn < "$S/numa_node"
    [ "$nn" = -1 ] && nn=""
    pf=""; [ -e "$S/physfn" ] && pf=$(readlink "$S/physfn") && pf=${pf##*/}
    tot=""; en=""; [ -e "$S/sriov_totalvfs" ] && read -r tot < "$S/sriov_totalvfs" && read -r en < "$S/sriov_numvfs"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$a" "$v" "$d" "$c" "$sv" "$sd" \
        "$(drv "$a")" "$(grp "$a")" "$nn" "$pf" "$tot" "$en" ""
done > "$WORK/sys.tsv"
# lspci -vmm: Slot, Class, Vendor, Device, SVendor, SDevice, Driver, IOMMUGroup, NUMANode (ids in []),
# then the vendor and device names (pci.ids, the same file pcipass reads)
# (no SVendor line when the subsystem ids are zero)
awk 'function id(s) { if (s == "") return "0000"; sub(/.*\[/, "", s); sub(/\].*/, "", s); return s }
     BEGIN { RS = ""; FS = "\n" }
     function name(s) { sub(/ \[[0-9a-f]*\]$/, "", s); return s }
     { delete f; for (i = 1; i <= NF; i++) { k = $i; sub(/:\t.*/, "", k); v = $i; sub(/^[^\t]*\t/, "", v); f[k] = v }
       printf "%s\t0x%s\t0x%s\t0x%s\t0x%s\t0x%s\t%s\t%s\t%s\t%s\t%s\n", f["Slot"], id(f["Vendor"]), id(f["Device"]),
           id(f["Class"]), id(f["SVendor"]), id(f["SDevice"]), f["Driver"], f["IOMMUGroup"], f["NUMANode"],
           name(f["Vendor"]), name(f["Device"]) }' \
    "$WORK/lspci" > "$WORK/lspci.tsv"
names="address vendor_id device_id class subsystem_vendor_id subsystem_device_id driver iommu_group numa_node physfn sriov.total sriov.enabled zpci"
awk -F '\t' -v names="$names" '
    BEGIN { split(names, n, " ") }
    FILENAME == ARGV[1] { sys[$1] = $0; next }
    FILENAME == ARGV[2] { ls[$1] = $0; next }
    { seen[$1] = 1
      if (!($1 in sys)) { print $1 ": not in sysfs"; bad++; next }
      split(sys[$1], k, "\t"); split(ls[$1], l, "\t")
      for (i = 2; i <= 13; i++) if ($i != k[i]) { print $1 " " n[i] ": pcipass \"" $i "\", sysfs \"" k[i] "\""; bad++ }
      # lspci: the same ids; its class is base class and subclass only
      if ($2 != l[2] || $3 != l[3] || $5 != l[5] || $6 != l[6] || substr($4, 1, 6) != l[4] || $7 != l[7] || $8 != l[8] || $9 != l[9]) {
          print $1 ": pcipass and lspci differ: " $0 " | " ls[$1]; bad++ }
      # names: where pci.ids has none, pcipass says null and lspci "Vendor"/"Device" (id stripped above)
      if (($14 != "" && $14 != l[10]) || ($15 != "" && $15 != l[11]) || ($14 == "" && l[10] !~ /^(Vendor|Device)$/) || ($15 == "" && l[11] != "Device")) {
          print $1 ": names differ: pcipass \"" $14 "\" \"" $15 "\", lspci \"" l[10] "\" \"" l[11] "\""; bad++ }
      fields += 14 }
    END { for (a in sys) if (!(a in seen)) { print a ": missing from pcipass"; bad++ }
          print "compared " fields " fields"; exit bad > 0 }' "$WORK/sys.tsv" "$WORK/lspci.tsv" "$WORK/pp.tsv" > "$WORK/cmp" 2>&1
bad=$?
ok_or $bad "list --json equals sysfs and lspci -vmm on every function and field ($(tail -n 1 "$WORK/cmp"))" "$WORK/cmp"
[ "$(jq -r ".[] | select(.address == \"$VF0\") | .physfn" "$WORK/list.out")" = "$NVME" ]
ok $? "the VF $VF0 names its PF $NVME (physfn from the real kernel)"
[ "$(jq -c ".[] | select(.address == \"$NVME\") | .sriov" "$WORK/list.out")" = '{"total":2,"enabled":2}' ]
ok $? "the PF's sriov is {total 2, enabled 2}"
[ "$(grp "$BR0")" = "$(grp "$BR1")" ] && [ "$(grp "$E1000E")" != "$(grp "$BR0")" ]
ok $? "the kernel's groups: the two e1000 share one, the e1000e has its own"
mark inventory

# --- the one VFIO rule on Debian's kernel -----------------------------------------------------------
[ -L /sys/module/vfio_pci_core/holders/vfio_pci ] &&
    [ "$(readlink /sys/bus/pci/drivers/vfio-pci/module)" = ../../../../module/vfio_pci ]
ok $? "after modprobe vfio-pci: vfio_pci among vfio_pci_core's holders, the driver's module link to it"
vfio_of() { jq -r --arg a "$2" '.[] | select(.address == $a) | "\(.vfio) \(.vfio_rule)"' "$WORK/$1.out"; }
ppc vl0 list --json
[ "$(vfio_of vl0 "$E1000E")" = "false not-held" ] && [ "$(vfio_of vl0 "$VF1")" = "false no-driver" ]
ok_or $? "list: $E1000E on e1000e is no VFIO driver (vfio_pci_core does not hold it), unbound $VF1 is not on VFIO" "$WORK/vl0.out"
# bound by hand through driver_override, as an operator or a script does
echo vfio-pci > "/sys/bus/pci/devices/$VF1/driver_override" && echo "$VF1" > /sys/bus/pci/drivers_probe
ppc vl1 list --json
[ "$(drv "$VF1")" = vfio-pci ] && [ "$(vfio_of vl1 "$VF1")" = "true vfio-pci" ] &&
    [ "$(jq -r --arg a "$VF1" '.[] | select(.address == $a) | .binding.source' "$WORK/vl1.out")" = driver_override ] &&
    ls "/sys/bus/pci/devices/$VF1/vfio-dev/" | grep -q '^vfio'
ok_or $? "$VF1 bound through driver_override: on VFIO, bound by driver_override, with its vfio-dev" "$WORK/vl1.out"
echo "$VF1" > /sys/bus/pci/drivers/vfio-pci/unbind; echo > "/sys/bus/pci/devices/$VF1/driver_override"

# --- prepare / release: the driver link really moves ------------------------------------------------
host_drv=$(drv "$E1000E")
ppc prep prepare "$E1000E"
[ "$(rc prep)" -eq 0 ] && [ "$(drv "$E1000E")" = vfio-pci ]
ok_or $? "prepare $E1000E: the kernel's driver link is vfio-pci (was $host_drv)" "$WORK/prep.err"
grep -qF "# bound $E1000E to VFIO driver vfio-pci" "$WORK/prep.out"
ok_or $? "and prepare says the driver the kernel shows now" "$WORK/prep.out"
ppc rel release "$E1000E"
[ "$(rc rel)" -eq 0 ] && [ "$(drv "$E1000E")" = "$host_drv" ]
ok_or $? "release $E1000E: back on $host_drv" "$WORK/rel.err"
ppc prep2 prepare "$E1000E"
ppc undo_prep undo
[ "$(rc undo_prep)" -eq 0 ] && [ "$(drv "$E1000E")" = "$host_drv" ]
ok_or $? "undo of prepare: back on $host_drv" "$WORK/undo_prep.err"

# --- a guest without a free pcie-root-port: pcipass says so before libvirt is asked, and libvirt
# itself, asked anyway, agrees ----------------------------------------------------------------------
ppc noslot attach g2 "$E1000E" --live
[ "$(rc noslot)" -ne 0 ] && grep -q "guest 'g2' has 0 free pcie-root-ports for hot-plug, and this needs 1" "$WORK/noslot.err"
ok_or $? "live attach to g2 (no free pcie-root-port) is refused by pcipass, with the reason" "$WORK/noslot.err"
! holds g2 "$E1000E"; ok $? "and nothing was sent"
ppc noslotx xml "$E1000E"
vx attach-device g2 "$WORK/noslotx.out" --live > "$WORK/noslotv.out" 2>&1
[ $? -ne 0 ] && grep -q "No more available PCI slots" "$WORK/noslotv.out"
ok_or $? "libvirt, asked directly, refuses the same element: No more available PCI slots" "$WORK/noslotv.out"

# --- attach to a running persistent guest: live and config by default -------------------------------
ppc att attach g1 "$E1000E"
[ "$(rc att)" -eq 0 ]; ok_or $? "attach g1 $E1000E succeeds" "$WORK/att.err"
holds g1 "$E1000E"; ok $? "libvirt's live XML of g1 holds $E1000E"
holds g1 "$E1000E" --inactive; ok $? "and its persistent XML (live+config by default)"
[ "$(drv "$E1000E")" = vfio-pci ]; ok $? "and the kernel has it on vfio-pci (managed)"
for d in --live --config; do
    vx metadata g1 urn:pcipass:identity:1 $d > "$WORK/meta$d" 2>&1
    grep -q "address=.$E1000E." "$WORK/meta$d"
    ok_or $? "its identity is recorded in g1's metadata ($d)" "$WORK/meta$d"
done
ppc own owners --json
[ "$(jq -r ".[] | select(.address == \"$E1000E\") | .owners[] | select(.guest == \"g1\") | \"\(.live) \(.config)\"" "$WORK/own.out")" = "true true" ]
ok $? "owners: g1 holds $E1000E live and in its configuration"
ppc gst guests --json
jq -e ".[] | select(.name == \"g1\") | select(.state == \"running\") | .hostdevs | index(\"$E1000E\")" "$WORK/gst.out" > /dev/null
ok $? "guests: g1 running, holding $E1000E"

# a VF (its own group), managed
ppc attvf attach g1 "$VF0"
[ "$(rc attvf)" -eq 0 ] && holds g1 "$VF0" && [ "$(drv "$VF0")" = vfio-pci ]
ok_or $? "attach of the VF $VF0: live XML holds it, driver vfio-pci" "$WORK/attvf.err"
# managed='no' after prepare
ppc prepvf prepare "$VF1"
ppc attun attach g1 "$VF1" --managed no
[ "$(rc attun)" -eq 0 ] && holds g1 "$VF1" && vx dumpxml g1 | grep -q "<hostdev mode='subsystem' type='pci' managed='no'>"
ok_or $? "prepare then attach --managed no of $VF1: live XML holds it unmanaged" "$WORK/attun.err"
[ "$(drv "$VF1")" = vfio-pci ]; ok $? "and $VF1 is on vfio-pci"
# undo of the live attach of $VF1 (the last change): a detach, with the same truth as a detach
ppc undol undo
echo "undo of the live attach rc $(rc undol):" >&2; cat "$WORK/undol.out" "$WORK/undol.err" >&2
! holds g1 "$VF1" --inactive; ok $? "undo of the attach of $VF1: g1's configuration no longer holds it"
holds g1 "$VF1"; ok $? "and libvirt's live XML still does (the guest never released it)"

# the non-viable group: pcipass refuses; forced, libvirt/QEMU refuse with their own words
ppc refuse attach g1 "$BR0"
[ "$(rc refuse)" -ne 0 ] && ! holds g1 "$BR0"
ok_or $? "attach $BR0 alone is refused (partner $BR1 stays on a host driver)" "$WORK/refuse.out"
grep -q "$BR1" "$WORK/refuse.err"; ok_or $? "the refusal names the partner $BR1" "$WORK/refuse.err"
ppc forced attach g1 "$BR0" --force
[ "$(rc forced)" -ne 0 ] && ! holds g1 "$BR0" && ! holds g1 "$BR0" --inactive
ok_or $? "forced: libvirt refuses it too and nothing is stored" "$WORK/forced.err"
grep -qi "not viable\|vfio" "$WORK/forced.err"
ok_or $? "and pcipass passes on libvirt/QEMU's reason" "$WORK/forced.err"
echo "forced attach said:" >&2; cat "$WORK/forced.err" >&2
[ "$(drv "$BR0")" = e1000 ] && [ "$(drv "$BR1")" = e1000 ]
ok $? "after the failed attach both e1000 are back on e1000 (libvirt's managed rollback)"

mark attach

# --- live detach: the guest has no OS and never releases the function ------------------------------
t=$(now_s)
ppc det detach g1 "$VF0" --wait 3
# counted from the request: libvirt's own call waits about 5 s of it for the guest already
echo "# detach --wait 3 of a function the guest never releases took $(secs_since "$t") s"
echo "detach rc $(rc det):" >&2; cat "$WORK/det.out" "$WORK/det.err" >&2
holds g1 "$VF0"; ok $? "after detach, libvirt's live XML still holds $VF0 (no OS, no unplug acknowledged)"
[ "$(rc det)" -eq 1 ]; ok_or $? "and pcipass exits 1: the detach is requested, not done" "$WORK/det.err"
grep -q "unplug requested; guest 'g1' has not released $VF0" "$WORK/det.err"
ok_or $? "and says: unplug requested; guest 'g1' has not released $VF0" "$WORK/det.err"
grep -q "requested, not done" "$WORK/det.out"; ok_or $? "its stdout says requested, not done" "$WORK/det.out"
ppc hdet history --json
[ "$(jq -r '.[-1] | [.action, .state] | @tsv' "$WORK/hdet.out")" = "$(printf 'detach\trequested')" ]
ok_or $? "the journal records it as requested, not as done" "$WORK/hdet.out"
! holds g1 "$VF0" --inactive; ok $? "and the persistent XML no longer does"
ppc own2 owners --json
[ "$(jq -r ".[] | select(.address == \"$VF0\") | .owners[] | select(.guest == \"g1\") | \"\(.live) \(.config)\"" "$WORK/own2.out")" = "true false" ]
ok $? "owners after detach: g1 holds $VF0 live only (what libvirt holds)"
# undo of that detach: libvirt's live XML still holds the function, so only the persistent
# configuration it left gets it back (what libvirt shows there is something to revert)
ppc undod undo
[ "$(rc undod)" -eq 0 ] && grep -q "# undone: detach of $VF0 for guest 'g1'" "$WORK/undod.out"
ok_or $? "undo of the requested detach of $VF0 puts it back where it went" "$WORK/undod.err"
holds g1 "$VF0" --inactive && holds g1 "$VF0"
ok $? "g1 holds it again in both configurations, as before the detach"
ppc hund history --json
[ "$(jq -r '.[-1] | [.action, .state, .flags] | @tsv' "$WORK/hund.out")" = "$(printf 'undo\tdone\tdetach,config')" ]
ok_or $? "the undo went to the persistent configuration only, and is recorded as done" "$WORK/hund.out"
mark detach

# --- undo of an attach to a shut-off guest (config) -------------------------------------------------
ppc attc attach g3 "$E1000E" --force
[ "$(rc attc)" -eq 0 ] && holds g3 "$E1000E" --inactive
ok_or $? "attach to shut-off g3 (config only; --force: g1 holds it too)" "$WORK/attc.err"
ppc undoc undo
[ "$(rc undoc)" -eq 0 ] && ! holds g3 "$E1000E" --inactive
ok_or $? "undo: g3's configuration no longer holds $E1000E" "$WORK/undoc.err"

# --all-functions on function 0 of the two-function e1000: both in one guest slot of shut-off g3,
# then g3 starts with them (libvirt binds both to vfio-pci; QEMU opens the now viable group)
# the real kernel offers no reset method for the e1000's second function: a forceable finding
ppc allf0 attach g3 "$BR0" --all-functions
[ "$(rc allf0)" -ne 0 ] && grep -q "$BR1 has no reset method" "$WORK/allf0.err" && ! holds g3 "$BR0" --inactive
ok_or $? "attach --all-functions $BR0 to g3 first stops at $BR1, which the kernel cannot reset" "$WORK/allf0.err"
ppc allf attach g3 "$BR0" --all-functions --force
[ "$(rc allf)" -eq 0 ] && holds g3 "$BR0" --inactive && holds g3 "$BR1" --inactive
ok_or $? "with --force: g3's configuration holds both functions" "$WORK/allf.err"
vx dumpxml --inactive g3 | tr -d '\n' | grep -q "<address type='pci' domain='0x0000' bus='0x[0-9a-f]*' slot='0x[0-9a-f]*' function='0x1'/>"
ok $? "the second function sits in function 1 of the same guest slot"
vx start g3 > "$WORK/g3start" 2>&1
[ "$(vx domstate g3)" = running ] && holds g3 "$BR0" && holds g3 "$BR1"
ok_or $? "g3 starts holding both functions" "$WORK/g3start"
[ "$(drv "$BR0")" = vfio-pci ] && [ "$(drv "$BR1")" = vfio-pci ]
ok $? "and both are on vfio-pci"
ppc own3 owners --json
[ "$(jq -r "[.[] | select(.address == \"$BR0\" or .address == \"$BR1\") | .owners[] | select(.guest == \"g3\" and .live and .config)] | length" "$WORK/own3.out")" = 2 ]
ok_or $? "owners: g3 holds both, live and in its configuration" "$WORK/own3.out"

# --- the console in tmux: a function, a running guest, apply live, the result as libvirt stored it,
# detach from the ownership review ------------------------------------------------------------------
mark several-functions
. "$srcdir/tests/lib/tmux.sh"
# each look at the screen is two processes, costly under TCG: look less often than on a host
TUI_POLL=3
tui_start 120 40 -c $URI
wait_for "Host PCI functions" 60; ok $? "console: opens on the function list (every setup check passed)"
mark console-open
keys /; wait_for "Filter:"; keys "$E1000E2" Enter; wait_for "1 shown" 20
keys Enter; wait_for "Pick the guest for $E1000E2" 30
keys Home Enter; wait_for "Assign $E1000E2 to guest 'g1'" 30
screen | grep -q "Apply to *< live and persistent >"; ok $? "console: a running guest's default is live and persistent"
keys Tab Tab Right Right; wait_for "< live only >"
keys Tab Enter; wait_for "XML preview: $E1000E2 to guest 'g1' (live only)" 30
keys Enter; wait_for "to the live configuration of guest 'g1'? [y/N]" 30; keys y
wait_for "Assignment applied" 90; ok $? "console: applied live"
screen | grep -q "<address type=\"pci\" domain=\"0x0000\" bus=\"0x0[0-9a-f]\" slot=\"0x00\" function=\"0x0\"/>"
ok $? "console: shows the guest address libvirt chose (read back from the live XML)"
holds g1 "$E1000E2" && ! holds g1 "$E1000E2" --inactive && [ "$(drv "$E1000E2")" = vfio-pci ]
ok $? "libvirt's live XML holds $E1000E2, the persistent one does not, the kernel has it on vfio-pci"
mark console-apply
keys Escape; wait_for "Host PCI functions" 30; keys o; wait_for "Who owns what" 30
screen | grep -q "^$E1000E2 .*g1 .*L "; ok $? "console: the ownership review shows g1 holding it live"
keys /; wait_for "Filter:"; keys "$E1000E2" Enter; wait_for "filter: $E1000E2" 20
keys d; wait_for "Detach $E1000E2 from" 30; keys y
# libvirt's own wait (5 s) and pcipass's for the release (5 s) under TCG
wait_for "has not released" 90 || wait_for "detached from guest" 5
screen > "$WORK/tui-detach"; cat "$WORK/tui-detach" >&2
holds g1 "$E1000E2"; ok $? "after the console's detach libvirt's live XML still holds $E1000E2 (no OS to release it)"
grep -q "Unplug requested; guest 'g1' has not released $E1000E2" "$WORK/tui-detach"
ok $? "console: says the unplug is requested and the guest has not released it"
# the same guards from the console: the PF whose VFs g1 holds live, and a guest without a free
# pcie-root-port (g2)
clear_filter() { keys /; wait_for "Filter:"; keys C-u; }
# console_attach_g2 FUNCTION REFUSAL: from the list, FUNCTION to g2 with the form's defaults, applied;
# true when the status line says REFUSAL (the console is back on the list afterwards)
console_attach_g2() {
    clear_filter; keys "$1" Enter; wait_for "1 shown" 20
    keys Enter; wait_for "Pick the guest for $1" 30
    keys Home j Enter; wait_for "Assign $1 to guest 'g2'" 30
    # [Preview XML] sits above the element fields (ROM BAR, ROM file, boot order, driver model)
    keys BTab BTab BTab BTab BTab Enter; wait_for "XML preview: $1" 30
    keys Enter; wait_for "of guest 'g2'? [y/N]" 30; keys y
    wait_for "$2" 60; _r=$?
    keys Escape Escape Escape; wait_for "Host PCI functions" 30
    return $_r
}
mark console-detach
keys Escape Escape; wait_for "Host PCI functions" 30
console_attach_g2 "$NVME" "refused: $NVME is the SR-IOV PF of VF"
ok $? "console: the PF whose VFs g1 holds live is refused, with the reason"
! holds g2 "$NVME" && ! holds g2 "$NVME" --inactive; ok $? "console: and nothing was sent"
console_attach_g2 "$E1000E2" "refused: guest 'g2' has 0 free pcie-root-ports for hot-plug"
ok $? "console: a live attach to g2 without a free pcie-root-port is refused before libvirt is asked"
! holds g2 "$E1000E2"; ok $? "console: and nothing was sent"
keys q; wait_for EXITED 30; screen | grep -q "EXITED 0"; ok $? "console: quits with status 0"
tui_stop
mark console-refusals

# --- SR-IOV: the PF while a running guest holds its VFs -------------------------------------------
ppc pfvf attach g2 "$NVME" --config
[ "$(rc pfvf)" -ne 0 ] && grep -q "$NVME is the SR-IOV PF of VF" "$WORK/pfvf.err"
ok_or $? "attach of the PF $NVME while g1 holds its VFs live is refused (PF/VF guard)" "$WORK/pfvf.err"
ppc pfvff attach g2 "$NVME" --config --force
[ "$(rc pfvff)" -ne 0 ] && ! holds g2 "$NVME" --inactive
ok_or $? "not even with --force while a running guest holds a VF, and nothing is stored" "$WORK/pfvff.err"
ppc pfck check --json "$NVME"
[ "$(jq -r '[.[] | select(.check == "device") | .status] | index("pass")' "$WORK/pfck.out")" = null ]
ok_or $? "check no longer calls the PF ready to assign" "$WORK/pfck.out"
ppc svbusy setup vfs "$NVME" 1
[ "$(rc svbusy)" -eq 1 ] && grep -qF "$VF0 (guest g1[L" "$WORK/svbusy.err" &&
    [ -L "/sys/bus/pci/devices/$NVME/virtfn1" ]
ok_or $? "setup vfs $NVME 1 while g1 holds its VFs live: refused, naming $VF0 and g1; both VFs stay" "$WORK/svbusy.err"

# --- several functions live: a conventional two-function device into a bridge slot of g1 -----------
vx destroy g3 > /dev/null 2>&1
i=0; while [ "$(drv "$BR0")" = vfio-pci ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
ppc allfl attach g1 "$BR0" --all-functions --live --force
diag < "$WORK/allfl.err"
if holds g1 "$BR0" && holds g1 "$BR1"; then both=1; elif ! holds g1 "$BR0" && ! holds g1 "$BR1"; then both=0; else both=half; fi
[ "$both" != half ]; ok $? "live --all-functions: both functions or neither in g1's live XML, never one ($both)"
{ [ "$both" = 1 ] && [ "$(rc allfl)" -eq 0 ]; } || { [ "$both" = 0 ] && [ "$(rc allfl)" -ne 0 ]; }
ok_or $? "and pcipass's exit status says which (rc $(rc allfl))" "$WORK/allfl.err"
mark several

vx destroy g1 > /dev/null 2>&1; vx destroy g2 > /dev/null 2>&1

# --- the guest's side: a Linux guest sees a live attach and releases a live detach ------------------
# (with functions no configuration holds now: $E1000E2, which g1 held live only, and the VF $VF1,
# whose attach to g1 was undone)
# lx_sees ID FROM: the guest's listing, in a line printed after line FROM of its serial log, names a
# function with vendor:device ID (0x8086:0x10d3); lx_gone ID FROM: one such line does not
# (LOG: lx's serial log unless $LOG names another guest's)
lx_lines() { wc -l < "${LOG:-$LXLOG}"; }
lx_sees() { tail -n +"$(($2 + 1))" "${LOG:-$LXLOG}" | grep '^PPGUEST-PCI' | grep -q "=$1"; }
lx_gone() { tail -n +"$(($2 + 1))" "${LOG:-$LXLOG}" | sed '$d' | grep '^PPGUEST-PCI' | grep -vq "=$1"; }
# lx_wait CMD ARGS... : CMD true within 120 s (the guest prints a line a second)
lx_wait() { vm_wait 120 "the guest's listing" "$@"; }
# lx_up LOG: the guest's init has listed its functions
lx_up() { grep -q '^PPGUEST-PCI' "$1" 2> /dev/null; }
vm_wait 900 "lx's init" lx_up "$LXLOG"
grep -q '^PPGUEST-PCI' "$LXLOG"
ok $? "lx's init runs and lists its functions ($(sed -n 's/^PPGUEST-UP \([0-9.]*\).*/\1/p' "$LXLOG") s into its boot)" || tail -n 20 "$LXLOG" | diag
mark linux-boot
sleep 2
from=$(lx_lines)
ppc lxa attach lx "$E1000E2" --live
[ "$(rc lxa)" -eq 0 ] && holds lx "$E1000E2"; ok_or $? "live attach of $E1000E2 to the Linux guest lx" "$WORK/lxa.err"
t=$(now_s); lx_wait lx_sees 0x8086:0x10d3 "$from"
ok $? "the guest sees the function after the live attach ($(secs_since "$t") s)"
from=$(lx_lines)
ppc lxd detach lx "$E1000E2" --live --wait 60
[ "$(rc lxd)" -eq 0 ] && grep -q "detached" "$WORK/lxd.out"
ok_or $? "live detach from lx (ACPI hot-plug) exits 0 and says detached" "$WORK/lxd.err"
! holds lx "$E1000E2"; ok $? "libvirt's live XML of lx no longer holds $E1000E2"
ppc lxh history --json
[ "$(jq -r '.[-1] | [.action, .state] | @tsv' "$WORK/lxh.out")" = "$(printf 'detach\tdone')" ]
ok_or $? "the journal records the detach as done" "$WORK/lxh.out"
lx_wait lx_gone 0x8086:0x10d3 "$from"; ok $? "and the guest no longer lists it, though it was reading its config space"
# undo of the live detach: the function goes back into the running guest, which sees it again
from=$(lx_lines)
ppc lxu undo
[ "$(rc lxu)" -eq 0 ] && holds lx "$E1000E2"; ok_or $? "undo of the live detach: libvirt's live XML of lx holds $E1000E2 again" "$WORK/lxu.err"
lx_wait lx_sees 0x8086:0x10d3 "$from"; ok $? "and the running guest sees it again"
ppc lxd2 detach lx "$E1000E2" --live --wait 60
[ "$(rc lxd2)" -eq 0 ] && ! holds lx "$E1000E2"; ok_or $? "detached again (released)" "$WORK/lxd2.err"
# a VF: the same, on its own group
from=$(lx_lines)
ppc lxva attach lx "$VF1" --live
[ "$(rc lxva)" -eq 0 ] && holds lx "$VF1"; ok_or $? "live attach of the VF $VF1 to lx" "$WORK/lxva.err"
lx_wait lx_sees 0x1b36:0x0010 "$from"; ok $? "the guest sees the VF"
from=$(lx_lines)
ppc lxvd detach lx "$VF1" --live --wait 60
[ "$(rc lxvd)" -eq 0 ] && ! holds lx "$VF1" && grep -q "detached" "$WORK/lxvd.out"
ok_or $? "live detach of the VF: exit 0, detached, libvirt's live XML without it" "$WORK/lxvd.err"
lx_wait lx_gone 0x1b36:0x0010 "$from"; ok $? "and the guest released the VF"
vx destroy lx > /dev/null 2>&1
# native PCIe hot-plug: the guest's pciehp waits out the attention button before it lets go
vm_wait 900 "lxn's init" lx_up "$LXNLOG"
LOG=$LXNLOG
from=$(lx_lines)
ppc lxna attach lxn "$E1000E2" --live
[ "$(rc lxna)" -eq 0 ] && holds lxn "$E1000E2"; ok_or $? "live attach of $E1000E2 to lxn (native PCIe hot-plug)" "$WORK/lxna.err"
lx_wait lx_sees 0x8086:0x10d3 "$from"; ok $? "lxn sees the function"
from=$(lx_lines)
ppc lxnd detach lxn "$E1000E2" --live --wait 60
[ "$(rc lxnd)" -eq 0 ] && ! holds lxn "$E1000E2" && grep -q "detached" "$WORK/lxnd.out"
ok_or $? "live detach from lxn: exit 0, detached, libvirt's live XML without it" "$WORK/lxnd.err"
lx_wait lx_gone 0x8086:0x10d3 "$from"; ok $? "and lxn released it"
unset LOG
cp "$LXLOG" /vmres/lx.serial 2> /dev/null; cp "$LXNLOG" /vmres/lxn.serial 2> /dev/null
vx destroy lxn > /dev/null 2>&1
mark linux

# --- setup on a real kernel: the NVMe's VFs, vfio-pci at every boot, a binding by driverctl (fetched
# for this VM), each read back from the kernel and undone -------------------------------------------
# the VFs free first, as setup vfs demands (it refused here, naming both): g1's configuration still
# holds $VF0, and libvirt left $VF1 on vfio-pci after lx gave it back (it had no driver before)
holds g1 "$VF0" --inactive && ppc sv0 detach g1 "$VF0" --config
for v in "$VF0" "$VF1"; do [ "$(drv "$v")" != vfio-pci ] || echo "$v" > /sys/bus/pci/drivers/vfio-pci/unbind; done
ppc svfs setup vfs "$NVME" 1 --json
[ "$(rc svfs)" -eq 0 ] && [ "$(jq -r '.[0].state' "$WORK/svfs.out")" = done ] &&
    [ -L "/sys/bus/pci/devices/$NVME/virtfn0" ] && [ ! -e "/sys/bus/pci/devices/$NVME/virtfn1" ] &&
    grep -qF "KERNEL==\"$NVME\", ATTR{sriov_numvfs}=\"1\"" /etc/udev/rules.d/70-pcipass-sriov.rules
ok_or $? "setup vfs $NVME 1: done, the kernel's virtfn links show one VF, a udev rule keeps it" "$WORK/svfs.err"
[ "$(jq -r '.[0].commands | length' "$WORK/svfs.out")" = 0 ] && jq -r '.[0].note' "$WORK/svfs.out" | grep -q "udev is not running"
ok_or $? "no udev in this VM: no udevadm run, and setup says when the rule is read" "$WORK/svfs.out"
ppc svfsu undo
[ "$(rc svfsu)" -eq 0 ] && [ -L "/sys/bus/pci/devices/$NVME/virtfn1" ] && [ ! -e /etc/udev/rules.d/70-pcipass-sriov.rules ]
ok_or $? "undo: two VFs again (virtfn1 back), the rule gone" "$WORK/svfsu.err"
modprobe -r vfio_pci 2> /dev/null
[ ! -d /sys/module/vfio_pci ]; ok $? "vfio-pci unloaded (no function on it)"
ppc svfio setup vfio --json
[ "$(rc svfio)" -eq 0 ] && [ "$(jq -r '.[0].state' "$WORK/svfio.out")" = done ] && [ -d /sys/module/vfio_pci ] &&
    grep -qx vfio-pci /etc/modules-load.d/pcipass.conf &&
    [ "$(jq -r '.[0].commands[0] | "\(.command) \(.run)"' "$WORK/svfio.out")" = "modprobe vfio-pci true" ]
ok_or $? "setup vfio: modprobe ran, the kernel shows vfio_pci loaded, modules-load.d lists it" "$WORK/svfio.err"
ppc svfiou undo
[ "$(rc svfiou)" -eq 0 ] && [ ! -e /etc/modules-load.d/pcipass.conf ] && [ -d /sys/module/vfio_pci ]
ok_or $? "undo: the modules-load.d file gone, the module stays loaded" "$WORK/svfiou.err"
install -m 755 "$driverctl" /usr/sbin/driverctl
ppc sbind setup bind "$E1000E2" --json
[ "$(rc sbind)" -eq 0 ] && [ "$(jq -r '.[0].state' "$WORK/sbind.out")" = done ] &&
    [ "$(drv "$E1000E2")" = vfio-pci ] && [ "$(cat "/etc/driverctl.d/pci-$E1000E2")" = vfio-pci ]
ok_or $? "setup bind $E1000E2 with driverctl: done, the kernel shows it on vfio-pci, driverctl keeps it" "$WORK/sbind.err"
ppc sbindc check --json "$E1000E2"
[ "$(jq -r '.[] | select(.check == "device") | .status' "$WORK/sbindc.out")" = pass ]
ok_or $? "check $E1000E2: ready" "$WORK/sbindc.out"
ppc sbindu undo
[ "$(rc sbindu)" -eq 0 ] && [ "$(drv "$E1000E2")" = e1000e ] && [ ! -e "/etc/driverctl.d/pci-$E1000E2" ]
ok_or $? "undo: driverctl's override off, $E1000E2 back on e1000e" "$WORK/sbindu.err"
mark setup

# --- this VM as a remote host: the host lists it and attaches over libvirt's TCP transport -----------
guest_xml g4 4 > "$WORK/g4.xml" && vx define "$WORK/g4.xml" > /dev/null && vx start g4 > /dev/null
ok $? "g4 runs, for the host's remote attach"
# settled drivers (the destroyed guests' functions go back to their host drivers), then a free
# e1000-family function for the host to attach, and this VM's own view for it to compare with
sleep 2
ppc rfree find --vendor 8086 --class 0200 --free --json
RFN=$(jq -r '.[0].address // empty' "$WORK/rfree.out")
[ -n "$RFN" ]; ok_or $? "find --free names a free e1000-family function ($RFN)" "$WORK/rfree.out"
# lspci's address, class, ids and driver; the IOMMU group as the kernel links it
lspci -D -vmm -n -k | awk '
    /^Slot:/ { a = $2; c = v = d = drv = "null" }
    /^Class:/ { c = $2 } /^Vendor:/ { v = $2 } /^Device:/ { d = $2 } /^Driver:/ { drv = $2 }
    /^$/ && a != "" { print a, c, v, d, drv; a = "" }
    END { if (a != "") print a, c, v, d, drv }' | while read -r a rest; do
        echo "$a $rest $(grp "$a" || echo null)"
    done | sort > /vmres/lspci.txt
echo "$RFN" > /vmres/remote-fn
touch /vmres/remote-ready
vm_wait 900 "the host's remote part" test -f /vmres/remote-done
[ -f /vmres/remote-done ]; ok $? "the host's remote part ran while this VM waited"
mark remote

done_testing
echo done > /vmres/done

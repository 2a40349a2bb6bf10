#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Lays out a fake sysfs root, shaped like the kernel's /sys, from a host description file.
# Used by the test suite, the benchmark and the bundled demo host.
#
#   mkfakesys.sh DESCRIPTION ROOT [PROCROOT [DEVROOT [BOOTROOT [CONFROOT]]]]
#
# PROCROOT (default ROOT-proc), DEVROOT (default ROOT-dev), BOOTROOT (default ROOT-boot) and
# CONFROOT (default ROOT-conf) are made only when a directive needs them.
#
# Description lines ('#' starts a comment):
#   fn ADDRESS VENDOR DEVICE CLASS [key=value ...]
#       keys: rev=HH sub=VVVV:DDDD numa=N group=N driver=NAME parent=ADDRESS physfn=ADDRESS
#             sriov=TOTAL/ENABLED boot_vga=1 fid=0xN uid=0xN uid_unique=0|1 pchid=0xN header=N
#             dsn=HEX16 (a PCIe capability and the Device Serial Number extended capability in
#             config space, as lspci shows it: 0011223344556677 is 00-11-22-33-44-55-66-77)
#             reset=METHOD[,METHOD...]|none|absent|old (default flr: reset_method and reset;
#             none: reset_method emptied; absent: neither, as the kernel shows a function it cannot
#             reset; old: reset only, as kernels before 5.15) override=DRIVER (driver_override,
#             default "(null)") vfio_dev=N (the VFIO device the kernel makes for a function on
#             a VFIO driver from 6.1 on: DIR/vfio-dev/vfioN and ROOT/class/vfio-dev/vfioN)
#             broken=novendor|unreadable-numa|dangling-driver|dangling-group|garbage-sriov
#             (novendor: neither vendor nor uevent)
#   module NAME [builtin] a loaded kernel module (ROOT/module/NAME, with holders/ as a loadable
#                        module has it; builtin: without, as the kernel shows a built-in one)
#   holder MODULE HOLDER MODULE is held by HOLDER: ROOT/module/MODULE/holders/HOLDER -> ../../HOLDER
#   drivermod DRIVER MODULE  the driver's module link: ROOT/bus/pci/drivers/DRIVER/module ->
#                        ../../../../module/MODULE (driver vfio-pci is module vfio_pci)
#   block NAME ADDRESS   a block device whose PCI ancestor is ADDRESS (ROOT/class/block/NAME)
#   net NAME ADDRESS     a network interface on ADDRESS (ROOT/class/net/NAME)
#   part NAME DISK       a partition of the block device DISK, under it as in real sysfs
#   vnet NAME LOWER...   a virtual interface (bridge, bond, vlan) over LOWER interfaces (lower_*)
#   vblock NAME SLAVE... a virtual block device (dm, md) built on SLAVE block devices (slaves/)
#   rootdev NAME [SRC]   PROCROOT/self/mountinfo mounts SRC (default /dev/NAME) on /, with device
#                        number 259:2, which ROOT/dev/block/259:2 links to NAME as in real sysfs
#   route6 IFACE         PROCROOT/net/ipv6_route has the default route through IFACE
#   defaultroute IFACE   PROCROOT/net/route has the default route through IFACE
#   cmdline WORDS...     PROCROOT/cmdline
#   release NAME         PROCROOT/sys/kernel/osrelease
#   devnode PATH         DEVROOT/PATH (a plain file standing in for the device node)
#   kconfig proc|boot OPTION...  the kernel's configuration, one CONFIG_X=y line per OPTION: gzip'd
#                        as PROCROOT/config.gz, or plain as BOOTROOT/config-RELEASE (after release)
#   cpu VENDOR           PROCROOT/cpuinfo with that vendor_id (GenuineIntel, AuthenticAMD)
#   conf PATH WORDS...   appends the line WORDS to CONFROOT/PATH (modprobe.d, driverctl.d files)
set -eu

desc=$1
root=$2
procroot=${3:-$root-proc}
devroot=${4:-$root-dev}
bootroot=${5:-$root-boot}
confroot=${6:-$root-conf}
kernel_release=""

mkdir -p "$root/bus/pci/devices" "$root/bus/pci/drivers" "$root/bus/pci/slots" \
         "$root/kernel/iommu_groups" "$root/module" "$root/devices" "$root/class/block" "$root/class/net"

# Sets _u to "../" repeated once per path component of $1 (a path relative to the root). Functions
# here set variables instead of printing: a command substitution forks, and a big host has thousands
# of functions.
ups() {
    _p=$1 _u=""
    while [ -n "$_p" ]; do
        _u="../$_u"
        case $_p in */*) _p=${_p#*/} ;; *) _p="" ;; esac
    done
}

# Sets _v to a shell variable name for the PCI address $1 (hex digits, ':' and '.' only).
addrvar() {
    _d=${1%%:*} _r=${1#*:}
    _b=${_r%%:*} _r=${_r#*:}
    _v="rel_${_d}_${_b}_${_r%%.*}_${_r#*.}"
}

# Sets _l to the device directory of an already laid out function, relative to the root.
devpath() {
    addrvar "$1"
    eval "_l=\${$_v:-}"
    [ -n "$_l" ] || { echo "mkfakesys: unknown function $1" >&2; exit 1; }
}

# Symbolic links are listed first and made at the end, all by one process when perl is there (it
# is part of every Debian system): one ln per link costs minutes on a host of 4096 functions.
links="$root/.mkfakesys-links"
exec 3> "$links"
link() { printf '%s\t%s\n' "$1" "$2" >&3; }
make_links() {
    exec 3>&-
    if command -v perl > /dev/null 2>&1; then
        perl -ne 'chomp; my ($t, $l) = split /\t/; symlink($t, $l) or die "mkfakesys: $l: $!\n"' "$links"
    else
        while IFS='	' read -r _t _n; do ln -s "$_t" "$_n"; done < "$links"
    fi
    rm -f "$links"
}

# Appends byte $1 to the printf format _fmt as an octal escape: one printf per file in the end.
byte() { _fmt="$_fmt\\$(( ($1 >> 6) & 3 ))$(( ($1 >> 3) & 7 ))$(( $1 & 7 ))"; }
le16() { byte $(( $1 & 255 )); byte $(( ($1 >> 8) & 255 )); }

# the first 64 bytes of config space, consistent with the attribute files
write_config() { # FILE VENDOR DEVICE CLASS REV SUBV SUBD HEADER [DSN]
    _fmt=""
    le16 "$2"; le16 "$3"; le16 0x0006; le16 0x0010
    byte $(( $5 & 255 )); byte $(( $4 & 255 )); byte $(( ($4 >> 8) & 255 )); byte $(( ($4 >> 16) & 255 ))
    byte 0; byte 0; byte $(( $8 & 255 )); byte 0
    i=0; while [ $i -lt 28 ]; do byte 0; i=$((i + 1)); done
    le16 "$6"; le16 "$7"
    if [ -n "${9:-}" ]; then
        # capability pointer 0x40: a PCI Express capability (libpci looks for extended ones only
        # behind it), then at 0x100 the Device Serial Number (id 3, version 1), low dword first
        byte 0; byte 0; byte 0; byte 0; byte 64
        i=0; while [ $i -lt 11 ]; do byte 0; i=$((i + 1)); done
        byte 16; byte 0; byte 2; byte 0
        i=0; while [ $i -lt 188 ]; do byte 0; i=$((i + 1)); done
        le16 3; le16 1
        _h=$9; _k=14
        while [ $_k -ge 0 ]; do
            _c=$(printf '%s' "$_h" | cut -c$((_k + 1))-$((_k + 2)))
            byte $((0x$_c)); _k=$((_k - 2))
        done
    else
        i=0; while [ $i -lt 16 ]; do byte 0; i=$((i + 1)); done
    fi
    # shellcheck disable=SC2059
    printf "$_fmt" > "$1"
}

# Sets _j to $1 with its commas as blanks, without a fork.
commas_to_blanks() { _o=$IFS; IFS=,; set -- $1; IFS=' '; _j="$*"; IFS=$_o; }

fn() {
    addr=$1 vendor=0x$2 device=0x$3 class=0x$4
    shift 4
    rev=00 sub="" numa="" group="" driver="" parent="" physfn="" sriov="" bootvga=""
    fid="" uid="" uidu=1 pchid="" header="" broken="" reset=flr override="(null)" dsn="" vfiodev=""
    for kv in "$@"; do
        case $kv in
            rev=*) rev=${kv#*=} ;; sub=*) sub=${kv#*=} ;; numa=*) numa=${kv#*=} ;;
            group=*) group=${kv#*=} ;; driver=*) driver=${kv#*=} ;; parent=*) parent=${kv#*=} ;;
            physfn=*) physfn=${kv#*=} ;; sriov=*) sriov=${kv#*=} ;; boot_vga=*) bootvga=${kv#*=} ;;
            fid=*) fid=${kv#*=} ;; uid=*) uid=${kv#*=} ;; uid_unique=*) uidu=${kv#*=} ;;
            pchid=*) pchid=${kv#*=} ;; header=*) header=${kv#*=} ;; broken=*) broken=${kv#*=} ;;
            reset=*) reset=${kv#*=} ;; override=*) override=${kv#*=} ;; dsn=*) dsn=${kv#*=} ;;
            vfio_dev=*) vfiodev=${kv#*=} ;;
            *) echo "mkfakesys: $addr: unknown key '$kv'" >&2; exit 1 ;;
        esac
    done
    if [ -n "$parent" ]; then
        devpath "$parent"
        rel="$_l/$addr"
    else
        rel="devices/pci${addr%:*.*}/$addr"
    fi
    dir="$root/$rel"
    ups "$rel"
    up=$_u
    addrvar "$addr"
    eval "$_v=\$rel"
    # one mkdir for every directory of the function
    set -- "$dir"
    [ -z "$driver" ] || [ -d "$root/bus/pci/drivers/$driver" ] || set -- "$@" "$root/bus/pci/drivers/$driver"
    [ -z "$group" ] || set -- "$@" "$root/kernel/iommu_groups/$group/devices"
    mkdir -p "$@"
    link "../../../$rel" "$root/bus/pci/devices/$addr"

    subv=0x${sub%%:*} subd=0x${sub##*:}
    [ -n "$sub" ] || { subv=0x0000; subd=0x0000; }
    if [ -z "$header" ]; then
        case $class in 0x0604*|0x0609*) header=1 ;; 0x0607*) header=2 ;; *) header=0 ;; esac
    fi
    [ "$broken" = novendor ] || printf '%s\n' "$vendor" > "$dir/vendor"
    printf '%s\n' "$device" > "$dir/device"
    printf '0x%06x\n' $(( class )) > "$dir/class"
    printf '0x%s\n' "$rev" > "$dir/revision"
    printf '0x%04x\n' $(( subv )) > "$dir/subsystem_vendor"
    printf '0x%04x\n' $(( subd )) > "$dir/subsystem_device"
    # the kernel's uevent (drivers/pci/hotplug.c after the driver core's DRIVER): the same ids
    [ "$broken" = novendor ] || {
        [ -z "$driver" ] || printf 'DRIVER=%s\n' "$driver"
        printf 'PCI_CLASS=%04X\nPCI_ID=%04X:%04X\nPCI_SUBSYS_ID=%04X:%04X\nPCI_SLOT_NAME=%s\n' \
            $(( class )) $(( vendor )) $(( device )) $(( subv )) $(( subd )) "$addr"
        printf 'MODALIAS=pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02x\n' $(( vendor )) $(( device )) \
            $(( subv )) $(( subd )) $(( class >> 16 )) $(( (class >> 8) & 255 )) $(( class & 255 ))
    } > "$dir/uevent"
    printf '0\n' > "$dir/irq"
    i=0; while [ $i -lt 7 ]; do
        echo "0x0000000000000000 0x0000000000000000 0x0000000000000000"; i=$((i + 1))
    done > "$dir/resource"
    printf '%s\n' "$override" > "$dir/driver_override"
    case $reset in
        absent) ;;
        old) : > "$dir/reset" ;;
        none) : > "$dir/reset"; printf '\n' > "$dir/reset_method" ;;
        *) : > "$dir/reset"; commas_to_blanks "$reset"; printf '%s\n' "$_j" > "$dir/reset_method" ;;
    esac
    write_config "$dir/config" "$vendor" "$device" "$class" "0x$rev" "$subv" "$subd" "$header" "$dsn"
    if [ "$broken" = unreadable-numa ]; then
        mkdir "$dir/numa_node"           # reading a directory fails, even as root
    else
        printf '%s\n' "${numa:--1}" > "$dir/numa_node"
    fi
    if [ -n "$driver" ]; then
        link "../../../../$rel" "$root/bus/pci/drivers/$driver/$addr"
        link "${up}bus/pci/drivers/$driver" "$dir/driver"
    fi
    [ "$broken" = dangling-driver ] && link "${up}bus/pci/drivers/gone_driver" "$dir/driver"
    if [ -n "$group" ]; then
        link "../../../../$rel" "$root/kernel/iommu_groups/$group/devices/$addr"
        link "${up}kernel/iommu_groups/$group" "$dir/iommu_group"
    fi
    [ "$broken" = dangling-group ] && link "${up}kernel/iommu_groups/999999" "$dir/iommu_group"
    if [ -n "$sriov" ]; then
        printf '%s\n' "${sriov%/*}" > "$dir/sriov_totalvfs"
        printf '%s\n' "${sriov#*/}" > "$dir/sriov_numvfs"
    fi
    [ "$broken" = garbage-sriov ] && printf 'lots\n' > "$dir/sriov_totalvfs"
    if [ -n "$physfn" ]; then
        devpath "$physfn"
        pf=$_l
        link "${up}$pf" "$dir/physfn"
        # the PF's next virtfnN: counted per PF (the links are made at the end)
        eval "n=\${nvf_$_v:-0}; nvf_$_v=\$((n + 1))"
        ups "$pf"
        link "$_u$rel" "$root/$pf/virtfn$n"
    fi
    [ -n "$bootvga" ] && printf '%s\n' "$bootvga" > "$dir/boot_vga"
    if [ -n "$vfiodev" ]; then
        mkdir -p "$dir/vfio-dev/vfio$vfiodev" "$root/class/vfio-dev"
        printf '511:%s\n' "$vfiodev" > "$dir/vfio-dev/vfio$vfiodev/dev"
        link "../../$rel/vfio-dev/vfio$vfiodev" "$root/class/vfio-dev/vfio$vfiodev"
        link "${up}../../class/vfio-dev" "$dir/vfio-dev/vfio$vfiodev/subsystem"
    fi
    if [ -n "$fid" ]; then
        printf '0x%08x\n' $(( fid )) > "$dir/function_id"
        printf '0x%x\n' $(( ${uid:-0} )) > "$dir/uid"
        printf '%s\n' "$uidu" > "$dir/uid_is_unique"
        printf '0x%04x\n' $(( ${pchid:-0} )) > "$dir/pchid"
        printf '0x%x\n' $(( ${fid} & 0xff )) > "$dir/vfn"
        slot="$root/bus/pci/slots/$(printf '%08x' $(( fid )))"
        mkdir -p "$slot"
        printf '%s\n' "${addr%.*}" > "$slot/address"
    fi
    return 0
}

module() {
    if [ "${2:-}" = builtin ]; then mkdir -p "$root/module/$1/parameters"
    else mkdir -p "$root/module/$1/holders"; fi
}
holder() { module "$1"; module "$2"; link "../../$2" "$root/module/$1/holders/$2"; }
drivermod() { mkdir -p "$root/bus/pci/drivers/$1"; module "$2"; link "../../../../module/$2" "$root/bus/pci/drivers/$1/module"; }

# Class devices (block, net) by name: their paths are remembered here because the links under
# class/ are only made at the end (see make_links).
clsvar() { _cv="cls_$1_$(printf '%s' "$2" | tr -c 'A-Za-z0-9' '_')"; }
setcls() { clsvar "$1" "$2"; eval "$_cv=\$3"; }
getcls() { # KIND NAME: sets _l to the link target under class/KIND, as readlink would print it
    clsvar "$1" "$2"
    eval "_l=\${$_cv:-}"
    [ -n "$_l" ] || { echo "mkfakesys: unknown $1 device $2" >&2; exit 1; }
    _l="../../$_l"
}

# A block device or network interface below a function, as the kernel links them.
classdev() { # KIND NAME ADDRESS
    devpath "$3"
    rel="$_l/$1/$2"
    mkdir -p "$root/$rel"
    link "../../$rel" "$root/class/$1/$2"
    setcls "$1" "$2" "$rel"
}
block() { classdev block "$1" "$2"; }
net() { classdev net "$1" "$2"; }
part() {
    getcls block "$2"
    rel="${_l#../../}/$1"
    mkdir -p "$root/$rel"
    link "../../$rel" "$root/class/block/$1"
    setcls block "$1" "$rel"
}
vnet() {
    _n=$1; shift
    rel="devices/virtual/net/$_n"
    mkdir -p "$root/$rel"
    link "../../$rel" "$root/class/net/$_n"
    setcls net "$_n" "$rel"
    for _lo in "$@"; do
        getcls net "$_lo"
        link "../../../../${_l#../../}" "$root/$rel/lower_$_lo"
    done
}
vblock() {
    _n=$1; shift
    rel="devices/virtual/block/$_n"
    mkdir -p "$root/$rel/slaves"
    link "../../$rel" "$root/class/block/$_n"
    setcls block "$_n" "$rel"
    for _s in "$@"; do
        getcls block "$_s"
        link "../../../../../${_l#../../}" "$root/$rel/slaves/$_s"
    done
}
route6() {
    mkdir -p "$procroot/net"
    printf '00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003 %8s\n' "$1" > "$procroot/net/ipv6_route"
}
rootdev() {
    mkdir -p "$root/dev/block"
    getcls block "$1"
    link "../../${_l#../../}" "$root/dev/block/259:2"
    mkdir -p "$procroot/self"
    {
        echo "21 1 0:20 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw"
        echo "22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw"
        echo "26 1 259:2 / / rw,relatime shared:1 - ext4 ${2:-/dev/$1} rw,errors=remount-ro"
        echo "27 26 259:1 / /boot/efi rw,relatime shared:2 - vfat /dev/other1 rw"
    } > "$procroot/self/mountinfo"
}
defaultroute() {
    mkdir -p "$procroot/net"
    {
        printf 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n'
        printf '%s\t00000000\t0100A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n' "$1"
        printf '%s\t0000A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n' "$1"
    } > "$procroot/net/route"
}
cmdline() { mkdir -p "$procroot"; echo "$*" > "$procroot/cmdline"; }
release() { mkdir -p "$procroot/sys/kernel"; echo "$1" > "$procroot/sys/kernel/osrelease"; kernel_release=$1; }
devnode() { mkdir -p "$(dirname "$devroot/$1")"; : > "$devroot/$1"; }
kconfig() {
    _where=$1; shift
    _text="# Automatically generated file; DO NOT EDIT."
    for _o in "$@"; do _text="$_text
$_o=y"; done
    case $_where in
        proc) mkdir -p "$procroot"; printf '%s\n' "$_text" | gzip -9n > "$procroot/config.gz" ;;
        boot) [ -n "$kernel_release" ] || { echo "mkfakesys: kconfig boot before release" >&2; exit 1; }
              mkdir -p "$bootroot"; printf '%s\n' "$_text" > "$bootroot/config-$kernel_release" ;;
        *) echo "mkfakesys: kconfig: proc or boot, not '$_where'" >&2; exit 1 ;;
    esac
}
cpu() { mkdir -p "$procroot"; printf 'processor\t: 0\nvendor_id\t: %s\n' "$1" > "$procroot/cpuinfo"; }
conf() { _p=$1; shift; mkdir -p "$(dirname "$confroot/$_p")"; printf '%s\n' "$*" >> "$confroot/$_p"; }

lineno=0
while IFS= read -r line || [ -n "$line" ]; do
    lineno=$((lineno + 1))
    line=${line%%#*}
    # shellcheck disable=SC2086
    set -- $line
    [ $# -gt 0 ] || continue
    case $1 in
        fn|module|holder|drivermod|block|net|part|vnet|vblock|rootdev|route6|defaultroute|cmdline|release|devnode|kconfig|cpu|conf) "$@" ;;
        *) echo "mkfakesys: $desc:$lineno: unknown directive '$1'" >&2; exit 1 ;;
    esac
done < "$desc"
make_links

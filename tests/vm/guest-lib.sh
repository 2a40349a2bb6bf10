# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced (after tests/lib/common.sh) by the scenarios that run as init inside the lane's VMs
# (x86-guest.sh, s390x-libvirt-guest.sh): what a root libvirtd needs over the VM's read-only root
# and its tmpfs overlay, and the helpers both scenarios use. The kernel's uptime is the clock: a
# guest's own under TCG.
mark() { echo "$1 $(cut -d' ' -f1 /proc/uptime)" >> /vmres/times; }
finish() { sync; busybox poweroff -f; }
ok_or() { _s=$1; ok "$1" "$2"; [ "$_s" -eq 0 ] || diag < "$3"; }
ppc() { _n=$1; shift; run_cmd "$_n" -c $URI "$@"; }
vx() { virsh -q -c $URI "$@"; }
drv() { _l=$(readlink "/sys/bus/pci/devices/$1/driver") && echo "${_l##*/}"; }
grp() { _l=$(readlink "/sys/bus/pci/devices/$1/iommu_group") && echo "${_l##*/}"; }

# vm_machine [DIR...]: fresh state directories (libvirt's, /run, DIR...) over the host's, devpts,
# the fetched kernel's modules at /lib/modules, $WORK and the journal in it. Not /tmp for the
# x86 VM: the tree under test may live there, as a fresh clone often does.
vm_machine() {
    for _d in /run /var/lib/libvirt /var/cache/libvirt /var/log/libvirt /etc/libvirt/qemu "$@"; do
        mkdir -p "$_d" && mount -t tmpfs tmpfs "$_d"
    done
    mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
    WORK=$(mktemp -d); export PCIPASS_JOURNAL="$WORK/journal"
    mkdir -p "/lib/modules/$kver" && mount --bind "$kdir/lib/modules/$kver" "/lib/modules/$kver"
    mkdir -p /run/libvirt /var/log/libvirt/qemu /var/lib/libvirt/qemu /var/cache/libvirt/qemu
}

# vm_qemu_conf: the QEMU driver as root without what the VM lacks (namespaces, cgroups, a
# security driver)
vm_qemu_conf() {
    cat > /etc/libvirt/qemu.conf <<'CONF'
user = "root"
group = "root"
namespaces = [ ]
cgroup_controllers = [ ]
security_driver = "none"
remember_owner = 0
stdio_handler = "file"
CONF
}

# vm_coldplug: no udev here: the drivers of the functions present, as udev's coldplug would load them
vm_coldplug() {
    for _a in /sys/bus/pci/devices/*/modalias; do modprobe -qb "$(cat "$_a")"; done
}

# vm_wake_cpus: every 2 s each vCPU wakes the next one (a task moved to it is an IPI). Under TCG on
# a loaded host a halted vCPU can miss its one-shot timer interrupt and then sleeps for good, with
# every timer queued on it: seen as "rcu_preempt kthread timer wakeup didn't happen ... Possible
# timer handling issue on cpu=1" and the scenario, asleep in a `sleep` on that vCPU, silent until
# vm_watch ended it. An IPI wakes the vCPU and its expired timers fire.
vm_wake_cpus() {
    command -v taskset > /dev/null || return 0
    _n=$(nproc) _c=0
    while [ "$_c" -lt "$_n" ] && [ "$_n" -gt 1 ]; do
        taskset -c "$_c" sh -c "while :; do taskset -c $(((_c + 1) % _n)) true; sleep 2; done" \
            > /dev/null 2>&1 < /dev/null &
        _c=$((_c + 1))
    done
}

# vm_wait SECS WHAT CMD...: until CMD is true, for at most SECS s of the VM's uptime, saying in the
# log every 30 s what it waits for: vm_watch takes a silent VM for a hung one, and on a loaded
# machine a guest's boot alone took longer than its stall bound (a count of polls is no bound
# there: each poll is slower too)
vm_wait() {
    _secs=$1 _what=$2
    shift 2
    _t0=$(cut -d. -f1 /proc/uptime)
    _said=$_t0
    until "$@"; do
        _t=$(cut -d. -f1 /proc/uptime)
        [ $((_t - _t0)) -lt "$_secs" ] || return 1
        if [ $((_t - _said)) -ge 30 ]; then
            echo "waiting for $_what: $((_t - _t0)) s" >&2
            _said=$_t
        fi
        sleep 0.5
    done
}

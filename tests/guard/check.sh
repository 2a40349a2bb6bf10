#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# pcipass check on fake roots with and without IOMMU groups, vfio-pci and /dev/vfio, against the
# test driver and an unreachable libvirt.
. "$srcdir/tests/lib/common.sh"

URI="test://$top_srcdir/tests/data/guard-guests.xml"
chk() { # NAME ROOTNAME ARGS...: check on a fake root with its proc, dev and boot roots
    _n=$1 _r=$(fake_root "$2"); shift 2
    run_cmd "$_n" -c "$URI" --sysfs-root "$_r" --proc-root "$_r-proc" --dev-root "$_r-dev" \
        --boot-root "$_r-boot" "$@"
}
st() { jq -r --arg c "$2" '[.[] | select(.check==$c) | .status] | join(",")' "$WORK/$1.out"; }
field() { jq -r --arg c "$2" "[.[] | select(.check==\$c) | .$3] | join(\"|\")" "$WORK/$1.out"; }

# a host set up for pass-through
chk good guard check --json
ok "$(rc good)" "check exits 0 when nothing fails"
[ "$(jq -r '[.[].check] | join(" ")' "$WORK/good.out")" = "iommu vfio-pci dev-vfio libvirt hostdev" ]
ok $? "the checks, in order"
[ "$(jq -r '.[0] | keys_unsorted | join(",")' "$WORK/good.out")" = "check,status,message,fix" ]
ok $? "each check has exactly check, status, message, fix"
[ "$(st good iommu) $(st good vfio-pci) $(st good dev-vfio) $(st good libvirt)" = "pass pass pass pass" ]
ok $? "IOMMU, vfio-pci, /dev/vfio/vfio and libvirt pass"
[ "$(field good iommu message)" = "IOMMU active: 11 IOMMU groups under $(fake_root guard)/kernel/iommu_groups" ]
ok $? "the IOMMU line counts the groups"
[ "$(st good hostdev)" = warn ] && field good hostdev message | grep -q "libvirt's test driver (as in the demo) has no hypervisor behind it" &&
    ! field good hostdev message | grep -q "not supported"
ok $? "the test driver cannot tell hostdev support: a warning that says why in words, not a failure"
[ "$(jq -r '[.[] | select(.status=="pass") | .fix] | unique | join(",")' "$WORK/good.out")" = "" ]
ok $? "passed checks carry no fix"

# per-function readiness
chk dev guard check --json 0000:05:00.0 0000:01:00.0 0000:04:00.0 0000:00:01.0
[ "$(rc dev)" = 1 ]; ok $? "a selected function that is not ready fails the check"
[ "$(st dev device)" = "pass,fail,warn,fail,fail" ]; ok $? "per function: ready, critical, owner+group, bridge"
field dev device message | grep -qF "0000:05:00.0 is ready to assign (driver none, IOMMU group 13)"
ok $? "a ready function says so with its driver and group"
field dev device fix | grep -qF "attach with --whole-group, or bind the partner to vfio-pci"
ok $? "a group problem's fix names --whole-group and prepare"
chk devbad guard check 0000:zz
[ "$(rc devbad)" = 1 ] && grep -qF "device: invalid PCI address '0000:zz'" "$WORK/devbad.err"; ok $? "a bad address is refused by name"

# no IOMMU, no vfio-pci, no /dev/vfio, nothing on the command line
chk none noiommu check --json
[ "$(rc none)" = 1 ]; ok $? "check exits 1 when something fails"
[ "$(st none iommu) $(st none vfio-pci) $(st none dev-vfio)" = "fail fail fail" ]; ok $? "IOMMU, vfio-pci and /dev/vfio fail"
field none iommu message | grep -qF "whether kernel 0.0.0-no-such-kernel has IOMMU support and turns it on is unknown"
ok $? "no kernel configuration readable: the IOMMU line says it cannot know"
field none iommu fix | grep -qF "make the kernel's configuration readable"
ok $? "and the fix says how to make it readable, advising no parameter"
field none vfio-pci message | grep -qF "neither loaded nor among the modules of kernel 0.0.0-no-such-kernel"
ok $? "vfio-pci: neither loaded nor installed"
# the IOMMU verdicts: exactly one reason each, the AMD advice never names amd_iommu=on
for h in nobuild cmdoff defoff firmware off; do chk "v$h" "iommu-$h" check --json; done
[ "$(field vnobuild iommu message)" = "no IOMMU groups: this kernel is built without Intel IOMMU support (CONFIG_INTEL_IOMMU is not set in $(fake_root iommu-nobuild)-proc/config.gz)." ]
ok $? "not built in: said with the file it was read from (/proc/config.gz)"
field vnobuild iommu fix | grep -qF "boot a kernel built with IOMMU support"
ok $? "not built in: the fix is another kernel, not a parameter"
[ "$(field vcmdoff iommu message)" = "no IOMMU groups: the kernel command line turns the IOMMU off with amd_iommu=off." ]
ok $? "amd_iommu=off is read as turning the IOMMU off (config from the boot root's config-RELEASE)"
field vcmdoff iommu fix | grep -qF "remove amd_iommu=off from the kernel command line"
ok $? "and the fix removes it"
[ "$(field vdefoff iommu message)" = "no IOMMU groups: this kernel has Intel IOMMU support but leaves it off by default (CONFIG_INTEL_IOMMU_DEFAULT_ON is not set), and the command line does not turn it on." ]
ok $? "Intel built in but off by default"
field vdefoff iommu fix | grep -qF "add intel_iommu=on to the kernel command line"
ok $? "and the fix adds intel_iommu=on"
[ "$(field vfirmware iommu message)" = "no IOMMU groups, although this kernel has IOMMU support and turns it on: the firmware keeps it off." ]
ok $? "AMD: on by default in the kernel (intel_iommu=off does not matter there), so the firmware"
[ "$(field vfirmware iommu fix)" = "enable AMD-Vi (often called IOMMU) in the firmware setup and reboot" ]
ok $? "the AMD fix names AMD-Vi in the firmware"
[ "$(field voff iommu fix)" = "enable VT-d in the firmware setup and reboot" ]
ok $? "Intel asked for on the command line but no groups: VT-d in the firmware"
[ "$(cat "$WORK"/v*.out "$WORK/none.out" | grep -c 'amd_iommu=on')" = 0 ]
ok $? "no verdict names amd_iommu=on"
[ "$(jq '[.[] | select(.check=="iommu")] | length' "$WORK/vdefoff.out")" = 1 ]
ok $? "exactly one IOMMU line"
D=$(fake_root iommu-defoff)
zcat "$D-proc/config.gz" > "$WORK/cfg" && echo CONFIG_INTEL_IOMMU_DEFAULT_ON=y >> "$WORK/cfg" && gzip -c "$WORK/cfg" > "$D-proc/config.gz"
run_cmd vdefon -c "$URI" --sysfs-root "$D" --proc-root "$D-proc" --dev-root "$D-dev" check --json
field vdefon iommu message | grep -qF "turns it on: the firmware keeps it off"
ok $? "Intel with CONFIG_INTEL_IOMMU_DEFAULT_ON: on by default, so the firmware"
printf 'CONFIG_ARM64=y\nCONFIG_ARM_SMMU_V3=y\n' | gzip -c > "$WORK/arm.gz"
cp "$D-proc/config.gz" "$WORK/x86.gz" && cp "$WORK/arm.gz" "$D-proc/config.gz"
run_cmd varm -c "$URI" --sysfs-root "$D" --proc-root "$D-proc" --dev-root "$D-dev" check --json
field varm iommu message | grep -qF "why is unknown: the kernel (configuration $D-proc/config.gz) is not built for x86"
ok $? "a kernel not built for x86 (and no zPCI): unknown, never advice for Intel or AMD"
cp "$WORK/x86.gz" "$D-proc/config.gz"
rm "$D-proc/cpuinfo"
run_cmd vnocpu -c "$URI" --sysfs-root "$D" --proc-root "$D-proc" --dev-root "$D-dev" check --json
[ "$(field vnocpu iommu fix)" = "enable VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the firmware setup and reboot" ]
ok $? "CPU vendor unknown: the firmware advice names both vendors' settings"
chk z s390-nogroups check --json
field z iommu message | grep -qF "no IOMMU groups, although 1 s390 zPCI functions are present"
ok $? "s390: zPCI functions but no groups"
S390=$(fake_root s390-zpci)
run_cmd zok -c "$URI" --sysfs-root "$S390" --proc-root "$S390-proc" --dev-root "$S390-dev" check --json
[ "$(st zok iommu)" = pass ] && field zok iommu message | grep -qF "6 s390 zPCI functions"; ok $? "s390 with groups passes and counts zPCI functions"

# text form: one line per check, one fix line under what did not pass
chk nonetxt noiommu check
grep -q '^\[FAIL\] *iommu ' "$WORK/nonetxt.out" && grep -q '^ *fix: make the kernel' "$WORK/nonetxt.out"
ok $? "text: [FAIL] line and its fix line"

# libvirt unreachable
run_cmd nolv -c "test:///$WORK/none.xml" --sysfs-root "$(fake_root guard)" --proc-root "$(fake_root guard)-proc" check --json
[ "$(rc nolv)" = 1 ] && [ "$(st nolv libvirt)" = fail ] && field nolv libvirt fix | grep -qF "start libvirtd"
ok $? "libvirt unreachable fails with a fix"

done_testing

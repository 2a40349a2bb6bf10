#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# pcipass check on fake roots with and without IOMMU groups, vfio-pci and /dev/vfio, against the
# test driver and an unreachable libvirt.
. "$srcdir/tests/lib/common.sh"

URI="test://$top_srcdir/tests/data/guard-guests.xml"
chk() { # NAME ROOTNAME ARGS...: check on a fake root with its proc and dev roots
    _n=$1 _r=$(fake_root "$2"); shift 2
    run_cmd "$_n" -c "$URI" --sysfs-root "$_r" --proc-root "$_r-proc" --dev-root "$_r-dev" "$@"
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
[ "$(st good hostdev)" = warn ] && field good hostdev message | grep -q "virConnectGetDomainCapabilities"
ok $? "the test driver cannot tell hostdev support: a warning with libvirt's reason, not a failure"
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
field none iommu message | grep -qF "the kernel command line has neither intel_iommu=on nor amd_iommu"
ok $? "the IOMMU line says what the command line lacks"
field none iommu fix | grep -qF "add intel_iommu=on (Intel) or amd_iommu=on (AMD) to the kernel command line"
ok $? "and the fix says what to add"
field none vfio-pci message | grep -qF "neither loaded nor among the modules of kernel 0.0.0-no-such-kernel"
ok $? "vfio-pci: neither loaded nor installed"
chk off iommu-off check --json
field off iommu fix | grep -qF "enable VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the firmware setup"
ok $? "asked for on the command line but no groups: the firmware"
chk z s390-nogroups check --json
field z iommu message | grep -qF "no IOMMU groups, although 1 s390 zPCI functions are present"
ok $? "s390: zPCI functions but no groups"
S390=$(fake_root s390-lpar)
run_cmd zok -c "$URI" --sysfs-root "$S390" --proc-root "$S390-proc" --dev-root "$S390-dev" check --json
[ "$(st zok iommu)" = pass ] && field zok iommu message | grep -qF "6 s390 zPCI functions"; ok $? "s390 with groups passes and counts zPCI functions"

# text form: one line per check, one fix line under what did not pass
chk nonetxt noiommu check
grep -q '^\[FAIL\] iommu ' "$WORK/nonetxt.out" && grep -q '^ *fix: add intel_iommu=on' "$WORK/nonetxt.out"
ok $? "text: [FAIL] line and its fix line"

# libvirt unreachable
run_cmd nolv -c "test:///$WORK/none.xml" --sysfs-root "$(fake_root guard)" --proc-root "$(fake_root guard)-proc" check --json
[ "$(rc nolv)" = 1 ] && [ "$(st nolv libvirt)" = fail ] && field nolv libvirt fix | grep -qF "start libvirtd"
ok $? "libvirt unreachable fails with a fix"

done_testing

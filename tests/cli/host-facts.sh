#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# What the host says of each function: why it is on its driver (driverctl.d, driver_override,
# modprobe.d, the command line, libvirt for a running guest, the kernel), its reset methods and
# pci.ids' class name, in list --json, check DEVICE, attach's guards and prepare's advice.
. "$srcdir/tests/lib/common.sh"

R=$(fake_root host-facts)
URI="test://$top_srcdir/tests/data/host-facts.xml"
ROOTS="--sysfs-root $R --proc-root $R-proc --conf-root $R-conf --dev-root $R-dev"
# shellcheck disable=SC2086
run_cmd lj -c test:///default $ROOTS list --json
# shellcheck disable=SC2086
run_cmd lg -c "$URI" $ROOTS list --json
b() { jq -c --arg a "$2" '.[] | select(.address==$a) | .binding' "$WORK/$1.out"; }
r() { jq -c --arg a "$2" '.[] | select(.address==$a) | .reset_method' "$WORK/$1.out"; }

[ "$(b lj 0000:01:00.0)" = '{"source":"driver_override","detail":"vfio-pci"}' ]
ok $? "binding: the driver_override attribute"
[ "$(b lj 0000:02:00.0)" = '{"source":"modprobe.d","detail":"/etc/modprobe.d/vfio.conf:2: options vfio-pci ids=10de:1b80 disable_vga=1; /etc/modprobe.d/vfio.conf:3: softdep nouveau pre: vfio-pci"}' ]
ok $? "binding: a vfio-pci ids= rule in /etc/modprobe.d, with the softdep written beside it"
[ "$(b lj 0000:0b:00.0)" = '{"source":"modprobe.d","detail":"/usr/lib/modprobe.d/virtio-pass.conf:1: options vfio_pci ids=1af4:1042"}' ]
ok $? "binding: vfio_pci spelt with '_' in /usr/lib/modprobe.d; no softdep of another file"
[ "$(b lj 0000:03:00.0)" = '{"source":"driverctl","detail":"/etc/driverctl.d/pci-0000:03:00.0"}' ]
ok $? "binding: a driverctl override file"
[ "$(b lj 0000:04:00.0)" = '{"source":"cmdline","detail":"vfio-pci.ids=10de:10f0"}' ]
ok $? "binding: vfio-pci.ids= on the kernel command line"
[ "$(b lj 0000:05:00.0)" = '{"source":"kernel","detail":null}' ]
ok $? "binding: the kernel's own match"
[ "$(b lj 0000:0a:00.0)" = '{"source":"unknown","detail":null}' ]
ok $? "binding: /lib/modprobe.d/vfio.conf is hidden by /etc's file of that name: vfio-pci for no visible reason is unknown"
[ "$(b lj 0000:0c:00.0)" = '{"source":"kernel","detail":null}' ]
ok $? "binding: a driver_override naming another driver than the bound one is not the reason"
[ "$(b lj 0000:06:00.0)" = null ]
ok $? "binding: null without a driver"
[ "$(b lg 0000:01:00.0)" = '{"source":"libvirt","detail":"gpu-runner"}' ]
ok $? "binding: libvirt, for a running guest's managed='yes' hostdev (before driver_override)"
[ "$(b lg 0000:0a:00.0)" = '{"source":"unknown","detail":null}' ]
ok $? "binding: a running guest's managed='no' hostdev is not libvirt's doing"
# shellcheck disable=SC2086
run_cmd nc -c test:///default --sysfs-root "$R" --proc-root "$R-proc" list --json
[ "$(b nc 0000:02:00.0)" = '{"source":"unknown","detail":null}' ] && [ "$(b nc 0000:04:00.0)" = '{"source":"cmdline","detail":"vfio-pci.ids=10de:10f0"}' ]
ok $? "without a configuration root, modprobe.d is not read: unknown, never guessed"
mkdir -p "$WORK/evil/etc/modprobe.d"
printf 'options vfio-pci ids=10de:1b80 \033[31mred\n' > "$WORK/evil/etc/modprobe.d/x.conf"
run_cmd evil -c test:///default --sysfs-root "$R" --proc-root "$R-proc" --conf-root "$WORK/evil" list --json
b evil 0000:02:00.0 | grep -qF '"detail":"/etc/modprobe.d/x.conf:1: options vfio-pci ids=10de:1b80 ?[31mred"'
ok $? "control bytes of a modprobe.d file never reach the output"

[ "$(r lj 0000:0a:00.0)" = '["flr","bus"]' ] && [ "$(r lj 0000:05:00.0)" = '["flr"]' ]
ok $? "reset_method: the kernel's methods as an array"
[ "$(r lj 0000:07:00.0)" = '[]' ]; ok $? "reset_method: [] when the attribute is empty"
[ "$(r lj 0000:08:00.0) $(r lj 0000:09:00.0)" = "null null" ]
ok $? "reset_method: null when the attribute is absent"
cl() { jq -c --arg a "$2" '.[] | select(.address==$a) | .class_name' "$WORK/$1.out"; }
[ "$(cl lj 0000:08:00.0)" = '"Unassigned class"' ] && [ "$(cl lj 0000:09:00.0)" = null ] && [ "$(cl lj 0000:07:00.0)" = '"Non-Volatile memory controller"' ]
ok $? "class_name: the class alone where pci.ids has no subclass, null where it has neither"
! grep -q '\[ff00\]\|\[1f00\]\|"Class ' "$WORK/lj.out"; ok $? "no libpci fallback text as a name"
[ "$(jq '[.[] | keys_unsorted[-2:] | join(",")] | unique | .[]' "$WORK/lj.out")" = '"binding,reset_method"' ]
ok $? "every object ends with binding and reset_method"

# no reset: a forceable guard finding on attach, the reset line of check
# shellcheck disable=SC2086
run_cmd at -c "$URI" $ROOTS attach gpu-runner 0000:07:00.0 --dry-run
[ "$(rc at)" = 1 ] && err_has at "0000:07:00.0 has no reset method (the kernel offers none): a guest restart may leave it unusable"
ok $? "attach: a function without reset method is refused with the reason"
# shellcheck disable=SC2086
run_cmd atf -c "$URI" $ROOTS attach gpu-runner 0000:07:00.0 --dry-run --force
[ "$(rc atf)" = 0 ]; ok $? "attach: --force overrides it"
# shellcheck disable=SC2086
run_cmd ata -c "$URI" $ROOTS attach gpu-runner 0000:08:00.0 --dry-run
[ "$(rc ata)" = 1 ] && err_has ata "0000:08:00.0 has no reset method"
ok $? "attach: neither reset nor reset_method (how the kernel shows it) is no reset either"
# shellcheck disable=SC2086
run_cmd ato -c "$URI" $ROOTS attach gpu-runner 0000:09:00.0 --dry-run --force
! grep -q "reset method" "$WORK/ato.err"; ok $? "attach: reset without reset_method (kernels before 5.15) can be reset"
# shellcheck disable=SC2086
run_cmd ck -c "$URI" $ROOTS check --json 0000:07:00.0 0000:0a:00.0 0000:02:00.0 0000:09:00.0
sel() { jq -r --arg c "$2" "[.[] | select(.check==\$c) | .$3] | join(\"|\")" "$WORK/$1.out"; }
[ "$(sel ck reset status)" = "fail|pass|pass|pass" ]; ok $? "check: a reset line per function"
sel ck reset message | grep -qF "0000:0a:00.0 can be reset by the kernel (reset_method: flr bus)"
ok $? "check: the reset methods"
sel ck reset message | grep -qF "0000:09:00.0 can be reset by the kernel; this kernel does not list its methods"
ok $? "check: reset without reset_method"
sel ck binding message | grep -qF "0000:02:00.0 is on vfio-pci because of the modprobe.d rule /etc/modprobe.d/vfio.conf:2: options vfio-pci ids=10de:1b80"
ok $? "check: why a function is on its driver, as a sentence"
sel ck binding message | grep -qF "0000:0a:00.0 is on vfio-pci, and why is unknown"
ok $? "check: an unknown reason says so"

# prepare: what keeps the binding after a reboot, and what an ids= rule would take along
# shellcheck disable=SC2086
run_cmd pr -c test:///default $ROOTS prepare 0000:06:00.0 --dry-run
out_has pr "# To keep 0000:06:00.0 on vfio-pci after a reboot, add 'options vfio-pci ids=8086:1533' to a file in /etc/modprobe.d, then run update-initramfs -u."
ok $? "prepare: modprobe.d and the initramfs where driverctl is not installed"
err_has pr "an ids=8086:1533 rule would also bind 0000:05:00.0 to vfio-pci at boot, and the host needs it (eth0)"
ok $? "prepare: warns that the ids= rule would also take the default route's NIC"
# shellcheck disable=SC2086
run_cmd pr2 -c test:///default $ROOTS prepare 0000:0c:00.0 --dry-run
out_has pr2 "and 'softdep ixgbe pre: vfio-pci'"; ok $? "prepare: the softdep names the host driver"
! grep -q warning "$WORK/pr2.err"; ok $? "prepare: no warning where no host-critical function has the same ids"
mkdir -p "$R-conf/usr/sbin" && : > "$R-conf/usr/sbin/driverctl"
# shellcheck disable=SC2086
run_cmd pr3 -c test:///default $ROOTS prepare 0000:06:00.0 --dry-run
out_has pr3 "# To keep 0000:06:00.0 on vfio-pci after a reboot, run: driverctl set-override 0000:06:00.0 vfio-pci"
ok $? "prepare: driverctl where it is installed (by address: nothing else is captured)"
! grep -q warning "$WORK/pr3.err"; ok $? "prepare: no ids= warning with driverctl"
# shellcheck disable=SC2086
run_cmd pr4 -c test:///default $ROOTS prepare 0000:02:00.0 --dry-run
out_has pr4 "# 0000:02:00.0 stays on vfio-pci after a reboot: /etc/modprobe.d/vfio.conf:2: options vfio-pci ids=10de:1b80"
ok $? "prepare: an existing ids= rule is named"

# text tables: widths from the content, padded by display width (a CJK character is two columns)
cjk='データベース・サーバー東京' long='a-guest-name-much-longer-than-twenty-columns'
run_cmd gt -c "$URI" guests
grep -Eq "^$cjk {20}shut off  x86_64" "$WORK/gt.out"
ok $? "guests: a wide (CJK) name of 26 columns is padded to the longest name (44) plus two"
grep -Eq "^$long  shut off  x86_64" "$WORK/gt.out" && grep -Eq "^gpu-runner {36}running" "$WORK/gt.out"
ok $? "guests: the name column is as wide as the longest name, not a fixed 20"
# shellcheck disable=SC2086
run_cmd ot -c "$URI" $ROOTS owners
grep -Eq "^0000:06:00.0  no        $cjk {20}C    hostdev" "$WORK/ot.out"
ok $? "owners: the CJK guest name padded by display width"
# shellcheck disable=SC2086
run_cmd ct -c "$URI" $ROOTS check 0000:07:00.0
grep -Eq '^\[FAIL\]  reset     0000:07:00.0 has no reset method' "$WORK/ct.out" && grep -Eq '^ {18}fix: assign it only if' "$WORK/ct.out"
ok $? "check: status and id columns as wide as their longest entries, the fix under the message"

# hostile sysfs text: control bytes of reset_method and driver_override never reach the terminal
printf 'flr\033[31m\n' > "$R/bus/pci/devices/0000:05:00.0/reset_method"
printf 'igb\033[2J\n' > "$R/bus/pci/devices/0000:01:00.0/driver_override"
# shellcheck disable=SC2086
run_cmd esc -c test:///default $ROOTS check 0000:05:00.0 0000:01:00.0
! grep -q "$(printf '\033')" "$WORK/esc.out" && out_has esc "(reset_method: flr?[31m)"
ok $? "check: control bytes from sysfs are shown as '?'"

done_testing

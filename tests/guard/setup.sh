#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# pcipass setup on fake roots: each step with the distributions' layouts (GRUB with and without a
# drop-in, quoted values, systemd-boot, neither), golden diffs, undo byte for byte, a file changed
# behind pcipass's back, a read-only root, two setups racing for the lock, bad input.
. "$srcdir/tests/lib/common.sh"

URI="test://$top_srcdir/tests/data/setup-guests.xml"
NOGUESTS=test:///default
# An unprivileged user with a journal (and so a lock) of its own: the host's /run/pcipass.lock is
# never touched, and a directory without write permission stops it as it stops an operator.
chmod 755 "$WORK"
RUN="$WORK/run"
mkdir -p "$RUN" "$WORK/state"
chmod 700 "$RUN"
if [ "$(id -u)" = 0 ]; then
    chown 65534:65534 "$RUN" "$WORK/state"
    as_user() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
else
    as_user() { "$@"; }
fi
JOURNAL="$WORK/state/journal"
export XDG_RUNTIME_DIR="$RUN"
unset PCIPASS_JOURNAL

# fresh NAME [HW]: a copy of the setup host (or HW) of its own, as $H
fresh() {
    H="$WORK/h/$1"
    mkdir -p "$WORK/h"
    _src=$(fake_root "${2:-setup}")
    for _s in "" -proc -boot -conf -dev; do [ -e "$_src$_s" ] && cp -a "$_src$_s" "$H$_s"; done
    mkdir -p "$H-conf"
    [ "$(id -u)" = 0 ] && chown -R 65534:65534 "$H-conf" "$H"
    return 0
}
# ps NAME [-c URI] ARGS...: pcipass as the user on $H, every root given
ps_run() {
    _n=$1; shift
    as_user env HOME="$RUN" XDG_RUNTIME_DIR="$RUN" PCIPASS_JOURNAL="$JOURNAL" LC_ALL=C.UTF-8 \
        $PCIPASS_WRAPPER "$PCIPASS" --sysfs-root "$H" --proc-root "$H-proc" --boot-root "$H-boot" \
        --conf-root "$H-conf" --dev-root "$H-dev" "$@" > "$WORK/$_n.out" 2> "$WORK/$_n.err"
    echo $? > "$WORK/$_n.rc"
}
sums() { (cd "$H-conf" && find . -type f | LC_ALL=C sort | xargs -r sha256sum); }
put() { # PATH TEXT: a file under the configuration root, as the distribution left it
    mkdir -p "$(dirname "$H-conf/$1")"
    printf '%b' "$2" > "$H-conf/$1"
    [ "$(id -u)" = 0 ] && chown -R 65534:65534 "$H-conf"
    return 0
}
golden() { # NAME EXPECTED: stdout is exactly EXPECTED
    printf '%s\n' "$2" > "$WORK/$1.want"
    diff -u "$WORK/$1.want" "$WORK/$1.out" > "$WORK/$1.diff"
    _r=$?; [ $_r -eq 0 ] || diag < "$WORK/$1.diff"; return $_r
}
DROPIN=etc/default/grub.d/pcipass.cfg
DEBIAN_GRUB='GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\nGRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX=""\n'

# --- iommu, Debian's GRUB without a drop-in ---
fresh grub
put etc/default/grub "$DEBIAN_GRUB"
before=$(sums)
ps_run gdry -c "$NOGUESTS" setup iommu --dry-run
golden gdry '# setup iommu: add intel_iommu=on to the kernel command line: GRUB drop-in /etc/default/grub.d/pcipass.cfg, then update-grub
--- /dev/null
+++ /etc/default/grub.d/pcipass.cfg
@@ -0,0 +1,2 @@
+# pcipass setup iommu: kernel parameters for VFIO pass-through
+GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX intel_iommu=on"
# not run (a fake root): update-grub
# dry run: nothing was changed; it would take effect at the next boot
# iommu=pt (host devices'"'"' DMA untranslated, often faster) is not added; --iommu-pt adds it'
ok $? "GRUB: the dry run shows the drop-in as a unified diff and update-grub as not run"
[ "$(rc gdry)" = 0 ] && [ "$before" = "$(sums)" ] && [ ! -e "$JOURNAL" ]
ok $? "the dry run writes nothing, not even the journal"
ps_run gset -c "$NOGUESTS" setup iommu
[ "$(rc gset)" = 0 ] && [ "$(cat "$H-conf/$DROPIN")" = '# pcipass setup iommu: kernel parameters for VFIO pass-through
GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX intel_iommu=on"' ]
ok $? "setup iommu writes the drop-in that appends to GRUB_CMDLINE_LINUX" || diag < "$WORK/gset.err"
out_has gset "# done; configured, takes effect at the next boot"; ok $? "and says it takes effect at the next boot"
ps_run gcheck -c "$NOGUESTS" check --json
[ "$(jq -r '.[] | select(.check=="iommu") | .status' "$WORK/gcheck.out")" = pending ] &&
    jq -r '.[] | select(.check=="iommu") | .message' "$WORK/gcheck.out" |
    grep -qF "configured, takes effect at the next boot: intel_iommu=on is in /etc/default/grub.d/pcipass.cfg"
ok $? "check then says pending, naming the drop-in, instead of the same FAIL"
[ "$(rc gcheck)" = 1 ]; ok $? "pending still fails check's exit status: the host cannot pass through yet"
ps_run gagain -c "$NOGUESTS" setup iommu
[ "$(rc gagain)" = 0 ] && out_has gagain "# nothing to do"; ok $? "a second setup iommu finds nothing to do"
ps_run ghist -c "$NOGUESTS" history --json
[ "$(jq -r '[.[] | .action + ":" + .state + ":" + .flags] | join(" ")' "$WORK/ghist.out")" = "setup:done:iommu,fake" ]
ok $? "the journal holds one setup change, done, made under a fake root"
grep -q '"files":\[{"path":"[^"]*/etc/default/grub.d/pcipass.cfg","before":null,"after":"' "$JOURNAL"
ok $? "its record carries the file's bytes before (none) and after"
ps_run gundo -c "$NOGUESTS" undo
[ "$(rc gundo)" = 0 ] && [ "$before" = "$(sums)" ]; ok $? "undo leaves every file as it was" || diag < "$WORK/gundo.err"
out_has gundo "# removed $H-conf/etc/default/grub.d/pcipass.cfg" && out_has gundo "# not run (a fake root): update-grub"
ok $? "undo says what it removed and which command it would run again"
ps_run gcheck2 -c "$NOGUESTS" check --json
[ "$(jq -r '.[] | select(.check=="iommu") | .status' "$WORK/gcheck2.out")" = fail ]; ok $? "after undo check fails again"

# --- an existing drop-in (no newline at its end) and --iommu-pt ---
fresh dropin
put etc/default/grub "$DEBIAN_GRUB"
put $DROPIN '# the operator'"'"'s own\nGRUB_TIMEOUT=1'
cp "$H-conf/$DROPIN" "$WORK/dropin.orig"
ps_run dset -c "$NOGUESTS" setup iommu --iommu-pt
golden dset '# setup iommu: add intel_iommu=on iommu=pt to the kernel command line: GRUB drop-in /etc/default/grub.d/pcipass.cfg, then update-grub
--- /etc/default/grub.d/pcipass.cfg
+++ /etc/default/grub.d/pcipass.cfg
@@ -1,2 +1,3 @@
 # the operator'"'"'s own
-GRUB_TIMEOUT=1
\ No newline at end of file
+GRUB_TIMEOUT=1
+GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX intel_iommu=on iommu=pt"
# not run (a fake root): update-grub
# done; configured, takes effect at the next boot'
ok $? "an existing drop-in keeps its lines; iommu=pt only when asked; the diff marks the missing newline"
ps_run dundo -c "$NOGUESTS" undo
cmp -s "$WORK/dropin.orig" "$H-conf/$DROPIN"; ok $? "undo restores the operator's drop-in byte for byte"

# --- quoted values: already there ---
fresh quoted
put etc/default/grub "GRUB_CMDLINE_LINUX='ro intel_iommu=on'\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n"
ps_run qset -c "$NOGUESTS" setup iommu
[ "$(rc qset)" = 0 ] && out_has qset "configured, takes effect at the next boot: intel_iommu=on is in /etc/default/grub," &&
    [ ! -e "$H-conf/$DROPIN" ]
ok $? "a single-quoted GRUB_CMDLINE_LINUX that holds intel_iommu=on: nothing to do, nothing written"
fresh quoted2
put etc/default/grub 'GRUB_CMDLINE_LINUX="intel_iommu=on"\n'
put etc/default/grub.d/50-cloud.cfg 'GRUB_CMDLINE_LINUX="console=ttyS0"   # replaces it\n'
ps_run q2set -c "$NOGUESTS" setup iommu --dry-run
out_has q2set '+GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX intel_iommu=on"'
ok $? "a later drop-in that sets GRUB_CMDLINE_LINUX anew drops the word: setup adds it after"
put $DROPIN 'GRUB_CMDLINE_LINUX="${GRUB_CMDLINE_LINUX} intel_iommu=on"\n'
ps_run q3set -c "$NOGUESTS" setup iommu --dry-run
out_has q3set "intel_iommu=on is in /etc/default/grub.d/pcipass.cfg, not yet on the running kernel's"
ok $? "\${GRUB_CMDLINE_LINUX} in double quotes expands"

fresh later
put etc/default/grub 'GRUB_CMDLINE_LINUX=""\n'
put etc/default/grub.d/zz-cloud.cfg 'GRUB_CMDLINE_LINUX="console=ttyS0"\n'
ps_run lset1 -c "$NOGUESTS" setup iommu
[ "$(rc lset1)" = 1 ] && out_has lset1 "# requested, not done" &&
    err_has lset1 "the boot configuration read back does not hold intel_iommu=on"
ok $? "a drop-in read after pcipass's resets the line: read back as GRUB reads it, not done"
cp "$H-conf/$DROPIN" "$WORK/later.dropin"
ps_run lset2 -c "$NOGUESTS" setup iommu
[ "$(rc lset2)" = 1 ] && out_has lset2 "but /etc/default/grub.d/zz-cloud.cfg, read after it, sets GRUB_CMDLINE_LINUX anew" &&
    cmp -s "$WORK/later.dropin" "$H-conf/$DROPIN"
ok $? "asked again: that file named, no second append"

# --- systemd-boot ---
fresh sdboot
put etc/kernel/cmdline 'root=UUID=1234 ro quiet\n'
ps_run sset -c "$NOGUESTS" setup iommu
golden sset '# setup iommu: add intel_iommu=on to the kernel command line: /etc/kernel/cmdline (systemd-boot), then kernel-install
--- /etc/kernel/cmdline
+++ /etc/kernel/cmdline
@@ -1 +1 @@
-root=UUID=1234 ro quiet
+root=UUID=1234 ro quiet intel_iommu=on
# not run (a fake root): kernel-install add 6.1.0-test /boot/vmlinuz-6.1.0-test
# done; configured, takes effect at the next boot
# iommu=pt (host devices'"'"' DMA untranslated, often faster) is not added; --iommu-pt adds it'
ok $? "systemd-boot: /etc/kernel/cmdline gets the word, kernel-install would run"
ps_run scheck -c "$NOGUESTS" check --json
jq -r '.[] | select(.check=="iommu") | .status + " " + .message' "$WORK/scheck.out" |
    grep -qF "pending configured, takes effect at the next boot: intel_iommu=on is in /etc/kernel/cmdline"
ok $? "and check says pending, naming /etc/kernel/cmdline"
fresh sdnew
put boot/efi/loader/loader.conf 'default debian-*\n'
ps_run snew -c "$NOGUESTS" setup iommu
[ "$(cat "$H-conf/etc/kernel/cmdline")" = "root=/dev/sda1 ro quiet intel_iommu=on" ]
ok $? "systemd-boot without /etc/kernel/cmdline: the running command line less BOOT_IMAGE, plus the word"

# --- neither, s390, AMD ---
fresh neither
before=$(sums)
ps_run nset -c "$NOGUESTS" setup iommu
[ "$(rc nset)" = 1 ] && out_has nset "# add exactly these words to the kernel command line of the boot loader, then reboot: intel_iommu=on" &&
    [ "$before" = "$(sums)" ]
ok $? "neither boot loader: the exact words, no change, exit 1"
fresh s390 s390-nogroups
ps_run zset -c "$NOGUESTS" setup iommu
[ "$(rc zset)" = 0 ] && out_has zset "s390 needs no kernel parameter for the IOMMU"; ok $? "s390: says it needs none"
fresh amd iommu-firmware
put etc/default/grub "$DEBIAN_GRUB"
ps_run aset -c "$NOGUESTS" setup iommu
[ "$(rc aset)" = 1 ] && out_has aset "enable AMD-Vi" && ! grep -q amd_iommu=on "$WORK/aset.out" &&
    [ ! -e "$H-conf/$DROPIN" ]
ok $? "AMD with the firmware off: by hand, never amd_iommu=on, nothing written"

# --- a file changed behind pcipass's back ---
fresh behind
put etc/default/grub "$DEBIAN_GRUB"
ps_run bset -c "$NOGUESTS" setup iommu
echo '# edited by hand' >> "$H-conf/$DROPIN"
cp "$H-conf/$DROPIN" "$WORK/behind.edited"
ps_run bundo -c "$NOGUESTS" undo
[ "$(rc bundo)" = 1 ] && err_has bundo "undo: '$H-conf/$DROPIN' has changed since pcipass setup wrote it; nothing was undone" &&
    cmp -s "$WORK/behind.edited" "$H-conf/$DROPIN"
ok $? "undo refuses a file changed since, naming it, and leaves it alone"

# --- a setup cut short between its intent and its outcome (the outcome record cut off) ---
cut_outcome() { # the journal without its last record
    awk '/^#pcipass-journal v2 /{n++} {print > "'"$WORK"'/rec" n}' "$JOURNAL"
    _last=$(ls "$WORK"/rec* | sort -V | tail -n 1)
    cat $(ls "$WORK"/rec* | sort -V | grep -vx "$_last") > "$JOURNAL.cut"; rm -f "$WORK"/rec*
    cat "$JOURNAL.cut" > "$JOURNAL"; rm -f "$JOURNAL.cut"
}
fresh cut
put etc/default/grub "$DEBIAN_GRUB"
before=$(sums)
ps_run cset -c "$NOGUESTS" setup iommu
cut_outcome
ps_run chist -c "$NOGUESTS" history --json
[ "$(jq -r '.[-1].state' "$WORK/chist.out")" = unknown ]; ok $? "a setup without its outcome shows as unknown"
ps_run cundo -c "$NOGUESTS" undo
[ "$(rc cundo)" = 0 ] && [ "$before" = "$(sums)" ]
ok $? "undo finds its files as setup wrote them: recorded as made, then undone" || diag < "$WORK/cundo.err"
ps_run cset2 -c "$NOGUESTS" setup iommu
cut_outcome
rm "$H-conf/$DROPIN"
ps_run cundo2 -c "$NOGUESTS" undo
[ "$(rc cundo2)" = 0 ] && out_has cundo2 "cut short before it wrote its files: now recorded as not made"
ok $? "files as they were before: recorded as not made, nothing undone"
ps_run chist2 -c "$NOGUESTS" history --json
[ "$(jq -r '.[-1].state' "$WORK/chist2.out")" = failed ]; ok $? "and history says so"

# --- a read-only root ---
if [ "$(id -u)" != 0 ] || command -v setpriv > /dev/null; then
    fresh ro
    put etc/default/grub "$DEBIAN_GRUB"
    chmod 555 "$H-conf/etc/default"
    before=$(sums)
    ps_run roset -c "$NOGUESTS" setup iommu
    [ "$(rc roset)" = 1 ] && err_has roset "cannot create directory '$H-conf/etc/default/grub.d'" && [ "$before" = "$(sums)" ]
    ok $? "a configuration root that cannot be written: the step fails, saying where, nothing changes"
    ps_run rohist -c "$NOGUESTS" history --json
    [ "$(jq -r '.[-1].state' "$WORK/rohist.out")" = failed ]; ok $? "and the journal says failed"
    chmod 755 "$H-conf/etc/default"
fi

# --- vfio ---
fresh vfio
ps_run vset -c "$NOGUESTS" setup vfio
golden vset '# setup vfio: vfio-pci at every boot (/etc/modules-load.d/pcipass.conf) and now (modprobe)
--- /dev/null
+++ /etc/modules-load.d/pcipass.conf
@@ -0,0 +1,2 @@
+# pcipass setup vfio: vfio-pci at every boot
+vfio-pci
# not run (a fake root): modprobe vfio-pci
# done'
ok $? "vfio: the modules-load.d file, and modprobe as not run"
ps_run vundo -c "$NOGUESTS" undo
[ ! -e "$H-conf/etc/modules-load.d/pcipass.conf" ] && out_has vundo "# vfio-pci stays loaded until the next boot"
ok $? "undo removes it and says the module stays loaded"
fresh vfio2
put etc/modules '# /etc/modules\nvfio_pci\n'
ps_run v2set -c "$NOGUESTS" setup vfio --dry-run
out_has v2set "vfio-pci at every boot (/etc/modules) and now" && ! grep -q '^+++' "$WORK/v2set.out"
ok $? "vfio listed in /etc/modules already: no file, only modprobe"

# --- two setups racing: the lock, and the plan made again under it ---
fresh race
for i in 1 2 3; do ps_run "race$i" -c "$NOGUESTS" setup vfio & done
wait
[ "$(cat "$WORK/race1.rc" "$WORK/race2.rc" "$WORK/race3.rc")" = "0
0
0" ] && [ "$(grep -c '^vfio-pci$' "$H-conf/etc/modules-load.d/pcipass.conf")" = 1 ]
ok $? "three setups at once: each succeeds, vfio-pci is listed once"
[ "$(cat "$WORK"/race?.out | grep -c '^+vfio-pci$')" = 1 ] && [ "$(cat "$WORK"/race?.out | grep -c '^+++ ')" = 1 ]
ok $? "one wrote it; the others, planning again under the lock, had no file left to change" || cat "$WORK"/race?.out | diag
fresh lock
# the lock held until the test lets go (a slow pcipass under Valgrind must still find it held);
# a fake host with the test driver's own guests locks beside its journal
mkfifo "$WORK/release" && chmod 666 "$WORK/release"
as_user flock "$JOURNAL.lock" sh -c 'read x < "$1"' sh "$WORK/release" &
lockpid=$!
# until it holds it: a free lock lets flock -n through
i=0; while [ $i -lt 50 ] && as_user flock -n "$JOURNAL.lock" true; do i=$((i + 1)); sleep 0.1; done
ps_run lset -c "$NOGUESTS" setup vfio --no-wait
[ "$(rc lset)" = 1 ] && err_has lset "another pcipass" && [ ! -e "$H-conf/etc/modules-load.d/pcipass.conf" ]
ok $? "--no-wait while another process holds the lock: refused, nothing written"
echo > "$WORK/release"
wait $lockpid

# --- vfs ---
fresh vfs
ps_run vbadpf -c "$URI" setup vfs 0000:05:00.0 2
[ "$(rc vbadpf)" = 2 ] && err_has vbadpf "PF: 0000:05:00.0 is no SR-IOV physical function"; ok $? "vfs on a function that is no PF: exit 2 naming it"
ps_run vbign -c "$URI" setup vfs 0a:00.0 9
[ "$(rc vbign)" = 2 ] && err_has vbign "N: 9 is out of range for 0000:0a:00.0: 0 to 4 (its sriov_totalvfs)"; ok $? "N above sriov_totalvfs: exit 2 with the range"
ps_run vbadn -c "$URI" setup vfs 0a:00.0 lots
[ "$(rc vbadn)" = 2 ] && err_has vbadn "N"; ok $? "N not a number: exit 2"
ps_run vmiss -c "$URI" setup vfs 0a:00.0
[ "$(rc vmiss)" = 2 ] && err_has vmiss "vfs needs PF and N"; ok $? "vfs without N: exit 2"
ps_run bnohost -c "$URI" setup bind 0000:42:00.0
[ "$(rc bnohost)" = 2 ] && err_has bnohost "device: 0000:42:00.0 is not a PCI function of this host"
ok $? "bind of a function the host does not have: exit 2 naming it"
ps_run vbadstep -c "$URI" setup frobnicate
[ "$(rc vbadstep)" = 2 ] && err_has vbadstep "unknown step 'frobnicate' (steps: iommu, vfio, vfs PF N, bind DEVICE)"; ok $? "an unknown step: exit 2 naming the steps"
before=$(sums)
ps_run vheld -c "$URI" setup vfs 0a:00.0 3
[ "$(rc vheld)" = 1 ] && err_has vheld "0000:0a:02.0 (guest vfguest[C])" && [ "$before" = "$(sums)" ] &&
    [ "$(cat "$H/bus/pci/devices/0000:0a:00.0/sriov_numvfs")" = 1 ]
ok $? "a shut-off guest holds a VF in its configuration: refused, naming it; nothing changed"
# udevd's control socket, as a running udevd leaves it: setup asks it to read the rules again
mkdir -p "$H-conf/run/udev" && python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$H-conf/run/udev/control"
ps_run vset -c "$NOGUESTS" setup vfs 0a:00.0 3
golden vset '# setup vfs: 3 VFs on 0000:0a:00.0 now (sriov_numvfs, 1 now) and at every boot (udev rule)
--- /dev/null
+++ /etc/udev/rules.d/70-pcipass-sriov.rules
@@ -0,0 +1,2 @@
+# pcipass setup vfs: the SR-IOV VFs of each PF at every boot
+ACTION=="add", SUBSYSTEM=="pci", KERNEL=="0000:0a:00.0", ATTR{sriov_numvfs}="3"
# not run (a fake root): udevadm control --reload
# requested, not done'
ok $? "vfs: the udev rule matched by the PF's address"
[ "$(rc vset)" = 1 ] && err_has vset "3 written to sriov_numvfs, but the kernel shows 1 VFs of 0000:0a:00.0 (virtfn links), not 3" &&
    [ "$(cat "$H/bus/pci/devices/0000:0a:00.0/sriov_numvfs")" = 3 ]
ok $? "the count is written, and read back from the virtfn links: a fake sysfs makes no VFs, so not done"
ps_run vundo -c "$NOGUESTS" undo
[ "$(rc vundo)" = 0 ] && [ ! -e "$H-conf/etc/udev/rules.d/70-pcipass-sriov.rules" ] &&
    [ "$(cat "$H/bus/pci/devices/0000:0a:00.0/sriov_numvfs")" = 1 ]
ok $? "undo removes the rule and writes the count back" || diag < "$WORK/vundo.err"
rm -f "$H-conf/run/udev/control"
ps_run vnoudev -c "$NOGUESTS" setup vfs 0a:00.0 2 --dry-run
[ "$(rc vnoudev)" = 0 ] && ! grep -q udevadm "$WORK/vnoudev.out" &&
    out_has vnoudev "udev is not running here (no /run/udev/control): the rule is read when udev starts"
ok $? "without a running udevd: no udevadm to run (it would fail), and setup says when the rule is read"
fresh vfsown
put etc/udev/rules.d/70-pcipass-sriov.rules '# mine\n\nACTION=="add", SUBSYSTEM=="pci", KERNEL=="0000:0a:00.0", ATTR{sriov_numvfs}="1"\n'
ps_run vown -c "$NOGUESTS" setup vfs 0a:00.0 2 --dry-run
grep -A3 '^ # mine$' "$WORK/vown.out" > "$WORK/vown.got"
printf '%s\n' ' # mine' ' ' '-ACTION=="add", SUBSYSTEM=="pci", KERNEL=="0000:0a:00.0", ATTR{sriov_numvfs}="1"' \
    '+ACTION=="add", SUBSYSTEM=="pci", KERNEL=="0000:0a:00.0", ATTR{sriov_numvfs}="2"' | cmp -s - "$WORK/vown.got"
ok $? "an existing rules file: its blank line kept, the PF's line replaced, not added twice"
fresh vfsvfio
ln -sfn ../../../bus/pci/drivers/vfio-pci "$H/bus/pci/devices/0000:0a:02.0/driver" 2>/dev/null ||
    ln -sfn "$H/bus/pci/drivers/vfio-pci" "$H/bus/pci/devices/0000:0a:02.0/driver"
mkdir -p "$H/bus/pci/drivers/vfio-pci"
ps_run vvfio -c "$NOGUESTS" setup vfs 0a:00.0 2
[ "$(rc vvfio)" = 1 ] && err_has vvfio "0000:0a:02.0 (on vfio-pci)"; ok $? "a VF on vfio-pci: refused, naming it"

# --- bind ---
fresh bind
ps_run bcrit -c "$NOGUESTS" setup bind 03:00.0
[ "$(rc bcrit)" = 1 ] && err_has bcrit "refused: 0000:03:00.0 is host-critical"; ok $? "bind never takes a host-critical function"
ps_run bsib -c "$NOGUESTS" setup bind 04:00.0
[ "$(rc bsib)" = 1 ] && err_has bsib "would also take 0000:03:00.0 (host-critical: eth0); install driverctl (apt install driverctl)" &&
    [ ! -e "$H-conf/etc/modprobe.d/pcipass.conf" ]
ok $? "an ids= line that would also take the route NIC: refused by address, driverctl named"
put etc/modprobe.d/pcipass.conf '# mine\\\\xff\xff\noptions vfio-pci ids=1234:5678'
cp "$H-conf/etc/modprobe.d/pcipass.conf" "$WORK/modprobe.orig"
ps_run bset -c "$NOGUESTS" setup bind 05:00.0
golden bset '# setup bind: 0000:05:00.0 on vfio-pci from boot: ids=10de:2204 in /etc/modprobe.d/pcipass.conf, then update-initramfs
--- /etc/modprobe.d/pcipass.conf
+++ /etc/modprobe.d/pcipass.conf
@@ -1,2 +1,3 @@
 # mine\\xff\xff
-options vfio-pci ids=1234:5678
\ No newline at end of file
+options vfio-pci ids=1234:5678,10de:2204
+softdep nouveau pre: vfio-pci
# not run (a fake root): update-initramfs -u
# done; configured, takes effect at the next boot
# '"'"'pcipass prepare 0000:05:00.0'"'"' binds it now'
ok $? "bind by ids: the existing ids= line merged, a softdep for the host driver; the bad byte shown escaped"
ps_run bcheck -c "$NOGUESTS" check --json 05:00.0
[ "$(jq -r '[.[] | select(.check == "binding" and .status == "pending")] | length' "$WORK/bcheck.out")" = 1 ] &&
    jq -r '.[] | select(.status == "pending") | .message' "$WORK/bcheck.out" |
    grep -qF "configured, takes effect at the next boot: 0000:05:00.0 is on nouveau until then; vfio-pci takes it by /etc/modprobe.d/pcipass.conf:2: options vfio-pci ids=1234:5678,10de:2204"
ok $? "check DEVICE after bind by ids: the binding is pending (the next boot), naming the line" || diag < "$WORK/bcheck.out"
ps_run bundo -c "$NOGUESTS" undo
cmp -s "$WORK/modprobe.orig" "$H-conf/etc/modprobe.d/pcipass.conf"; ok $? "undo restores it byte for byte, the bad byte too"
mkdir -p "$H-conf/usr/sbin" && : > "$H-conf/usr/sbin/driverctl"
before=$(sums)
ps_run bdc -c "$NOGUESTS" setup bind 04:00.0
[ "$(rc bdc)" = 0 ] && out_has bdc "# not run (a fake root): driverctl set-override 0000:04:00.0 vfio-pci" && [ "$before" = "$(sums)" ]
ok $? "with driverctl in the fake root: by address, said and not run, no file written"

fresh nul
put etc/modprobe.d/pcipass.conf 'options vfio-pci ids=1234:5678\n\0000# the rest\n'
cp "$H-conf/etc/modprobe.d/pcipass.conf" "$WORK/nul.orig"
ps_run bnul -c "$NOGUESTS" setup bind 05:00.0
[ "$(rc bnul)" = 1 ] && err_has bnul "holds a NUL byte" && cmp -s "$WORK/nul.orig" "$H-conf/etc/modprobe.d/pcipass.conf"
ok $? "a file with a NUL byte is refused, never cut at it"

# --- a fake root beside the host's own files: never written ---
fresh mixed
as_user env HOME="$RUN" XDG_RUNTIME_DIR="$RUN" PCIPASS_JOURNAL="$JOURNAL" "$PCIPASS" \
    --sysfs-root "$H" --proc-root "$H-proc" -c "$NOGUESTS" setup vfio > "$WORK/mixed.out" 2> "$WORK/mixed.err"
[ $? = 1 ] && err_has mixed "a root option is given but no --conf-root"
ok $? "a fake sysfs without --conf-root: refused, the host's /etc is not written"

# --- without STEP: what check fails on, in order ---
fresh auto
put etc/default/grub "$DEBIAN_GRUB"
ps_run auto -c "$NOGUESTS" setup --dry-run --json
[ "$(jq -r '[.[] | .step + ":" + .state] | join(" ")' "$WORK/auto.out")" = "iommu:dry-run vfio:dry-run" ]
ok $? "setup without a step: iommu, then vfio, as check asks" || diag < "$WORK/auto.out"
[ "$(jq -r '.[0].files[0].path + " " + .[0].commands[0].command + " " + (.[0].commands[0].run | tostring)' "$WORK/auto.out")" = \
  "/etc/default/grub.d/pcipass.cfg update-grub false" ]
ok $? "JSON: each file with its diff, each command and whether it ran"

done_testing

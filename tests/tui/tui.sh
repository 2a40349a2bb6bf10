#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The console in a real terminal: golden screens of every screen at 80x24 and 120x40, the full
# assignment flow on the demo host, refusals in the form, resize, filter, quit and signals.
. "$srcdir/tests/lib/common.sh"
. "$srcdir/tests/lib/tmux.sh"

tui_begin

X86=$(fake_root x86-server)
S390=$(fake_root s390-zpci)
# the fake hosts have their own /dev/vfio, so the start-up checklist passes
DEVX="--dev-root $X86-dev" DEVS="--dev-root $S390-dev"
URI="test://$top_srcdir/data/demo/guests.xml"

# --- golden screens, both sizes ---
for size in 80x24 120x40; do
    c=${size%x*} l=${size#*x}
    tui_start "$c" "$l" $DEVX --sysfs-root "$X86" -c "$URI"
    wait_for "Host PCI functions"; ok $? "$size: the function list opens"
    golden "functions-$size"; ok $? "$size: golden function list"
    keys End k k k; wait_for "virtual function of 0000:17:00.0"
    golden "functions-detail-$size"; ok $? "$size: detail pane of a VF"
    keys Enter; wait_for "Pick the guest for 0000:17:02.3"
    golden "guests-$size"; ok $? "$size: guest picker"
    keys j Enter; wait_for "Assign 0000:17:02.3 to guest 'ml-train'"
    golden "form-$size"; ok $? "$size: form for a network VF on an x86 guest"
    keys Tab Tab Tab Tab; wait_for "Valid."
    keys Enter; wait_for "XML preview: 0000:17:02.3 to guest 'ml-train'"
    golden "preview-$size"; ok $? "$size: XML preview"
    keys Escape Escape; wait_for "Pick the guest"; ok $? "$size: Esc goes back, no question for an untouched form"
    keys Escape; wait_for "Host PCI functions"
    keys o; wait_for "Who owns what"
    golden "owners-$size"; ok $? "$size: ownership review, findings and conflicts first"
    keys '?'; wait_for "Help: keys"
    golden "help-$size"; ok $? "$size: help generated from the key table"
    keys Escape Escape q; wait_for "EXITED"
    screen | grep -q "EXITED 0 icanon echo"; ok $? "$size: q exits 0 with the terminal back in cooked mode"
done

# --- the full flow on the s390 demo: function, s390x guest, zPCI ids, preview, apply, owners ---
tui_start 120 40 $DEVS --sysfs-root "$S390" -c "$URI"
wait_for "Host PCI functions"
keys j j; wait_for "zPCI: fid 0x00000302 uid 0x0302"; ok $? "s390 host: the function's own zPCI ids in the detail"
keys Enter; wait_for "Pick the guest for 0002:00:00.0"
keys End Enter; wait_for "Assign 0002:00:00.0 to guest 'zlinux2'"
screen | grep -q "zPCI uid            0x0302"; ok $? "suggested uid: the host's own, free in this guest"
keys Tab Tab
keys BSpace BSpace BSpace BSpace BSpace BSpace 0; wait_for "zpci uid: '0' is out of range; valid range 0x0001-0xffff"
ok $? "refusal shown in the form as typed: uid 0"
keys BSpace; keys -l 0x0005; wait_for "Valid."
keys Tab; keys BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace; keys -l 0x00000005
wait_for "0x00000005 "; wait_for "Valid."; ok $? "explicit uid 0x0005 and fid 0x00000005 are valid"
golden form-zpci-120x40; ok $? "golden: form with zPCI ids"
keys Tab Tab Enter; wait_for "XML preview: 0002:00:00.0 to guest 'zlinux2' (persistent only)"
screen | grep -q '<zpci uid="0x0005" fid="0x00000005"/>'; ok $? "preview shows the zPCI element"
keys Enter; wait_for "Attach 0002:00:00.0 to the persistent configuration of guest 'zlinux2'? [y/N]"
ok $? "apply asks first"
keys y; wait_for "Assignment applied"; ok $? "applied on the test driver"
screen | grep -q '<zpci uid="0x0005" fid="0x00000005"/>'; ok $? "the stored XML as libvirt kept it is shown"
golden result-120x40; ok $? "golden: apply result"
grep -q '"action":"attach"' "$PCIPASS_JOURNAL" && grep -q '"devices":"0002:00:00.0"' "$PCIPASS_JOURNAL"
ok $? "the console's change is in the undo journal"
keys Escape; wait_for "Host PCI functions"
screen | grep -q "^0002:00:00.0 .*zlinux2\[C\]"; ok $? "the list shows the new owner"
keys o; wait_for "Who owns what"
screen | grep -q "^0002:00:00.0 .*zlinux2 .*C .*hostdev .*0x0005 .*0x00000005"; ok $? "and so does the ownership review"

# detach from the review, with a confirmation
keys '/'; wait_for "Filter:"; keys zlinux2 Enter; wait_for "filter: zlinux2"
keys d; wait_for "Detach 0002:00:00.0 from the persistent configuration of guest 'zlinux2'? [y/N]"
keys y; wait_for "0002:00:00.0 detached from the persistent configuration of guest 'zlinux2'."
ok $? "detach from the review"
screen | grep -q "(nothing to show)"; ok $? "the filtered review is empty afterwards"

# a refusal from the model: same uid as the guest already uses
keys Escape; wait_for "Host PCI functions"
keys Home j j Enter; wait_for "Pick the guest"
keys End k Enter; wait_for "Assign 0002:00:00.0 to guest 'zlinux1'"
keys Tab Tab BSpace BSpace BSpace BSpace BSpace BSpace; keys -l 0x0001
wait_for "zpci uid: 0x0001 is already used in guest 'zlinux1'"; ok $? "uid already used in the guest: refused in the form"
keys Tab Tab Tab Enter
wait_for "zpci uid: 0x0001 is already used"; screen | grep -q "XML preview"; [ $? -ne 0 ]
ok $? "no preview while the form is invalid"
keys Escape; wait_for "Leave the form?"; keys n
keys q; wait_for "The form holds input that is not applied. Quit anyway? [y/N]"
ok $? "q with unsaved input asks first"
keys n; wait_for "Assign 0002:00:00.0"; ok $? "and n keeps the form"
keys Escape y Escape; wait_for "Host PCI functions"

# resize below the minimum and back
tmx resize-window -t t -x 30 -y 8; wait_for "terminal too small"; ok $? "30x8: terminal too small"
tmx resize-window -t t -x 120 -y 40; wait_for "Host PCI functions"; ok $? "and back to the list when it grows"
tmx resize-window -t t -x 10 -y 5; wait_for "too small:"; ok $? "10x5: still says so, wrapped at words"
tmx resize-window -t t -x 120 -y 40; wait_for "Host PCI functions"; ok $? "and recovers again"

# filter and bridges
keys '/'; wait_for "Filter:"; keys Mellanox Enter; wait_for "[filter: Mellanox]  3 shown"
ok $? "filter by vendor name"
keys q; wait_for "EXITED"; screen | grep -q "EXITED 0 icanon echo"; ok $? "quit after the flow: status 0, terminal restored"

tui_start 80 24 $DEVX --sysfs-root "$X86" -c "$URI"
wait_for "Host PCI functions"
keys b; wait_for "bridges hidden"
screen | grep -q "PCI bridge"; [ $? -ne 0 ]; ok $? "b hides bridges"
keys Enter; wait_for "Pick the guest"; ok $? "Enter on the first non-bridge opens the picker"
keys Escape b; wait_for "PCI bridge"; keys Home j Enter
wait_for "0000:00:01.0 is a bridge: bridges cannot be assigned to a guest"; ok $? "a bridge is refused with the reason"

# Enter in the review goes back to the list, on that function (the audit's worst, a function
# not on this host, is first)
keys o; wait_for "Who owns what"; keys j Enter
wait_for "Host PCI functions"; wait_for " 0000:17:02.1 [8086:154c]"
ok $? "Enter in the ownership review: the list, on the function, its detail shown"

# managed='no' offers to prepare the host; the test driver has no such node device, and says so
keys End Enter; wait_for "Pick the guest for 0000:b3:00.0"; keys Home Enter
wait_for "Assign 0000:b3:00.0 to guest 'build'"
screen | grep -q "Prepare host"; [ $? -ne 0 ]; ok $? "managed=yes: no host preparation offered"
keys Space; wait_for "[Prepare host]"; ok $? "managed=no: prepare and release offered"
keys Tab Enter; wait_for "Bind 0000:b3:00.0 to vfio-pci on the host? [y/N]"; ok $? "prepare asks first"
keys y; wait_for "binding 0000:b3:00.0 to vfio-pci: "; ok $? "and passes libvirt's answer on"
keys Escape; wait_for "Leave the form?"; keys y; wait_for "Pick the guest"; keys Escape
wait_for "Host PCI functions"
# the form's prepare asks the guards as attach does (the one console apply): the boot VGA is
# host-critical, which --force passes in the CLI, so here it needs an explicit yes, not a refusal
keys Home; keys -l /; wait_for "Filter:"; keys -l 03:00.0; keys Enter; wait_for "1 shown"
keys Enter; wait_for "Pick the guest for 0000:03:00.0"; keys Home Enter
wait_for "Assign 0000:03:00.0 to guest 'build'"; keys Space; wait_for "[Prepare host]"
keys Tab Enter
wait_for "Warning: 0000:03:00.0 is host-critical: it is the boot VGA"
ok $? "prepare of a host-critical function: the console asks for an explicit override"
keys n; wait_for "Nothing applied."; ok $? "and n binds nothing"
keys Escape; wait_for "Leave the form?"; keys y; wait_for "Pick the guest"; keys Escape
wait_for "Host PCI functions"; keys / C-u Enter

# a guard: the GPU is in ml-train's persistent config; giving it to build needs an explicit override
keys Home; keys -l /; wait_for "Filter:"; keys -l 65:00.0; keys Enter; wait_for "1 shown"
keys Enter; wait_for "Pick the guest for 0000:65:00.0"; keys Home Enter
wait_for "Assign 0000:65:00.0 to guest 'build'"; keys Tab Tab Tab Tab Enter
wait_for "XML preview: 0000:65:00.0"; keys Enter; wait_for "[y/N]"; keys y
wait_for "Override and apply anyway?"; ok $? "a function another guest holds: the console asks for an explicit override"
keys n; wait_for "Nothing applied."; ok $? "and n applies nothing"
keys Escape Escape Escape; wait_for "Host PCI functions"

# signals give the terminal back too
pid=$(pgrep -P "$(tmx display -p -t t '#{pane_pid}')" pcipass)
kill -TERM "$pid"; wait_for "EXITED"
screen | grep -q "EXITED 143 icanon echo"; ok $? "SIGTERM: exit 143, terminal restored"

# colours follow NO_COLOR
tui_start 80 24 $DEVX --sysfs-root "$X86" -c "$URI"
wait_for "Host PCI functions"
tmx capture-pane -e -p -t t | grep -q "$(printf '\033')\[[0-9;]*3[0-7]m"; ok $? "colours by default"
TUI_ENV="NO_COLOR=1" tui_start 80 24 $DEVX --sysfs-root "$X86" -c "$URI"
wait_for "Host PCI functions"
tmx capture-pane -e -p -t t | grep -q "$(printf '\033')\[[0-9;]*3[0-7]m"; [ $? -ne 0 ]; ok $? "NO_COLOR: no colours"
screen | grep -q "^0000:00:14.0 USB control"; ok $? "and still readable"

# libvirt unreachable: the list still opens, the reason is on the status line
tui_start 80 24 $DEVX --sysfs-root "$X86" -c "test:///$WORK/none.xml"
wait_for "Setup checklist: 2 checks failed"; ok $? "no libvirt: the setup checklist comes first"
screen | grep -q "\[FAIL\] libvirt"; ok $? "and names the failing check"
keys Escape
wait_for "no guests: cannot connect to libvirt"; ok $? "Esc: the list, with the reason on the status line"
keys r; wait_for "[r: reconnect] cannot connect to libvirt"; ok $? "r tries again and offers to reconnect"
screen | grep -q "^0000:00:00.0 Host bridge"; ok $? "the list stays usable"
keys q; wait_for "EXITED 0"

# a host without /dev/vfio: the checklist with the fix
mkdir -p "$WORK/emptydev"
tui_start 80 24 --dev-root "$WORK/emptydev" --sysfs-root "$X86" -c "$URI"
wait_for "Setup checklist: 1 check failed"; ok $? "no /dev/vfio: the checklist at start"
screen | grep -q "fix: vfio is loaded, so the node exists in the kernel"; ok $? "with the fix that fits (vfio-pci is loaded: not modprobe)"
keys Escape; wait_for "Host PCI functions"; ok $? "Esc goes on to the function list"
keys q; wait_for "EXITED 0"

# the checklist at start: the IOMMU verdict and its fix whole, broken at blanks, never cut
D=$(fake_root iommu-defoff)
tui_start 80 24 --sysfs-root "$D" --proc-root "$D-proc" -c "$URI"
wait_for "Setup checklist"
screen | tr -s ' \n' '  ' | grep -qF "no IOMMU groups: this kernel has Intel IOMMU support but leaves it off by default (CONFIG_INTEL_IOMMU_DEFAULT_ON is not set), and the command line does not turn it on. fix: add intel_iommu=on to the kernel command line (GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub) and reboot"
ok $? "checklist at 80 columns: the IOMMU verdict and its fix, whole"
screen | grep -q "^                  leaves it off by default"; ok $? "continuation lines under the message column"
keys q; wait_for "EXITED 0"

# the detail pane: why a function is on its driver, and its reset methods
HF=$(fake_root host-facts)
tui_start 160 40 --sysfs-root "$HF" --proc-root "$HF-proc" --conf-root "$HF-conf" --dev-root "$X86-dev" \
    -c "test://$top_srcdir/tests/data/host-facts.xml"
wait_for "Host PCI functions"
keys j j; wait_for "Driver: 0000:02:00.0 is on vfio-pci because of the modprobe.d rule /etc/modprobe.d/vfio.conf:2"
ok $? "detail: the binding's reason, from modprobe.d"
keys j j j j j; wait_for "Reset: the kernel has no reset method for it; a guest restart may leave it unusable"
ok $? "detail: a function the kernel cannot reset"
keys j j j; wait_for "Reset: the kernel can reset it (reset_method: flr bus)"
ok $? "detail: the kernel's reset methods"
keys Home; keys -l /; wait_for "Filter:"; keys -l 07:00.0; keys Enter; wait_for "1 shown"
keys Enter; wait_for "Pick the guest for 0000:07:00.0"; keys Home Enter
wait_for "Assign 0000:07:00.0 to guest"; keys Tab Tab Tab Enter
wait_for "XML preview: 0000:07:00.0"; keys Enter; wait_for "[y/N]"; keys y
wait_for "0000:07:00.0 has no reset method (the kernel offers none): a guest restart may leave it unusable. Override"
ok $? "attach in the console: the same no-reset guard, asking for an explicit override"
keys n; wait_for "Nothing applied."
keys Escape Escape Escape; wait_for "Host PCI functions"
keys q; wait_for "EXITED 0"

done_testing

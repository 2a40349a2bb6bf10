#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The console's changes beyond one function, on libvirt's test driver (one connection keeps its
# changes): whole IOMMU group and all functions from the form, the detach scope in the ownership
# review, and undo from the function list and the review, each checked in what libvirt holds
# afterwards (the review is built from the guests read back).
. "$srcdir/tests/lib/common.sh"
. "$srcdir/tests/lib/tmux.sh"

tui_begin

X86=$(fake_root x86-server)
URI="test://$top_srcdir/data/demo/guests.xml"
J="$WORK/journal-change"
TUI_ENV="PCIPASS_JOURNAL=$J"

# the bottom lines joined: a long question wraps over up to three of them
bottom() { tmx capture-pane -p -N -t t | tail -n 5 | tr -d '\n' | tr -s ' '; }

# the form for FUNCTION and the guest at the top of the picker (build: shut off, x86_64)
form_for() {
    keys Home; keys -l /; wait_for "Filter:"
    keys BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace; keys -l "$1"
keys Enter; wait_for "1 shown"
    keys Enter; wait_for "Pick the guest for 0000:$1"; keys Home Enter
    wait_for "Assign 0000:$1 to guest 'build'"
}

tui_start 120 40 --dev-root "$X86-dev" --sysfs-root "$X86" -c "$URI"
wait_for "Host PCI functions"

# --- undo with nothing to undo ---
keys u; wait_for "holds no change to undo"
ok $? "u with an empty journal: nothing to undo, and why"

# --- whole IOMMU group: the GPU 0000:65:00.0 and its audio function share group 40 ---
form_for 65:00.0
keys Tab Tab Tab; wait_for "Also                < just this function >"
ok $? "the form offers what goes with the function, just it by default"
keys Right; wait_for "< whole IOMMU group >"
screen | grep -q "< whole IOMMU group >.*0000:65:00.0, 0000:65:00.1"
ok $? "whole group: both functions named"
golden form-group-120x40; ok $? "golden: the form with the whole group"
keys Tab Enter; wait_for "XML preview: 0000:65:00.0, 0000:65:00.1 to guest 'build' (persistent only)"
ok $? "the preview names both functions"
[ "$(screen | grep -c '<address domain="0x0000" bus="0x65" slot="0x00" function="0x[01]"/>')" = 2 ]
ok $? "and shows both elements that will be sent"
golden preview-group-120x40; ok $? "golden: the preview of two elements"
keys Enter
wait_for "Attach 0000:65:00.0, 0000:65:00.1 to the persistent configuration of guest 'build'? [y/N]"
ok $? "apply asks for both"
keys y; wait_for "Override and apply anyway?"
ok $? "ml-train holds the GPU: an explicit override is asked"
keys y; wait_for "Assignment applied"; ok $? "both attached in one change"
keys Escape; wait_for "Host PCI functions"; keys o; wait_for "Who owns what"
screen | grep -q "^0000:65:00.0 .*build .*C "; ok $? "libvirt holds the GPU in build"
screen | grep -q "^0000:65:00.1 .*build .*C "; ok $? "and its audio function"
grep -q '"action":"attach"' "$J"; ok $? "the change is in the journal"

# --- undo of that console attach, from the review ---
keys u; wait_for "Undo the attach of 0000:65:00.0,0000:65:00.1 for guest 'build' ("
ok $? "u: the question names the change, its functions, guest and time"
bottom | grep -q "by detaching it from the persistent configuration? \[y/N\]"
ok $? "and what the undo does"
keys y; wait_for "Undone: the attach of 0000:65:00.0,0000:65:00.1 for guest 'build'"
ok $? "undone, said on the status line"
screen | grep -q "^0000:65:00.1 .*build"; [ $? -ne 0 ]
ok $? "libvirt no longer holds the audio function in build"
screen | grep -q "^0000:65:00.0 .*build"; [ $? -ne 0 ]; ok $? "nor the GPU"
keys u; wait_for "holds no change to undo"; ok $? "u again: the undone change is not offered again"
keys Escape; wait_for "Host PCI functions"

# --- all functions of the device: one guest slot, multifunction on function 0 ---
form_for 65:00.0
keys Tab Tab Tab Right Right; wait_for "< all functions >"
screen | grep -q "< all functions >.*0000:65:00.0, 0000:65:00.1"; ok $? "all functions: both named"
keys Tab Enter; wait_for "XML preview: 0000:65:00.0, 0000:65:00.1 to guest 'build'"
screen | grep -q 'multifunction="on"'; ok $? "the preview: function 0 multifunction"

gslot='address type="pci" domain="0x0000" bus="0x[0-9a-f]*" slot="0x[0-9a-f]*" function="0x[01]"'
[ "$(screen | grep -c "$gslot")" = 2 ]
ok $? "and both in one guest slot"
keys Enter; wait_for "[y/N]"; keys y; wait_for "Override and apply anyway?"; keys y
wait_for "Assignment applied"; ok $? "all functions attached"
keys Escape; wait_for "Host PCI functions"; keys u
wait_for "Undo the attach of 0000:65:00.0,0000:65:00.1 for guest 'build'"
ok $? "undo from the function list offers it"
keys y; wait_for "Undone: the attach"; ok $? "and undoes it"

# --- detach of function 0 of a multifunction slot: the sibling that stays is named ---
form_for 65:00.0
keys Tab Tab Tab Right Right; wait_for "< all functions >"; keys Tab Enter; wait_for "XML preview"
keys Enter; wait_for "[y/N]"; keys y; wait_for "Override and apply anyway?"; keys y
wait_for "Assignment applied"; keys Escape; wait_for "Host PCI functions"
keys o; wait_for "Who owns what"
keys '/'; wait_for "Filter:"; keys -l "65:00.0 build"; keys Enter; wait_for "1 shown"
keys d; wait_for "Detach 0000:65:00.0 from the persistent configuration of guest 'build'? [y/N]"
keys y
wait_for "0000:65:00.0 detached from the persistent configuration of guest 'build'; 0000:65:00.1 shares"
ok $? "detach of function 0: the status line names the sibling that stays"
keys '/'; wait_for "Filter:"; keys BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace
keys BSpace BSpace BSpace BSpace; keys -l "65:00.1 build"; keys Enter; wait_for "1 shown"
screen | grep -q "^0000:65:00.1 .*build .*C "; ok $? "and libvirt still holds the sibling"
keys d; wait_for "[y/N]"; keys y
wait_for "0000:65:00.1 detached from the persistent configuration of guest 'build'."
ok $? "the sibling detached on its own"
keys '/'; wait_for "Filter:"; keys BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace
keys BSpace BSpace BSpace BSpace Enter; wait_gone "[filter:"
screen | grep -q "^0000:65:00.0 .*ml-train"; ok $? "the whole review again"
! screen | grep -Eq "^0000:65:00\.[01] +(yes|no) +build "; ok $? "build holds neither afterwards"

# --- detach scope: web01 runs and holds 0000:17:02.1 live and persistent ---
keys o; wait_for "Who owns what"
keys '/'; wait_for "Filter:"; keys web01 Enter; wait_for "filter: web01"
screen | grep -q "^0000:17:02.1 .*web01 .*L+C "; ok $? "web01 holds the VF in both configurations"
# the test driver has no live device change: only the persistent configuration is offered
keys d; wait_for "Detach 0000:17:02.1 from the persistent configuration of guest 'web01'? [y/N]"
ok $? "d on a function held in both, on the test driver: persistent only, no live scope offered"
keys Escape; wait_for "Nothing detached."; ok $? "Esc: nothing detached"
screen | grep -q "^0000:17:02.1 .*web01 .*L+C "; ok $? "and libvirt still holds it in both"
keys d; wait_for "Detach 0000:17:02.1 from the persistent configuration of guest 'web01'? [y/N]"
keys y; wait_for "0000:17:02.1 detached from the persistent configuration of guest 'web01'."
ok $? "detached from the persistent configuration"
screen | grep -q "^0000:17:02.1 .*web01 .*L "; ok $? "libvirt holds it in the running guest only"
keys d; wait_for "libvirt's test driver has no live change: persistent only, from next start"
ok $? "held live only: nothing the connection can detach, and the console says why"
! screen | grep -q "not supported"; ok $? "no raw 'not supported' from libvirt"
# its undo attaches it to the persistent configuration again: that the running guest still holds it
# is no double assignment (build's persistent configuration holding it asks for an override)
keys u; wait_for "Undo the detach of 0000:17:02.1 for guest 'web01'"; keys y
wait_for "Override and apply anyway?"; keys y
wait_for "Undone: the detach of 0000:17:02.1 for guest 'web01'"
ok $? "undo of a persistent-only detach of what the guest holds live is not refused as assigned"
screen | grep -q "^0000:17:02.1 .*web01 .*L+C "; ok $? "web01 holds it in both configurations again"

# --- undo of a console detach, with the guard's override asked again ---
keys '/'; wait_for "Filter:"; keys BSpace BSpace BSpace BSpace BSpace build Enter
wait_for "filter: build"
screen | grep -q "^0000:17:02.1 .*build .*C "
ok $? "build holds the VF in its persistent configuration"
keys d; wait_for "Detach 0000:17:02.1 from the persistent configuration of guest 'build'? [y/N]"
ok $? "held in one configuration only: no scope to choose"
keys y; wait_for "0000:17:02.1 detached from the persistent configuration of guest 'build'."
keys u; wait_for "Undo the detach of 0000:17:02.1 for guest 'build' ("
bottom | grep -q "by attaching it again to the persistent configuration? \[y/N\]"
ok $? "undo of the detach: attach again where it was detached from"
keys y; wait_for "Override and apply anyway?"
bottom | grep -q "0000:17:02.1 is held by .*web01"
ok $? "web01 holds it too: the override is asked, as for an attach"
keys n; wait_for "Nothing applied."; ok $? "n: nothing applied"
screen | grep -q "^0000:17:02.1 .*build"; [ $? -ne 0 ]; ok $? "and build does not hold it"
keys u; wait_for "Undo the detach of 0000:17:02.1 for guest 'build'"; keys y
wait_for "Override and apply anyway?"; keys y
wait_for "Undone: the detach of 0000:17:02.1 for guest 'build'"; ok $? "y, y: undone"
screen | grep -q "^0000:17:02.1 .*build .*C "
ok $? "libvirt holds it in build's persistent configuration again"
keys q; wait_for "EXITED"; screen | grep -q "EXITED 0 icanon echo"; ok $? "q exits 0"

# --- a damaged end of the journal: undo refuses and says why ---
printf 'garbage' >> "$J"
tui_start 120 40 --dev-root "$X86-dev" --sysfs-root "$X86" -c "$URI"
wait_for "Host PCI functions"
keys u; wait_for "damaged"; ok $? "a damaged journal end: u refuses and says so"
screen | grep -q "Undo the"; [ $? -ne 0 ]; ok $? "and asks nothing"
keys q; wait_for "EXITED 0"

# --- a change cut short: its intent alone in the journal; u resolves it and says so, not undone ---
J2="$WORK/journal-cut"
PCIPASS_JOURNAL="$J2" "$PCIPASS" -c "$URI" --sysfs-root "$X86" --dev-root "$X86-dev" \
    attach --config build 0000:b3:00.0 > /dev/null 2>&1
ok $? "the CLI attaches 0000:b3:00.0 (in its own copy of the test driver's guests)"
head -n 2 "$J2" > "$J2.cut" && mv "$J2.cut" "$J2"
grep -q '"phase":"intent"' "$J2"; ok $? "the journal holds the intent alone, as a killed attach leaves it"
TUI_ENV="PCIPASS_JOURNAL=$J2" tui_start 120 40 --dev-root "$X86-dev" --sysfs-root "$X86" -c "$URI"
wait_for "Host PCI functions"
keys u; wait_for "Nothing undone: the last change (attach of 0000:b3:00.0) was cut short"
ok $? "u: resolved as not made, said as such"
screen | grep -q "Undo the"; [ $? -ne 0 ]; ok $? "and nothing is asked or undone"
[ "$(grep -c '^#pcipass-journal' "$J2")" = 2 ]; ok $? "the resolution is recorded"
keys q; wait_for "EXITED 0"

done_testing

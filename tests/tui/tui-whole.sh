#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The console says what the CLI says, and says it whole: the interface MAC and the zPCI ids it
# sends are the CLI's, FID/UID on s390, ambiguous numbers refused as typed, r reads the host
# again, the checklist reopens, long messages wrap at words at 80x24, and the German console
# takes its own yes.
. "$srcdir/tests/lib/common.sh"
. "$srcdir/tests/lib/tmux.sh"

tui_begin

X86=$(fake_root x86-server)
S390=$(fake_root s390-zpci)
URI="test://$top_srcdir/data/demo/guests.xml"
TUI_ENV="PCIPASS_JOURNAL=$WORK/journal"
# the screen as one line, blanks squeezed: wrapped text reads whole again
flat() { screen | tr '\n' ' ' | tr -s ' '; }

# --- s390: FID and UID in the list, both sizes ---
for size in 80x24 120x40; do
    tui_start "${size%x*}" "${size#*x}" --dev-root "$S390-dev" --sysfs-root "$S390" -c "$URI"
    wait_for "Host PCI functions"
    screen | grep -q "FID  *UID"; ok $? "$size s390: FID and UID columns in the list"
    screen | grep -q "^0002:00:00.0 .*0x00000302 0x0302"; ok $? "$size s390: a function's own fid and uid"
    golden "functions-s390-$size"; ok $? "$size s390: golden function list"
done

# --- zPCI: the form suggests what attach sends; 0400 is ambiguous; 400 is said as read ---
keys j j Enter; wait_for "Pick the guest for 0002:00:00.0"
keys End Enter; wait_for "Assign 0002:00:00.0 to guest 'zlinux2'"
screen | grep -q "zPCI uid            0x0302"; ok $? "form: the host's uid, free in the guest (the one policy)"
keys Tab Tab BSpace BSpace BSpace BSpace BSpace BSpace; keys -l 0400
wait_for "zpci uid: '0400' is ambiguous: a leading zero without 0x"
ok $? "form: uid 0400 refused as ambiguous, naming the field"
flat | grep -qF "(write 0x0400 for hex, or the decimal number without the zero); valid range 0x0001-0xffff"
ok $? "form: the refusal whole, with the valid range, wrapped at 120 columns"
golden form-ambiguous-120x40; ok $? "golden: the ambiguous uid in the form"
keys BSpace BSpace BSpace BSpace; keys -l 400; wait_for "zpci uid 400 read as 0x0190."
ok $? "form: a decimal uid is shown as read"
keys Tab Tab Tab Enter; wait_for "XML preview: 0002:00:00.0 to guest 'zlinux2'"
screen | grep -q '<zpci uid="0x0190" fid="0x00000302"/>'; ok $? "preview: the uid as read, the host's fid"
keys Escape Escape y Escape; wait_for "Host PCI functions"
"$PCIPASS" --sysfs-root "$S390" -c "$URI" xml --guest zlinux2 0002:00:00.0 > "$WORK/zx.out" 2>&1
grep -q '<zpci uid="0x0302" fid="0x00000302"/>' "$WORK/zx.out"; ok $? "CLI xml --guest: the same ids the form suggests"

# --- the interface MAC: the preview's is the CLI's, and libvirt stores it ---
"$PCIPASS" --sysfs-root "$X86" -c "$URI" xml --interface --guest ml-train 0000:17:02.3 > "$WORK/mac.out" 2>&1
mac=$(sed -n 's/.*<mac address="\([^"]*\)".*/\1/p' "$WORK/mac.out")
[ -n "$mac" ]; ok $? "CLI xml --interface --guest: a MAC ($mac)"
tui_start 80 24 --dev-root "$X86-dev" --sysfs-root "$X86" -c "$URI"
wait_for "Host PCI functions"
keys End k k k Enter; wait_for "Pick the guest for 0000:17:02.3"
keys j Enter; wait_for "Assign 0000:17:02.3 to guest 'ml-train'"
keys Right; wait_for "< interface >"
wait_for "empty: $mac"; ok $? "form: the MAC an empty field sends, the CLI's"
keys Tab Tab Tab Tab Tab Enter; wait_for "XML preview: 0000:17:02.3"
screen | grep -q "<mac address=\"$mac\"/>"; ok $? "preview: the same MAC"
keys Enter; wait_for "[y/N]"; keys y; wait_for "Assignment applied"
screen | grep -q "<mac address=\"$mac\"/>"; ok $? "libvirt stored that MAC"
keys Enter; wait_for "Host PCI functions"

# --- r reads the host again: a driver changed under the console ---
screen | grep -q "^0000:65:00.1 .*snd_hda_i"; ok $? "the audio function on snd_hda_intel"
ln -sfn ../../../bus/pci/drivers/vfio-pci "$X86/bus/pci/devices/0000:65:00.1/driver"
keys r; wait_for "Host, guests and setup checks read"
ok $? "r: the host, the guests and the setup checks read"
screen | grep -q "^0000:65:00.1 .* vfio-pci  *40"; ok $? "r: the row shows the new driver"
ln -sfn ../../../bus/pci/drivers/snd_hda_intel "$X86/bus/pci/devices/0000:65:00.1/driver"

# --- the checklist again from c, listed in the help ---
keys '?'; wait_for "Help: keys"; keys End
wait_for "  c            the setup checklist"; ok $? "help lists c: the checklist"
keys c; wait_for "Setup checklist: every check passed"; ok $? "c opens the checklist"
screen | grep -q "^ \[pass\] iommu  "; ok $? "its items, the message column lined up"
keys Escape; wait_for "Help: keys"; keys Escape; wait_for "Host PCI functions"

# --- the filter as typed, class names, Ctrl-U ---
keys /; keys -l GPU; wait_for "[filter: GPU]  2 shown"
ok $? "filter GPU as typed: the display controller and its audio partner"
keys C-u; wait_for "Host PCI functions"; screen | grep -q "filter:"; [ $? -ne 0 ]
ok $? "Ctrl-U empties the filter"
keys -l Ethernet; wait_for "[filter: Ethernet]  7 shown"; keys Enter
wait_for "0000:05:00.0 Ethernet co"; ok $? "filter by class name"
keys / C-u Enter; wait_for "Host PCI functions"
keys q; wait_for "EXITED"

# the screen's guest addresses (blanks and line breaks left out: long lines wrap at 80 columns):
# functions 0 and 1 in one slot, multifunction on function 0
one_slot() {
    screen | tr -d ' \n' | grep -o '<addresstype="pci"domain="0x0000"bus="0x00"slot="0x[0-9a-f]*"function="0x[01]"[^/]*/>' > "$WORK/slots"
    _s0=$(sed -n 's/.*slot="\([^"]*\)"function="0x0"multifunction="on".*/\1/p' "$WORK/slots")
    _s1=$(sed -n 's/.*slot="\([^"]*\)"function="0x1".*/\1/p' "$WORK/slots")
    [ -n "$_s0" ] && [ "$_s0" = "$_s1" ] || { screen | diag; return 1; }
}

# --- the GPU and its audio function marked and assigned together, one multifunction device ---
for size in 80x24 120x40; do
    tui_start "${size%x*}" "${size#*x}" --dev-root "$X86-dev" --sysfs-root "$X86" -c "$URI"
    wait_for "Host PCI functions"
    keys /; keys -l 65:00; keys Enter; wait_for "2 shown"
    keys Space; wait_for "1 function marked"; keys j Space; wait_for "2 functions marked"
    screen | grep -q "^0000:65:00.0\*" && screen | grep -q "^0000:65:00.1\*"
    ok $? "$size: Space marks the GPU and its audio function"
    golden "functions-marked-$size"; ok $? "$size: golden list with two marks"
    keys Enter; wait_for "Pick the guest for 0000:65:00.0, 0000:65:00.1 (together)"
    keys Home Enter; wait_for "Assign 0000:65:00.0, 0000:65:00.1 together to guest 'build'"
    wait_for "Preview and apply ask for an explicit override"
    ok $? "$size: the form shows the guard finding as it opens, and what resolves it"
    screen | grep -q "IOMMU group 40 partner"; [ $? -ne 0 ]
    ok $? "$size: the audio partner goes along: no group finding"
    golden "form-marked-$size"; ok $? "$size: golden form for the two functions"
    keys Tab Tab Tab Enter; wait_for "XML preview: 0000:65:00.0, 0000:65:00.1 to guest 'build'"
    wait_for "This plan needs 1 explicit override at apply"; ok $? "$size: the preview says the override the plan needs"
    one_slot; ok $? "$size: preview: one guest slot, multifunction on function 0"
    keys Enter; wait_for "[y/N]"; keys y; wait_for "Override and apply anyway?"; keys y
    wait_for "Assignment applied"; ok $? "$size: applied after the explicit override"
    one_slot; ok $? "$size: libvirt stored both functions in one slot"
    keys Enter; wait_for "Host PCI functions"
    screen | grep -q "^0000:65:00.1 .*build\[C\]"; ok $? "$size: the list shows build holding the audio function, marks gone"
    screen | grep -q "^0000:65:00.[01]\*"; [ $? -ne 0 ]; ok $? "$size: no marks left after the apply"
done

# --- the ownership review's finding, whole in its detail pane at 80x24 ---
tui_start 80 24 --dev-root "$X86-dev" --sysfs-root "$X86" -c "$URI"
wait_for "Host PCI functions"; keys o; wait_for "Who owns what"; keys j
wait_for "0000:17:02.1, guest 'build': shared"
flat | grep -qF "0000:17:02.1, guest 'build': shared: 0000:17:02.1 is held by guest 'web01' (live and persistent configuration); two guests holding one function cannot both start"
ok $? "80x24: the review's finding whole, wrapped in the detail pane"
keys q; wait_for "EXITED"

# --- a long libvirt error, whole at 80x24 ---
LONG="$WORK/a-rather-long-directory-name-for-the-host-file/guests-of-the-lab.xml"
tui_start 80 24 --dev-root "$X86-dev" --sysfs-root "$X86" -c "test://$LONG"
wait_for "Setup checklist"; keys Escape; wait_for "no guests"
# (a path longer than a line is broken where the line ends, so blanks are left out to compare)
screen | tr -d ' \n' | grep -qF "$(printf '%s' "no guests: cannot connect to libvirt at 'test://$LONG': XML error: failed to parse xml document '$LONG'" | tr -d ' ')"
ok $? "80x24: a long libvirt error shown whole, wrapped"
keys q; wait_for "EXITED"

# --- German: screen names in the help, [j/N] where j is yes, FEHLER ---
mkdir -p "$WORK/locale"
if command -v localedef >/dev/null && localedef -i de_DE -f UTF-8 "$WORK/locale/de_DE.UTF-8" > /dev/null 2>&1 ||
    [ -d "$WORK/locale/de_DE.UTF-8" ]; then
    CAT="$WORK/catalogs"; mkdir -p "$CAT/de/LC_MESSAGES"
    msgfmt -o "$CAT/de/LC_MESSAGES/pcipass.mo" "$top_srcdir/po/de.po"
    TUI_ENV="PCIPASS_JOURNAL=$WORK/journal-de LOCPATH=$WORK/locale LC_ALL=de_DE.UTF-8 LANG=de_DE.UTF-8 LANGUAGE=de PCIPASS_LOCALEDIR=$CAT"
    mkdir -p "$WORK/emptydev"
    tui_start 80 24 --dev-root "$WORK/emptydev" --sysfs-root "$X86" -c "$URI"
    wait_for "Einrichtung"; screen | grep -q "^ \[FEHLER\] dev-vfio "; ok $? "German: [FEHLER] in the checklist"
    keys Escape; wait_for "PCI-Funktionen des Hosts"
    keys '?'; wait_for "(Funktionsliste)"; ok $? "German: the help names the screens in German"
    golden help-de-80x24; ok $? "golden: the German help"
    keys Escape o; wait_for "Wer belegt was"
    # the test driver changes persistent configurations only: d asks no scope, only yes or no
    keys /; keys -l zlinux1; keys Enter; keys d; wait_for "[j/N]"; ok $? "German: the question offers [j/N]"
    keys j; wait_for "0001:00:00.0 von Gast 'zlinux1' abgetrennt (persistente Konfiguration)."
    ok $? "German: j answers yes (libvirt was asked, and the result read back)"
    keys q; wait_for "EXITED"
else
    for t in "[FEHLER]" "help" "golden help" "[j/N]" "j is yes"; do ok 0 "German: $t # SKIP no de_DE locale"; done
fi
done_testing

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The checklist's fix key: the setup step of the first item that has one, shown as the diff
# `pcipass setup --dry-run` shows, applied on y only, the checks run again afterwards.
. "$srcdir/tests/lib/common.sh"
. "$srcdir/tests/lib/tmux.sh"

tui_begin

H="$WORK/host"
S=$(fake_root setup)
for s in "" -proc -boot -conf; do [ ! -e "$S$s" ] || cp -a "$S$s" "$H$s"; done
mkdir -p "$H-conf/etc/default" "$WORK/nodev"
printf 'GRUB_CMDLINE_LINUX=""\n' > "$H-conf/etc/default/grub"
ROOTS="--sysfs-root $H --proc-root $H-proc --boot-root $H-boot --conf-root $H-conf --dev-root $WORK/nodev"

tui_start 100 30 $ROOTS -c test:///default
wait_for "Setup checklist"; ok $? "the checklist opens first on a host that is not set up"
screen | grep -q "f:fix"; ok $? "the footer shows the fix key"
keys f; wait_for "Apply this setup step?"
screen | grep -qF '+GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX intel_iommu=on"' &&
    screen | grep -qF "not run (a fake root): update-grub"
ok $? "f previews the iommu step as a diff, with the command it would not run"
keys n; wait_for "Nothing changed."
[ ! -e "$H-conf/etc/default/grub.d/pcipass.cfg" ]; ok $? "n: nothing is written"
keys f; wait_for "Apply this setup step?"; keys y
wait_for "setup iommu: done; configured, takes effect at the next boot."; ok $? "y applies it and says so"
grep -q 'intel_iommu=on' "$H-conf/etc/default/grub.d/pcipass.cfg"; ok $? "the drop-in is written"
wait_for "[wait] iommu"; ok $? "the checklist is run again: the IOMMU is pending now"
keys '?'; wait_for "Help: keys"
screen | grep -q "  f  *fix: the setup step of the first item"; ok $? "the help lists the fix key"
keys Escape Escape; wait_for "Host PCI functions"
keys u; wait_for "Undo the setup iommu,fake"
screen | tr -s ' \n' '  ' | grep -qF "would remove $H-conf/etc/default/grub.d/pcipass.cfg"
ok $? "u on a setup step asks, saying what undo does to its files"
keys y; wait_for "Undone: the setup iommu,fake"; ok $? "y undoes it"
[ ! -e "$H-conf/etc/default/grub.d/pcipass.cfg" ]; ok $? "the drop-in is gone again"
keys q; wait_for "EXITED"
"$top_builddir/pcipass" $ROOTS history --json > "$WORK/h.json"
[ "$(jq -r '[.[] | .action + ":" + .state + ":" + (.undone | tostring)] | join(" ")' "$WORK/h.json")" = "setup:done:true undo:done:false" ]
ok $? "the console's setup and its undo are journaled like the CLI's"

done_testing
